"""The audit chain's arithmetic: a canonical digest per event, chained by SHA-256.

hash(n) = SHA-256(hash(n-1) || SHA-256(canonical(event n))), starting from GENESIS_HASH.
Appending computes the chain step inside PostgreSQL (see AuditEventRepository.append), and
verification recomputes it here, so both sides must agree on ``canonical``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

GENESIS_HASH = hashlib.sha256(b"shakti-mis audit chain genesis").digest()


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


def canonical(record: AuditRecord) -> bytes:
    fields = {
        "id": str(record.id),
        "occurred_at": record.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_type": str(record.actor_type),
        "actor_id": str(record.actor_id) if record.actor_id else None,
        "organization_id": str(record.organization_id) if record.organization_id else None,
        "action": str(record.action),
        "entity_type": record.entity_type,
        "entity_id": str(record.entity_id) if record.entity_id else None,
        "request_id": record.request_id,
        "outcome": str(record.outcome),
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def digest(record: AuditRecord) -> bytes:
    return hashlib.sha256(canonical(record)).digest()


def chain_hash(previous: bytes, event_digest: bytes) -> bytes:
    return hashlib.sha256(previous + event_digest).digest()
