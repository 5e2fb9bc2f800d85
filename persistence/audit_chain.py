"""The audit chains: how an event is digested, chained under the audit key and appended.

Events are spread over AUDIT_CHAINS independent chains (all events of one transaction go to
one chain, chosen at random), so that concurrent requests rarely wait for the same row lock.
In each chain, from GENESIS_HASH,

    hash(n) = HMAC-SHA256(audit key kid(n), hash(n-1) || SHA-256(canonical(event n)))

where the key is one of the audit keys held outside the database (``SHAKTI_AUDIT_KEYS``) and
``kid(n)`` is stored on the event, so that verification picks the right key after a rotation.
Without the key nobody can recompute the chain after editing a row. Events written before
audit keys existed (migration 0017) have no kid and were chained with plain SHA-256
(``hash(n) = SHA-256(hash(n-1) || SHA-256(canonical))``, :func:`chain_hash`); they may only
open a chain, and a keyed event must follow them (it pins their last hash under the key).

The step is computed inside PostgreSQL, in the same statement that appends the event (and, for
audited reads, in the same statement that reads the record, so that the event can name the
organisation the record belongs to), by the function ``audit_append`` (SECURITY DEFINER: the
application's role may neither insert events nor write the chain heads itself). The HMAC is
computed there as SHA-256((K xor opad) || SHA-256((K xor ipad) || message)) (RFC 2104) with
the two padded keys sent as bind parameters: they are never stored in the database. The
canonical form is the text of a ``jsonb`` object of the event's fields; :func:`canonical`
reproduces it byte for byte, and verification recomputes every hash with it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from uuid import UUID

GENESIS_HASH = hashlib.sha256(b"shakti-mis audit chain genesis").digest()
# One audit_chain_head row per chain, made by migrations (0001: chains 1-16; 0012: 17-64).
AUDIT_CHAINS = 64
# An audit key id: short and plain (it is stored on every event and named in checkpoints).
KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
AUDIT_KEY_BYTES = 32
_BLOCK = 64  # SHA-256's block size: the HMAC pads
_CHECKPOINT_LABEL = b"shakti-mis audit checkpoint v1"

_FIELDS = (
    "id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "organization_id",
    "action",
    "entity_type",
    "entity_id",
    "request_id",
    "outcome",
)
# Also digested by a keyed event (not by the events of before audit keys, which had none).
_KEYED_FIELDS = ("kid", "caller_request_id")
# The arguments of the SQL function audit_append, in order.
_ARGUMENTS = ("chain", "ipad", "opad", "kid", *_FIELDS, "caller_request_id", "device_id")
_CASTS = {"chain": "smallint", "ipad": "bytea", "opad": "bytea"}


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit event as the domain reports it: who, what, which record, outcome. No data.

    ``request_id`` is the server's id of the request; ``caller_request_id`` the caller's own
    X-Request-ID, when it was a plain short token (kept apart: a caller never chooses the id
    the trail knows the request by)."""

    id: UUID
    occurred_at: datetime
    actor_type: str
    actor_id: UUID | None
    organization_id: UUID | None
    action: str
    entity_type: str
    entity_id: UUID | None
    request_id: str | None
    outcome: str
    caller_request_id: str | None = None
    # The registered device the event came from (migration 0029); digested only when set, so
    # that the events of before keep their hashes.
    device_id: UUID | None = None


