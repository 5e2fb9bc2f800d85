from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class EvidenceDirty(SQLModel, table=True):
    """A unit of a rolled-up measure (a case, a survivor) whose pieces no longer match the
    records they are computed from: marked by triggers on those records (and on her consent)
    in the same transaction as the change, taken away when the pieces are recomputed, before
    the measure's next figures."""

    __tablename__ = "evidence_dirty"
    __table_args__ = (sa.Index("ix_evidence_dirty_measure", "measure"),)

    id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.BigInteger, sa.Identity(always=True), primary_key=True),
    )
    measure: str = Field(max_length=60)
    unit_key: UUID = Field(nullable=False)
