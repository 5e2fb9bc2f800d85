from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.case_bound import CaseBound
from persistence.models.case_vocabulary import VisitKind, VisitStatus


class CaseVisit(Entity, OrganizationOwned, PlaceBound, CaseBound, table=True):
    """A planned or done follow-up (home, phone, office, group); findings are sealed."""

    __tablename__ = "case_visit"
    __table_args__ = (
        sa.Index(
            "ix_case_visit_visited_by_status_planned_on", "visited_by", "status", "planned_on"
        ),
        # The overdue-follow-up flag's probe (persistence/repositories/cases.py FLAG_JOIN).
        sa.Index(
            "ix_case_visit_planned_case_id_planned_on",
            "case_id",
            "planned_on",
            postgresql_where=sa.text("status = 'planned' AND deleted_at IS NULL"),
        ),
    )

    kind: VisitKind = Field(sa_type=enum_column(VisitKind, "visit_kind"))
    status: VisitStatus = Field(sa_type=enum_column(VisitStatus, "visit_status"))
    planned_on: date
    done_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    visited_by: UUID | None = Field(default=None, foreign_key="app_user.id")
    findings_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    next_visit_on: date | None = None
