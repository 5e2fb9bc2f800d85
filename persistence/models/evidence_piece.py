from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, DATERANGE
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class EvidencePiece(SQLModel, table=True):
    """One stretch of a stock measure's fact (a case in a stage, a survivor registered), cut
    by her consent to aggregate reporting: the days it stood while consent was in force
    (``consented``), or the days it stood without. What a rolled-up stock measure's figures
    are pre-aggregated from (persistence/evidence/rollup.py): a unit's pieces are replaced
    when anything it is computed from changes. Written by the app, never read by people."""

    __tablename__ = "evidence_piece"
    __table_args__ = (
        sa.Index("ix_evidence_piece_measure_rollup_key", "measure", "rollup_key"),
        sa.Index("ix_evidence_piece_survivor_id", "survivor_id"),
        sa.Index(
            "ix_evidence_piece_measure_organization_id_unconsented",
            "measure",
            "organization_id",
            postgresql_where=sa.text("NOT consented"),
        ),
    )

    id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.BigInteger, sa.Identity(always=True), primary_key=True),
    )
    measure: str = Field(max_length=60)
    organization_id: UUID = Field(nullable=False)
    # The unit it is recomputed with (a case, a survivor), and the unit it counts.
    rollup_key: UUID = Field(nullable=False)
    unit_key: UUID = Field(nullable=False)
    survivor_id: UUID | None = None
    district_id: UUID | None = None
    block_id: UUID | None = None
    # The values of the measure's own dimensions, in the order it declares them.
    dims: list[str] = Field(default_factory=list, sa_type=ARRAY(sa.String(80)))
    amount: Decimal | None = Field(default=None, sa_type=sa.Numeric)
    stretch: Any = Field(sa_type=DATERANGE, nullable=False)
    consented: bool
