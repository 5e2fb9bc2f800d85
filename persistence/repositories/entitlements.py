"""The scheme catalogue, survivors' entitlement applications and their history.

Applications are seen through the survivor they belong to: one SQL condition
(``application_visible``) joins the caller's survivor scope, so lists, filters and counts leak
nothing of survivors outside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.district import District
from persistence.models.entitlement_application import EntitlementApplication
from persistence.models.entitlement_status_change import EntitlementStatusChange
from persistence.models.scheme import Scheme
from persistence.models.state import State
from persistence.models.survivor import Survivor
from persistence.pagination import Key, keyset
from persistence.repositories.base import EntityRepository
from persistence.repositories.cases import survivor_visible
from persistence.repositories.session import Repository
from persistence.scope import CaseScope, RowScope

EPOCH = date(1970, 1, 1)


def effective_day(column: Any = None) -> Any:
    """``effective_from`` as days since 1970-01-01 (an integer key for keyset pages: cursors
    carry no dates)."""
    column = col(Scheme.effective_from) if column is None else column
    return sa.cast(column - sa.literal(EPOCH, sa.Date), sa.Integer)


def day_number(day: date) -> int:
    return (day - EPOCH).days


def in_effect(day: date) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Scheme.effective_from) <= day,
        sa.or_(col(Scheme.effective_to).is_(None), col(Scheme.effective_to) >= day),
    )


@dataclass(frozen=True, slots=True)
class SchemeFilter:
    code: str | None = None
    as_of: date | None = None  # None: every version


class SchemeRepository(EntityRepository[Scheme]):
    model = Scheme

    def _where(self, filters: SchemeFilter) -> list[sa.ColumnElement[bool]]:
        where = []
        if filters.code is not None:
            where.append(col(Scheme.code) == filters.code)
        if filters.as_of is not None:
            where.append(in_effect(filters.as_of))
        return where

    async def page_of(self, filters: SchemeFilter, after: Key | None, limit: int) -> list[Scheme]:
        """Up to ``limit + 1`` schemes by code, then version (oldest first)."""
        return await self.page(
            RowScope.everything(),
            where=self._where(filters),
            order=[col(Scheme.code), effective_day()],
            after=after,
            limit=limit,
        )

    async def count_of(self, filters: SchemeFilter) -> int:
        return await self.count(RowScope.everything(), where=self._where(filters))

    async def latest_version(self, code: str, *, for_update: bool = False) -> Scheme | None:
        stmt = (
            self.scoped(RowScope.everything())
            .where(col(Scheme.code) == code)
            .order_by(col(Scheme.effective_from).desc())
            .limit(1)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def by_ids(self, ids: Iterable[UUID]) -> dict[UUID, Scheme]:
        wanted = set(ids)
        if not wanted:
            return {}
        stmt = sa.select(Scheme).where(col(Scheme.id).in_(wanted))
        return {scheme.id: scheme for scheme in (await self.session.scalars(stmt)).all()}

    async def in_effect_for(self, state_id: UUID | None, day: date) -> list[Scheme]:
        """The versions in effect on ``day`` of every scheme open to people of the state
        (national ones, and the state's own; all of them when the state is unknown)."""
        stmt = self.scoped(RowScope.everything()).where(in_effect(day))
        if state_id is not None:
            stmt = stmt.where(
                sa.or_(col(Scheme.state_id).is_(None), col(Scheme.state_id) == state_id)
            )
        return list((await self.session.scalars(stmt.order_by(col(Scheme.code)))).all())

    async def state_exists(self, state_id: UUID) -> bool:
        stmt = sa.select(sa.literal(True)).where(
            col(State.id) == state_id, col(State.deleted_at).is_(None)
        )
        return bool((await self.session.scalars(stmt)).first())

    async def state_of_district(self, district_id: UUID | None) -> UUID | None:
        if district_id is None:
            return None
        stmt = sa.select(col(District.state_id)).where(col(District.id) == district_id)
        return (await self.session.scalars(stmt)).first()


def application_visible(scope: CaseScope) -> sa.ColumnElement[bool]:
    """The condition an application must meet: its survivor is in the caller's scope."""
    if scope.organization_id is None:
        return sa.false()
    survivor_seen = sa.exists(
        sa.select(col(Survivor.id)).where(
            col(Survivor.id) == col(EntitlementApplication.survivor_id), survivor_visible(scope)
        )
    )
    return sa.and_(
        col(EntitlementApplication.organization_id) == scope.organization_id,
        col(EntitlementApplication.deleted_at).is_(None),
        survivor_seen,
    )


@dataclass(frozen=True, slots=True)
class ApplicationFilter:
    survivor_id: UUID | None = None
    scheme_id: UUID | None = None
    scheme_code: str | None = None
    status: str | None = None
    # Stalled: in one of ``stallable`` and not moved since ``stalled_before``.
    stalled: bool | None = None
    stalled_before: datetime | None = None
    stallable: tuple[str, ...] = ()


def stalled_condition(
    stalled_before: datetime, stallable: tuple[str, ...]
) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(EntitlementApplication.status).in_(stallable),
        col(EntitlementApplication.last_moved_at) < stalled_before,
    )


