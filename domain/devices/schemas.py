"""Devices: what the app sends when it registers a device or reports a sync, and what it
reads back."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import ConfigDict, Field

from domain.common.pagination import Page
from domain.common.schemas import ReadModel, RequestBody
from persistence.models.device_vocabulary import DevicePlatform

DEVICE_ID_HEADER = "X-Device-Id"


class DeviceCreate(RequestBody):
    """A device the caller runs the app on. Registering it binds the sign-in session the call
    was made with to it (when that session is bound to no device yet)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Field phone 2", "platform": "android", "app_version": "1.4.0"}]
        }
    )

    name: str = Field(
        min_length=1,
        max_length=100,
        description="What she calls the device (no one's name is needed).",
    )
    platform: DevicePlatform
    app_version: str = Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z.+\-]+$")


class DeviceSync(RequestBody):
    """The app finished a sync (its time is the server's), and the version it runs now."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"app_version": "1.4.1"}]})

    app_version: str | None = Field(
        default=None, min_length=1, max_length=40, pattern=r"^[0-9A-Za-z.+\-]+$"
    )


class DeviceRead(ReadModel):
    id: UUID
    organization_id: UUID
    user_id: UUID = Field(description="The person the device is registered to.")
    name: str
    platform: DevicePlatform
    app_version: str
    last_seen_at: datetime | None = Field(
        description="When a token was last issued to it (sign-in or refresh)."
    )
    last_synced_at: datetime | None = Field(description="When the app last reported a sync.")
    revoked_at: datetime | None = Field(
        description="Set when revoked: its tokens stopped then and it is told to wipe its data."
    )
    created_at: datetime
    version: int


DevicePage = Page[DeviceRead]
