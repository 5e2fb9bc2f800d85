from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity


class Scheme(Entity, table=True):
    """A government scheme or document a survivor may be entitled to (reference data):
    documents required, the benefit, amounts as data with the dates they hold."""

    __tablename__ = "scheme"
    __table_args__ = (sa.UniqueConstraint("code", "effective_from"),)

    code: str = Field(max_length=60)
    name: str = Field(max_length=200)
    state_id: UUID | None = Field(default=None, foreign_key="state.id")
    benefit: str = Field(max_length=1000)
    amount_paise: int | None = Field(default=None, sa_type=sa.BigInteger)
    amount_period: str | None = Field(default=None, max_length=20)
    documents_required: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(sa.String(80)),
        sa_column_kwargs={"server_default": "{}"},
    )
    applied_at: str | None = Field(default=None, max_length=200, description="Where one applies.")
    effective_from: date
    effective_to: date | None = None
