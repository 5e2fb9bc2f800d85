"""What devices carry beyond a case's own records, in a caller's scope: referrals, entitlement
applications, self-help groups with their members and meetings, leader groups with their
meetings and campaigns, demands, and attachments' metadata.

Every condition here is its area's own (``referrals.outgoing``, ``application_visible``,
``row_scope_conditions`` through the SHGs' RowScope, ``group_visible`` and
``activity_visible``, ``demand_visible``, the cases area's ``survivor_visible`` and
``case_ids_visible``): sync restates none of them, it pages ids through them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.attachment import Attachment
from persistence.models.campaign import Campaign
from persistence.models.consent import Consent
from persistence.models.demand import Demand
from persistence.models.entitlement_application import EntitlementApplication
from persistence.models.leader_group import LeaderGroup
from persistence.models.leader_group_meeting import LeaderGroupMeeting
from persistence.models.leader_group_member import LeaderGroupMember
from persistence.models.referral import Referral
from persistence.models.shg import Shg
from persistence.models.shg_meeting import ShgMeeting
from persistence.models.shg_member import ShgMember
from persistence.models.survivor import Survivor
from persistence.repositories.base import row_scope_conditions
from persistence.repositories.cases import case_ids_visible, survivor_visible
from persistence.repositories.demands import DemandScope, demand_visible
from persistence.repositories.entitlements import application_visible
from persistence.repositories.leadership import LeadershipScope, activity_visible, group_visible
from persistence.repositories.referrals import outgoing
from persistence.repositories.session import Repository
from persistence.repositories.sync import Held
from persistence.scope import CaseScope, RowScope

# The records of a group, by their name in the protocol, and the column naming their group.
SHG_RECORDS: dict[str, Any] = {"shg_member": ShgMember, "shg_meeting": ShgMeeting}


class SyncCarriedRepository(Repository):
    async def _held(
        self, stmt: Any, key: Any, after: UUID | None, limit: int, shape: str
    ) -> list[Held]:
        if after is not None:
            stmt = stmt.where(key > after)
        rows = (await self.session.execute(stmt.order_by(key).limit(limit))).all()
        if shape == "case":
            return [Held(id=row[0], case_id=row[1]) for row in rows]
        if shape == "survivor":
            return [Held(id=row[0], survivor_id=row[1]) for row in rows]
        return [Held(id=row[0], holder_id=row[1]) for row in rows]

    # -- referrals and entitlement applications (of cases and survivors in scope) ----------
    async def referrals(
        self, scope: CaseScope, after: UUID | None, limit: int, *, case_id: UUID | None = None
    ) -> list[Held]:
        """Referrals made from the cases in her scope (the referring side)."""
        if scope.is_empty:
            return []
        stmt = sa.select(col(Referral.id), col(Referral.case_id)).where(
            outgoing(scope), col(Referral.deleted_at).is_(None)
        )
        if case_id is not None:
            stmt = stmt.where(col(Referral.case_id) == case_id)
        return await self._held(stmt, col(Referral.id), after, limit, "case")

    async def applications(
        self, scope: CaseScope, after: UUID | None, limit: int, *, survivor_id: UUID | None = None
    ) -> list[Held]:
        """Entitlement applications of the survivors in her scope."""
        if scope.is_empty:
            return []
        model = EntitlementApplication
        stmt = sa.select(col(model.id), col(model.survivor_id)).where(application_visible(scope))
        if survivor_id is not None:
            stmt = stmt.where(col(model.survivor_id) == survivor_id)
        return await self._held(stmt, col(model.id), after, limit, "survivor")

    # -- self-help groups -------------------------------------------------------------------
    def _shg_ids(self, scope: RowScope) -> sa.Select[Any]:
        return sa.select(col(Shg.id)).where(*row_scope_conditions(Shg, scope))

    async def shgs(
        self,
        scope: RowScope,
        after: UUID | None,
        limit: int,
        *,
        ids: Sequence[UUID] = (),
        district_id: UUID | None = None,
    ) -> list[Held]:
        """The groups in her scope (an SHG holds itself: ``holder_id`` is its id)."""
        if scope.is_empty:
            return []
        stmt = sa.select(col(Shg.id), col(Shg.id)).where(*row_scope_conditions(Shg, scope))
        if ids:
            stmt = stmt.where(col(Shg.id).in_(ids))
        if district_id is not None:
            stmt = stmt.where(col(Shg.district_id) == district_id)
        return await self._held(stmt, col(Shg.id), after, limit, "holder")

    async def shg_records(
        self,
        entity: str,
        scope: RowScope,
        after: UUID | None,
        limit: int,
        *,
        shg_id: UUID | None = None,
    ) -> list[Held]:
        """Members or meetings of the groups in her scope."""
        if scope.is_empty:
            return []
        model = SHG_RECORDS[entity]
        stmt = sa.select(model.id, model.shg_id).where(
            model.shg_id.in_(self._shg_ids(scope)), model.deleted_at.is_(None)
        )
        if shg_id is not None:
            stmt = stmt.where(model.shg_id == shg_id)
        return await self._held(stmt, model.id, after, limit, "holder")

    async def groups_of_district(
        self, entity: str, organization_id: UUID | None, district_id: UUID
    ) -> list[UUID]:
        """The organisation's live SHGs (or leader groups) placed in one district, whoever
        may see them (a district given to her or taken from her)."""
        model: Any = Shg if entity == "shg" else LeaderGroup
        if organization_id is None:
            return []
        stmt = sa.select(model.id).where(
            model.organization_id == organization_id,
            model.district_id == district_id,
            model.deleted_at.is_(None),
        )
        return list((await self.session.scalars(stmt.order_by(model.id))).all())

    # -- leader groups, their meetings and campaigns -----------------------------------------
    async def leader_groups(
        self,
        scope: LeadershipScope,
        after: UUID | None,
        limit: int,
        *,
        ids: Sequence[UUID] = (),
        district_id: UUID | None = None,
    ) -> list[Held]:
        if scope.is_empty:
            return []
        stmt = sa.select(col(LeaderGroup.id), col(LeaderGroup.id)).where(group_visible(scope))
        if ids:
            stmt = stmt.where(col(LeaderGroup.id).in_(ids))
        if district_id is not None:
            stmt = stmt.where(col(LeaderGroup.district_id) == district_id)
        return await self._held(stmt, col(LeaderGroup.id), after, limit, "holder")

    async def leader_members(
        self,
        scope: LeadershipScope,
        after: UUID | None,
        limit: int,
        *,
        group_id: UUID | None = None,
    ) -> list[Held]:
        """The live members (current or past) of the leader groups in her scope."""
        if scope.is_empty:
            return []
        groups = sa.select(col(LeaderGroup.id)).where(group_visible(scope))
        model = LeaderGroupMember
        stmt = sa.select(col(model.id), col(model.group_id)).where(
            col(model.group_id).in_(groups), col(model.deleted_at).is_(None)
        )
        if group_id is not None:
            stmt = stmt.where(col(model.group_id) == group_id)
        return await self._held(stmt, col(model.id), after, limit, "holder")

    async def leader_meetings(
        self,
        scope: LeadershipScope,
        after: UUID | None,
        limit: int,
        *,
        group_id: UUID | None = None,
    ) -> list[Held]:
        if scope.is_empty:
            return []
        groups = sa.select(col(LeaderGroup.id)).where(group_visible(scope))
        model = LeaderGroupMeeting
        stmt = sa.select(col(model.id), col(model.group_id)).where(
            col(model.group_id).in_(groups), col(model.deleted_at).is_(None)
        )
        if group_id is not None:
            stmt = stmt.where(col(model.group_id) == group_id)
        return await self._held(stmt, col(model.id), after, limit, "holder")

    async def campaigns(
        self,
        scope: LeadershipScope,
        after: UUID | None,
        limit: int,
        *,
        group_id: UUID | None = None,
    ) -> list[Held]:
        if scope.is_empty:
            return []
        stmt = sa.select(col(Campaign.id), col(Campaign.leader_group_id)).where(
            activity_visible(scope, Campaign)
        )
        if group_id is not None:
            stmt = stmt.where(col(Campaign.leader_group_id) == group_id)
        return await self._held(stmt, col(Campaign.id), after, limit, "holder")

    # -- demands she raised or owns ---------------------------------------------------------
    async def demands(
        self,
        scope: DemandScope,
        user_id: UUID,
        after: UUID | None,
        limit: int,
        *,
        ids: Sequence[UUID] = (),
    ) -> list[Held]:
        """The demands in her scope that she raised or owns."""
        if scope.is_empty:
            return []
        stmt = sa.select(col(Demand.id), col(Demand.id)).where(
            demand_visible(scope),
            sa.or_(col(Demand.created_by) == user_id, col(Demand.owner_id) == user_id),
        )
        if ids:
            stmt = stmt.where(col(Demand.id).in_(ids))
        return await self._held(stmt, col(Demand.id), after, limit, "holder")

    # -- attachments' metadata ----------------------------------------------------------------
    async def attachments_by_ids(
        self,
        organization_id: UUID | None,
        records: Iterable[tuple[str, Any]],
        ids: Sequence[UUID],
    ) -> list[Attachment]:
        """The live attachments among ``ids`` whose record is among ``records``."""
        sides = [
            sa.and_(col(Attachment.record_kind) == kind, col(Attachment.record_id).in_(of))
            for kind, of in records
        ]
        if organization_id is None or not sides or not ids:
            return []
        stmt = sa.select(Attachment).where(
            col(Attachment.id).in_(ids),
            col(Attachment.organization_id) == organization_id,
            col(Attachment.deleted_at).is_(None),
            sa.or_(*sides),
        )
        return list((await self.session.scalars(stmt)).all())

    async def attachments(
        self,
        organization_id: UUID | None,
        records: Iterable[tuple[str, Any]],
        after: UUID | None,
        limit: int,
        *,
        record_id: UUID | None = None,
    ) -> list[Held]:
        """Live attachments of her organisation whose record is among ``records`` (pairs of a
        record kind and a SELECT of the ids of that kind in her scope)."""
        sides = [
            sa.and_(col(Attachment.record_kind) == kind, col(Attachment.record_id).in_(ids))
            for kind, ids in records
        ]
        if organization_id is None or not sides:
            return []
        stmt = sa.select(col(Attachment.id), col(Attachment.record_id)).where(
            col(Attachment.organization_id) == organization_id,
            col(Attachment.deleted_at).is_(None),
            sa.or_(*sides),
        )
        if record_id is not None:
            stmt = stmt.where(col(Attachment.record_id) == record_id)
        return await self._held(stmt, col(Attachment.id), after, limit, "holder")


def survivor_ids_visible(scope: CaseScope) -> sa.Select[Any]:
    return sa.select(col(Survivor.id)).where(survivor_visible(scope))


def consent_ids_visible(scope: CaseScope) -> sa.Select[Any]:
    return sa.select(col(Consent.id)).where(
        col(Consent.survivor_id).in_(survivor_ids_visible(scope)),
        col(Consent.deleted_at).is_(None),
    )


def shg_meeting_ids_visible(scope: RowScope) -> sa.Select[Any]:
    return sa.select(col(ShgMeeting.id)).where(
        col(ShgMeeting.shg_id).in_(sa.select(col(Shg.id)).where(*row_scope_conditions(Shg, scope))),
        col(ShgMeeting.deleted_at).is_(None),
    )


def case_ids_in_scope(scope: CaseScope) -> sa.Select[Any]:
    return case_ids_visible(scope)
