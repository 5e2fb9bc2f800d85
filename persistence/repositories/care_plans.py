"""Care plans: a case's goals (open ones by the survivor's rank) and her agreements to the plan.

Every query here is about one case that the service has already found in the caller's scope;
the case's organisation is filtered on as well (defense in depth, and an indexed column).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.app_user import AppUser
from persistence.models.care_plan_agreement import CarePlanAgreement
from persistence.models.care_plan_goal import CarePlanGoal
from persistence.models.case_vocabulary import CbrComponent, GoalStatus
from persistence.models.organization import Organization
from persistence.models.survivor_case import SurvivorCase
from persistence.pagination import Key
from persistence.repositories.base import EntityRepository
from persistence.repositories.session import Repository
from persistence.scope import RowScope

CLOSED_STATUSES = (GoalStatus.achieved, GoalStatus.dropped)


def _of_case(model: Any, case: SurvivorCase) -> list[sa.ColumnElement[bool]]:
    return [col(model.case_id) == case.id, col(model.organization_id) == case.organization_id]


def _closed() -> sa.ColumnElement[bool]:
    """0 for an open goal, 1 for an achieved or dropped one (open goals list first)."""
    return sa.case(
        (col(CarePlanGoal.status).in_([s.value for s in CLOSED_STATUSES]), 1),
        else_=0,
    )


class GoalRepository(EntityRepository[CarePlanGoal]):
    model = CarePlanGoal

    def _where(
        self,
        case: SurvivorCase,
        status: GoalStatus | None = None,
        component: CbrComponent | None = None,
    ) -> list[sa.ColumnElement[bool]]:
        where = _of_case(CarePlanGoal, case)
        if status is not None:
            where.append(col(CarePlanGoal.status) == status)
        if component is not None:
            where.append(col(CarePlanGoal.component) == component)
        return where

    async def get_in_case(
        self, case: SurvivorCase, goal_id: UUID, *, for_update: bool = False
    ) -> CarePlanGoal | None:
        stmt = self.scoped(RowScope.organization(case.organization_id)).where(
            col(CarePlanGoal.id) == goal_id, *_of_case(CarePlanGoal, case)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def open_goals(
        self, case: SurvivorCase, *, for_update: bool = False
    ) -> list[CarePlanGoal]:
        """The case's open goals by rank (then id, should two ever share one)."""
        stmt = (
            self.scoped(RowScope.organization(case.organization_id))
            .where(
                *_of_case(CarePlanGoal, case),
                col(CarePlanGoal.status).notin_([s.value for s in CLOSED_STATUSES]),
            )
            .order_by(col(CarePlanGoal.rank), col(CarePlanGoal.id))
        )
        if for_update:
            stmt = stmt.with_for_update()
        return list((await self.session.scalars(stmt)).all())

    async def all_of_case(self, case: SurvivorCase) -> list[CarePlanGoal]:
        """Every goal of the case: open ones by rank, then achieved and dropped ones."""
        stmt = (
            self.scoped(RowScope.organization(case.organization_id))
            .where(*_of_case(CarePlanGoal, case))
            .order_by(_closed(), col(CarePlanGoal.rank), col(CarePlanGoal.id))
        )
        return list((await self.session.scalars(stmt)).all())

    async def page_of_case(
        self,
        case: SurvivorCase,
        status: GoalStatus | None,
        component: CbrComponent | None,
        after: Key | None,
        limit: int,
    ) -> list[CarePlanGoal]:
        """Up to ``limit + 1`` goals after the key (closed, rank, id): open goals by rank
        first, then achieved and dropped ones."""
        return await self.page(
            RowScope.organization(case.organization_id),
            where=self._where(case, status, component),
            order=[_closed(), col(CarePlanGoal.rank), col(CarePlanGoal.id)],
            after=after,
            limit=limit,
        )

    async def count_of_case(
        self, case: SurvivorCase, status: GoalStatus | None, component: CbrComponent | None
    ) -> int:
        return await self.count(
            RowScope.organization(case.organization_id),
            where=self._where(case, status, component),
        )

    async def changed_after(self, case: SurvivorCase, moment: datetime | None) -> bool:
        """Whether a goal of the case was created or changed after ``moment`` (any goal at
        all when ``moment`` is None)."""
        stmt = sa.select(sa.literal(True)).where(*_of_case(CarePlanGoal, case))
        if moment is not None:
            stmt = stmt.where(col(CarePlanGoal.updated_at) > moment)
        return bool((await self.session.scalars(stmt.limit(1))).first())


class AgreementRepository(EntityRepository[CarePlanAgreement]):
    model = CarePlanAgreement

    async def latest(self, case: SurvivorCase) -> CarePlanAgreement | None:
        stmt = (
            self.scoped(RowScope.organization(case.organization_id))
            .where(*_of_case(CarePlanAgreement, case))
            .order_by(col(CarePlanAgreement.created_at).desc(), col(CarePlanAgreement.id).desc())
            .limit(1)
        )
        return (await self.session.scalars(stmt)).first()

    async def page_of_case(
        self, case: SurvivorCase, after: Key | None, limit: int
    ) -> list[CarePlanAgreement]:
        """Up to ``limit + 1`` agreements of the case, newest first, after (created_at, id)."""
        return await self.page(
            RowScope.organization(case.organization_id),
            where=_of_case(CarePlanAgreement, case),
            order=[col(CarePlanAgreement.created_at), col(CarePlanAgreement.id)],
            after=after,
            limit=limit,
            descending=True,
        )

    async def count_of_case(self, case: SurvivorCase) -> int:
        return await self.count(
            RowScope.organization(case.organization_id),
            where=_of_case(CarePlanAgreement, case),
        )


class PlanPartiesRepository(Repository):
    """The people and organisations a plan names: the witness of an agreement, and the
    organisation responsible for a goal."""

    async def organization_exists(self, organization_id: UUID) -> bool:
        stmt = sa.select(sa.literal(True)).where(
            col(Organization.id) == organization_id,
            col(Organization.deleted_at).is_(None),
        )
        return bool((await self.session.scalars(stmt)).first())

    async def active_member(self, organization_id: UUID, user_id: UUID) -> bool:
        """Whether ``user_id`` is a live account of the organisation."""
        stmt = sa.select(sa.literal(True)).where(
            col(AppUser.id) == user_id,
            col(AppUser.organization_id) == organization_id,
            col(AppUser.disabled_at).is_(None),
            col(AppUser.deleted_at).is_(None),
        )
        return bool((await self.session.scalars(stmt)).first())
