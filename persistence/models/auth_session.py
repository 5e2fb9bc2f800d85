from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import utcnow


class AuthSession(SQLModel, table=True):
    """One sign-in of a person: the family of refresh tokens that rotate from it.

    Access tokens carry its id (``sid``): revoking the session ends them at once. A session
    started on a registered device is bound to it (``device_id``; its tokens carry the id as
    ``dev``), and revoking the device revokes the session with the reason ``device_revoked``.
    """

    __tablename__ = "auth_session"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    user_id: UUID = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    revoked_reason: str | None = Field(default=None, max_length=40)
    device_id: UUID | None = Field(
        default=None, foreign_key="device.id", index=True, ondelete="CASCADE"
    )
