"""The demands and issues register: demands seen through a DemandScope as one SQL condition,
their links, history and comments, the ageing counts and the escalations due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.advocacy_action import AdvocacyAction
from persistence.models.app_user import AppUser
from persistence.models.block import Block
from persistence.models.demand import Demand
from persistence.models.demand_comment import DemandComment
from persistence.models.demand_event import DemandEvent
from persistence.models.demand_link import DemandLink
from persistence.models.demand_vocabulary import (
    DemandCategory,
    DemandLinkKind,
    DemandPriority,
    DemandStatus,
    EscalationLevel,
)
from persistence.models.district import District
from persistence.models.duty_bearer_engagement import DutyBearerEngagement
from persistence.models.leader_group import LeaderGroup
from persistence.models.referral import Referral
from persistence.models.scheme import Scheme
from persistence.models.shg import Shg
from persistence.models.survivor_case import SurvivorCase
from persistence.pagination import Key, keyset
from persistence.repositories.base import EntityRepository
from persistence.repositories.cases import case_visible
from persistence.repositories.leadership import leader_group_ids
from persistence.scope import CaseScope

# Statuses in which a demand is still to be settled.
OPEN_STATUSES = (
    DemandStatus.open.value,
    DemandStatus.acknowledged.value,
    DemandStatus.in_progress.value,
)


@dataclass(frozen=True, slots=True)
class DemandScope:
    """The demands a caller may touch.

    ``organization_id``: the register she sees (None: none), narrowed by ``district_ids`` (a
    social worker: her districts, plus the demands she raised or owns, ``user_id``) or by
    ``leader_user_id`` (a survivor leader: the demands linked to the groups she currently
    belongs to). ``raised_by_organization_id``: also the demands her organisation raised in
    another register (partner staff, program managers).
    """

    organization_id: UUID | None
    district_ids: frozenset[UUID] | None = None
    user_id: UUID | None = None
    leader_user_id: UUID | None = None
    raised_by_organization_id: UUID | None = None

    @classmethod
    def nothing(cls) -> DemandScope:
        return cls(organization_id=None)

    @property
    def is_empty(self) -> bool:
        return self.organization_id is None and self.raised_by_organization_id is None


def demand_visible(scope: DemandScope) -> sa.ColumnElement[bool]:
    """The condition a demand row must meet to be in scope."""
    sides: list[sa.ColumnElement[bool]] = []
    if scope.organization_id is not None:
        conditions = [col(Demand.organization_id) == scope.organization_id]
        if scope.district_ids is not None:
            mine: list[sa.ColumnElement[bool]] = [col(Demand.district_id).in_(scope.district_ids)]
            if scope.user_id is not None:
                mine += [
                    col(Demand.created_by) == scope.user_id,
                    col(Demand.owner_id) == scope.user_id,
                ]
            conditions.append(sa.or_(*mine))
        if scope.leader_user_id is not None:
            groups = sa.select(col(DemandLink.demand_id)).where(
                col(DemandLink.kind) == DemandLinkKind.leader_group.value,
                col(DemandLink.target_id).in_(leader_group_ids(scope.leader_user_id)),
            )
            conditions.append(col(Demand.id).in_(groups))
        sides.append(sa.and_(*conditions))
    if scope.raised_by_organization_id is not None:
        sides.append(col(Demand.raised_by_organization_id) == scope.raised_by_organization_id)
    if not sides:
        return sa.false()
    return sa.and_(sa.or_(*sides), col(Demand.deleted_at).is_(None))


@dataclass(frozen=True, slots=True)
class DemandFilter:
    """What a list of demands is narrowed to (None: not narrowed)."""

    status: DemandStatus | None = None
    category: DemandCategory | None = None
    priority: DemandPriority | None = None
    district_id: UUID | None = None
    block_id: UUID | None = None
    gram_panchayat: str | None = None
    owner_id: UUID | None = None
    # True: only overdue ones (past their due date and not settled); False: none of those.
    overdue: bool | None = None
    case_id: UUID | None = None


class DemandRepository(EntityRepository[Demand]):
    model = Demand

    async def get_where(
        self, demand_id: UUID, scope: DemandScope, *, for_update: bool = False
    ) -> Demand | None:
        stmt = sa.select(Demand).where(col(Demand.id) == demand_id, demand_visible(scope))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    def _where(
        self, scope: DemandScope, narrowed: DemandFilter, on: date
    ) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = [demand_visible(scope)]
        if narrowed.status is not None:
            where.append(col(Demand.status) == narrowed.status)
        if narrowed.category is not None:
            where.append(col(Demand.category) == narrowed.category)
        if narrowed.priority is not None:
            where.append(col(Demand.priority) == narrowed.priority)
        if narrowed.district_id is not None:
            where.append(col(Demand.district_id) == narrowed.district_id)
        if narrowed.block_id is not None:
            where.append(col(Demand.block_id) == narrowed.block_id)
        if narrowed.gram_panchayat is not None:
            where.append(
                sa.func.lower(col(Demand.gram_panchayat)) == narrowed.gram_panchayat.lower()
            )
        if narrowed.owner_id is not None:
            where.append(col(Demand.owner_id) == narrowed.owner_id)
        if narrowed.overdue is not None:
            overdue = overdue_on(on)
            where.append(overdue if narrowed.overdue else sa.not_(overdue))
        if narrowed.case_id is not None:
            where.append(
                col(Demand.id).in_(
                    sa.select(col(DemandLink.demand_id)).where(
                        col(DemandLink.kind) == DemandLinkKind.case.value,
                        col(DemandLink.target_id) == narrowed.case_id,
                    )
                )
            )
        return where

    async def page_where(
        self,
        scope: DemandScope,
        narrowed: DemandFilter,
        on: date,
        after: Key | None,
        limit: int,
    ) -> list[Demand]:
        """Up to ``limit + 1`` demands, newest first, after (created_at, id)."""
        stmt = sa.select(Demand).where(*self._where(scope, narrowed, on))
        stmt = keyset(stmt, [col(Demand.created_at), col(Demand.id)], after, limit, True)
        return list((await self.session.scalars(stmt)).all())

    async def count_where(self, scope: DemandScope, narrowed: DemandFilter, on: date) -> int:
        stmt = sa.select(sa.func.count()).select_from(Demand)
        stmt = stmt.where(*self._where(scope, narrowed, on))
        return int((await self.session.execute(stmt)).scalar_one())

    # -- escalations due and ageing -------------------------------------------------------
    def _escalation_due(
        self, scope: DemandScope, on: date, district_id: UUID | None, owner_id: UUID | None
    ) -> list[sa.ColumnElement[bool]]:
        where = [
            demand_visible(scope),
            col(Demand.status).in_(OPEN_STATUSES),
            col(Demand.next_escalation_on) < on,
            sa.or_(
                col(Demand.escalation_level).is_(None),
                col(Demand.escalation_level) != EscalationLevel.national.value,
            ),
        ]
        if district_id is not None:
            where.append(col(Demand.district_id) == district_id)
        if owner_id is not None:
            where.append(col(Demand.owner_id) == owner_id)
        return where

    async def page_escalation_due(
        self,
        scope: DemandScope,
        on: date,
        district_id: UUID | None,
        owner_id: UUID | None,
        after: Key | None,
        limit: int,
    ) -> list[Demand]:
        """Up to ``limit + 1`` demands whose escalation is due, oldest first, after
        (created_at, id)."""
        stmt = sa.select(Demand).where(*self._escalation_due(scope, on, district_id, owner_id))
        stmt = keyset(stmt, [col(Demand.created_at), col(Demand.id)], after, limit)
        return list((await self.session.scalars(stmt)).all())

    async def count_escalation_due(
        self, scope: DemandScope, on: date, district_id: UUID | None, owner_id: UUID | None
    ) -> int:
        stmt = sa.select(sa.func.count()).select_from(Demand)
        stmt = stmt.where(*self._escalation_due(scope, on, district_id, owner_id))
        return int((await self.session.execute(stmt)).scalar_one())

    async def open_by_age(
        self, scope: DemandScope, on: date, district_id: UUID | None
    ) -> list[tuple[str, int, int]]:
        """(category, age in days, demands) of the open demands in scope on ``on``."""
        age = sa.literal(on, type_=sa.Date) - col(Demand.raised_on)
        stmt = (
            sa.select(col(Demand.category), age, sa.func.count())
            .where(demand_visible(scope), col(Demand.status).in_(OPEN_STATUSES))
            .group_by(col(Demand.category), age)
        )
        if district_id is not None:
            stmt = stmt.where(col(Demand.district_id) == district_id)
        rows: Sequence[Any] = (await self.session.execute(stmt)).all()
        return [(str(row[0]), int(row[1]), int(row[2])) for row in rows]

    # -- links --------------------------------------------------------------------------
    async def links_of(self, demand_ids: Sequence[UUID]) -> list[DemandLink]:
        if not demand_ids:
            return []
        stmt = (
            sa.select(DemandLink)
            .where(col(DemandLink.demand_id).in_(list(demand_ids)))
            .order_by(col(DemandLink.kind), col(DemandLink.target_id))
        )
        return list((await self.session.scalars(stmt)).all())

    async def replace_links(self, demand: Demand, links: Sequence[DemandLink]) -> None:
        await self.session.execute(
            sa.delete(DemandLink).where(col(DemandLink.demand_id) == demand.id)
        )
        self.session.add_all(list(links))
        await self.session.flush()

    async def visible_cases(self, case_ids: Sequence[UUID], scope: CaseScope) -> set[UUID]:
        """Of ``case_ids``, those ``scope`` admits."""
        if not case_ids or scope.is_empty:
            return set()
        stmt = sa.select(col(SurvivorCase.id)).where(
            col(SurvivorCase.id).in_(list(case_ids)), case_visible(scope)
        )
        return set((await self.session.scalars(stmt)).all())

    async def visible_referrals(self, referral_ids: Sequence[UUID], visible: Any) -> set[UUID]:
        """Of ``referral_ids``, those the condition ``visible`` admits."""
        if not referral_ids:
            return set()
        stmt = sa.select(col(Referral.id)).where(
            col(Referral.id).in_(list(referral_ids)), col(Referral.deleted_at).is_(None), visible
        )
        return set((await self.session.scalars(stmt)).all())

    async def referral_organizations(self, referral_ids: Sequence[UUID]) -> dict[UUID, UUID]:
        """The referring organisation of each referral named."""
        if not referral_ids:
            return {}
        stmt = sa.select(col(Referral.id), col(Referral.organization_id)).where(
            col(Referral.id).in_(list(referral_ids))
        )
        return {row[0]: row[1] for row in await self.session.execute(stmt)}

    async def existing(
        self,
        kind: DemandLinkKind,
        target_ids: Sequence[UUID],
        organization_id: UUID,
        district_ids: frozenset[UUID] | None = None,
    ) -> set[UUID]:
        """Of ``target_ids`` of ``kind`` (an SHG, a leader group, a scheme, a duty-bearer
        engagement, an advocacy action), those that exist, are not removed and belong to the
        organisation (schemes are everyone's); ``district_ids`` narrows SHGs, leader groups and
        engagements to those districts."""
        if not target_ids:
            return set()
        model: Any = {
            DemandLinkKind.shg: Shg,
            DemandLinkKind.leader_group: LeaderGroup,
            DemandLinkKind.scheme: Scheme,
            DemandLinkKind.duty_bearer_engagement: DutyBearerEngagement,
            DemandLinkKind.advocacy_action: AdvocacyAction,
        }[kind]
        stmt = sa.select(model.id).where(model.id.in_(list(target_ids)), model.deleted_at.is_(None))
        if model is not Scheme:
            stmt = stmt.where(model.organization_id == organization_id)
        if district_ids is not None and model in (Shg, LeaderGroup, DutyBearerEngagement):
            stmt = stmt.where(model.district_id.in_(district_ids))
        return set((await self.session.scalars(stmt)).all())

    async def leader_groups_of(self, user_id: UUID) -> set[UUID]:
        return set((await self.session.scalars(leader_group_ids(user_id))).all())

    # -- places and people ----------------------------------------------------------------
    async def district_exists(self, district_id: UUID) -> bool:
        return await self.session.get(District, district_id) is not None

    async def block_district(self, block_id: UUID) -> UUID | None:
        block = await self.session.get(Block, block_id)
        return None if block is None or block.deleted_at is not None else block.district_id

    async def user(self, user_id: UUID) -> AppUser | None:
        return await self.session.get(AppUser, user_id)

    # -- history and comments --------------------------------------------------------------
    async def add_event(self, event: DemandEvent) -> None:
        self.session.add(event)
        await self.session.flush()

    async def history(self, demand_id: UUID) -> list[DemandEvent]:
        return (await self.histories([demand_id])).get(demand_id, [])

    async def histories(self, demand_ids: Sequence[UUID]) -> dict[UUID, list[DemandEvent]]:
        """Each demand's events in the order they happened, for many in one statement."""
        found: dict[UUID, list[DemandEvent]] = {}
        if not demand_ids:
            return found
        stmt = (
            sa.select(DemandEvent)
            .where(col(DemandEvent.demand_id).in_(list(demand_ids)))
            .order_by(col(DemandEvent.occurred_at), col(DemandEvent.id))
        )
        for step in (await self.session.scalars(stmt)).all():
            found.setdefault(step.demand_id, []).append(step)
        return found

    async def many_where(self, demand_ids: Sequence[UUID], scope: DemandScope) -> list[Demand]:
        """The demands among ``demand_ids`` that ``scope`` admits, in one statement."""
        if not demand_ids:
            return []
        stmt = sa.select(Demand).where(col(Demand.id).in_(list(demand_ids)), demand_visible(scope))
        return list((await self.session.scalars(stmt)).all())

    async def add_comment(self, comment: DemandComment) -> None:
        self.session.add(comment)
        await self.session.flush()

    async def comments_page(
        self, demand_id: UUID, after: Key | None, limit: int
    ) -> list[DemandComment]:
        """Up to ``limit + 1`` comments, oldest first, after (created_at, id)."""
        stmt = sa.select(DemandComment).where(col(DemandComment.demand_id) == demand_id)
        stmt = keyset(stmt, [col(DemandComment.created_at), col(DemandComment.id)], after, limit)
        return list((await self.session.scalars(stmt)).all())

    async def count_comments(self, demand_id: UUID) -> int:
        stmt = sa.select(sa.func.count()).where(col(DemandComment.demand_id) == demand_id)
        return int((await self.session.execute(stmt)).scalar_one())


def overdue_on(on: date) -> sa.ColumnElement[bool]:
    """A demand overdue at ``on``: past its due date and still to be settled."""
    return sa.and_(col(Demand.status).in_(OPEN_STATUSES), col(Demand.due_on) < on)
