"""Trainings: courses and workshops, and the people who take part in them.

The organisation running a training manages it and its participants. A provider organisation's
partner staff see the trainings it gives and, of their participants, only the survivors
referred to it for skills training or livelihood support, and of those only the trainer's view
(completion, certificate, scores; no identity). See ``domain.trainings.policies``.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import BusinessRuleViolation, Conflict, NotFound
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED, Keyset, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import check_version, require
from domain.livelihoods import policies as livelihood_policies
from domain.livelihoods.access import people_only, require_survivor
from domain.survivors.policies import survivor_scope
from domain.trainings import policies
from domain.trainings.policies import training_scope
from domain.trainings.schemas import (
    TRACK_OF_TOPIC,
    ParticipantCreate,
    ParticipantKind,
    ParticipantPage,
    ParticipantRead,
    ParticipantUpdate,
    SurvivorTrainingPage,
    SurvivorTrainingRead,
    TrainingCreate,
    TrainingPage,
    TrainingRead,
    TrainingTrack,
    TrainingUpdate,
    topics_of,
)
from persistence.models.base import touch
from persistence.models.enums import AuditAction
from persistence.models.livelihood_vocabulary import TrainingTopic
from persistence.models.training import Training
from persistence.models.training_participant import TrainingParticipant
from persistence.repositories.geography import DistrictRepository
from persistence.repositories.survivors import SurvivorRepository
from persistence.repositories.trainings import (
    ParticipantRepository,
    TrainingFilter,
    TrainingPartiesRepository,
    TrainingRepository,
    TrainingScope,
)
from persistence.uow import UnitOfWork

TRAINING = policies.TRAINING
PARTICIPANT = policies.PARTICIPANT


ATTENDANCE_CREATED: Keyset[tuple[TrainingParticipant, Training]] = Keyset(
    "created", 2, lambda row: (row[0].created_at, row[0].id)
)


def participant_kind(participant: TrainingParticipant) -> ParticipantKind:
    if participant.survivor_id is not None:
        return ParticipantKind.survivor
    if participant.partner_organization_id is not None:
        return ParticipantKind.partner_staff
    return ParticipantKind.user


def chosen_topics(
    topic: TrainingTopic | None, track: TrainingTrack | None
) -> tuple[str, ...] | None:
    """The topics a list is limited to (None: any; empty: none fits both filters)."""
    if topic is None and track is None:
        return None
    wanted = set(topics_of(track)) if track is not None else set(TrainingTopic)
    if topic is not None:
        wanted &= {topic}
    return tuple(sorted(t.value for t in wanted))


class TrainingService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.trainings = TrainingRepository(uow)
        self.participants = ParticipantRepository(uow)
        self.parties = TrainingPartiesRepository(uow)

    # -- trainings ------------------------------------------------------------------------------
    async def list(
        self,
        principal: Principal,
        page: PageRequest,
        *,
        topic: TrainingTopic | None = None,
        track: TrainingTrack | None = None,
        provider_organization_id: UUID | None = None,
        starts_from: date | None = None,
        starts_until: date | None = None,
    ) -> TrainingPage:
        """The trainings the caller may see, oldest record first (audited search). Raises
        PermissionDenied, BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, TRAINING)
        scope = training_scope(principal)
        filters = TrainingFilter(
            topics=chosen_topics(topic, track),
            provider_organization_id=provider_organization_id,
            starts_from=starts_from,
            starts_until=starts_until,
        )
        record(
            self.uow,
            principal,
            AuditAction.search,
            TRAINING,
            organization_id=principal.organization_id,
        )
        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.trainings.page_visible(scope, filters, after, limit),
            to_read=lambda rows: [_training_read(t) for t in rows],
            count=lambda: self.trainings.count_visible(scope, filters),
            page_type=TrainingPage,
        )

    async def create(self, principal: Principal, data: TrainingCreate) -> TrainingRead:
        """Create a training the caller's organisation runs. Raises PermissionDenied,
        BusinessRuleViolation (provider, district), Conflict (id taken)."""
        authorize(self.uow, principal, policies.MANAGE, TRAINING)
        organization_id = principal.organization_id
        if organization_id is None:
            raise BusinessRuleViolation("Only an organisation's staff run trainings.")
        await self._check_places(data.provider_organization_id, data.district_id)
        await reject_taken_id(self.uow, principal, self.trainings, data.id, "training")
        training = Training(
            organization_id=organization_id,
            topic=data.topic,
            course=data.course,
            provider_organization_id=data.provider_organization_id,
            facilitators=list(data.facilitators),
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            session_count=data.session_count,
            district_id=data.district_id,
            created_by=principal.id,
        )
        if data.id is not None:
            training.id = data.id
        await self.trainings.add(training)
        record(
            self.uow,
            principal,
            AuditAction.create,
            TRAINING,
            training.id,
            organization_id=organization_id,
        )
        return _training_read(training)

    async def get(self, principal: Principal, training_id: UUID) -> TrainingRead:
        """One training (audited read). Raises NotFound, PermissionDenied."""
        authorize(self.uow, principal, policies.READ, TRAINING, training_id)
        training = await self._training(principal, training_id)
        self._audit(principal, AuditAction.read, TRAINING, training, training.id)
        return _training_read(training)

    async def update(
        self,
        principal: Principal,
        training_id: UUID,
        data: TrainingUpdate,
        expected_version: int,
    ) -> TrainingRead:
        """Change a training of the caller's organisation. Raises NotFound, PermissionDenied,
        PreconditionFailed, BusinessRuleViolation (dates, provider, district)."""
        authorize(self.uow, principal, policies.MANAGE, TRAINING, training_id)
        training = await self._training(principal, training_id, manage=True)
        check_version(training, expected_version, "training")
        changes = data.changes()
        starts = changes.get("starts_on", training.starts_on)
        ends = changes.get("ends_on", training.ends_on)
        if ends is not None and ends < starts:
            field = "ends_on" if "ends_on" in changes else "starts_on"
            raise BusinessRuleViolation("ends_on may not lie before starts_on.", field=field)
        await self._check_places(
            changes.get("provider_organization_id"), changes.get("district_id")
        )
        if changes.get("session_count") is not None:
            attended = await self.participants.most_attended(training)
            if attended is not None and attended > changes["session_count"]:
                raise BusinessRuleViolation(
                    f"A participant attended {attended} sessions: session_count may not be lower.",
                    field="session_count",
                )
        if "facilitators" in changes:
            changes["facilitators"] = list(changes["facilitators"])
        if all(getattr(training, name) == value for name, value in changes.items()):
            self._audit(principal, AuditAction.read, TRAINING, training, training.id)
            return _training_read(training)
        for name, value in changes.items():
            setattr(training, name, value)
        touch(training)
        await self.trainings.save(training)
        self._audit(principal, AuditAction.update, TRAINING, training, training.id)
        return _training_read(training)

    # -- participants -----------------------------------------------------------------------------
    async def list_participants(
        self, principal: Principal, training_id: UUID, page: PageRequest
    ) -> ParticipantPage:
        """The training's participants the caller may see, in order of enrolment (audited
        search). Raises NotFound, PermissionDenied, BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, PARTICIPANT)
        scope = training_scope(principal)
        training = await self._training(principal, training_id)
        self._audit(principal, AuditAction.search, PARTICIPANT, training)
        withheld = not scope.runs(training)
        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.participants.page_visible(
                training, scope, after, limit
            ),
            to_read=lambda rows: [_participant_read(p, training, withheld) for p in rows],
            count=lambda: self.participants.count_visible(training, scope),
            page_type=ParticipantPage,
        )

    async def add_participant(
        self, principal: Principal, training_id: UUID, data: ParticipantCreate
    ) -> ParticipantRead:
        """Enrol a survivor, a user of the organisation or a partner's staff in a training the
        caller's organisation runs. Raises NotFound, PermissionDenied, BusinessRuleViolation
        (who, dates), Conflict (already enrolled, id taken)."""
        authorize(self.uow, principal, policies.MANAGE, PARTICIPANT)
        # Locked: enrolments in one training take turns, so nobody is enrolled twice.
        training = await self._training(principal, training_id, manage=True)
        await self._check_person(principal, training, data)
        _check_completion(training, data.completed_on)
        _check_attendance(training, data.sessions_attended)
        if data.kind is not ParticipantKind.partner_staff or data.user_id is not None:
            if await self.participants.enrolled(
                training, survivor_id=data.survivor_id, user_id=data.user_id
            ):
                raise Conflict("This person already takes part in the training.")
        await reject_taken_id(
            self.uow, principal, self.participants, data.id, "training_participant"
        )
        participant = TrainingParticipant(
            organization_id=training.organization_id,
            training_id=training.id,
            survivor_id=data.survivor_id,
            user_id=data.user_id,
            partner_organization_id=data.partner_organization_id,
            sessions_attended=data.sessions_attended,
            completed_on=data.completed_on,
            certificate=data.certificate,
            pre_score=data.pre_score,
            post_score=data.post_score,
            created_by=principal.id,
        )
        if data.id is not None:
            participant.id = data.id
        await self.participants.add(participant)
        self._audit(principal, AuditAction.create, PARTICIPANT, training, participant.id)
        return _participant_read(participant, training, withheld=False)

    async def get_participant(
        self, principal: Principal, training_id: UUID, participant_id: UUID
    ) -> ParticipantRead:
        """One participant, as the caller may see her (audited read). Raises NotFound,
        PermissionDenied."""
        authorize(self.uow, principal, policies.READ, PARTICIPANT, participant_id)
        scope = training_scope(principal)
        training = await self._training(principal, training_id)
        participant = await require(
            self.participants.get_visible(training, participant_id, scope), "Participant"
        )
        self._audit(principal, AuditAction.read, PARTICIPANT, training, participant.id)
        return _participant_read(participant, training, withheld=not scope.runs(training))

    async def update_participant(
        self,
        principal: Principal,
        training_id: UUID,
        participant_id: UUID,
        data: ParticipantUpdate,
        expected_version: int,
    ) -> ParticipantRead:
        """Record a participant's completion, certificate and scores. Raises NotFound,
        PermissionDenied, PreconditionFailed, BusinessRuleViolation (dates)."""
        authorize(self.uow, principal, policies.MANAGE, PARTICIPANT, participant_id)
        scope = training_scope(principal)
        training = await self._training(principal, training_id, manage=True)
        participant = await require(
            self.participants.get_visible(training, participant_id, scope, for_update=True),
            "Participant",
            version=expected_version,
        )
        changes = data.changes()
        if "completed_on" in changes:
            _check_completion(training, changes["completed_on"])
        if "sessions_attended" in changes:
            _check_attendance(training, changes["sessions_attended"])
        if all(getattr(participant, name) == value for name, value in changes.items()):
            self._audit(principal, AuditAction.read, PARTICIPANT, training, participant.id)
            return _participant_read(participant, training, withheld=False)
        for name, value in changes.items():
            setattr(participant, name, value)
        touch(participant)
        await self.participants.save(participant)
        self._audit(principal, AuditAction.update, PARTICIPANT, training, participant.id)
        return _participant_read(participant, training, withheld=False)

    async def of_survivor(
        self, principal: Principal, survivor_id: UUID, page: PageRequest
    ) -> SurvivorTrainingPage:
        """The trainings of her organisation she takes part in, with her attendance,
        completion, certificate and scores (audited search). Raises NotFound (survivor out of
        scope), PermissionDenied, BadRequest (cursor)."""
        authorize(self.uow, principal, livelihood_policies.READ, PARTICIPANT)
        people_only(self.uow, principal, PARTICIPANT)
        survivor = await require_survivor(self.uow, principal, survivor_id)
        record(
            self.uow,
            principal,
            AuditAction.search,
            PARTICIPANT,
            organization_id=survivor.organization_id,
        )
        return await paginate(
            page,
            ATTENDANCE_CREATED,
            fetch=lambda after, limit: self.participants.page_of_survivor(survivor, after, limit),
            to_read=lambda rows: [
                SurvivorTrainingRead(
                    training=_training_read(training),
                    participation=_participant_read(participant, training, withheld=False),
                )
                for participant, training in rows
            ],
            count=lambda: self.participants.count_of_survivor(survivor),
            page_type=SurvivorTrainingPage,
        )

    # -- helpers --------------------------------------------------------------------------------
    async def _training(
        self, principal: Principal, training_id: UUID, *, manage: bool = False
    ) -> Training:
        """The training if the caller may see it (and, with ``manage``, her organisation runs
        it; it is then locked until the end of the transaction); NotFound otherwise."""
        scope: TrainingScope = training_scope(principal)
        training = await self.trainings.get_visible(training_id, scope, for_update=manage)
        if training is None or (manage and not scope.runs(training)):
            raise NotFound("Training not found.")
        return training

    async def _check_places(
        self, provider_organization_id: UUID | None, district_id: UUID | None
    ) -> None:
        if provider_organization_id is not None and not await self.parties.organization_exists(
            provider_organization_id
        ):
            raise BusinessRuleViolation(
                "The organisation does not exist.", field="provider_organization_id"
            )
        if district_id is not None and not await DistrictRepository(self.uow).existing(
            {district_id}
        ):
            raise BusinessRuleViolation("The district does not exist.", field="district_id")

    async def _check_person(
        self, principal: Principal, training: Training, data: ParticipantCreate
    ) -> None:
        """The participant is someone the caller may enrol (never says whether a survivor
        outside her scope exists)."""
        if data.survivor_id is not None:
            survivor = await SurvivorRepository(self.uow).get_visible(
                data.survivor_id, survivor_scope(principal)
            )
            if survivor is None or survivor.organization_id != training.organization_id:
                raise BusinessRuleViolation(
                    "No survivor with this id in your scope.", field="survivor_id"
                )
            return
        partner = data.partner_organization_id
        if partner is not None and (
            partner == training.organization_id
            or not await self.parties.organization_exists(partner)
        ):
            raise BusinessRuleViolation(
                "Name another existing organisation (the running organisation's own people "
                "take part as users).",
                field="partner_organization_id",
            )
        if data.user_id is not None and not await self.parties.live_member(
            partner or training.organization_id, data.user_id
        ):
            raise BusinessRuleViolation(
                "No live user with this id in that organisation.", field="user_id"
            )

    def _audit(
        self,
        principal: Principal,
        action: AuditAction,
        entity: str,
        training: Training,
        record_id: UUID | None = None,
    ) -> None:
        record(
            self.uow,
            principal,
            action,
            entity,
            record_id,
            organization_id=training.organization_id,
        )


def _check_completion(training: Training, completed_on: date | None) -> None:
    if completed_on is not None and completed_on < training.starts_on:
        raise BusinessRuleViolation(
            "completed_on may not lie before the training starts.", field="completed_on"
        )


def _check_attendance(training: Training, attended: int | None) -> None:
    if attended is not None and training.session_count is not None:
        if attended > training.session_count:
            raise BusinessRuleViolation(
                f"The training holds {training.session_count} sessions.",
                field="sessions_attended",
            )


def attendance_percent(attended: int | None, sessions: int | None) -> int | None:
    """Sessions attended out of sessions held, in whole percent (rounded down)."""
    if attended is None or not sessions:
        return None
    return min(100, attended * 100 // sessions)


def _training_read(training: Training) -> TrainingRead:
    topic = TrainingTopic(training.topic)
    return TrainingRead(
        id=training.id,
        organization_id=training.organization_id,
        topic=topic,
        track=TRACK_OF_TOPIC[topic],
        course=training.course,
        provider_organization_id=training.provider_organization_id,
        facilitators=list(training.facilitators),
        starts_on=training.starts_on,
        ends_on=training.ends_on,
        session_count=training.session_count,
        district_id=training.district_id,
        created_by=training.created_by,
        created_at=training.created_at,
        updated_at=training.updated_at,
        version=training.version,
    )


def _participant_read(
    participant: TrainingParticipant, training: Training, withheld: bool
) -> ParticipantRead:
    """What the caller sees of a participant: all of it, or (a provider's trainer) her
    results only."""
    identity: dict[str, Any] = {
        "survivor_id": None if withheld else participant.survivor_id,
        "user_id": None if withheld else participant.user_id,
        "partner_organization_id": None if withheld else participant.partner_organization_id,
    }
    return ParticipantRead(
        id=participant.id,
        training_id=participant.training_id,
        kind=participant_kind(participant),
        identity_withheld=withheld,
        sessions_attended=participant.sessions_attended,
        attendance_percent=attendance_percent(
            participant.sessions_attended, training.session_count
        ),
        completed=participant.completed_on is not None,
        completed_on=participant.completed_on,
        certificate=participant.certificate,
        pre_score=participant.pre_score,
        post_score=participant.post_score,
        created_at=participant.created_at,
        updated_at=participant.updated_at,
        version=participant.version,
        **identity,
    )