class EntitlementApplicationRepository(EntityRepository[EntitlementApplication]):
    model = EntitlementApplication

    def _where(self, scope: CaseScope, filters: ApplicationFilter) -> list[sa.ColumnElement[bool]]:
        where = [application_visible(scope)]
        if filters.survivor_id is not None:
            where.append(col(EntitlementApplication.survivor_id) == filters.survivor_id)
        if filters.scheme_id is not None:
            where.append(col(EntitlementApplication.scheme_id) == filters.scheme_id)
        if filters.scheme_code is not None:
            where.append(
                col(EntitlementApplication.scheme_id).in_(
                    sa.select(col(Scheme.id)).where(col(Scheme.code) == filters.scheme_code)
                )
            )
        if filters.status is not None:
            where.append(col(EntitlementApplication.status) == filters.status)
        if filters.stalled is not None and filters.stalled_before is not None:
            condition = stalled_condition(filters.stalled_before, filters.stallable)
            where.append(condition if filters.stalled else sa.not_(condition))
        return where

    async def get_visible(
        self, application_id: UUID, scope: CaseScope, *, for_update: bool = False
    ) -> EntitlementApplication | None:
        if scope.is_empty:
            return None
        stmt = sa.select(EntitlementApplication).where(
            col(EntitlementApplication.id) == application_id, application_visible(scope)
        )
        if for_update:
            stmt = stmt.with_for_update(of=EntitlementApplication)
        return (await self.session.scalars(stmt)).one_or_none()

    async def visible_by_ids(
        self, application_ids: Sequence[UUID], scope: CaseScope
    ) -> list[EntitlementApplication]:
        """The applications among ``application_ids`` that ``scope`` admits (one statement)."""
        if scope.is_empty or not application_ids:
            return []
        stmt = sa.select(EntitlementApplication).where(
            col(EntitlementApplication.id).in_(list(application_ids)), application_visible(scope)
        )
        return list((await self.session.scalars(stmt)).all())

    async def page_visible(
        self,
        scope: CaseScope,
        filters: ApplicationFilter,
        after: Key | None,
        limit: int,
    ) -> list[EntitlementApplication]:
        """Up to ``limit + 1`` applications in scope, oldest first after (created_at, id)."""
        if scope.is_empty:
            return []
        stmt = sa.select(EntitlementApplication).where(*self._where(scope, filters))
        stmt = keyset(
            stmt,
            [col(EntitlementApplication.created_at), col(EntitlementApplication.id)],
            after,
            limit,
        )
        return list((await self.session.scalars(stmt)).all())

    async def count_visible(self, scope: CaseScope, filters: ApplicationFilter) -> int:
        if scope.is_empty:
            return 0
        stmt = (
            sa.select(sa.func.count())
            .select_from(EntitlementApplication)
            .where(*self._where(scope, filters))
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def of_survivor(self, survivor: Survivor) -> list[EntitlementApplication]:
        """Every application of hers, oldest first (she is already known to be in scope)."""
        stmt = (
            self.scoped(RowScope.organization(survivor.organization_id))
            .where(col(EntitlementApplication.survivor_id) == survivor.id)
            .order_by(col(EntitlementApplication.created_at), col(EntitlementApplication.id))
        )
        return list((await self.session.scalars(stmt)).all())

    async def open_for_code(self, survivor: Survivor, code: str, closed: tuple[str, ...]) -> bool:
        """Whether she has an application for the scheme (any version) that is not closed."""
        stmt = sa.select(sa.literal(True)).where(
            col(EntitlementApplication.survivor_id) == survivor.id,
            col(EntitlementApplication.organization_id) == survivor.organization_id,
            col(EntitlementApplication.deleted_at).is_(None),
            col(EntitlementApplication.status).not_in(closed),
            col(EntitlementApplication.scheme_id).in_(
                sa.select(col(Scheme.id)).where(col(Scheme.code) == code)
            ),
        )
        return bool((await self.session.scalars(stmt.limit(1))).first())


class StatusChangeRepository(Repository):
    async def add(self, change: EntitlementStatusChange) -> None:
        self.session.add(change)
        await self.session.flush()

    async def page_of(
        self, application_id: UUID, after: Key | None, limit: int
    ) -> list[EntitlementStatusChange]:
        """Up to ``limit + 1`` moves of the application, oldest first after (at, id)."""
        stmt = sa.select(EntitlementStatusChange).where(
            col(EntitlementStatusChange.application_id) == application_id
        )
        stmt = keyset(
            stmt,
            [col(EntitlementStatusChange.at), col(EntitlementStatusChange.id)],
            after,
            limit,
        )
        return list((await self.session.scalars(stmt)).all())

    async def count_of(self, application_id: UUID) -> int:
        stmt = sa.select(sa.func.count()).where(
            col(EntitlementStatusChange.application_id) == application_id
        )
        return int((await self.session.execute(stmt)).scalar_one())