class AuditKeys:
    """The audit keys (256-bit HMAC-SHA256 keys, by kid): the active one chains new events and
    signs checkpoints; every one of them verifies (a rotation keeps the old ones)."""

    __slots__ = ("_keys", "active_kid", "ipad", "opad")

    def __init__(self, keys: Mapping[str, bytes], active_kid: str) -> None:
        if active_kid not in keys:
            raise ValueError("the active audit key is not among the audit keys")
        for kid, key in keys.items():
            if not KEY_ID.match(kid):
                raise ValueError("audit key ids are 1 to 64 letters, digits, '.', '_' or '-'")
            if len(key) != AUDIT_KEY_BYTES:
                raise ValueError("an audit key must be 32 bytes (256 bits)")
        self._keys = dict(keys)
        self.active_kid = active_kid
        # The active key XOR the HMAC pads, sent with every append (never stored).
        block = keys[active_kid].ljust(_BLOCK, b"\0")
        self.ipad = bytes(byte ^ 0x36 for byte in block)
        self.opad = bytes(byte ^ 0x5C for byte in block)

    def __repr__(self) -> str:
        return f"AuditKeys(kids={sorted(self._keys)!r}, active_kid={self.active_kid!r})"

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def step(self, kid: str, previous: bytes, event_digest: bytes) -> bytes | None:
        """The keyed chain step under key ``kid`` (None when no such key is configured)."""
        key = self._keys.get(kid)
        if key is None:
            return None
        return hmac.digest(key, previous + event_digest, "sha256")

    def _checkpoint_key(self, kid: str) -> bytes | None:
        # A key of its own for checkpoints (derived), so that no checkpoint signature can ever
        # stand for a chain step or the other way round.
        key = self._keys.get(kid)
        return None if key is None else hmac.digest(key, _CHECKPOINT_LABEL, "sha256")

    def sign_checkpoint(self, payload: bytes) -> bytes:
        """The signature of a checkpoint's payload under the active key."""
        key = self._checkpoint_key(self.active_kid)
        assert key is not None  # noqa: S101 - the active key is always configured
        return hmac.digest(key, payload, "sha256")

    def checkpoint_signed(self, kid: str, payload: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is the checkpoint signature of ``payload`` under ``kid``."""
        key = self._checkpoint_key(kid)
        return key is not None and hmac.compare_digest(
            hmac.digest(key, payload, "sha256"), signature
        )


def pick_chain() -> int:
    """A chain for one transaction's events."""
    return secrets.randbelow(AUDIT_CHAINS) + 1


def timestamp_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def field_texts(record: AuditRecord, kid: str | None = None) -> dict[str, str | None]:
    """The event's fields as the text PostgreSQL digests (None for SQL NULL); with ``kid``
    (a keyed event), also the kid and the caller's request id."""

    def text(value: object) -> str | None:
        return None if value is None else str(value)

    fields = {
        "id": str(record.id),
        "occurred_at": timestamp_text(record.occurred_at),
        "actor_type": str(record.actor_type),
        "actor_id": text(record.actor_id),
        "organization_id": text(record.organization_id),
        "action": str(record.action),
        "entity_type": record.entity_type,
        "entity_id": text(record.entity_id),
        "request_id": record.request_id,
        "outcome": str(record.outcome),
    }
    if kid is not None:
        fields["kid"] = kid
        fields["caller_request_id"] = record.caller_request_id
        if record.device_id is not None:
            fields["device_id"] = str(record.device_id)
    return fields


def canonical(record: AuditRecord, kid: str | None = None) -> bytes:
    """The text of ``jsonb_build_object(...)`` for the event: keys ordered by length, then
    bytes; ``", "`` and ``": "`` separators (jsonb's output form)."""
    fields = field_texts(record, kid)
    keys = sorted(fields, key=lambda key: (len(key.encode()), key.encode()))
    body = ", ".join(
        f"{json.dumps(key)}: {json.dumps(fields[key], ensure_ascii=False)}" for key in keys
    )
    return ("{" + body + "}").encode()


def digest(record: AuditRecord, kid: str | None = None) -> bytes:
    return hashlib.sha256(canonical(record, kid)).digest()


def chain_hash(previous: bytes, event_digest: bytes) -> bytes:
    """The plain chain step of the events of before audit keys (no kid)."""
    return hashlib.sha256(previous + event_digest).digest()


def _parameter(name: str, first_param: int) -> str:
    return f"${first_param + _ARGUMENTS.index(name)}::{_CASTS.get(name, 'text')}"


@lru_cache(maxsize=256)  # a handful of statement shapes, built once each
def append_call(*, first_param: int, organization_sql: str | None = None) -> str:
    """A call of ``audit_append`` that appends one event and returns its position.

    Parameters ``$first_param`` .. ``$first_param + 15`` are, in order: the chain number, the
    active audit key XOR ipad and XOR opad, its kid, the text of each field of
    :data:`_FIELDS`, the caller's request id and the device (:func:`append_args`).
    ``organization_sql`` replaces the organisation parameter by an SQL expression (an audited
    read takes it from the record it read).
    """
    arguments = [_parameter(name, first_param) for name in _ARGUMENTS]
    if organization_sql is not None:
        arguments[_ARGUMENTS.index("organization_id")] = f"({organization_sql})::text"
    return f"audit_append({', '.join(arguments)})"


def append_args(keys: AuditKeys, chain: int, record: AuditRecord) -> list[object]:
    """The parameters of :func:`append_call`, in order."""
    texts = field_texts(record)
    return [
        chain,
        keys.ipad,
        keys.opad,
        keys.active_kid,
        *(texts[name] for name in _FIELDS),
        record.caller_request_id,
        None if record.device_id is None else str(record.device_id),
    ]


APPEND_ONE = f"SELECT {append_call(first_param=1)}"


@lru_cache(maxsize=256)
def audited_read_sql(
    select_sql: str,
    params: int,
    *,
    only_if_found: bool = True,
    owned: bool = True,
    access: str | None = None,
) -> str:
    """``select_sql`` (which uses ``$1``..``$params``) with one audit event appended in the same
    statement: only when it returns a row (a read), or always (a search).

    The statement always answers at least one row: when ``select_sql`` finds nothing, one
    whose record columns are NULL (test ``id``). This is what makes the append certain: its
    count is computed for that first row, whatever the planner knows about the record (a
    plain SELECT in a WITH runs only as far as the outer query reads it).

    When ``owned`` (the rows have an ``organization_id``) and the event names no organisation,
    the event takes the organisation of the first row returned.

    ``access`` is an ``access AS (...)`` CTE (persistence/access.py) that ``select_sql`` must
    require (``EXISTS (SELECT 1 FROM access)``); the answer's ``access_ok`` column then says
    whether the caller's token still holds.
    """
    organization = None
    if owned:
        own = _parameter("organization_id", params + 1)
        organization = f"COALESCE({own}, (SELECT organization_id FROM audited LIMIT 1)::text)"
    call = append_call(first_param=params + 1, organization_sql=organization)
    when = (
        "EXISTS (SELECT 1 FROM audited)"
        if only_if_found
        else "EXISTS (SELECT 1 FROM access)"
        if access
        else ""
    )
    appended = f"audit_appended AS (SELECT {call} AS position{f' WHERE {when}' if when else ''})"
    ctes = f"{access}, " if access else ""
    access_ok = "EXISTS (SELECT 1 FROM access) AS access_ok, " if access else ""
    return (
        f"WITH {ctes}audited AS ({select_sql}), {appended} "
        f"SELECT {access_ok}appended.audit_appended, audited.* "
        "FROM (SELECT count(*) AS audit_appended FROM audit_appended) AS appended "
        "LEFT JOIN audited ON true"
    )
