"""Referrals and the service directory.

A referral is in the caller's scope from one of two sides, each one indexed filter: outgoing
(its referring organisation is the caller's and its case is in her case scope) or incoming
(addressed to the caller's organisation).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.case_vocabulary import ReferralStatus, ServiceKind
from persistence.models.district import District
from persistence.models.enums import OrganizationKind
from persistence.models.organization import Organization
from persistence.models.referral import Referral
from persistence.models.referral_status_change import ReferralStatusChange
from persistence.models.service_offering import ServiceOffering
from persistence.models.survivor import Survivor
from persistence.models.survivor_case import SurvivorCase
from persistence.pagination import Key, keyset
from persistence.repositories.base import EntityRepository
from persistence.repositories.cases import case_visible
from persistence.scope import CaseScope


def outgoing(scope: CaseScope) -> sa.ColumnElement[bool]:
    """Referrals made from the cases ``scope`` admits."""
    if scope.is_empty:
        return sa.false()
    cases = sa.select(col(SurvivorCase.id)).where(case_visible(scope))
    return sa.and_(
        col(Referral.organization_id) == scope.organization_id,
        col(Referral.case_id).in_(cases),
    )


def incoming(receiving_organization_id: UUID | None) -> sa.ColumnElement[bool]:
    """Referrals addressed to ``receiving_organization_id`` (None: nothing)."""
    if receiving_organization_id is None:
        return sa.false()
    return col(Referral.receiving_organization_id) == receiving_organization_id


def visible(
    scope: CaseScope | None, receiving_organization_id: UUID | None
) -> sa.ColumnElement[bool]:
    """Referrals seen from the referring side (``scope``), the receiving side, or either;
    None leaves a side out."""
    sides = []
    if scope is not None:
        sides.append(outgoing(scope))
    if receiving_organization_id is not None:
        sides.append(incoming(receiving_organization_id))
    return sa.or_(*sides) if sides else sa.false()


def _covers(district_id: UUID) -> sa.ColumnElement[bool]:
    """An offering covering the district."""
    return sa.literal(district_id, type_=sa.Uuid) == sa.any_(col(ServiceOffering.district_ids))


class ReferralRepository(EntityRepository[Referral]):
    model = Referral

    async def get_where(
        self, referral_id: UUID, visible: Any, *, for_update: bool = False
    ) -> Referral | None:
        stmt = sa.select(Referral).where(
            col(Referral.id) == referral_id,
            col(Referral.deleted_at).is_(None),
            visible,
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def visible_by_ids(self, referral_ids: Sequence[UUID], visible: Any) -> list[Referral]:
        """The live referrals among ``referral_ids`` that ``visible`` admits (one statement)."""
        if not referral_ids:
            return []
        stmt = sa.select(Referral).where(
            col(Referral.id).in_(list(referral_ids)),
            col(Referral.deleted_at).is_(None),
            visible,
        )
        return list((await self.session.scalars(stmt)).all())

    def _where(
        self,
        visible: Any,
        status: ReferralStatus | None,
        case_id: UUID | None,
    ) -> list[sa.ColumnElement[bool]]:
        where = [visible, col(Referral.deleted_at).is_(None)]
        if status is not None:
            where.append(col(Referral.status) == status)
        if case_id is not None:
            where.append(col(Referral.case_id) == case_id)
        return where

    async def page_where(
        self,
        visible: Any,
        status: ReferralStatus | None,
        case_id: UUID | None,
        after: Key | None,
        limit: int,
    ) -> list[Referral]:
        """Up to ``limit + 1`` referrals, newest first, after (created_at, id)."""
        stmt = sa.select(Referral)
        for clause in self._where(visible, status, case_id):
            stmt = stmt.where(clause)
        stmt = keyset(
            stmt, [col(Referral.created_at), col(Referral.id)], after, limit, descending=True
        )
        return list((await self.session.scalars(stmt)).all())

    async def count_where(
        self, visible: Any, status: ReferralStatus | None, case_id: UUID | None
    ) -> int:
        stmt = sa.select(sa.func.count()).select_from(Referral)
        for clause in self._where(visible, status, case_id):
            stmt = stmt.where(clause)
        return int((await self.session.execute(stmt)).scalar_one())

    async def add_step(self, step: ReferralStatusChange) -> None:
        self.session.add(step)
        await self.session.flush()

    async def history(self, referral_id: UUID) -> list[ReferralStatusChange]:
        return (await self.histories([referral_id])).get(referral_id, [])

    async def histories(
        self, referral_ids: Sequence[UUID]
    ) -> dict[UUID, list[ReferralStatusChange]]:
        """Each referral's steps in the order they were taken, for many in one statement."""
        found: dict[UUID, list[ReferralStatusChange]] = {}
        if not referral_ids:
            return found
        stmt = (
            sa.select(ReferralStatusChange)
            .where(col(ReferralStatusChange.referral_id).in_(list(referral_ids)))
            .order_by(col(ReferralStatusChange.occurred_at), col(ReferralStatusChange.id))
        )
        for step in (await self.session.scalars(stmt)).all():
            found.setdefault(step.referral_id, []).append(step)
        return found

    async def survivor(self, survivor_id: UUID, organization_id: UUID) -> Survivor | None:
        stmt = sa.select(Survivor).where(
            col(Survivor.id) == survivor_id,
            col(Survivor.organization_id) == organization_id,
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def case_of(self, referral: Referral, *, for_update: bool = False) -> SurvivorCase:
        """The referral's case, whoever asks (for writing the case's history)."""
        stmt = sa.select(SurvivorCase).where(
            col(SurvivorCase.id) == referral.case_id,
            col(SurvivorCase.organization_id) == referral.organization_id,
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one()


class DirectoryRepository(EntityRepository[ServiceOffering]):
    model = ServiceOffering

    async def organization(self, organization_id: UUID) -> Organization | None:
        return await self.session.get(Organization, organization_id)

    async def directory_organization(
        self, organization_id: UUID, kinds: Sequence[OrganizationKind]
    ) -> Organization | None:
        stmt = sa.select(Organization).where(
            col(Organization.id) == organization_id,
            col(Organization.kind).in_([k.value for k in kinds]),
            col(Organization.deleted_at).is_(None),
        )
        return (await self.session.scalars(stmt)).one_or_none()

    def _providers_where(
        self,
        kinds: Sequence[OrganizationKind],
        service: ServiceKind | None,
        district_id: UUID | None,
    ) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = [
            col(Organization.kind).in_([k.value for k in kinds]),
            col(Organization.deleted_at).is_(None),
        ]
        if service is not None or district_id is not None:
            offered = sa.select(col(ServiceOffering.id)).where(
                col(ServiceOffering.organization_id) == col(Organization.id),
                col(ServiceOffering.deleted_at).is_(None),
            )
            if service is not None:
                offered = offered.where(col(ServiceOffering.service_kind) == service)
            if district_id is not None:
                offered = offered.where(_covers(district_id))
            where.append(sa.exists(offered))
        return where

    async def providers_page(
        self,
        kinds: Sequence[OrganizationKind],
        service: ServiceKind | None,
        district_id: UUID | None,
        after: Key | None,
        limit: int,
    ) -> list[Organization]:
        """Up to ``limit + 1`` directory organisations by (name, id) after the key."""
        stmt = sa.select(Organization)
        for clause in self._providers_where(kinds, service, district_id):
            stmt = stmt.where(clause)
        stmt = keyset(stmt, [col(Organization.name), col(Organization.id)], after, limit)
        return list((await self.session.scalars(stmt)).all())

    async def providers_count(
        self,
        kinds: Sequence[OrganizationKind],
        service: ServiceKind | None,
        district_id: UUID | None,
    ) -> int:
        stmt = sa.select(sa.func.count()).select_from(Organization)
        for clause in self._providers_where(kinds, service, district_id):
            stmt = stmt.where(clause)
        return int((await self.session.execute(stmt)).scalar_one())

    async def offerings_of(
        self,
        organization_ids: Sequence[UUID],
        service: ServiceKind | None = None,
        district_id: UUID | None = None,
    ) -> list[ServiceOffering]:
        if not organization_ids:
            return []
        stmt = sa.select(ServiceOffering).where(
            col(ServiceOffering.organization_id).in_(list(organization_ids)),
            col(ServiceOffering.deleted_at).is_(None),
        )
        if service is not None:
            stmt = stmt.where(col(ServiceOffering.service_kind) == service)
        if district_id is not None:
            stmt = stmt.where(_covers(district_id))
        stmt = stmt.order_by(col(ServiceOffering.name), col(ServiceOffering.id))
        return list((await self.session.scalars(stmt)).all())

    async def offering(
        self, organization_id: UUID, offering_id: UUID, *, for_update: bool = False
    ) -> ServiceOffering | None:
        stmt = sa.select(ServiceOffering).where(
            col(ServiceOffering.id) == offering_id,
            col(ServiceOffering.organization_id) == organization_id,
            col(ServiceOffering.deleted_at).is_(None),
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def unknown_districts(self, district_ids: Sequence[UUID]) -> set[UUID]:
        wanted = set(district_ids)
        if not wanted:
            return set()
        stmt = sa.select(col(District.id)).where(col(District.id).in_(list(wanted)))
        return wanted - set((await self.session.scalars(stmt)).all())
