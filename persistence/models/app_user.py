from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.enums import Role


class AppUser(Entity, OrganizationOwned, table=True):
    """A person who signs in: NGO staff, partner staff, survivor leaders, analysts, auditors.

    ``email`` is stored lower-cased; the password only as an argon2id hash.
    """

    __tablename__ = "app_user"
    __table_args__ = (
        # Keyset pages: all users, and those of one organisation, oldest first.
        sa.Index("ix_app_user_created_at_id", "created_at", "id"),
        sa.Index(
            "ix_app_user_organization_id_created_at_id", "organization_id", "created_at", "id"
        ),
    )

    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    full_name: str = Field(max_length=200)
    # How a partner reaches her at work (an office phone, a work address): shown with what she
    # did where another organisation needs to call back (a referral's inbox).
    work_contact: str | None = Field(default=None, max_length=200)
    role: Role = Field(sa_type=enum_column(Role, "role"))
    password_hash: str = Field(max_length=512)
    disabled_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    password_changed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    last_login_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # Bumped when what an access token says of her changes (role, organisation, districts,
    # disabled): tokens carry it, and a token with an older value is refused at once.
    access_version: int = Field(default=1, sa_column_kwargs={"server_default": sa.text("1")})
