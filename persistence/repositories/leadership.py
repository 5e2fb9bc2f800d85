"""Survivor leadership: leader groups, their members and meetings, campaigns, duty-bearer
engagements and commitments, each seen through a LeadershipScope as one SQL condition.

A program manager's scope is her organisation; a social worker's the records of her districts;
a survivor leader's the groups she currently belongs to and the campaigns and engagements of
those groups. Commitments have no district or group of their own: they are seen through their
engagement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col

from persistence.models.app_user import AppUser
from persistence.models.campaign import Campaign
from persistence.models.district import District
from persistence.models.duty_bearer_commitment import DutyBearerCommitment
from persistence.models.duty_bearer_engagement import DutyBearerEngagement
from persistence.models.enums import Role
from persistence.models.leader_group import LeaderGroup
from persistence.models.leader_group_meeting import LeaderGroupMeeting
from persistence.models.leader_group_member import LeaderGroupMember
from persistence.models.leadership_vocabulary import CommitmentStatus
from persistence.models.organization import Organization
from persistence.models.survivor import Survivor
from persistence.pagination import Key, keyset
from persistence.repositories.base import EntityRepository, ModelT
from persistence.repositories.cases import survivor_visible
from persistence.repositories.session import Repository
from persistence.scope import CaseScope


@dataclass(frozen=True, slots=True)
class LeadershipScope:
    """The leadership records a caller may touch.

    ``organization_id`` None: nothing. ``district_ids`` limits to records of those districts
    (a social worker); ``leader_user_id`` to the groups she currently belongs to, and the
    campaigns and engagements of those groups (a survivor leader). ``sees_people``: whether
    members' names and accounts may be shown at all.
    """

    organization_id: UUID | None
    district_ids: frozenset[UUID] | None = None
    leader_user_id: UUID | None = None
    sees_people: bool = False

    @classmethod
    def nothing(cls) -> LeadershipScope:
        return cls(organization_id=None)

    @property
    def is_empty(self) -> bool:
        return self.organization_id is None


# Commitments still owed: an unfulfilled or partly fulfilled promise is still due.
UNSETTLED = (
    CommitmentStatus.open.value,
    CommitmentStatus.partly_fulfilled.value,
    CommitmentStatus.not_fulfilled.value,
)


def _live(model: Any) -> sa.ColumnElement[bool]:
    # ``model`` may be an alias (no typed columns): the comparison is a SQL condition.
    condition: sa.ColumnElement[bool] = model.deleted_at.is_(None)
    return condition


def leader_group_ids(user_id: UUID) -> sa.Select[Any]:
    """SELECT of the groups a user currently belongs to (membership not ended)."""
    return sa.select(col(LeaderGroupMember.group_id)).where(
        col(LeaderGroupMember.user_id) == user_id,
        col(LeaderGroupMember.left_on).is_(None),
        _live(LeaderGroupMember),
    )


def group_visible(scope: LeadershipScope, group: Any = LeaderGroup) -> sa.ColumnElement[bool]:
    """The condition a leader group row must meet to be in scope."""
    if scope.organization_id is None:
        return sa.false()
    conditions = [group.organization_id == scope.organization_id, _live(group)]
    if scope.district_ids is not None:
        conditions.append(group.district_id.in_(scope.district_ids))
    if scope.leader_user_id is not None:
        conditions.append(group.id.in_(leader_group_ids(scope.leader_user_id)))
    return sa.and_(*conditions)


def activity_visible(scope: LeadershipScope, model: Any) -> sa.ColumnElement[bool]:
    """The condition a campaign or engagement row must meet to be in scope."""
    if scope.organization_id is None:
        return sa.false()
    conditions = [model.organization_id == scope.organization_id, _live(model)]
    if scope.district_ids is not None:
        conditions.append(model.district_id.in_(scope.district_ids))
    if scope.leader_user_id is not None:
        conditions.append(model.leader_group_id.in_(leader_group_ids(scope.leader_user_id)))
    return sa.and_(*conditions)


def engagement_ids_visible(scope: LeadershipScope) -> sa.Select[Any]:
    return sa.select(col(DutyBearerEngagement.id)).where(
        activity_visible(scope, DutyBearerEngagement)
    )


class _Scoped(EntityRepository[ModelT]):
    """get / page / count of one table through a LeadershipScope condition."""

    def visible(self, scope: LeadershipScope) -> sa.ColumnElement[bool]:
        raise NotImplementedError

    async def get_in_scope(
        self, record_id: UUID, scope: LeadershipScope, *, for_update: bool = False
    ) -> ModelT | None:
        if scope.is_empty:
            return None
        stmt = sa.select(self.model).where(col(self.model.id) == record_id, self.visible(scope))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def many_in_scope(
        self, record_ids: Sequence[UUID], scope: LeadershipScope
    ) -> list[ModelT]:
        """The records among ``record_ids`` in scope, in one statement."""
        if scope.is_empty or not record_ids:
            return []
        stmt = sa.select(self.model).where(
            col(self.model.id).in_(list(record_ids)), self.visible(scope)
        )
        return list((await self.session.scalars(stmt)).all())

    def ids_in_scope(self, scope: LeadershipScope) -> sa.Select[Any]:
        """SELECT of the ids of the records in scope (what other records hang off)."""
        return sa.select(col(self.model.id)).where(self.visible(scope))

    async def page_in_scope(
        self,
        scope: LeadershipScope,
        where: list[sa.ColumnElement[bool]],
        after: Key | None,
        limit: int,
    ) -> list[ModelT]:
        """Up to ``limit + 1`` records, newest first, after the key (created_at, id)."""
        if scope.is_empty:
            return []
        stmt = sa.select(self.model).where(self.visible(scope), *where)
        key = [col(self.model.created_at), col(self.model.id)]
        stmt = keyset(stmt, key, after, limit, descending=True)
        return list((await self.session.scalars(stmt)).all())

    async def count_in_scope(
        self, scope: LeadershipScope, where: list[sa.ColumnElement[bool]]
    ) -> int:
        if scope.is_empty:
            return 0
        stmt = sa.select(sa.func.count()).select_from(self.model)
        stmt = stmt.where(self.visible(scope), *where)
        return int((await self.session.execute(stmt)).scalar_one())


# -- groups ---------------------------------------------------------------------------------
class LeaderGroupRepository(_Scoped[LeaderGroup]):
    model = LeaderGroup

    def visible(self, scope: LeadershipScope) -> sa.ColumnElement[bool]:
        return group_visible(scope)

    @staticmethod
    def in_district(district_id: UUID | None) -> list[sa.ColumnElement[bool]]:
        return [] if district_id is None else [col(LeaderGroup.district_id) == district_id]

    async def counts(self, scope: LeadershipScope) -> tuple[int, int]:
        """How many groups are in scope, and how many current members they have."""
        if scope.is_empty:
            return 0, 0
        groups = await self.count_in_scope(scope, [])
        stmt = sa.select(sa.func.count()).where(
            col(LeaderGroupMember.group_id).in_(
                sa.select(col(LeaderGroup.id)).where(group_visible(scope))
            ),
            col(LeaderGroupMember.left_on).is_(None),
            _live(LeaderGroupMember),
        )
        members = int((await self.session.execute(stmt)).scalar_one())
        return groups, members


@dataclass(frozen=True, slots=True)
class MemberRow:
    member: LeaderGroupMember
    visible_survivor_id: UUID | None
    full_name: str | None


class MemberRepository(EntityRepository[LeaderGroupMember]):
    model = LeaderGroupMember

    def _shown(self, survivors: CaseScope) -> sa.Select[Any]:
        """Members with her survivor id only when the caller may see that survivor (else
        NULL, as for a member without a survivor record), and her account's name."""
        if survivors.is_empty:
            shown: Any = sa.null()
        else:
            survivor: Any = aliased(Survivor)
            seen = (
                sa.select(survivor.id)
                .where(
                    survivor.id == col(LeaderGroupMember.survivor_id),
                    survivor_visible(survivors, survivor),
                )
                .exists()
            )
            shown = sa.case((seen, col(LeaderGroupMember.survivor_id)), else_=sa.null())
        name = (
            sa.select(col(AppUser.full_name))
            .where(col(AppUser.id) == col(LeaderGroupMember.user_id))
            .scalar_subquery()
        )
        return sa.select(LeaderGroupMember, shown.label("survivor"), name.label("name"))

    @staticmethod
    def _row(row: Any) -> MemberRow:
        return MemberRow(row[0], row[1], row[2])

    async def page_in_group(
        self,
        group_id: UUID,
        survivors: CaseScope,
        after: Key | None,
        limit: int,
        *,
        current_only: bool,
    ) -> list[MemberRow]:
        stmt = self._shown(survivors).where(
            col(LeaderGroupMember.group_id) == group_id, _live(LeaderGroupMember)
        )
        if current_only:
            stmt = stmt.where(col(LeaderGroupMember.left_on).is_(None))
        stmt = keyset(
            stmt, [col(LeaderGroupMember.created_at), col(LeaderGroupMember.id)], after, limit
        )
        return [self._row(row) for row in (await self.session.execute(stmt)).all()]

    async def in_groups_by_ids(
        self, member_ids: Sequence[UUID], groups: sa.Select[Any], survivors: CaseScope
    ) -> list[MemberRow]:
        """The live members among ``member_ids`` of the groups ``groups`` selects (their
        ids), each as :meth:`get_in_group` answers it; one statement."""
        if not member_ids:
            return []
        stmt = self._shown(survivors).where(
            col(LeaderGroupMember.id).in_(list(member_ids)),
            col(LeaderGroupMember.group_id).in_(groups),
            _live(LeaderGroupMember),
        )
        return [self._row(row) for row in (await self.session.execute(stmt)).all()]

    async def current_counts(self, group_ids: Sequence[UUID]) -> dict[UUID, int]:
        """:meth:`count_in_group` of current members for many groups in one statement."""
        if not group_ids:
            return {}
        stmt = (
            sa.select(col(LeaderGroupMember.group_id), sa.func.count())
            .where(
                col(LeaderGroupMember.group_id).in_(list(group_ids)),
                _live(LeaderGroupMember),
                col(LeaderGroupMember.left_on).is_(None),
            )
            .group_by(col(LeaderGroupMember.group_id))
        )
        counted = {row[0]: int(row[1]) for row in (await self.session.execute(stmt)).all()}
        return {group_id: counted.get(group_id, 0) for group_id in group_ids}

    async def count_in_group(self, group_id: UUID, *, current_only: bool) -> int:
        stmt = sa.select(sa.func.count()).where(
            col(LeaderGroupMember.group_id) == group_id, _live(LeaderGroupMember)
        )
        if current_only:
            stmt = stmt.where(col(LeaderGroupMember.left_on).is_(None))
        return int((await self.session.execute(stmt)).scalar_one())

    async def get_in_group(
        self,
        group_id: UUID,
        member_id: UUID,
        survivors: CaseScope,
        *,
        for_update: bool = False,
    ) -> MemberRow | None:
        stmt = self._shown(survivors).where(
            col(LeaderGroupMember.group_id) == group_id,
            col(LeaderGroupMember.id) == member_id,
            _live(LeaderGroupMember),
        )
        if for_update:
            stmt = stmt.with_for_update(of=LeaderGroupMember)
        row = (await self.session.execute(stmt)).first()
        return None if row is None else self._row(row)

    async def current_with(
        self, group_id: UUID, *, user_id: UUID | None, survivor_id: UUID | None
    ) -> bool:
        """Whether a current member of the group already has this account or survivor."""
        same = []
        if user_id is not None:
            same.append(col(LeaderGroupMember.user_id) == user_id)
        if survivor_id is not None:
            same.append(col(LeaderGroupMember.survivor_id) == survivor_id)
        if not same:
            return False
        stmt = sa.select(sa.literal(True)).where(
            col(LeaderGroupMember.group_id) == group_id,
            col(LeaderGroupMember.left_on).is_(None),
            _live(LeaderGroupMember),
            sa.or_(*same),
        )
        return bool((await self.session.scalars(stmt.limit(1))).first())

    async def ids_in_group(self, group_id: UUID, member_ids: set[UUID]) -> set[UUID]:
        if not member_ids:
            return set()
        stmt = sa.select(col(LeaderGroupMember.id)).where(
            col(LeaderGroupMember.group_id) == group_id,
            col(LeaderGroupMember.id).in_(member_ids),
            _live(LeaderGroupMember),
        )
        return set((await self.session.scalars(stmt)).all())


