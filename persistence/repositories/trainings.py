"""Trainings and their participants, each seen through a TrainingScope as one SQL condition.

The running organisation's workers see its trainings and their participants, survivors only
within their own survivor scope. A provider organisation's trainers see the trainings it gives
and, of their participants, only the survivors a referral addressed to that organisation for
the services named in the scope (``trainee_services``, a referral whose status is not one of
``dead_referrals``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.app_user import AppUser
from persistence.models.organization import Organization
from persistence.models.referral import Referral
from persistence.models.survivor import Survivor
from persistence.models.training import Training
from persistence.models.training_participant import TrainingParticipant
from persistence.pagination import Key, keyset
from persistence.repositories.base import EntityRepository
from persistence.repositories.cases import survivor_visible
from persistence.repositories.session import Repository
from persistence.scope import CaseScope, RowScope


@dataclass(frozen=True, slots=True)
class TrainingScope:
    """Which trainings a caller may see, and how much of their participants.

    ``running_organization_id``: the trainings it runs, with participants (survivors only as
    ``survivors`` admits them). ``provider_organization_id``: the trainings it gives, with only
    the survivors referred to it (``trainee_services``, status not in ``dead_referrals``)."""

    running_organization_id: UUID | None = None
    survivors: CaseScope = field(default_factory=CaseScope.nothing)
    provider_organization_id: UUID | None = None
    trainee_services: tuple[str, ...] = ()
    dead_referrals: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.running_organization_id is None and self.provider_organization_id is None

    def runs(self, training: Training) -> bool:
        return (
            self.running_organization_id is not None
            and training.organization_id == self.running_organization_id
        )

    def provides(self, training: Training) -> bool:
        return (
            self.provider_organization_id is not None
            and training.provider_organization_id == self.provider_organization_id
        )


def training_visible(scope: TrainingScope) -> sa.ColumnElement[bool]:
    clauses = []
    if scope.running_organization_id is not None:
        clauses.append(col(Training.organization_id) == scope.running_organization_id)
    if scope.provider_organization_id is not None:
        clauses.append(col(Training.provider_organization_id) == scope.provider_organization_id)
    if not clauses:
        return sa.false()
    return sa.and_(sa.or_(*clauses), col(Training.deleted_at).is_(None))


def _seen_by_runner(scope: TrainingScope, participant: Any) -> sa.ColumnElement[bool]:
    """The running organisation sees participants who are not survivors, and the survivors
    its case scope admits."""
    survivor_seen = sa.exists(
        sa.select(col(Survivor.id)).where(
            col(Survivor.id) == participant.survivor_id, survivor_visible(scope.survivors)
        )
    )
    return sa.or_(participant.survivor_id.is_(None), survivor_seen)


def _seen_by_provider(scope: TrainingScope, participant: Any) -> sa.ColumnElement[bool]:
    """The providing organisation sees only the survivors referred to it for training."""
    referred = sa.exists(
        sa.select(col(Referral.id)).where(
            col(Referral.survivor_id) == participant.survivor_id,
            col(Referral.organization_id) == participant.organization_id,
            col(Referral.receiving_organization_id) == scope.provider_organization_id,
            col(Referral.service_kind).in_(scope.trainee_services),
            col(Referral.status).not_in(scope.dead_referrals),
            col(Referral.deleted_at).is_(None),
        )
    )
    return sa.and_(participant.survivor_id.is_not(None), referred)


def participant_visible(training: Training, scope: TrainingScope) -> sa.ColumnElement[bool]:
    """The condition a participant of ``training`` must meet for the caller (the training is
    already known to be in scope)."""
    participant: Any = TrainingParticipant
    own = [
        participant.training_id == training.id,
        participant.organization_id == training.organization_id,
        participant.deleted_at.is_(None),
    ]
    if scope.runs(training):
        return sa.and_(*own, _seen_by_runner(scope, participant))
    if scope.provides(training):
        return sa.and_(*own, _seen_by_provider(scope, participant))
    return sa.false()


def participants_visible(scope: TrainingScope, training: Any = Training) -> sa.ColumnElement[bool]:
    """:func:`participant_visible` for the participants of every training at once (``training``:
    the table or an alias joined to the participants): the running side's rule where the
    caller's organisation runs the training, else the providing side's where it gives it."""
    participant: Any = TrainingParticipant
    sides = []
    runs = (
        training.organization_id == scope.running_organization_id
        if scope.running_organization_id is not None
        else sa.false()
    )
    if scope.running_organization_id is not None:
        sides.append(sa.and_(runs, _seen_by_runner(scope, participant)))
    if scope.provider_organization_id is not None:
        provides = training.provider_organization_id == scope.provider_organization_id
        sides.append(sa.and_(provides, sa.not_(runs), _seen_by_provider(scope, participant)))
    if not sides:
        return sa.false()
    return sa.and_(
        participant.training_id == training.id,
        participant.organization_id == training.organization_id,
        participant.deleted_at.is_(None),
        sa.or_(*sides),
    )


@dataclass(frozen=True, slots=True)
class TrainingFilter:
    topics: tuple[str, ...] | None = None
    provider_organization_id: UUID | None = None
    starts_from: date | None = None
    starts_until: date | None = None


class TrainingRepository(EntityRepository[Training]):
    model = Training

    def _where(self, scope: TrainingScope, filters: TrainingFilter) -> list[sa.ColumnElement[bool]]:
        where = [training_visible(scope)]
        if filters.topics is not None:
            where.append(col(Training.topic).in_(filters.topics))
        if filters.provider_organization_id is not None:
            where.append(col(Training.provider_organization_id) == filters.provider_organization_id)
        if filters.starts_from is not None:
            where.append(col(Training.starts_on) >= filters.starts_from)
        if filters.starts_until is not None:
            where.append(col(Training.starts_on) <= filters.starts_until)
        return where

    async def get_visible(
        self, training_id: UUID, scope: TrainingScope, *, for_update: bool = False
    ) -> Training | None:
        if scope.is_empty:
            return None
        stmt = sa.select(Training).where(col(Training.id) == training_id, training_visible(scope))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_visible(
        self,
        scope: TrainingScope,
        filters: TrainingFilter,
        after: Key | None,
        limit: int,
    ) -> list[Training]:
        """Up to ``limit + 1`` trainings in scope, oldest record first after (created_at,
        id)."""
        if scope.is_empty:
            return []
        return await self.page(
            RowScope.everything(), where=self._where(scope, filters), after=after, limit=limit
        )

    async def count_visible(self, scope: TrainingScope, filters: TrainingFilter) -> int:
        if scope.is_empty:
            return 0
        return await self.count(RowScope.everything(), where=self._where(scope, filters))


class ParticipantRepository(EntityRepository[TrainingParticipant]):
    model = TrainingParticipant

    async def get_visible(
        self,
        training: Training,
        participant_id: UUID,
        scope: TrainingScope,
        *,
        for_update: bool = False,
    ) -> TrainingParticipant | None:
        stmt = sa.select(TrainingParticipant).where(
            col(TrainingParticipant.id) == participant_id, participant_visible(training, scope)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_visible(
        self,
        training: Training,
        scope: TrainingScope,
        after: Key | None,
        limit: int,
    ) -> list[TrainingParticipant]:
        """Up to ``limit + 1`` participants the caller may see, in order of enrolment."""
        return await self.page(
            RowScope.everything(),
            where=[participant_visible(training, scope)],
            after=after,
            limit=limit,
        )

    async def count_visible(self, training: Training, scope: TrainingScope) -> int:
        return await self.count(RowScope.everything(), where=[participant_visible(training, scope)])

    async def page_of_survivor(
        self, survivor: Survivor, after: Key | None, limit: int
    ) -> list[tuple[TrainingParticipant, Training]]:
        """Up to ``limit + 1`` of her enrolments in her organisation's trainings, with the
        training, in order of enrolment (she is already known to be in scope)."""
        # Two entities per row: typed loosely, keyset() takes any SELECT.
        stmt: Any = (
            sa.select(TrainingParticipant, Training)
            .join(Training, col(Training.id) == col(TrainingParticipant.training_id))
            .where(
                col(TrainingParticipant.survivor_id) == survivor.id,
                col(TrainingParticipant.organization_id) == survivor.organization_id,
                col(TrainingParticipant.deleted_at).is_(None),
                col(Training.deleted_at).is_(None),
            )
        )
        stmt = keyset(
            stmt,
            [col(TrainingParticipant.created_at), col(TrainingParticipant.id)],
            after,
            limit,
        )
        return [(row[0], row[1]) for row in (await self.session.execute(stmt)).all()]

    async def count_of_survivor(self, survivor: Survivor) -> int:
        """How many enrolments :meth:`page_of_survivor` pages through."""
        stmt = (
            sa.select(sa.func.count())
            .select_from(TrainingParticipant)
            .join(Training, col(Training.id) == col(TrainingParticipant.training_id))
            .where(
                col(TrainingParticipant.survivor_id) == survivor.id,
                col(TrainingParticipant.organization_id) == survivor.organization_id,
                col(TrainingParticipant.deleted_at).is_(None),
                col(Training.deleted_at).is_(None),
            )
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def most_attended(self, training: Training) -> int | None:
        """The most sessions any participant of the training attended (None: none recorded)."""
        stmt = sa.select(sa.func.max(TrainingParticipant.sessions_attended)).where(
            col(TrainingParticipant.training_id) == training.id,
            col(TrainingParticipant.deleted_at).is_(None),
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def enrolled(
        self, training: Training, *, survivor_id: UUID | None, user_id: UUID | None
    ) -> bool:
        """Whether this survivor or user already takes part in the training."""
        person = (
            col(TrainingParticipant.survivor_id) == survivor_id
            if survivor_id is not None
            else col(TrainingParticipant.user_id) == user_id
        )
        stmt = sa.select(sa.literal(True)).where(
            col(TrainingParticipant.training_id) == training.id,
            col(TrainingParticipant.deleted_at).is_(None),
            person,
        )
        return bool((await self.session.scalars(stmt.limit(1))).first())


class TrainingPartiesRepository(Repository):
    """The organisations and people a training names."""

    async def organization_exists(self, organization_id: UUID) -> bool:
        stmt = sa.select(sa.literal(True)).where(
            col(Organization.id) == organization_id, col(Organization.deleted_at).is_(None)
        )
        return bool((await self.session.scalars(stmt)).first())

    async def live_member(self, organization_id: UUID, user_id: UUID) -> bool:
        """Whether ``user_id`` is a live account of the organisation."""
        stmt = sa.select(sa.literal(True)).where(
            col(AppUser.id) == user_id,
            col(AppUser.organization_id) == organization_id,
            col(AppUser.disabled_at).is_(None),
            col(AppUser.deleted_at).is_(None),
        )
        return bool((await self.session.scalars(stmt)).first())
