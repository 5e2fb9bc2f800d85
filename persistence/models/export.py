from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from persistence.models.base import enum_column, utcnow


class ExportStatus(StrEnum):
    queued = "queued"
    running = "running"
    ready = "ready"
    failed = "failed"
    expired = "expired"


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


class Export(SQLModel, table=True):
    """One export of a dataset: who asked (and as what: the scope the rows were chosen by),
    which dataset, filters and columns, whether personal fields were asked for and why
    (sealed), how many rows it held, and where its file stands. The audit event of the export
    names this row, so an auditor sees what left the system. The file itself is kept sealed
    in ``export_chunk`` until ``expires_at``, then deleted (the row stays, ``expired``)."""

    __tablename__ = "export"
    __table_args__ = (
        sa.Index("ix_export_actor_id_created_at", "actor_id", "created_at"),
        sa.Index("ix_export_status_expires_at", "status", "expires_at"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    organization_id: UUID | None = Field(default=None, foreign_key="organization.id")
    actor_type: str = Field(max_length=20)
    actor_id: UUID
    # The requester's role and districts when she asked: the job chooses rows by them.
    actor_role: str = Field(max_length=40)
    actor_district_ids: list[UUID] = Field(
        default_factory=list, sa_type=ARRAY(sa.Uuid()), nullable=False
    )
    dataset: str = Field(max_length=60)
    format: ExportFormat = Field(sa_type=enum_column(ExportFormat, "export_format"))
    filters: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB, nullable=False)
    columns: list[str] = Field(default_factory=list, sa_type=JSONB, nullable=False)
    personal: bool = False
    reason_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    status: ExportStatus = Field(sa_type=enum_column(ExportStatus, "export_status"))
    row_count: int | None = None
    byte_count: int | None = Field(default=None, sa_type=sa.BigInteger)
    chunk_count: int = 0
    attempts: int = 0
    # A short code only (never a message that could carry data).
    failure: str | None = Field(default=None, max_length=60)
    job_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    started_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    expires_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
