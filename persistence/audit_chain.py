"""The audit chains: how an event is digested, chained and appended.

Events are spread over AUDIT_CHAINS independent chains (all events of one transaction go to
one chain, chosen at random), so that concurrent requests rarely wait for the same row lock.
In each chain, hash(n) = SHA-256(hash(n-1) || SHA-256(canonical(event n))), from GENESIS_HASH.

The step is computed inside PostgreSQL, in the same statement that appends the event (and, for
audited reads, in the same statement that reads the record, so that the event can name the
organisation the record belongs to). The canonical form is the text of a ``jsonb`` object of
the event's fields; :func:`canonical` reproduces it byte for byte, and verification recomputes
every hash with it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from uuid import UUID

GENESIS_HASH = hashlib.sha256(b"shakti-mis audit chain genesis").digest()
# One audit_chain_head row per chain, made by migrations (0001: chains 1-16; 0012: 17-64).
AUDIT_CHAINS = 64

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


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit event as the domain reports it: who, what, which record, outcome. No data."""

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


def pick_chain() -> int:
    """A chain for one transaction's events."""
    return secrets.randbelow(AUDIT_CHAINS) + 1


def timestamp_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def field_texts(record: AuditRecord) -> dict[str, str | None]:
    """The event's fields as the text PostgreSQL digests (None for SQL NULL)."""

    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return {
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


def canonical(record: AuditRecord) -> bytes:
    """The text of ``jsonb_build_object(...)`` for the event: keys ordered by length, then
    bytes; ``", "`` and ``": "`` separators (jsonb's output form)."""
    fields = field_texts(record)
    keys = sorted(fields, key=lambda key: (len(key.encode()), key.encode()))
    body = ", ".join(
        f"{json.dumps(key)}: {json.dumps(fields[key], ensure_ascii=False)}" for key in keys
    )
    return ("{" + body + "}").encode()


def digest(record: AuditRecord) -> bytes:
    return hashlib.sha256(canonical(record)).digest()


def chain_hash(previous: bytes, event_digest: bytes) -> bytes:
    return hashlib.sha256(previous + event_digest).digest()


@lru_cache(maxsize=256)  # a handful of statement shapes, built once each
def append_sql(*, first_param: int, organization_sql: str | None = None, when: str = "") -> str:
    """The CTEs ``audit_head`` and ``audit_append`` that append one event.

    Parameters ``$first_param`` .. ``$first_param + 10`` are, in order: the chain number, then
    the text of each field of :data:`_FIELDS`. ``organization_sql`` replaces the organisation
    parameter by an SQL expression (an audited read takes it from the record it read);
    ``when`` is an extra condition for appending at all.
    """
    p = {name: f"${first_param + 1 + i}::text" for i, name in enumerate(_FIELDS)}
    if organization_sql is not None:
        p["organization_id"] = f"({organization_sql})::text"
    chain = f"${first_param}::smallint"
    document = ", ".join(f"'{name}', {p[name]}" for name in _FIELDS)
    condition = f" AND {when}" if when else ""
    return f"""audit_head AS (
        UPDATE audit_chain_head
           SET last_seq = last_seq + 1,
               last_hash = sha256(last_hash || sha256(convert_to(
                   jsonb_build_object({document})::text, 'UTF8')))
         WHERE id = {chain}{condition}
     RETURNING id, last_seq, last_hash
    ),
    audit_append AS (
        INSERT INTO audit_event (chain, chain_seq, hash, id, occurred_at, actor_type, actor_id,
                                 organization_id, action, entity_type, entity_id, request_id,
                                 outcome)
        SELECT audit_head.id, audit_head.last_seq, audit_head.last_hash,
               ({p["id"]})::uuid, ({p["occurred_at"]})::timestamptz, {p["actor_type"]},
               ({p["actor_id"]})::uuid, ({p["organization_id"]})::uuid, {p["action"]},
               {p["entity_type"]}, ({p["entity_id"]})::uuid, {p["request_id"]}, {p["outcome"]}
          FROM audit_head
     RETURNING 1
    )"""


def append_args(chain: int, record: AuditRecord) -> list[object]:
    """The parameters of :func:`append_sql`, in order."""
    texts = field_texts(record)
    return [chain, *(texts[name] for name in _FIELDS)]


APPEND_ONE = f"WITH {append_sql(first_param=1)} SELECT count(*) FROM audit_append"


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

    When ``owned`` (the rows have an ``organization_id``) and the event names no organisation,
    the event takes the organisation of the first row returned.

    ``access`` is an ``access AS (...)`` CTE (persistence/access.py) that ``select_sql`` must
    require (``EXISTS (SELECT 1 FROM access)``); the statement then always returns at least one
    row, whose ``access_ok`` column says whether the caller's token still holds (the record's
    columns are NULL when nothing was found).
    """
    organization = None
    if owned:
        own = f"${params + 6}::text"
        organization = f"COALESCE({own}, (SELECT organization_id FROM audited LIMIT 1)::text)"
    append = append_sql(
        first_param=params + 1,
        organization_sql=organization,
        when="EXISTS (SELECT 1 FROM audited)"
        if only_if_found
        else "EXISTS (SELECT 1 FROM access)"
        if access
        else "",
    )
    if access is None:
        return f"WITH audited AS ({select_sql}), {append} SELECT * FROM audited"
    return (
        f"WITH {access}, audited AS ({select_sql}), {append} "
        "SELECT EXISTS (SELECT 1 FROM access) AS access_ok, audited.* "
        "FROM (SELECT 1) AS one LEFT JOIN audited ON true"
    )
