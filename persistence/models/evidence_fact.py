from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class EvidenceFact(SQLModel, table=True):
    """One fact of a rolled-up flow measure (a visit done, a stage left, an assessment's
    change from its baseline), as the measure's SQL gives it: what its figures are counted
    from (persistence/evidence/rollup.py). A unit's facts are replaced when anything they are
    computed from changes. Written by the app, never read by people."""

    __tablename__ = "evidence_fact"
    __table_args__ = (
        sa.Index(
            "ix_evidence_fact_measure_organization_id_on_date",
            "measure",
            "organization_id",
            "on_date",
        ),
        sa.Index("ix_evidence_fact_measure_rollup_key", "measure", "rollup_key"),
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
    person_key: UUID | None = None
    district_id: UUID | None = None
    block_id: UUID | None = None
    # The values of the measure's own dimensions, in the order it declares them.
    dims: list[str] = Field(default_factory=list, sa_type=ARRAY(sa.String(80)))
    amount: Decimal | None = Field(default=None, sa_type=sa.Numeric)
    on_date: date
