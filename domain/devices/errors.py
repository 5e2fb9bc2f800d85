"""What a revoked device is told."""

from __future__ import annotations

from uuid import UUID

from domain.common.errors import NotAuthenticated

WIPE_DETAIL = (
    "This device was revoked: delete every record the app keeps on it, then sign out. "
    "Sign in again only on a device registered anew."
)


class DeviceRevoked(NotAuthenticated):
    """A request (or a sign-in, or a refresh) from a device an administrator revoked: 401
    with ``wipe: true``, the instruction the app obeys by deleting its local data."""

    title = "Device revoked"
    code = "device-revoked"

    def __init__(self, device_id: UUID) -> None:
        super().__init__(WIPE_DETAIL, extensions={"wipe": True, "device_id": str(device_id)})
