from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class EvidenceMonthDelta(SQLModel, table=True):
    """evidence_delta summed over each calendar month (``month``: its first day): a stock read
    on a month's last day needs only these, a few rows per month instead of one per day. Kept
    by the same trigger, in the same statement."""

    __tablename__ = "evidence_month_delta"
    __table_args__ = (
        sa.Index(
            "uq_evidence_month_delta_cell",
            "measure",
            "organization_id",
            "month",
            "district_id",
            "block_id",
            "dims",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.BigInteger, sa.Identity(always=True), primary_key=True),
    )
    measure: str = Field(max_length=60)
    organization_id: UUID = Field(nullable=False)
    month: date
    district_id: UUID | None = None
    block_id: UUID | None = None
    dims: list[str] = Field(default_factory=list, sa_type=ARRAY(sa.String(80)))
    n: int = Field(sa_type=sa.BigInteger)
    amount: Decimal | None = Field(default=None, sa_type=sa.Numeric)
