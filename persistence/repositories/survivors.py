"""Survivors: scoped reads (one SQL condition, see ``survivor_visible``), keyset pages,
exact-match lookups by blind index, and the duplicate check of an intake."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from persistence.models.survivor import Survivor
from persistence.pagination import Key, keyset
from persistence.repositories.base import EntityRepository
from persistence.repositories.cases import survivor_visible
from persistence.scope import CaseScope

_COLUMNS: Any = Survivor


@dataclass(frozen=True, slots=True)
class SurvivorFilter:
    district_id: UUID | None = None
    # Exact-match lookups: a survivor matches when either index equals hers.
    phone_bidx: bytes | None = None
    name_bidx: bytes | None = None

    @property
    def is_lookup(self) -> bool:
        return self.phone_bidx is not None or self.name_bidx is not None


@dataclass(frozen=True, slots=True)
class PossibleMatch:
    survivor_id: UUID
    visible: bool


def _lookup(phone_bidx: bytes | None, name_bidx: bytes | None) -> sa.ColumnElement[bool]:
    clauses = []
    if phone_bidx is not None:
        clauses.append(_COLUMNS.phone_bidx == phone_bidx)
    if name_bidx is not None:
        clauses.append(_COLUMNS.name_bidx == name_bidx)
    return sa.or_(*clauses) if clauses else sa.true()


class SurvivorRepository(EntityRepository[Survivor]):
    model = Survivor

    def _visible(self, scope: CaseScope, filters: SurvivorFilter) -> list[sa.ColumnElement[bool]]:
        conditions = [survivor_visible(scope)]
        if filters.district_id is not None:
            conditions.append(_COLUMNS.district_id == filters.district_id)
        if filters.is_lookup:
            conditions.append(_lookup(filters.phone_bidx, filters.name_bidx))
        return conditions

    @staticmethod
    def keys_visible(scope: CaseScope) -> sa.Select[Any]:
        """SELECT of the id and organisation of each survivor ``scope`` admits (what her
        records are read through)."""
        return sa.select(_COLUMNS.id, _COLUMNS.organization_id).where(survivor_visible(scope))

    async def get_visible(
        self, survivor_id: UUID, scope: CaseScope, *, for_update: bool = False
    ) -> Survivor | None:
        """The survivor if ``scope`` admits her (locked until the end of the transaction when
        ``for_update``)."""
        if scope.is_empty:
            return None
        stmt = sa.select(Survivor).where(_COLUMNS.id == survivor_id, survivor_visible(scope))
        if for_update:
            stmt = stmt.with_for_update(of=Survivor)
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_visible(
        self,
        scope: CaseScope,
        filters: SurvivorFilter,
        after: Key | None,
        limit: int,
    ) -> list[Survivor]:
        """Up to ``limit + 1`` survivors in scope, oldest first after the key (created_at,
        id)."""
        if scope.is_empty:
            return []
        stmt = sa.select(Survivor).where(*self._visible(scope, filters))
        stmt = keyset(stmt, [_COLUMNS.created_at, _COLUMNS.id], after, limit)
        return list((await self.session.scalars(stmt)).all())

    async def count_visible(self, scope: CaseScope, filters: SurvivorFilter) -> int:
        if scope.is_empty:
            return 0
        stmt = (
            sa.select(sa.func.count()).select_from(Survivor).where(*self._visible(scope, filters))
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def hold_identities(self, *blind_indexes: bytes | None) -> None:
        """Hold, until this transaction ends, a lock on each identity (a blind index of a phone
        or a name) an intake is about to check and register: a concurrent intake of the same
        person waits, then finds this one. Blind indexes are keyed per organisation, so
        organisations never wait for each other (but for a 1 in 2^64 coincidence). Locks are
        taken in one order, so two intakes cannot deadlock."""
        keys = sorted({int.from_bytes(b[:8], "big", signed=True) for b in blind_indexes if b})
        for key in keys:
            await self.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    async def possible_duplicates(
        self,
        organization_id: UUID,
        phone_bidx: bytes | None,
        name_bidx: bytes | None,
        scope: CaseScope,
        *,
        exclude: Sequence[UUID] = (),
        limit: int = 50,
    ) -> list[PossibleMatch]:
        """Survivors of the organisation with the same phone or name, each marked with whether
        ``scope`` admits her (the others may only be counted, never named)."""
        if phone_bidx is None and name_bidx is None:
            return []
        stmt = (
            sa.select(_COLUMNS.id, survivor_visible(scope).label("visible"))
            .where(
                _COLUMNS.organization_id == organization_id,
                _COLUMNS.deleted_at.is_(None),
                _lookup(phone_bidx, name_bidx),
            )
            .order_by(_COLUMNS.created_at, _COLUMNS.id)
            .limit(limit)
        )
        if exclude:
            stmt = stmt.where(_COLUMNS.id.not_in(list(exclude)))
        rows = (await self.session.execute(stmt)).all()
        return [PossibleMatch(row.id, bool(row.visible)) for row in rows]
