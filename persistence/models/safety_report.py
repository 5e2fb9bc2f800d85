from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.leadership_vocabulary import SafetyReportKind


class SafetyReportStatus(StrEnum):
    """Where a program manager's review of a report stands (the reporter sees this only)."""

    received = "received"
    under_review = "under_review"
    action_taken = "action_taken"
    closed = "closed"


class SafetyReport(Entity, OrganizationOwned, PlaceBound, table=True):
    """A red flag or suspected recruitment a survivor leader reports. Reports naming persons
    are allegations: sealed, seen only by program managers, every read audited."""

    __tablename__ = "safety_report"

    reported_by: UUID = Field(foreign_key="app_user.id", index=True, nullable=False)
    kind: SafetyReportKind = Field(sa_type=enum_column(SafetyReportKind, "safety_report_kind"))
    names_persons: bool = False
    report_enc: bytes = Field(sa_type=sa.LargeBinary)
    status: SafetyReportStatus = Field(
        default=SafetyReportStatus.received,
        sa_type=enum_column(SafetyReportStatus, "safety_report_status"),
        sa_column_kwargs={"server_default": SafetyReportStatus.received.value},
    )
    reviewed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    reviewed_by: UUID | None = Field(default=None, foreign_key="app_user.id")
    # What the program manager did about it (sealed: it may name the same persons).
    review_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
