"""Cases: scope as one SQL condition, case numbers, the case's history (events)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from persistence.models.case_event import CaseEvent
from persistence.models.case_number_counter import CaseNumberCounter
from persistence.models.organization import Organization
from persistence.models.survivor_case import SurvivorCase
from persistence.repositories.base import EntityRepository
from persistence.scope import CaseScope


def case_visible(scope: CaseScope, case: Any = SurvivorCase) -> Any:
    """The condition a case row (``case``: the table or an alias) must meet to be in scope."""
    if scope.organization_id is None:
        return sa.false()
    condition = case.organization_id == scope.organization_id
    if scope.assigned_user_id is None:
        return sa.and_(condition, case.deleted_at.is_(None))
    mine = case.assigned_worker_id == scope.assigned_user_id
    if scope.district_ids:
        allowed = (
            sa.select(Organization.district_case_visibility)
            .where(Organization.id == case.organization_id)
            .scalar_subquery()
        )
        mine = sa.or_(mine, sa.and_(case.district_id.in_(scope.district_ids), allowed))
    return sa.and_(condition, mine, case.deleted_at.is_(None))


def case_ids_visible(scope: CaseScope) -> sa.Select[Any]:
    """SELECT of the ids of the cases in scope (for records that hang off a case)."""
    return sa.select(SurvivorCase.id).where(case_visible(scope))


class CaseRepository(EntityRepository[SurvivorCase]):
    model = SurvivorCase

    async def get_in_scope(
        self, case_id: UUID, scope: CaseScope, *, for_update: bool = False
    ) -> SurvivorCase | None:
        if scope.is_empty:
            return None
        stmt = sa.select(SurvivorCase).where(SurvivorCase.id == case_id, case_visible(scope))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def next_case_number(self, organization_id: UUID, district_id: UUID, year: int) -> int:
        """The next number of the organisation's cases in the district this year (one
        statement: concurrent intakes never share a number)."""
        table = CaseNumberCounter.__table__  # type: ignore[attr-defined]
        stmt = (
            insert(table)
            .values(organization_id=organization_id, district_id=district_id, year=year, last=1)
            .on_conflict_do_update(
                index_elements=[table.c.organization_id, table.c.district_id, table.c.year],
                set_={"last": table.c.last + 1},
            )
            .returning(table.c.last)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def add_event(self, event: CaseEvent) -> None:
        self.session.add(event)
        await self.session.flush()

    async def events(
        self, case_id: UUID, after: tuple[Any, ...] | None, limit: int
    ) -> list[CaseEvent]:
        stmt = sa.select(CaseEvent).where(CaseEvent.case_id == case_id)
        if after is not None:
            stmt = stmt.where(sa.tuple_(CaseEvent.occurred_at, CaseEvent.id) > sa.tuple_(*after))
        stmt = stmt.order_by(CaseEvent.occurred_at, CaseEvent.id).limit(limit + 1)
        return list((await self.session.scalars(stmt)).all())
