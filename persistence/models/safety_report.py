from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.leadership_vocabulary import SafetyReportKind


class SafetyReport(Entity, OrganizationOwned, PlaceBound, table=True):
    """A red flag or suspected recruitment a survivor leader reports. Reports naming persons
    are allegations: sealed, seen only by program managers, every read audited."""

    __tablename__ = "safety_report"

    reported_by: UUID = Field(foreign_key="app_user.id", index=True, nullable=False)
    kind: SafetyReportKind = Field(sa_type=enum_column(SafetyReportKind, "safety_report_kind"))
    names_persons: bool = False
    report_enc: bytes = Field(sa_type=sa.LargeBinary)
