from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from persistence.models.base import enum_column, utcnow
from persistence.models.case_vocabulary import CaseEventKind


class CaseEvent(SQLModel, table=True):
    """One step of a case's progress (the "individual case progress map"): transitions,
    reassignments, assessments with score changes, goals, the plan agreement, referrals,
    visits and legal events. ``detail`` holds codes, scores and dates, never personal text.
    Append-only, written by the services in the same transaction as the change."""

    __tablename__ = "case_event"
    __table_args__ = (
        sa.Index("ix_case_event_case_id_occurred_at_id", "case_id", "occurred_at", "id"),
        # The case-stage measure (persistence/evidence/measures) reads the transitions alone,
        # in case order, from this index only.
        sa.Index(
            "ix_case_event_transition_case_id_occurred_at_id",
            "case_id",
            "occurred_at",
            "id",
            postgresql_include=["organization_id", "detail"],
            postgresql_where=sa.text("kind = 'transition'"),
        ),
        # The closure measure's: the closures alone, with what it reads.
        sa.Index(
            "ix_case_event_closure_organization_id_occurred_at",
            "organization_id",
            "occurred_at",
            postgresql_include=["id", "case_id", "detail"],
            postgresql_where=sa.text("kind = 'transition' AND (detail ->> 'to') = 'closed'"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    case_id: UUID = Field(foreign_key="survivor_case.id", nullable=False)
    organization_id: UUID = Field(foreign_key="organization.id", nullable=False)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    kind: CaseEventKind = Field(sa_type=enum_column(CaseEventKind, "case_event_kind"))
    subject_id: UUID | None = None
    actor_id: UUID | None = None
    detail: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSONB, sa_column_kwargs={"server_default": "{}"}
    )
    # A reason or remark in words (e.g. why a case was closed), sealed.
    note_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
