"""Identification referrals (intake leads) and community safety reports.

The domain decides who sees what and hands a scope in; each scope becomes one WHERE clause on
indexed columns (organisation, then submitter or district), never a filter in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.identification_referral import IdentificationReferral
from persistence.models.leadership_vocabulary import (
    IdentificationConcern,
    IdentificationStatus,
    SafetyReportKind,
)
from persistence.models.safety_report import SafetyReport, SafetyReportStatus
from persistence.pagination import Key
from persistence.repositories.base import EntityRepository
from persistence.scope import RowScope


@dataclass(frozen=True, slots=True)
class ReferralScope:
    """Which identification referrals a caller may touch.

    ``organization_id`` None admits nothing. ``submitted_by`` limits to one submitter's own;
    ``district_ids`` (when not None) to those districts.
    """

    organization_id: UUID | None
    submitted_by: UUID | None = None
    district_ids: frozenset[UUID] | None = None

    @classmethod
    def nothing(cls) -> ReferralScope:
        return cls(organization_id=None)


@dataclass(frozen=True, slots=True)
class ReportScope:
    """Which safety reports a caller may touch: within ``organization_id``, all of them
    (``every_report``), her own (``reporter_id``), and those naming nobody in
    ``unnamed_district_ids``."""

    organization_id: UUID | None
    every_report: bool = False
    reporter_id: UUID | None = None
    unnamed_district_ids: frozenset[UUID] = frozenset()

    @classmethod
    def nothing(cls) -> ReportScope:
        return cls(organization_id=None)


class IdentificationReferralRepository(EntityRepository[IdentificationReferral]):
    model = IdentificationReferral

    @staticmethod
    def _where(
        scope: ReferralScope,
        status: IdentificationStatus | None = None,
        concern: IdentificationConcern | None = None,
    ) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
        if scope.submitted_by is not None:
            where.append(col(IdentificationReferral.submitted_by) == scope.submitted_by)
        if scope.district_ids is not None:
            where.append(col(IdentificationReferral.district_id).in_(scope.district_ids))
        if status is not None:
            where.append(col(IdentificationReferral.status) == status)
        if concern is not None:
            where.append(col(IdentificationReferral.concern) == concern)
        return where

    async def get_in_scope(
        self, referral_id: UUID, scope: ReferralScope, *, for_update: bool = False
    ) -> IdentificationReferral | None:
        if scope.organization_id is None:
            return None
        stmt = self.scoped(RowScope.organization(scope.organization_id)).where(
            col(IdentificationReferral.id) == referral_id, *self._where(scope)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_in_scope(
        self,
        scope: ReferralScope,
        status: IdentificationStatus | None,
        concern: IdentificationConcern | None,
        after: Key | None,
        limit: int,
    ) -> list[IdentificationReferral]:
        """Up to ``limit + 1`` referrals, newest first, after (created_at, id)."""
        if scope.organization_id is None:
            return []
        return await self.page(
            RowScope.organization(scope.organization_id),
            where=self._where(scope, status, concern),
            order=[col(IdentificationReferral.created_at), col(IdentificationReferral.id)],
            after=after,
            limit=limit,
            descending=True,
        )

    async def count_in_scope(
        self,
        scope: ReferralScope,
        status: IdentificationStatus | None,
        concern: IdentificationConcern | None,
    ) -> int:
        if scope.organization_id is None:
            return 0
        return await self.count(
            RowScope.organization(scope.organization_id),
            where=self._where(scope, status, concern),
        )


class SafetyReportRepository(EntityRepository[SafetyReport]):
    model = SafetyReport

    @staticmethod
    def _where(
        scope: ReportScope,
        status: SafetyReportStatus | None = None,
        kind: SafetyReportKind | None = None,
    ) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
        if not scope.every_report:
            admitted: list[sa.ColumnElement[bool]] = []
            if scope.reporter_id is not None:
                admitted.append(col(SafetyReport.reported_by) == scope.reporter_id)
            if scope.unnamed_district_ids:
                admitted.append(
                    sa.and_(
                        col(SafetyReport.names_persons).is_(False),
                        col(SafetyReport.district_id).in_(scope.unnamed_district_ids),
                    )
                )
            where.append(sa.or_(*admitted) if admitted else sa.false())
        if status is not None:
            where.append(col(SafetyReport.status) == status)
        if kind is not None:
            where.append(col(SafetyReport.kind) == kind)
        return where

    async def get_in_scope(
        self, report_id: UUID, scope: ReportScope, *, for_update: bool = False
    ) -> SafetyReport | None:
        if scope.organization_id is None:
            return None
        stmt = self.scoped(RowScope.organization(scope.organization_id)).where(
            col(SafetyReport.id) == report_id, *self._where(scope)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_in_scope(
        self,
        scope: ReportScope,
        status: SafetyReportStatus | None,
        kind: SafetyReportKind | None,
        after: Key | None,
        limit: int,
    ) -> list[SafetyReport]:
        """Up to ``limit + 1`` reports, newest first, after (created_at, id)."""
        if scope.organization_id is None:
            return []
        return await self.page(
            RowScope.organization(scope.organization_id),
            where=self._where(scope, status, kind),
            order=[col(SafetyReport.created_at), col(SafetyReport.id)],
            after=after,
            limit=limit,
            descending=True,
        )

    async def count_in_scope(
        self, scope: ReportScope, status: SafetyReportStatus | None, kind: SafetyReportKind | None
    ) -> int:
        if scope.organization_id is None:
            return 0
        return await self.count(
            RowScope.organization(scope.organization_id), where=self._where(scope, status, kind)
        )
