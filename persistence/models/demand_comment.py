from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import utcnow


class DemandComment(SQLModel, table=True):
    """One comment of a demand's thread, by whom (and for which organisation), when; its
    words sealed. Append-only: a comment is answered, never edited or removed."""

    __tablename__ = "demand_comment"
    __table_args__ = (
        sa.Index("ix_demand_comment_demand_id_created_at_id", "demand_id", "created_at", "id"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    demand_id: UUID = Field(foreign_key="demand.id", nullable=False)
    organization_id: UUID = Field(foreign_key="organization.id", nullable=False)
    author_id: UUID | None = None
    author_organization_id: UUID | None = Field(default=None, foreign_key="organization.id")
    body_enc: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
