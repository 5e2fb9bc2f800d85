from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class EvidenceGeneration(SQLModel, table=True):
    """A generation of something the evidence engine's kept answers depend on, beside the
    measures' own (``reporting_consent``: her consents to aggregate reporting), moved on by a
    statement trigger whenever it changes; only the database writes it
    (persistence/evidence/answers.py)."""

    __tablename__ = "evidence_generation"

    name: str = Field(max_length=60, primary_key=True)
    generation: int = Field(
        default=0, sa_column=sa.Column(sa.BigInteger, server_default="0", nullable=False)
    )
