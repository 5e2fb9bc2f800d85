from __future__ import annotations

from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import enum_column
from persistence.models.demand_vocabulary import DemandLinkKind


class DemandLink(SQLModel, table=True):
    """A record a demand is about: a case, a referral, an SHG, a leader group, a scheme, a
    duty-bearer engagement or an advocacy action (``target_id``, of ``kind``). A case or a
    referral is shown only to those who may see it."""

    __tablename__ = "demand_link"
    __table_args__ = (
        sa.UniqueConstraint("demand_id", "kind", "target_id"),
        sa.Index("ix_demand_link_kind_target_id", "kind", "target_id"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    demand_id: UUID = Field(foreign_key="demand.id", nullable=False)
    organization_id: UUID = Field(foreign_key="organization.id", nullable=False)
    kind: DemandLinkKind = Field(sa_type=enum_column(DemandLinkKind, "demand_link_kind"))
    target_id: UUID
