from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import utcnow


class RefreshToken(SQLModel, table=True):
    """An opaque refresh token, kept as its SHA-256 digest. Used once: each use rotates it."""

    __tablename__ = "refresh_token"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    session_id: UUID = Field(foreign_key="auth_session.id", index=True, ondelete="CASCADE")
    token_hash: bytes = Field(sa_type=sa.LargeBinary(32), sa_column_kwargs={"unique": True})
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    rotated_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
