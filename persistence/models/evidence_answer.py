from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class EvidenceAnswer(SQLModel, table=True):
    """The rows of one cube statement over a kept measure, as computed on a snapshot whose
    generations were ``read`` (persistence/evidence/answers.py): shared by every process of
    the API and by the worker, which computes them again when what they read has moved on.
    Aggregate cells before suppression: never given to a caller as they are."""

    __tablename__ = "evidence_answer"

    # sha256 of the statement and its values.
    statement_hash: bytes = Field(sa_column=sa.Column(sa.LargeBinary, primary_key=True))
    measure: str = Field(max_length=60)
    statement: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # The values, tagged by type (dates, uuids, numbers), to run it again.
    bound: list[object] = Field(sa_column=sa.Column(postgresql.JSONB, nullable=False))
    # What it read: [measure, generation, built_at, consent generation or null].
    read: list[object] = Field(sa_column=sa.Column(postgresql.JSONB, nullable=False))
    # Her consents' generation when it was computed (whether or not it read them).
    consent_generation: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    rows: list[object] = Field(sa_column=sa.Column(postgresql.JSONB, nullable=False))
    computed_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    asked_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
