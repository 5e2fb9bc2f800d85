"""Expansion and policy engagement: onboarding and its stage history, readiness assessments,
advocacy actions, studies, media engagements, and the aggregate counts of one organisation.

Every record here belongs to the organisation that keeps it (the lead organisation); queries
go through a RowScope on its indexed ``organization_id``. The aggregate counts read a partner's
tables by its organisation id and return numbers only, never rows.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.advocacy_action import AdvocacyAction
from persistence.models.leader_group import LeaderGroup
from persistence.models.leadership_vocabulary import AdvocacyKind, AdvocacyLevel, OnboardingStage
from persistence.models.media_engagement import MediaEngagement
from persistence.models.organization import Organization
from persistence.models.partner_onboarding import PartnerOnboarding
from persistence.models.partner_onboarding_stage_change import PartnerOnboardingStageChange
from persistence.models.readiness_assessment import ReadinessAssessment
from persistence.models.referral import Referral
from persistence.models.shg import Shg
from persistence.models.state import State
from persistence.models.study import Study
from persistence.models.survivor import Survivor
from persistence.models.survivor_case import SurvivorCase
from persistence.pagination import keyset
from persistence.repositories.base import EntityRepository
from persistence.repositories.session import Repository
from persistence.scope import RowScope


class OnboardingRepository(EntityRepository[PartnerOnboarding]):
    model = PartnerOnboarding

    def _where(self, stage: OnboardingStage | None, state_id: UUID | None) -> list[Any]:
        where: list[Any] = []
        if stage is not None:
            where.append(col(PartnerOnboarding.stage) == stage)
        if state_id is not None:
            where.append(col(PartnerOnboarding.state_id) == state_id)
        return where

    async def of_partner(self, scope: RowScope, partner_id: UUID) -> PartnerOnboarding | None:
        """The live onboarding of ``partner_id`` kept by the organisation(s) of ``scope``."""
        if scope.is_empty:
            return None
        stmt = self.scoped(scope).where(
            col(PartnerOnboarding.partner_organization_id) == partner_id
        )
        return (await self.session.scalars(stmt.limit(1))).first()

    async def page_in(
        self,
        scope: RowScope,
        stage: OnboardingStage | None,
        state_id: UUID | None,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> list[PartnerOnboarding]:
        return await self.page(
            scope,
            where=self._where(stage, state_id),
            after=after,
            limit=limit,
            descending=True,
        )

    async def count_in(
        self, scope: RowScope, stage: OnboardingStage | None, state_id: UUID | None
    ) -> int:
        return await self.count(scope, where=self._where(stage, state_id))


class StageChangeRepository(Repository):
    async def add(self, change: PartnerOnboardingStageChange) -> None:
        self.session.add(change)
        await self.session.flush()

    def _of(self, onboarding: PartnerOnboarding) -> list[Any]:
        return [
            col(PartnerOnboardingStageChange.onboarding_id) == onboarding.id,
            col(PartnerOnboardingStageChange.organization_id) == onboarding.organization_id,
        ]

    async def page_of(
        self, onboarding: PartnerOnboarding, after: tuple[Any, ...] | None, limit: int
    ) -> list[PartnerOnboardingStageChange]:
        """Up to ``limit + 1`` moves of the onboarding, oldest first, after (at, id)."""
        stmt = sa.select(PartnerOnboardingStageChange).where(*self._of(onboarding))
        stmt = keyset(
            stmt,
            [col(PartnerOnboardingStageChange.at), col(PartnerOnboardingStageChange.id)],
            after,
            limit,
        )
        return list((await self.session.scalars(stmt)).all())

    async def count_of(self, onboarding: PartnerOnboarding) -> int:
        stmt = sa.select(sa.func.count()).select_from(PartnerOnboardingStageChange)
        return int((await self.session.execute(stmt.where(*self._of(onboarding)))).scalar_one())

    async def paused_from(self, onboarding: PartnerOnboarding) -> OnboardingStage | None:
        """The stage the onboarding was at when it was last paused."""
        stmt = (
            sa.select(PartnerOnboardingStageChange.from_stage)  # type: ignore[call-overload]
            .where(
                *self._of(onboarding),
                col(PartnerOnboardingStageChange.to_stage) == OnboardingStage.paused,
            )
            .order_by(
                col(PartnerOnboardingStageChange.at).desc(),
                col(PartnerOnboardingStageChange.id).desc(),
            )
            .limit(1)
        )
        stage = (await self.session.scalars(stmt)).first()
        return OnboardingStage(stage) if stage is not None else None


class ReadinessRepository(EntityRepository[ReadinessAssessment]):
    model = ReadinessAssessment

    def _of(self, onboarding: PartnerOnboarding) -> list[Any]:
        return [
            col(ReadinessAssessment.partner_organization_id) == onboarding.partner_organization_id
        ]

    async def get_of(
        self, onboarding: PartnerOnboarding, assessment_id: UUID
    ) -> ReadinessAssessment | None:
        stmt = self.scoped(RowScope.organization(onboarding.organization_id)).where(
            col(ReadinessAssessment.id) == assessment_id, *self._of(onboarding)
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_of(
        self, onboarding: PartnerOnboarding, after: tuple[Any, ...] | None, limit: int
    ) -> list[ReadinessAssessment]:
        return await self.page(
            RowScope.organization(onboarding.organization_id),
            where=self._of(onboarding),
            after=after,
            limit=limit,
            descending=True,
        )

    async def count_of(self, onboarding: PartnerOnboarding) -> int:
        return await self.count(
            RowScope.organization(onboarding.organization_id), where=self._of(onboarding)
        )


class AdvocacyRepository(EntityRepository[AdvocacyAction]):
    model = AdvocacyAction

    def _where(self, level: AdvocacyLevel | None, kind: AdvocacyKind | None) -> list[Any]:
        where: list[Any] = []
        if level is not None:
            where.append(col(AdvocacyAction.level) == level)
        if kind is not None:
            where.append(col(AdvocacyAction.kind) == kind)
        return where

    async def page_in(
        self,
        scope: RowScope,
        level: AdvocacyLevel | None,
        kind: AdvocacyKind | None,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> list[AdvocacyAction]:
        return await self.page(
            scope, where=self._where(level, kind), after=after, limit=limit, descending=True
        )

    async def count_in(
        self, scope: RowScope, level: AdvocacyLevel | None, kind: AdvocacyKind | None
    ) -> int:
        return await self.count(scope, where=self._where(level, kind))


class StudyRepository(EntityRepository[Study]):
    model = Study

    async def page_in(
        self, scope: RowScope, after: tuple[Any, ...] | None, limit: int
    ) -> list[Study]:
        return await self.page(scope, after=after, limit=limit, descending=True)


class MediaRepository(EntityRepository[MediaEngagement]):
    model = MediaEngagement

    async def page_in(
        self, scope: RowScope, after: tuple[Any, ...] | None, limit: int
    ) -> list[MediaEngagement]:
        return await self.page(scope, after=after, limit=limit, descending=True)


class ExpansionLookups(Repository):
    """The organisations, states and survivors an expansion record names."""

    async def organization_exists(self, organization_id: UUID) -> bool:
        stmt = sa.select(sa.literal(True)).where(
            col(Organization.id) == organization_id, col(Organization.deleted_at).is_(None)
        )
        return bool((await self.session.scalars(stmt)).first())

    async def state_exists(self, state_id: UUID) -> bool:
        stmt = sa.select(sa.literal(True)).where(
            col(State.id) == state_id, col(State.deleted_at).is_(None)
        )
        return bool((await self.session.scalars(stmt)).first())

    async def survivor_in(self, organization_id: UUID, survivor_id: UUID) -> bool:
        """Whether the survivor is a live record of the organisation."""
        stmt = sa.select(sa.literal(True)).where(
            col(Survivor.id) == survivor_id,
            col(Survivor.organization_id) == organization_id,
            col(Survivor.deleted_at).is_(None),
        )
        return bool((await self.session.scalars(stmt)).first())


class AggregateRepository(Repository):
    """Counts of one organisation's live records: numbers, never rows."""

    async def _grouped(self, model: Any, column: Any, organization_id: UUID) -> dict[str, int]:
        stmt = (
            sa.select(column, sa.func.count())
            .select_from(model)
            .where(
                model.organization_id == organization_id,
                model.deleted_at.is_(None),
            )
            .group_by(column)
        )
        return {str(value): int(n) for value, n in (await self.session.execute(stmt)).all()}

    async def _count(self, model: Any, organization_id: UUID) -> int:
        stmt = (
            sa.select(sa.func.count())
            .select_from(model)
            .where(model.organization_id == organization_id, model.deleted_at.is_(None))
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def survivors(self, organization_id: UUID) -> int:
        return await self._count(Survivor, organization_id)

    async def cases_by_status(self, organization_id: UUID) -> dict[str, int]:
        return await self._grouped(SurvivorCase, col(SurvivorCase.status), organization_id)

    async def referrals_by_status(self, organization_id: UUID) -> dict[str, int]:
        """Referrals the organisation sent, by status."""
        return await self._grouped(Referral, col(Referral.status), organization_id)

    async def shgs_by_status(self, organization_id: UUID) -> dict[str, int]:
        return await self._grouped(Shg, col(Shg.status), organization_id)

    async def leader_groups(self, organization_id: UUID) -> int:
        return await self._count(LeaderGroup, organization_id)

    async def onboardings_by_stage(self, organization_id: UUID) -> dict[str, int]:
        """Partners the organisation is onboarding, by stage."""
        return await self._grouped(PartnerOnboarding, col(PartnerOnboarding.stage), organization_id)
