from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.common.pagination import Page
from domain.common.schemas import RequestBody
from domain.common.staff import OrganizationName, StaffName
from persistence.models.enums import ActorType, AuditAction, AuditOutcome


class AuditEventRead(BaseModel):
    seq: int = Field(description="Position in the chain.")
    id: UUID
    occurred_at: datetime
    actor_type: ActorType
    actor_id: UUID | None
    actor_name: StaffName
    organization_id: UUID | None
    organization_name: OrganizationName
    action: AuditAction
    entity_type: str
    entity_id: UUID | None
    request_id: str | None = Field(
        description="The server's id of the request (its X-Request-ID answer header)."
    )
    caller_request_id: str | None = Field(
        description="The X-Request-ID the caller sent, when it was 8 to 64 letters, digits, "
        "'.', '_' or '-' (otherwise it was dropped)."
    )
    outcome: AuditOutcome
    device_id: UUID | None = Field(
        default=None,
        description="The registered device the event came from: a read done offline and "
        "uploaded with a sync push, or a request made with a device-bound token.",
    )
    chain: int = Field(description="The chain the event was appended to.")
    chain_seq: int = Field(description="Position of the event in its chain.")
    hash: str = Field(description="Chain hash after this event (hex).")
    kid: str | None = Field(
        description="The audit key the event was chained under (null: before audit keys)."
    )
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
    # The event names an audit key that is not configured: it cannot be checked (configure
    # the old key again, in SHAKTI_AUDIT_KEYS).
    unknown_key = "unknown_key"
    # The chain ends with events of before audit keys and no keyed event pins them yet.
    unsealed = "unsealed"
    # The chain no longer reaches the position a checkpoint recorded (its tail was removed).
    behind_checkpoint = "behind_checkpoint"
    # The event at a checkpoint's position is not the one the checkpoint recorded.
    checkpoint_mismatch = "checkpoint_mismatch"


class ChainProblem(BaseModel):
    chain: int
    position: int = Field(description="Position in the chain (chain_seq).")
    kind: ChainProblemKind


class ChainStatus(BaseModel):
    chain: int
    events: int
    last_position: int = Field(description="Position of the chain's last event.")
    head_position: int = Field(description="Position the chain head records.")
    legacy_events: int = Field(
        description="Events chained before audit keys (plain SHA-256), at the chain's start."
    )


class AuditVerification(BaseModel):
    """Result of recomputing every chain. Positions only: no event contents."""

    ok: bool
    events_checked: int
    chains: list[ChainStatus]
    problems: list[ChainProblem] = Field(description="At most the first 100 problems.")
    checkpoint_taken_at: datetime | None = Field(
        default=None, description="When the checkpoint verified against was taken (if one was)."
    )


class ChainHead(BaseModel):
    chain: int
    seq: int = Field(description="Position of the chain's last event (0: no event yet).")
    hash: str = Field(description="The chain's hash at that position (hex).")


class AuditCheckpoint(BaseModel):
    """The heads of every chain, signed. Keep ``checkpoint`` somewhere the database's
    administrators cannot write; verifying against it later shows a chain whose tail was
    removed or rewritten since."""

    checkpoint: str = Field(
        description="The signed checkpoint, one line: give it to POST /audit-events/verify "
        "(or `shakti-mis audit-verify --checkpoint`)."
    )
    kid: str = Field(description="The audit key that signed it.")
    taken_at: datetime
    heads: list[ChainHead]


class CheckpointVerify(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "checkpoint": "shakti-audit-checkpoint.v1.eyJ2IjoxLCJraWQiOiJhdWRpdC0yMDI2"
                    "LTExIiwidGFrZW5fYXQiOiIyMDI2LTEyLTA3VDA5OjE3OjAwKzAwOjAwIiwiaGVhZHMiOltd"
                    "fQ.3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                }
            ]
        }
    )

    checkpoint: str = Field(
        min_length=1,
        max_length=16_384,
        description="A checkpoint line from GET /audit-events/checkpoints.",
    )
