from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.device_vocabulary import DevicePlatform


class Device(Entity, OrganizationOwned, table=True):
    """A phone or tablet a person runs the app on, registered to her.

    Sign-in sessions started with its id are bound to it (``auth_session.device_id``), and so
    are their tokens. Revoking it (a lost or stolen phone) revokes those sessions in the same
    transaction, so the token liveness check refuses their tokens at once; ``revoked_at`` is
    what tells the app to wipe its data.
    """

    __tablename__ = "device"
    __table_args__ = (
        sa.Index("ix_device_organization_id_created_at_id", "organization_id", "created_at", "id"),
        sa.CheckConstraint("(revoked_at IS NULL) = (revoked_by IS NULL)", name="revocation"),
    )

    user_id: UUID = Field(foreign_key="app_user.id", index=True, nullable=False)
    name: str = Field(max_length=100)
    platform: DevicePlatform = Field(sa_type=enum_column(DevicePlatform, "device_platform"))
    app_version: str = Field(max_length=40)
    # Last time a token of the device was issued or refreshed (sign-in, refresh).
    last_seen_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # Last time the app said it finished a sync.
    last_synced_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    revoked_by: UUID | None = Field(default=None)
