from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.enums import Role


class IntegrationClient(Entity, OrganizationOwned, table=True):
    """A service principal of an organisation (a partner's system, a dashboard).

    Its ``id`` is the OAuth2 client_id. The secret is shown once and kept only as a SHA-256
    digest: it is 256 random bits, so a slow hash adds nothing but latency.
    """

    __tablename__ = "integration_client"
    __table_args__ = (
        sa.Index("ix_integration_client_created_at_id", "created_at", "id"),
        sa.CheckConstraint(
            "(inbox_granted_at IS NULL) = (inbox_granted_by IS NULL)", name="inbox_grant"
        ),
    )

    name: str = Field(max_length=200)
    role: Role = Field(sa_type=enum_column(Role, "client_role"))
    scopes: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(sa.String(80)),
        sa_column_kwargs={"server_default": "{}"},
    )
    secret_hash: bytes = Field(sa_type=sa.LargeBinary(32))
    secret_rotated_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    disabled_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # Bumped when role, scopes or secret change or the client is disabled: older tokens fail.
    access_version: int = Field(default=1, sa_column_kwargs={"server_default": sa.text("1")})
    # ``referrals:inbox``: granted by a program manager of the client's organisation (never by
    # the platform admin's grant of ``scopes``), and when; both null when not granted.
    inbox_granted_by: UUID | None = Field(default=None)
    inbox_granted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
