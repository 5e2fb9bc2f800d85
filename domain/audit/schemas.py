from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, Field

from domain.common.pagination import Page
from persistence.models.enums import ActorType, AuditAction, AuditOutcome


class AuditEventRead(BaseModel):
    seq: int = Field(description="Position in the chain.")
    id: UUID
    occurred_at: datetime
    actor_type: ActorType
    actor_id: UUID | None
    organization_id: UUID | None
    action: AuditAction
    entity_type: str
    entity_id: UUID | None
    request_id: str | None
    outcome: AuditOutcome
    hash: str = Field(description="Chain hash after this event (hex).")


AuditEventPage = Page[AuditEventRead]


class ChainProblemKind(StrEnum):
    modified = "modified"  # an event's content or hash no longer matches the chain
    reordered = "reordered"  # an intact event stands at another position than it was chained at
    missing = "missing"  # a sequence number is absent: an event was deleted
    head_mismatch = "head_mismatch"  # the chain head disagrees with the last event


class ChainProblem(BaseModel):
    seq: int
    kind: ChainProblemKind


class AuditVerification(BaseModel):
    """Result of recomputing the whole chain. Positions only: no event contents."""

    ok: bool
    events_checked: int
    last_seq: int
    head_seq: int
    problems: list[ChainProblem] = Field(description="At most the first 100 problems.")
