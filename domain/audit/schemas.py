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
    chain: int = Field(description="The chain the event was appended to.")
    chain_seq: int = Field(description="Position of the event in its chain.")
    hash: str = Field(description="Chain hash after this event (hex).")
    repeat_count: int = Field(
        default=1,
        description="How often this event happened in its window: events that repeat (failed "
        "sign-ins, throttled attempts, ids not found) are recorded once per key and window "
        "and counted. 1 for every other event. The count is kept beside the chain, not in it.",
    )
    last_repeated_at: datetime | None = Field(
        default=None,
        description="When a counted event last happened (null when it did not repeat).",
    )


AuditEventPage = Page[AuditEventRead]


class ChainProblemKind(StrEnum):
    modified = "modified"  # an event's content or hash no longer matches the chain
    reordered = "reordered"  # an intact event stands at another position than it was chained at
    missing = "missing"  # a position is empty: an event was deleted
    head_mismatch = "head_mismatch"  # the chain head disagrees with the chain's last event


class ChainProblem(BaseModel):
    chain: int
    position: int = Field(description="Position in the chain (chain_seq).")
    kind: ChainProblemKind


class ChainStatus(BaseModel):
    chain: int
    events: int
    last_position: int = Field(description="Position of the chain's last event.")
    head_position: int = Field(description="Position the chain head records.")


class AuditVerification(BaseModel):
    """Result of recomputing every chain. Positions only: no event contents."""

    ok: bool
    events_checked: int
    chains: list[ChainStatus]
    problems: list[ChainProblem] = Field(description="At most the first 100 problems.")
