from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class EvidenceRollup(SQLModel, table=True):
    """A rolled-up measure whose pieces were built: from which definition (a digest of the
    SQL they were computed with: another definition builds them again) and when."""

    __tablename__ = "evidence_rollup"

    measure: str = Field(max_length=60, primary_key=True)
    digest: str = Field(max_length=64)
    built_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    # Moved on whenever what it keeps changes (persistence/evidence/answers.py).
    generation: int = Field(
        default=0, sa_column=sa.Column(sa.BigInteger, server_default="0", nullable=False)
    )
