from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class RecoveryCode(SQLModel, table=True):
    """A one-time recovery code of a second factor, kept as the SHA-256 digest of an 80-bit
    random code (like refresh tokens: a search of 2^80 values undoes no digest). Used once."""

    __tablename__ = "recovery_code"
    __table_args__ = (sa.UniqueConstraint("second_factor_id", "code_hash"),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    second_factor_id: UUID = Field(foreign_key="second_factor.id", ondelete="CASCADE")
    code_hash: bytes = Field(sa_type=sa.LargeBinary(32))
    used_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
