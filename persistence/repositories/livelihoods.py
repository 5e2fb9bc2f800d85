"""A survivor's livelihood records: her plan, jobs and enterprises, monthly income and
financial inclusion.

Every query here is about one survivor the service has already found in the caller's scope
(``persistence.repositories.cases.survivor_visible``); her organisation is filtered on as well
(defense in depth, and an indexed column).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.financial_inclusion import FinancialInclusion
from persistence.models.income_record import IncomeRecord
from persistence.models.livelihood_activity import LivelihoodActivity
from persistence.models.livelihood_plan import LivelihoodPlan
from persistence.models.livelihood_vocabulary import ActivityKind, FinancialProduct
from persistence.models.survivor import Survivor
from persistence.pagination import Key
from persistence.repositories.base import EntityRepository
from persistence.scope import RowScope


def _of_survivor(model: Any, survivor: Survivor) -> list[sa.ColumnElement[bool]]:
    return [
        col(model.survivor_id) == survivor.id,
        col(model.organization_id) == survivor.organization_id,
    ]


def _scope(survivor: Survivor) -> RowScope:
    return RowScope.organization(survivor.organization_id)


class LivelihoodPlanRepository(EntityRepository[LivelihoodPlan]):
    model = LivelihoodPlan

    async def of_survivor(
        self, survivor: Survivor, *, for_update: bool = False
    ) -> LivelihoodPlan | None:
        stmt = self.scoped(_scope(survivor)).where(*_of_survivor(LivelihoodPlan, survivor))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()


class LivelihoodActivityRepository(EntityRepository[LivelihoodActivity]):
    model = LivelihoodActivity

    def _where(self, survivor: Survivor, kind: ActivityKind | None) -> list[sa.ColumnElement[bool]]:
        where = _of_survivor(LivelihoodActivity, survivor)
        if kind is not None:
            where.append(col(LivelihoodActivity.kind) == kind)
        return where

    async def get_of_survivor(
        self, survivor: Survivor, activity_id: UUID, *, for_update: bool = False
    ) -> LivelihoodActivity | None:
        stmt = self.scoped(_scope(survivor)).where(
            col(LivelihoodActivity.id) == activity_id, *_of_survivor(LivelihoodActivity, survivor)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_of_survivor(
        self,
        survivor: Survivor,
        kind: ActivityKind | None,
        after: Key | None,
        limit: int,
    ) -> list[LivelihoodActivity]:
        """Up to ``limit + 1`` of her jobs and enterprises, oldest record first."""
        return await self.page(
            _scope(survivor), where=self._where(survivor, kind), after=after, limit=limit
        )

    async def count_of_survivor(self, survivor: Survivor, kind: ActivityKind | None) -> int:
        return await self.count(_scope(survivor), where=self._where(survivor, kind))


class IncomeRecordRepository(EntityRepository[IncomeRecord]):
    model = IncomeRecord

    async def get_of_survivor(
        self, survivor: Survivor, record_id: UUID, *, for_update: bool = False
    ) -> IncomeRecord | None:
        stmt = self.scoped(_scope(survivor)).where(
            col(IncomeRecord.id) == record_id, *_of_survivor(IncomeRecord, survivor)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def month_taken(self, survivor: Survivor, month: date, source: str) -> bool:
        """Whether she already has a record of this source for this month (deleted or not:
        the table's unique key covers them all)."""
        stmt = sa.select(sa.literal(True)).where(
            col(IncomeRecord.survivor_id) == survivor.id,
            col(IncomeRecord.month) == month,
            col(IncomeRecord.source) == source,
        )
        return bool((await self.session.scalars(stmt)).first())

    async def series(
        self, survivor: Survivor, from_month: date | None, to_month: date | None
    ) -> list[IncomeRecord]:
        """Her income records between the months given (both included), by month then
        source."""
        stmt = self.scoped(_scope(survivor)).where(*_of_survivor(IncomeRecord, survivor))
        if from_month is not None:
            stmt = stmt.where(col(IncomeRecord.month) >= from_month)
        if to_month is not None:
            stmt = stmt.where(col(IncomeRecord.month) <= to_month)
        stmt = stmt.order_by(col(IncomeRecord.month), col(IncomeRecord.source))
        return list((await self.session.scalars(stmt)).all())


class FinancialInclusionRepository(EntityRepository[FinancialInclusion]):
    model = FinancialInclusion

    async def of_survivor(self, survivor: Survivor) -> list[FinancialInclusion]:
        stmt = (
            self.scoped(_scope(survivor))
            .where(*_of_survivor(FinancialInclusion, survivor))
            .order_by(col(FinancialInclusion.product))
        )
        return list((await self.session.scalars(stmt)).all())

    async def product_of_survivor(
        self, survivor: Survivor, product: FinancialProduct, *, for_update: bool = False
    ) -> FinancialInclusion | None:
        stmt = self.scoped(_scope(survivor)).where(
            col(FinancialInclusion.product) == product,
            *_of_survivor(FinancialInclusion, survivor),
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()