class MeetingRepository(EntityRepository[LeaderGroupMeeting]):
    model = LeaderGroupMeeting

    def _of_group(self, group_id: UUID) -> list[sa.ColumnElement[bool]]:
        return [col(LeaderGroupMeeting.group_id) == group_id, _live(LeaderGroupMeeting)]

    async def in_groups_by_ids(
        self, meeting_ids: Sequence[UUID], groups: sa.Select[Any]
    ) -> list[LeaderGroupMeeting]:
        """The live meetings among ``meeting_ids`` of the groups ``groups`` selects (their
        ids); one statement."""
        if not meeting_ids:
            return []
        stmt = sa.select(LeaderGroupMeeting).where(
            col(LeaderGroupMeeting.id).in_(list(meeting_ids)),
            col(LeaderGroupMeeting.group_id).in_(groups),
            _live(LeaderGroupMeeting),
        )
        return list((await self.session.scalars(stmt)).all())

    async def get_in_group(self, group_id: UUID, meeting_id: UUID) -> LeaderGroupMeeting | None:
        stmt = sa.select(LeaderGroupMeeting).where(
            col(LeaderGroupMeeting.id) == meeting_id, *self._of_group(group_id)
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_in_group(
        self, group_id: UUID, after: Key | None, limit: int
    ) -> list[LeaderGroupMeeting]:
        stmt = sa.select(LeaderGroupMeeting).where(*self._of_group(group_id))
        stmt = keyset(
            stmt,
            [col(LeaderGroupMeeting.created_at), col(LeaderGroupMeeting.id)],
            after,
            limit,
            descending=True,
        )
        return list((await self.session.scalars(stmt)).all())

    async def count_in_group(self, group_id: UUID) -> int:
        stmt = sa.select(sa.func.count()).where(*self._of_group(group_id))
        return int((await self.session.execute(stmt)).scalar_one())


# -- campaigns ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CampaignTally:
    kind: str
    campaigns: int
    women: int
    men: int
    youth: int
    children: int


@dataclass(frozen=True, slots=True)
class CampaignFilter:
    """What a list or summary of campaigns is narrowed to."""

    kind: str | None = None
    district_id: UUID | None = None
    leader_group_id: UUID | None = None
    held_from: date | None = None
    held_to: date | None = None

    def where(self) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
        if self.kind is not None:
            where.append(col(Campaign.kind) == self.kind)
        if self.district_id is not None:
            where.append(col(Campaign.district_id) == self.district_id)
        if self.leader_group_id is not None:
            where.append(col(Campaign.leader_group_id) == self.leader_group_id)
        if self.held_from is not None:
            where.append(col(Campaign.held_on) >= self.held_from)
        if self.held_to is not None:
            where.append(col(Campaign.held_on) <= self.held_to)
        return where


class CampaignRepository(_Scoped[Campaign]):
    model = Campaign

    def visible(self, scope: LeadershipScope) -> sa.ColumnElement[bool]:
        return activity_visible(scope, Campaign)

    async def tally(
        self, scope: LeadershipScope, where: list[sa.ColumnElement[bool]]
    ) -> list[CampaignTally]:
        """Campaigns and their reach summed, by kind."""
        if scope.is_empty:
            return []
        stmt = (
            sa.select(
                col(Campaign.kind),
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(col(Campaign.reached_women)), 0),
                sa.func.coalesce(sa.func.sum(col(Campaign.reached_men)), 0),
                sa.func.coalesce(sa.func.sum(col(Campaign.reached_youth)), 0),
                sa.func.coalesce(sa.func.sum(col(Campaign.reached_children)), 0),
            )
            .where(self.visible(scope), *where)
            .group_by(col(Campaign.kind))
        )
        rows = (await self.session.execute(stmt)).all()
        return [CampaignTally(str(r[0]), *(int(v) for v in r[1:])) for r in rows]


