from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from asyncpg import Record
from sqlmodel import col

from persistence.access import AccessCheck, access_is_live_sql
from persistence.audit_chain import AuditRecord, append_args, audited_read_sql
from persistence.models.app_user import AppUser
from persistence.models.user_district import UserDistrict
from persistence.pagination import Key, KeyMismatch
from persistence.repositories.base import EntityRepository
from persistence.scope import RowScope

# Hot reads go straight through asyncpg (prepared statements), each with its audit event
# appended in the same statement.
_COLUMNS = """
    u.id, u.email, u.full_name, u.work_contact, u.organization_id, u.role, u.disabled_at,
    u.last_login_at,
    u.created_at, u.updated_at, u.version,
    ARRAY(SELECT d.district_id FROM user_district d WHERE d.user_id = u.id
           ORDER BY d.district_id) AS district_ids
"""
_GET_AUDITED = audited_read_sql(
    f"""SELECT {_COLUMNS} FROM app_user u
         WHERE u.id = $1 AND u.deleted_at IS NULL
           AND ($2::uuid[] IS NULL OR u.organization_id = ANY($2::uuid[]))""",
    2,
)


@dataclass(frozen=True, slots=True)
class UserFilter:
    organization_id: UUID | None = None
    role: str | None = None
    disabled: bool | None = None


class UserRepository(EntityRepository[AppUser]):
    model = AppUser

    async def get_audited(
        self, user_id: UUID, scope: RowScope, chain: int, audit: AuditRecord
    ) -> Record | None:
        """The user in ``scope``, with her districts; ``audit`` is appended when found."""
        if scope.is_empty:
            return None
        organizations = None if scope.organization_ids is None else list(scope.organization_ids)
        connection = await self.driver()
        row: Record | None = await connection.fetchrow(
            _GET_AUDITED, user_id, organizations, *append_args(self.uow.audit_keys, chain, audit)
        )
        return row if row is not None and row["id"] is not None else None

    async def page_audited(
        self,
        scope: RowScope,
        filters: UserFilter,
        after: Key | None,
        limit: int,
        chain: int,
        audit: AuditRecord,
    ) -> list[Record]:
        """Up to ``limit + 1`` users in ``scope`` oldest first after the key ``after``
        (created_at, id); ``audit`` (a search) is appended whatever is found."""
        if scope.is_empty:
            return []
        conditions, args = ["u.deleted_at IS NULL"], []

        def arg(value: object) -> str:
            args.append(value)
            return f"${len(args)}"

        if scope.organization_ids is not None:
            conditions.append(f"u.organization_id = ANY({arg(list(scope.organization_ids))})")
        if filters.organization_id is not None:
            conditions.append(f"u.organization_id = {arg(filters.organization_id)}")
        if filters.role is not None:
            conditions.append(f"u.role = {arg(filters.role)}")
        if filters.disabled is not None:
            conditions.append(f"u.disabled_at IS {'NOT ' if filters.disabled else ''}NULL")
        if after is not None:
            created, user_id = after if len(after) == 2 else (None, None)
            if not isinstance(created, datetime) or not isinstance(user_id, UUID):
                raise KeyMismatch("the key does not fit the ordering")
            conditions.append(f"(u.created_at, u.id) > ({arg(after[0])}, {arg(after[1])})")
        limit_param = arg(limit + 1)
        select = (
            f"SELECT {_COLUMNS} FROM app_user u WHERE {' AND '.join(conditions)}"
            f" ORDER BY u.created_at, u.id LIMIT {limit_param}"
        )
        sql = audited_read_sql(select, len(args), only_if_found=False, owned=False)
        connection = await self.driver()
        rows = await connection.fetch(sql, *args, *append_args(self.uow.audit_keys, chain, audit))
        return [row for row in rows if row["id"] is not None]

    async def count_in(self, scope: RowScope, filters: UserFilter) -> int:
        where = []
        if filters.organization_id is not None:
            where.append(col(AppUser.organization_id) == filters.organization_id)
        if filters.role is not None:
            where.append(col(AppUser.role) == filters.role)
        if filters.disabled is not None:
            column = col(AppUser.disabled_at)
            where.append(column.is_not(None) if filters.disabled else column.is_(None))
        return await self.count(scope, where=where)

    async def by_email(self, email: str) -> AppUser | None:
        stmt = sa.select(AppUser).where(
            col(AppUser.email) == email, col(AppUser.deleted_at).is_(None)
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def email_taken(self, email: str) -> bool:
        stmt = sa.select(sa.literal(True)).where(col(AppUser.email) == email)
        return bool((await self.session.scalars(stmt)).first())

    async def district_ids(self, user_id: UUID) -> list[UUID]:
        stmt = (
            sa.select(col(UserDistrict.district_id))
            .where(col(UserDistrict.user_id) == user_id)
            .order_by(col(UserDistrict.district_id))
        )
        return list((await self.session.scalars(stmt)).all())

    async def districts_of(self, user_ids: Iterable[UUID]) -> dict[UUID, list[UUID]]:
        ids = list(user_ids)
        result: dict[UUID, list[UUID]] = {user_id: [] for user_id in ids}
        if not ids:
            return result
        stmt = (
            sa.select(col(UserDistrict.user_id), col(UserDistrict.district_id))
            .where(col(UserDistrict.user_id).in_(ids))
            .order_by(col(UserDistrict.district_id))
        )
        for user_id, district_id in (await self.session.execute(stmt)).all():
            result[user_id].append(district_id)
        return result

    async def set_districts(self, user_id: UUID, district_ids: Iterable[UUID]) -> None:
        await self.session.execute(
            sa.delete(UserDistrict).where(col(UserDistrict.user_id) == user_id)
        )
        rows = [{"user_id": user_id, "district_id": d} for d in sorted(set(district_ids))]
        if rows:
            await self.session.execute(sa.insert(UserDistrict), rows)

    async def scope_districts(self, user_id: UUID) -> frozenset[UUID]:
        """Her districts, read without opening the unit's transaction (for an access token
        that does not list them)."""
        connection = await self.driver()
        rows = await connection.fetch(
            "SELECT district_id FROM user_district WHERE user_id = $1", user_id
        )
        return frozenset(UUID(str(row["district_id"])) for row in rows)

    async def email_of(self, user_id: UUID) -> str | None:
        """Her email, read without opening the unit's transaction."""
        connection = await self.driver()
        email: str | None = await connection.fetchval(
            "SELECT email FROM app_user WHERE id = $1", user_id
        )
        return email

    async def access_is_live(
        self, user_id: UUID, session_id: UUID | None, access_version: int
    ) -> bool:
        """Whether a token issued at ``access_version`` for the sign-in ``session_id`` still
        stands for a live user (the rule of persistence/access.py; one round trip, prepared)."""
        sql, args = access_is_live_sql(
            AccessCheck("user", user_id, access_version, session_id=session_id)
        )
        connection = await self.driver()
        return bool(await connection.fetchval(sql, *args))
