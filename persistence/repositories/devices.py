"""Devices, and the sign-in sessions bound to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.auth_session import AuthSession
from persistence.models.device import Device
from persistence.pagination import keyset
from persistence.repositories.session import Repository

# Why a session bound to a device was revoked (auth_session.revoked_reason).
DEVICE_REVOKED = "device_revoked"


@dataclass(frozen=True, slots=True)
class DeviceScope:
    """Which devices a caller may see: all (``everything``), an organisation's, or one
    person's own (``user_id``); none when neither is set."""

    everything: bool = False
    organization_id: UUID | None = None
    user_id: UUID | None = None

    def clause(self) -> Any:
        """The scope as one WHERE clause on indexed columns."""
        if self.everything:
            return sa.true()
        if self.organization_id is not None:
            return col(Device.organization_id) == self.organization_id
        if self.user_id is not None:
            return col(Device.user_id) == self.user_id
        return sa.false()


class DeviceRepository(Repository):
    async def add(self, device: Device) -> Device:
        self.session.add(device)
        await self.session.flush()
        return device

    async def get(
        self, device_id: UUID, scope: DeviceScope, *, for_update: bool = False
    ) -> Device | None:
        stmt = sa.select(Device).where(
            col(Device.id) == device_id, col(Device.deleted_at).is_(None), scope.clause()
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def page(
        self,
        scope: DeviceScope,
        user_id: UUID | None,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> list[Device]:
        """Up to ``limit + 1`` devices in ``scope``, oldest first after the key (created_at,
        id)."""
        stmt = sa.select(Device).where(col(Device.deleted_at).is_(None), scope.clause())
        if user_id is not None:
            stmt = stmt.where(col(Device.user_id) == user_id)
        stmt = keyset(stmt, [col(Device.created_at), col(Device.id)], after, limit)
        return list((await self.session.scalars(stmt)).all())

    async def count(self, scope: DeviceScope, user_id: UUID | None) -> int:
        stmt = (
            sa.select(sa.func.count())
            .select_from(Device)
            .where(col(Device.deleted_at).is_(None), scope.clause())
        )
        if user_id is not None:
            stmt = stmt.where(col(Device.user_id) == user_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def save(self, device: Device) -> Device:
        await self.session.flush()
        return device

    # -- sessions ---------------------------------------------------------------------------
    async def bind_session(self, session_id: UUID, device_id: UUID) -> bool:
        """Bind a live sign-in session that is bound to no device yet; whether it was."""
        result = await self.session.execute(
            sa.update(AuthSession)
            .where(
                col(AuthSession.id) == session_id,
                col(AuthSession.device_id).is_(None),
                col(AuthSession.revoked_at).is_(None),
            )
            .values(device_id=device_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def revoke_sessions(self, device_id: UUID, now: datetime) -> None:
        """Revoke every live session bound to the device: their tokens fail the liveness
        check from this transaction's commit on."""
        await self.session.execute(
            sa.update(AuthSession)
            .where(col(AuthSession.device_id) == device_id, col(AuthSession.revoked_at).is_(None))
            .values(revoked_at=now, revoked_reason=DEVICE_REVOKED)
        )

    async def revoked_device_of_session(self, session_id: UUID) -> UUID | None:
        """The device a session is bound to, when that device has been revoked."""
        stmt = (
            sa.select(col(Device.id))
            .join(AuthSession, col(AuthSession.device_id) == col(Device.id))
            .where(col(AuthSession.id) == session_id, col(Device.revoked_at).is_not(None))
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def touch_seen(self, device_id: UUID, now: datetime) -> None:
        await self.session.execute(
            sa.update(Device).where(col(Device.id) == device_id).values(last_seen_at=now)
        )
