"""Devices: registered to a person, bound to her sign-in sessions, revoked when lost.

A session started with a device id (the token endpoint's ``device_id``), or the session a
device was registered with, is bound to the device; its access tokens carry the device's id
(``dev``) and every request with them must name it (``X-Device-Id``), so a token copied to
another device is refused. Revoking a device revokes its sessions in the same transaction: the
token liveness check (persistence/access.py, the users repository) refuses their tokens from
the commit on, with no rule of its own for devices. Refused tokens of a revoked device, its
refresh tokens and sign-ins naming it are answered 401 ``device-revoked`` with ``wipe: true``.
"""

from __future__ import annotations

from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import InvalidGrant, NotAuthenticated, PermissionDenied
from domain.common.listing import CREATED, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal, PrincipalKind
from domain.common.records import require
from domain.devices import policies
from domain.devices.errors import DeviceRevoked
from domain.devices.schemas import DeviceCreate, DevicePage, DeviceRead, DeviceSync
from persistence.models.base import utcnow
from persistence.models.device import Device
from persistence.models.enums import AuditAction
from persistence.repositories.devices import DeviceRepository, DeviceScope
from persistence.uow import UnitOfWork

ENTITY = policies.DEVICE


class DeviceService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.devices = DeviceRepository(uow)

    async def register(self, principal: Principal, data: DeviceCreate) -> DeviceRead:
        """Register a device to the caller and bind her current session to it (if it is
        bound to none). Raises PermissionDenied (integration clients)."""
        authorize(self.uow, principal, policies.OWN, ENTITY)
        if principal.kind is not PrincipalKind.user or principal.organization_id is None:
            raise PermissionDenied("Devices are registered to people.")
        device = Device(
            organization_id=principal.organization_id,
            user_id=principal.id,
            name=data.name,
            platform=data.platform,
            app_version=data.app_version,
            created_by=principal.id,
            last_seen_at=utcnow(),
        )
        await self.devices.add(device)
        if principal.session_id is not None:
            await self.devices.bind_session(principal.session_id, device.id)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            device.id,
            organization_id=device.organization_id,
        )
        return DeviceRead.model_validate(device)

    async def list(
        self, principal: Principal, page: PageRequest, user_id: UUID | None = None
    ) -> DevicePage:
        """Devices in the caller's scope, oldest first (``user_id``: one person's). Raises
        PermissionDenied, BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        scope = policies.device_scope(principal)
        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.devices.page(scope, user_id, after, limit),
            to_read=lambda devices: [DeviceRead.model_validate(d) for d in devices],
            page_type=DevicePage,
            count=lambda: self.devices.count(scope, user_id),
        )

    async def get(self, principal: Principal, device_id: UUID) -> DeviceRead:
        """One device in the caller's scope. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, ENTITY, device_id)
        return DeviceRead.model_validate(await self._require(principal, device_id))

    async def report_sync(
        self, principal: Principal, device_id: UUID, data: DeviceSync
    ) -> DeviceRead:
        """Stamp the caller's own device as synced now (and the app version it runs).
        Raises NotFound, PermissionDenied (another person's device), DeviceRevoked."""
        authorize(self.uow, principal, policies.OWN, ENTITY, device_id)
        device = await self._require(principal, device_id, for_update=True)
        if device.user_id != principal.id:
            raise PermissionDenied("Only the person a device is registered to reports its syncs.")
        if device.revoked_at is not None:
            raise DeviceRevoked(device.id)
        device.last_synced_at = utcnow()
        if data.app_version is not None:
            device.app_version = data.app_version
        device.updated_at = device.last_synced_at
        device.version += 1
        await self.devices.save(device)
        return DeviceRead.model_validate(device)

    async def revoke(self, principal: Principal, device_id: UUID) -> DeviceRead:
        """Revoke a device in the caller's scope: its sessions are revoked in this
        transaction, so its tokens stop at the commit, and its next request is told to wipe.
        Revoking a revoked device changes nothing. Raises NotFound."""
        authorize(self.uow, principal, policies.REVOKE, ENTITY, device_id)
        device = await self._require(principal, device_id, for_update=True)
        if device.revoked_at is None:
            now = utcnow()
            device.revoked_at = now
            device.revoked_by = principal.id
            device.updated_at = now
            device.version += 1
            await self.devices.save(device)
            await self.devices.revoke_sessions(device.id, now)
            record(
                self.uow,
                principal,
                AuditAction.disable,
                ENTITY,
                device.id,
                organization_id=device.organization_id,
            )
        return DeviceRead.model_validate(device)

    # -- for sign-in and token checks -------------------------------------------------------
    async def for_sign_in(self, user_id: UUID, device_id: UUID) -> Device:
        """The device a person signs in (or refreshes) on: hers and live. Raises
        DeviceRevoked, InvalidGrant (not hers, or no such device)."""
        device = await self.devices.get(device_id, DeviceScope(user_id=user_id))
        if device is None:
            raise InvalidGrant("The device is not registered to this account.")
        if device.revoked_at is not None:
            raise DeviceRevoked(device.id)
        await self.devices.touch_seen(device.id, utcnow())
        return device

    async def refusal(self, session_id: UUID | None) -> NotAuthenticated:
        """What a token that failed the liveness check is told: to wipe, when its session is
        bound to a revoked device; that it is not valid otherwise."""
        if session_id is not None:
            device_id = await self.devices.revoked_device_of_session(session_id)
            if device_id is not None:
                return DeviceRevoked(device_id)
        return NotAuthenticated("The access token is not valid.")

    async def _require(
        self, principal: Principal, device_id: UUID, *, for_update: bool = False
    ) -> Device:
        return await require(
            self.devices.get(device_id, policies.device_scope(principal), for_update=for_update),
            "Device",
        )
