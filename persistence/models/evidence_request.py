from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from persistence.models.base import utcnow


class EvidenceRequest(SQLModel, table=True):
    """One request for figures (an indicator's values, a dashboard, a report): who asked, for
    which organisations, with which parameters, and whether small cells were shown unsuppressed
    (an internal figure). The audit event of the request names this row, so an auditor sees
    what was asked: the way to notice someone differencing figures across requests. Never a
    figure itself. Append-only."""

    __tablename__ = "evidence_request"
    __table_args__ = (
        sa.Index("ix_evidence_request_organization_id_created_at", "organization_id", "created_at"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    organization_id: UUID | None = Field(default=None, foreign_key="organization.id")
    actor_type: str = Field(max_length=20)
    actor_id: UUID | None = None
    kind: str = Field(max_length=20)  # values, dashboard, report
    subject: str = Field(max_length=80)  # an indicator code, a dashboard or report name
    parameters: dict[str, Any] = Field(sa_type=JSONB)
    internal: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
