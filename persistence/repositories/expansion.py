"""Expansion and policy engagement: onboarding and its stage history, readiness assessments,
advocacy actions, studies, media engagements. (A partner's figures come from the evidence
engine: persistence/evidence.)

Every record here belongs to the organisation that keeps it (the lead organisation); queries
go through a RowScope on its indexed ``organization_id``.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.advocacy_action import AdvocacyAction
from persistence.models.leadership_vocabulary import AdvocacyKind, AdvocacyLevel, OnboardingStage
from persistence.models.media_engagement import MediaEngagement
from persistence.models.organization import Organization
from persistence.models.partner_onboarding import PartnerOnboarding
from persistence.models.partner_onboarding_stage_change import PartnerOnboardingStageChange
from persistence.models.readiness_assessment import ReadinessAssessment
from persistence.models.state import State
from persistence.models.study import Study
from persistence.models.survivor import Survivor
from persistence.pagination import Key, keyset
from persistence.repositories.base import EntityRepository
from persistence.repositories.session import Repository
from persistence.scope import RowScope


class OnboardingRepository(EntityRepository[PartnerOnboarding]):
    model = PartnerOnboarding

    def _where(
        self, stage: OnboardingStage | None, state_id: UUID | None
    ) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
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
        after: Key | None,
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

    def _of(self, onboarding: PartnerOnboarding) -> list[sa.ColumnElement[bool]]:
        return [
            col(PartnerOnboardingStageChange.onboarding_id) == onboarding.id,
            col(PartnerOnboardingStageChange.organization_id) == onboarding.organization_id,
        ]

    async def page_of(
        self, onboarding: PartnerOnboarding, after: Key | None, limit: int
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

    def _of(self, onboarding: PartnerOnboarding) -> list[sa.ColumnElement[bool]]:
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
        self, onboarding: PartnerOnboarding, after: Key | None, limit: int
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

    def _where(
        self, level: AdvocacyLevel | None, kind: AdvocacyKind | None
    ) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
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
        after: Key | None,
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

    async def page_in(self, scope: RowScope, after: Key | None, limit: int) -> list[Study]:
        return await self.page(scope, after=after, limit=limit, descending=True)


class MediaRepository(EntityRepository[MediaEngagement]):
    model = MediaEngagement

    async def page_in(
        self, scope: RowScope, after: Key | None, limit: int
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
