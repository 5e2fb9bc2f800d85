"""Signed checkpoints of the audit chains' heads: one line an operator keeps elsewhere.

A checkpoint is ``shakti-audit-checkpoint.v1.<payload>.<signature>`` (both base64url, no
padding). The payload is compact JSON: the kid of the audit key that signed it, when it was
taken, and ``[chain, position, hash]`` for every chain. The signature is an HMAC-SHA256 of
the payload bytes under a key derived from that audit key (persistence.audit_chain.AuditKeys):
whoever can edit the database but does not hold the audit key can neither forge a checkpoint
nor edit one without it being refused. A symmetric key suffices because checkpoints are
checked by this service's own verification, which needs the audit key anyway; a rotation
keeps old keys configured, so old checkpoints stay checkable.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from persistence.audit_chain import AUDIT_CHAINS, KEY_ID, AuditKeys

PREFIX = "shakti-audit-checkpoint.v1"
VERSION = 1
MAX_LENGTH = 16_384


class CheckpointRefused(ValueError):
    """The text is not a checkpoint this service signed (malformed, unknown key, or altered)."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    kid: str
    taken_at: datetime
    heads: dict[int, tuple[int, bytes]]  # chain -> (position, hash)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not text or not text.replace("-", "").replace("_", "").isalnum() or not text.isascii():
        raise CheckpointRefused("The checkpoint is not well formed.")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CheckpointRefused("The checkpoint is not well formed.") from exc


def encode(keys: AuditKeys, taken_at: datetime, heads: dict[int, tuple[int, bytes]]) -> str:
    """The signed checkpoint of ``heads`` under the active audit key."""
    payload = json.dumps(
        {
            "v": VERSION,
            "kid": keys.active_kid,
            "taken_at": taken_at.isoformat(),
            "heads": [[chain, seq, digest.hex()] for chain, (seq, digest) in sorted(heads.items())],
        },
        separators=(",", ":"),
    ).encode()
    return f"{PREFIX}.{_b64(payload)}.{_b64(keys.sign_checkpoint(payload))}"


def decode(keys: AuditKeys, text: str) -> Checkpoint:
    """The checkpoint ``text`` holds; raises CheckpointRefused unless one of the configured
    audit keys signed exactly this payload."""
    text = text.strip()
    if len(text) > MAX_LENGTH or not text.startswith(PREFIX + "."):
        raise CheckpointRefused("The text is not an audit checkpoint.")
    parts = text[len(PREFIX) + 1 :].split(".")
    if len(parts) != 2:
        raise CheckpointRefused("The checkpoint is not well formed.")
    payload, signature = _unb64(parts[0]), _unb64(parts[1])
    try:
        document = json.loads(payload)
        kid = document["kid"]
        version = document["v"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointRefused("The checkpoint is not well formed.") from exc
    if version != VERSION or not isinstance(kid, str) or not KEY_ID.match(kid):
        raise CheckpointRefused("The checkpoint is not well formed.")
    if kid not in keys.kids:
        raise CheckpointRefused(
            "The checkpoint was signed with an audit key that is not configured."
        )
    if not keys.checkpoint_signed(kid, payload, signature):
        raise CheckpointRefused("The checkpoint's signature does not match: it was altered.")
    # Signed by us: the structure is ours, but read it carefully all the same.
    try:
        taken_at = datetime.fromisoformat(document["taken_at"])
        heads: dict[int, tuple[int, bytes]] = {}
        for chain, seq, digest in document["heads"]:
            if type(chain) is not int or type(seq) is not int or seq < 0:
                raise ValueError("bad head")
            if not 1 <= chain <= AUDIT_CHAINS or chain in heads:
                raise ValueError("bad chain")
            heads[chain] = (seq, bytes.fromhex(digest))
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointRefused("The checkpoint is not well formed.") from exc
    return Checkpoint(kid=kid, taken_at=taken_at, heads=heads)
