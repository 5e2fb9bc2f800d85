from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import utcnow


class SecondFactor(SQLModel, table=True):
    """A person's time-based one-time password authenticator (RFC 6238).

    The shared secret is sealed (``secret_enc``, bound to this row). A row without
    ``confirmed_at`` is an enrolment waiting for its first code; a person has at most one of
    each. ``last_step`` is the 30-second step of the last code accepted: a code of that step or
    an earlier one is refused, so a code works once.
    """

    __tablename__ = "second_factor"
    __table_args__ = (
        sa.Index(
            "uq_second_factor_user_id_confirmed",
            "user_id",
            unique=True,
            postgresql_where=sa.text("confirmed_at IS NOT NULL"),
        ),
        sa.Index(
            "uq_second_factor_user_id_pending",
            "user_id",
            unique=True,
            postgresql_where=sa.text("confirmed_at IS NULL"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    user_id: UUID = Field(foreign_key="app_user.id", ondelete="CASCADE")
    secret_enc: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    confirmed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    last_step: int | None = Field(default=None, sa_type=sa.BigInteger)
