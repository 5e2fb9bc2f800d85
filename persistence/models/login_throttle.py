from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins counted per account and per address.

    ``key`` is a keyed digest ("account:" or "address:" + HMAC), never the email or IP itself.
    """

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=100)
    failures: int = Field(default=0)
    window_started_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    locked_until: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
