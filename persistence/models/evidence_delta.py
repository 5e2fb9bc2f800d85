from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class EvidenceDelta(SQLModel, table=True):
    """How a rolled-up stock measure changes on a day, per place and dimension values: the
    consented pieces (evidence_piece) that start that day less those that end that day, and
    the same of their amounts. A stock read on day D is the sum of the deltas up to D. Kept
    by a trigger on evidence_piece, in the same statement as the pieces."""

    __tablename__ = "evidence_delta"
    __table_args__ = (
        sa.Index(
            "uq_evidence_delta_cell",
            "measure",
            "organization_id",
            "day",
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
    day: date
    district_id: UUID | None = None
    block_id: UUID | None = None
    dims: list[str] = Field(default_factory=list, sa_type=ARRAY(sa.String(80)))
    n: int = Field(sa_type=sa.BigInteger)
    amount: Decimal | None = Field(default=None, sa_type=sa.Numeric)
