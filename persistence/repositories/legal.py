"""Legal proceedings and their hearings, by case (the case's scope is checked first)."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.legal_hearing import LegalHearing
from persistence.models.legal_proceeding import LegalProceeding
from persistence.models.survivor_case import SurvivorCase
from persistence.pagination import Key
from persistence.repositories.base import EntityRepository
from persistence.repositories.follow_ups import date_key, of_case
from persistence.scope import RowScope


class LegalProceedingRepository(EntityRepository[LegalProceeding]):
    model = LegalProceeding

    async def get_in_case(
        self, case: SurvivorCase, proceeding_id: UUID, *, for_update: bool = False
    ) -> LegalProceeding | None:
        stmt = self.scoped(RowScope.organization(case.organization_id)).where(
            col(LegalProceeding.id) == proceeding_id, *of_case(self.model, case)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_of_case(
        self, case: SurvivorCase, after: Key | None, limit: int
    ) -> list[LegalProceeding]:
        """Up to ``limit + 1`` proceedings of the case, oldest first."""
        return await self.page(
            RowScope.organization(case.organization_id),
            where=of_case(self.model, case),
            after=after,
            limit=limit,
        )

    async def count_of_case(self, case: SurvivorCase) -> int:
        return await self.count(
            RowScope.organization(case.organization_id), where=of_case(self.model, case)
        )


class LegalHearingRepository(EntityRepository[LegalHearing]):
    model = LegalHearing

    def _of(self, proceeding: LegalProceeding) -> list[sa.ColumnElement[bool]]:
        return [
            col(LegalHearing.proceeding_id) == proceeding.id,
            col(LegalHearing.case_id) == proceeding.case_id,
            col(LegalHearing.organization_id) == proceeding.organization_id,
        ]

    async def get_of(self, proceeding: LegalProceeding, hearing_id: UUID) -> LegalHearing | None:
        stmt = self.scoped(RowScope.organization(proceeding.organization_id)).where(
            col(LegalHearing.id) == hearing_id, *self._of(proceeding)
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_of(
        self, proceeding: LegalProceeding, after: Key | None, limit: int
    ) -> list[LegalHearing]:
        """Up to ``limit + 1`` hearings of the proceeding by the day they were held."""
        return await self.page(
            RowScope.organization(proceeding.organization_id),
            where=self._of(proceeding),
            order=[LegalHearing.held_on, LegalHearing.id],
            after=date_key(after),
            limit=limit,
        )

    async def count_of(self, proceeding: LegalProceeding) -> int:
        return await self.count(
            RowScope.organization(proceeding.organization_id), where=self._of(proceeding)
        )