# -- duty bearers ---------------------------------------------------------------------------
class EngagementRepository(_Scoped[DutyBearerEngagement]):
    model = DutyBearerEngagement

    def visible(self, scope: LeadershipScope) -> sa.ColumnElement[bool]:
        return activity_visible(scope, DutyBearerEngagement)

    @staticmethod
    def narrowed(
        duty_bearer: str | None, leader_group_id: UUID | None
    ) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
        if duty_bearer is not None:
            where.append(col(DutyBearerEngagement.duty_bearer) == duty_bearer)
        if leader_group_id is not None:
            where.append(col(DutyBearerEngagement.leader_group_id) == leader_group_id)
        return where

    async def by_ids(self, engagement_ids: set[UUID]) -> dict[UUID, DutyBearerEngagement]:
        """Engagements by id (already found in scope through their commitments)."""
        if not engagement_ids:
            return {}
        stmt = sa.select(DutyBearerEngagement).where(
            col(DutyBearerEngagement.id).in_(engagement_ids)
        )
        return {e.id: e for e in (await self.session.scalars(stmt)).all()}


class CommitmentRepository(EntityRepository[DutyBearerCommitment]):
    model = DutyBearerCommitment

    async def of_engagement(self, engagement_id: UUID) -> list[DutyBearerCommitment]:
        stmt = (
            sa.select(DutyBearerCommitment)
            .where(
                col(DutyBearerCommitment.engagement_id) == engagement_id,
                _live(DutyBearerCommitment),
            )
            .order_by(col(DutyBearerCommitment.created_at), col(DutyBearerCommitment.id))
        )
        return list((await self.session.scalars(stmt)).all())

    async def of_engagements(
        self, engagement_ids: list[UUID]
    ) -> dict[UUID, list[DutyBearerCommitment]]:
        found: dict[UUID, list[DutyBearerCommitment]] = {i: [] for i in engagement_ids}
        if not engagement_ids:
            return found
        stmt = (
            sa.select(DutyBearerCommitment)
            .where(
                col(DutyBearerCommitment.engagement_id).in_(engagement_ids),
                _live(DutyBearerCommitment),
            )
            .order_by(col(DutyBearerCommitment.created_at), col(DutyBearerCommitment.id))
        )
        for commitment in (await self.session.scalars(stmt)).all():
            found[commitment.engagement_id].append(commitment)
        return found

    async def get_in_engagement(
        self, engagement_id: UUID, commitment_id: UUID, *, for_update: bool = False
    ) -> DutyBearerCommitment | None:
        stmt = sa.select(DutyBearerCommitment).where(
            col(DutyBearerCommitment.id) == commitment_id,
            col(DutyBearerCommitment.engagement_id) == engagement_id,
            _live(DutyBearerCommitment),
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    def _overdue(
        self, scope: LeadershipScope, today: date, escalated: bool | None
    ) -> list[sa.ColumnElement[bool]]:
        where = [
            col(DutyBearerCommitment.engagement_id).in_(engagement_ids_visible(scope)),
            col(DutyBearerCommitment.organization_id) == scope.organization_id,
            _live(DutyBearerCommitment),
            col(DutyBearerCommitment.status).in_(UNSETTLED),
            col(DutyBearerCommitment.due_on) < today,
        ]
        if escalated is True:
            where.append(col(DutyBearerCommitment.escalated_on).is_not(None))
        elif escalated is False:
            where.append(col(DutyBearerCommitment.escalated_on).is_(None))
        return where

    async def page_overdue(
        self,
        scope: LeadershipScope,
        today: date,
        escalated: bool | None,
        after: Key | None,
        limit: int,
    ) -> list[DutyBearerCommitment]:
        """Commitments past their date and not fulfilled, in scope, oldest first."""
        if scope.is_empty:
            return []
        stmt = sa.select(DutyBearerCommitment).where(*self._overdue(scope, today, escalated))
        stmt = keyset(
            stmt, [col(DutyBearerCommitment.created_at), col(DutyBearerCommitment.id)], after, limit
        )
        return list((await self.session.scalars(stmt)).all())

    async def count_overdue(
        self, scope: LeadershipScope, today: date, escalated: bool | None
    ) -> int:
        if scope.is_empty:
            return 0
        stmt = sa.select(sa.func.count()).where(*self._overdue(scope, today, escalated))
        return int((await self.session.execute(stmt)).scalar_one())

    async def tally(self, scope: LeadershipScope) -> dict[tuple[str, str], int]:
        """Commitments in scope counted by (duty bearer, status)."""
        if scope.is_empty:
            return {}
        stmt = (
            sa.select(
                col(DutyBearerEngagement.duty_bearer),
                col(DutyBearerCommitment.status),
                sa.func.count(),
            )
            .join(
                DutyBearerEngagement,
                col(DutyBearerEngagement.id) == col(DutyBearerCommitment.engagement_id),
            )
            .where(
                activity_visible(scope, DutyBearerEngagement),
                _live(DutyBearerCommitment),
            )
            .group_by(col(DutyBearerEngagement.duty_bearer), col(DutyBearerCommitment.status))
        )
        rows = (await self.session.execute(stmt)).all()
        return {(str(r[0]), str(r[1])): int(r[2]) for r in rows}


# -- what records name ----------------------------------------------------------------------
class LeadershipLookups(Repository):
    """The organisations, districts, accounts and survivors that leadership records name."""

    async def existing_organizations(self, organization_ids: set[UUID]) -> set[UUID]:
        if not organization_ids:
            return set()
        stmt = sa.select(col(Organization.id)).where(
            col(Organization.id).in_(organization_ids), _live(Organization)
        )
        return set((await self.session.scalars(stmt)).all())

    async def district_exists(self, district_id: UUID) -> bool:
        stmt = sa.select(sa.literal(True)).where(col(District.id) == district_id, _live(District))
        return bool((await self.session.scalars(stmt)).first())

    async def leader_account(self, organization_id: UUID, user_id: UUID) -> bool:
        """Whether ``user_id`` is a live survivor leader account of the organisation."""
        stmt = sa.select(sa.literal(True)).where(
            col(AppUser.id) == user_id,
            col(AppUser.organization_id) == organization_id,
            col(AppUser.role) == Role.survivor_leader,
            col(AppUser.disabled_at).is_(None),
            _live(AppUser),
        )
        return bool((await self.session.scalars(stmt)).first())

    async def survivor_visible(self, survivor_id: UUID, survivors: CaseScope) -> bool:
        if survivors.is_empty:
            return False
        stmt = sa.select(sa.literal(True)).where(
            col(Survivor.id) == survivor_id, survivor_visible(survivors)
        )
        return bool((await self.session.scalars(stmt)).first())
