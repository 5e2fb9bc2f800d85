from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import enum_column, utcnow
from persistence.models.livelihood_vocabulary import ApplicationStatus


class EntitlementStatusChange(SQLModel, table=True):
    """One move of an application: from, to, who, when, and a note (sealed)."""

    __tablename__ = "entitlement_status_change"
    __table_args__ = (
        sa.Index("ix_entitlement_status_change_application_id_at", "application_id", "at"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    application_id: UUID = Field(foreign_key="entitlement_application.id", nullable=False)
    from_status: ApplicationStatus | None = Field(
        default=None, sa_type=enum_column(ApplicationStatus, "from_application_status")
    )
    to_status: ApplicationStatus = Field(
        sa_type=enum_column(ApplicationStatus, "to_application_status")
    )
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    by: UUID | None = None
    note_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
