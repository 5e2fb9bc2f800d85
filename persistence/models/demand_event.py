from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from persistence.models.base import enum_column, utcnow
from persistence.models.demand_vocabulary import DemandEventKind, DemandStatus, EscalationLevel


class DemandEvent(SQLModel, table=True):
    """One step of a demand's history: raised, a status move (a disposal with its
    resolution, a reopening with its reason), an escalation (from, to), a new owner, a change
    of its fields or links. ``detail`` holds codes, dates and ids only (which fields changed,
    the resolution, the due date); a remark in words is ``note_enc``, sealed. Append-only:
    the app role may not change or remove a step."""

    __tablename__ = "demand_event"
    __table_args__ = (
        sa.Index("ix_demand_event_demand_id_occurred_at_id", "demand_id", "occurred_at", "id"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    demand_id: UUID = Field(foreign_key="demand.id", nullable=False)
    organization_id: UUID = Field(foreign_key="organization.id", nullable=False)
    kind: DemandEventKind = Field(sa_type=enum_column(DemandEventKind, "demand_event_kind"))
    from_status: DemandStatus | None = Field(
        default=None, sa_type=enum_column(DemandStatus, "from_demand_status")
    )
    to_status: DemandStatus | None = Field(
        default=None, sa_type=enum_column(DemandStatus, "to_demand_status")
    )
    from_level: EscalationLevel | None = Field(
        default=None, sa_type=enum_column(EscalationLevel, "from_escalation_level")
    )
    to_level: EscalationLevel | None = Field(
        default=None, sa_type=enum_column(EscalationLevel, "to_escalation_level")
    )
    detail: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSONB, sa_column_kwargs={"server_default": "{}"}
    )
    note_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    actor_id: UUID | None = None
    actor_organization_id: UUID | None = Field(default=None, foreign_key="organization.id")
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
