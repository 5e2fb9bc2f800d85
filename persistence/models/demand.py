from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.demand_vocabulary import (
    DemandCategory,
    DemandPriority,
    DemandResolution,
    DemandStatus,
    EscalationLevel,
)


class Demand(Entity, OrganizationOwned, PlaceBound, table=True):
    """A demand or issue the programme must get done or resolved outside one case's plan,
    in the register of ``organization_id``; raised by someone of ``raised_by_organization_id``
    (the same organisation, or a partner complaining about referrals to it). About a place:
    district, block, gram panchayat. ``description_enc`` is sealed (it may describe a
    survivor's situation); the title says what, never who. ``due_on`` comes from the service
    level of its priority; ``next_escalation_on`` is the day after which escalating it becomes
    a duty (its due date, then the service period again after each escalation)."""

    __tablename__ = "demand"
    __table_args__ = (
        sa.Index("ix_demand_organization_id_created_at_id", "organization_id", "created_at", "id"),
        sa.Index("ix_demand_organization_id_status_due_on", "organization_id", "status", "due_on"),
        sa.Index("ix_demand_raised_by_organization_id", "raised_by_organization_id"),
    )

    raised_by_organization_id: UUID = Field(foreign_key="organization.id", nullable=False)
    title: str = Field(max_length=200)
    description_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    category: DemandCategory = Field(sa_type=enum_column(DemandCategory, "demand_category"))
    priority: DemandPriority = Field(sa_type=enum_column(DemandPriority, "demand_priority"))
    status: DemandStatus = Field(sa_type=enum_column(DemandStatus, "demand_status"))
    resolution: DemandResolution | None = Field(
        default=None, sa_type=enum_column(DemandResolution, "demand_resolution")
    )
    escalation_level: EscalationLevel | None = Field(
        default=None, sa_type=enum_column(EscalationLevel, "escalation_level")
    )
    block_id: UUID | None = Field(default=None, foreign_key="block.id")
    gram_panchayat: str | None = Field(default=None, max_length=120)
    owner_id: UUID | None = Field(default=None, foreign_key="app_user.id")
    raised_on: date
    due_on: date
    next_escalation_on: date
    escalated_on: date | None = None
    disposed_on: date | None = None
