from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import enum_column, utcnow


class ResetKind(StrEnum):
    password = "password"  # noqa: S105 - a kind of reset, not a password
    second_factor = "second_factor"


class ResetStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    declined = "declined"
    expired = "expired"


class ResetRequest(SQLModel, table=True):
    """A request to reset another person's password or second factor. Nothing changes until a
    platform admin other than the requester (and other than the person herself) approves it.

    A new password is held only as its argon2id hash while the request is pending, and dropped
    once the request is decided. At most one pending request per person and kind.
    """

    __tablename__ = "reset_request"
    __table_args__ = (
        sa.Index("ix_reset_request_status_requested_at_id", "status", "requested_at", "id"),
        sa.Index(
            "uq_reset_request_user_id_kind_pending",
            "user_id",
            "kind",
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    kind: ResetKind = Field(sa_type=enum_column(ResetKind, "reset_kind"))
    user_id: UUID = Field(foreign_key="app_user.id", ondelete="CASCADE")
    organization_id: UUID = Field(foreign_key="organization.id")
    requested_by: UUID = Field(foreign_key="app_user.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    password_hash: str | None = Field(default=None, max_length=512)
    status: ResetStatus = Field(
        default=ResetStatus.pending, sa_type=enum_column(ResetStatus, "reset_status")
    )
    decided_by: UUID | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
