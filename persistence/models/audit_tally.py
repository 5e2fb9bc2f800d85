from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class AuditTally(SQLModel, table=True):
    """How often an audit event that repeats (a failed sign-in, a throttled attempt, an id
    that was not found) happened in one window: the first occurrence of a key in a window is
    appended to the trail as ``event_id``; later ones only add to ``repeat_count`` here.

    ``key`` is a keyed digest (of an account, a client id, an address or a caller), never an
    email or an address itself. The count lies outside the hash chain: the chain proves the
    first event, this table how often it repeated.
    """

    __tablename__ = "audit_tally"

    action: str = Field(primary_key=True, max_length=40)
    key: str = Field(primary_key=True, max_length=100)
    window_started_at: datetime = Field(primary_key=True, sa_type=sa.DateTime(timezone=True))
    event_id: UUID = Field(sa_column_kwargs={"unique": True})
    repeat_count: int = Field(default=1)
    last_occurred_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
