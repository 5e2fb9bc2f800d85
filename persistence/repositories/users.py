from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from persistence.models.app_user import AppUser
from persistence.models.auth_session import AuthSession
from persistence.models.user_district import UserDistrict
from persistence.repositories.base import EntityRepository


@dataclass(frozen=True, slots=True)
class UserPrincipalRow:
    """What authenticating a request needs to know of a user, in one query."""

    id: UUID
    organization_id: UUID
    role: str
    disabled: bool
    district_ids: frozenset[UUID]
    session_active: bool


class UserRepository(EntityRepository[AppUser]):
    model = AppUser

    async def by_email(self, email: str) -> AppUser | None:
        stmt = sa.select(AppUser).where(AppUser.email == email, AppUser.deleted_at.is_(None))
        return (await self.session.scalars(stmt)).one_or_none()

    async def email_taken(self, email: str) -> bool:
        stmt = sa.select(sa.literal(True)).where(AppUser.email == email)
        return bool((await self.session.scalars(stmt)).first())

    async def district_ids(self, user_id: UUID) -> list[UUID]:
        stmt = (
            sa.select(UserDistrict.district_id)
            .where(UserDistrict.user_id == user_id)
            .order_by(UserDistrict.district_id)
        )
        return list((await self.session.scalars(stmt)).all())

    async def districts_of(self, user_ids: Iterable[UUID]) -> dict[UUID, list[UUID]]:
        ids = list(user_ids)
        result: dict[UUID, list[UUID]] = {user_id: [] for user_id in ids}
        if not ids:
            return result
        stmt = (
            sa.select(UserDistrict.user_id, UserDistrict.district_id)
            .where(UserDistrict.user_id.in_(ids))  # type: ignore[attr-defined]
            .order_by(UserDistrict.district_id)
        )
        for user_id, district_id in (await self.session.execute(stmt)).all():
            result[user_id].append(district_id)
        return result

    async def set_districts(self, user_id: UUID, district_ids: Iterable[UUID]) -> None:
        await self.session.execute(sa.delete(UserDistrict).where(UserDistrict.user_id == user_id))  # type: ignore[arg-type]
        rows = [{"user_id": user_id, "district_id": d} for d in sorted(set(district_ids))]
        if rows:
            await self.session.execute(sa.insert(UserDistrict), rows)

    async def principal_row(
        self, user_id: UUID, session_id: UUID, now: datetime
    ) -> UserPrincipalRow | None:
        """The user and whether the sign-in session is live, in one round trip."""
        districts = (
            sa.select(sa.func.coalesce(sa.func.array_agg(UserDistrict.district_id), sa.text("'{}'")))
            .where(UserDistrict.user_id == AppUser.id)
            .scalar_subquery()
        )
        session_live = (
            sa.select(sa.literal(True))
            .where(
                AuthSession.id == session_id,
                AuthSession.user_id == AppUser.id,
                AuthSession.revoked_at.is_(None),  # type: ignore[union-attr]
                AuthSession.expires_at > now,
            )
            .exists()
        )
        stmt = sa.select(
            AppUser.id,
            AppUser.organization_id,
            AppUser.role,
            AppUser.disabled_at,
            districts,
            session_live,
        ).where(AppUser.id == user_id, AppUser.deleted_at.is_(None))
        row = (await self.session.execute(stmt)).one_or_none()
        if row is None:
            return None
        return UserPrincipalRow(
            id=row[0],
            organization_id=row[1],
            role=str(row[2]),
            disabled=row[3] is not None,
            district_ids=frozenset(row[4] or ()),
            session_active=bool(row[5]),
        )
