"""Trainings: livelihood courses for survivors, leadership courses for survivor leaders, CBR
practice for partner organisations; their participants with completion, certificate and
scores. A provider organisation's trainers see only the trainees referred to it."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS, problems
from domain.common.dates import BoundedDate
from domain.common.principal import Principal
from domain.common.vocabulary import TrainingTopic
from domain.trainings import policies
from domain.trainings.schemas import (
    ParticipantCreate,
    ParticipantPage,
    ParticipantRead,
    ParticipantUpdate,
    TrainingCreate,
    TrainingPage,
    TrainingRead,
    TrainingTrack,
    TrainingUpdate,
)
from domain.trainings.service import TrainingService

router = APIRouter(prefix="/trainings", tags=["trainings"])
Reader = Annotated[Principal, requires(policies.READ)]
Manager = Annotated[Principal, requires(policies.MANAGE)]


@router.get("", operation_id="trainings:list", response_model=TrainingPage, responses=LIST_ERRORS)
async def list_trainings(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    topic: Annotated[TrainingTopic | None, Query()] = None,
    track: Annotated[
        TrainingTrack | None,
        Query(description="livelihood, leadership (survivor leaders) or partner (CBR practice)."),
    ] = None,
    provider_organization_id: Annotated[UUID | None, Query()] = None,
    starts_from: Annotated[BoundedDate | None, Query(description="Starting on or after.")] = None,
    starts_until: Annotated[BoundedDate | None, Query(description="Starting on or before.")] = None,
) -> TrainingPage:
    """The trainings the caller may see, oldest record first: those her organisation runs,
    or (partner staff) those her organisation gives. Filters: topic, track, provider, start
    dates. Audited as a search."""
    result = await TrainingService(uow).list(
        principal,
        page,
        topic=topic,
        track=track,
        provider_organization_id=provider_organization_id,
        starts_from=starts_from,
        starts_until=starts_until,
    )
    return paged(request, response, result)


@router.post(
    "",
    operation_id="trainings:create",
    status_code=201,
    response_model=TrainingRead,
    responses=CREATE_ERRORS,
)
async def create_training(
    request: Request,
    uow: UoW,
    principal: Manager,
    body: TrainingCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Create a training the caller's organisation runs: course, topic, the organisation that
    gives it (its partner staff then see it and the trainees referred to it), facilitators,
    dates and district."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: TrainingService(uow).create(principal, body),
        location=lambda t: f"/api/v1/trainings/{t.id}",
        reread=lambda record_id: TrainingService(uow).get(principal, record_id),
    )


@router.get(
    "/{training_id}",
    operation_id="trainings:read",
    response_model=TrainingRead,
    responses=READ_ERRORS,
)
async def read_training(
    training_id: UUID, response: Response, uow: UoW, principal: Reader
) -> TrainingRead:
    """One training (404 outside the caller's scope). The read is audited."""
    return tagged(response, await TrainingService(uow).get(principal, training_id))


@router.patch(
    "/{training_id}",
    operation_id="trainings:update",
    response_model=TrainingRead,
    responses=UPDATE_ERRORS,
)
async def update_training(
    training_id: UUID,
    body: TrainingUpdate,
    principal: Manager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> TrainingRead:
    """Change a training the caller's organisation runs. Needs If-Match."""
    training = await TrainingService(uow).update(principal, training_id, body, version)
    return tagged(response, training)


# -- participants -----------------------------------------------------------------------------
@router.get(
    "/{training_id}/participants",
    operation_id="trainings:list-participants",
    response_model=ParticipantPage,
    responses={**LIST_ERRORS, **problems(404)},
)
async def list_participants(
    training_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> ParticipantPage:
    """The training's participants the caller may see, in order of enrolment. The running
    organisation's workers see everyone but survivors outside their scope; a provider's
    partner staff see only the survivors referred to their organisation for skills training
    or livelihood support, with their results and no identity (`identity_withheld`). Audited
    as a search."""
    result = await TrainingService(uow).list_participants(principal, training_id, page)
    return paged(request, response, result)


@router.post(
    "/{training_id}/participants",
    operation_id="trainings:add-participant",
    status_code=201,
    response_model=ParticipantRead,
    responses={**CREATE_ERRORS, **problems(404)},
)
async def add_participant(
    training_id: UUID,
    request: Request,
    uow: UoW,
    principal: Manager,
    body: ParticipantCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Enrol a survivor (in the caller's scope), a user of the organisation such as a
    survivor leader, or a partner organisation's staff. Someone already enrolled answers
    409."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: TrainingService(uow).add_participant(principal, training_id, body),
        location=lambda p: f"/api/v1/trainings/{training_id}/participants/{p.id}",
        reread=lambda record_id: TrainingService(uow).get_participant(
            principal, training_id, record_id
        ),
    )


@router.get(
    "/{training_id}/participants/{participant_id}",
    operation_id="trainings:read-participant",
    response_model=ParticipantRead,
    responses=READ_ERRORS,
)
async def read_participant(
    training_id: UUID, participant_id: UUID, response: Response, uow: UoW, principal: Reader
) -> ParticipantRead:
    """One participant, as the caller may see her (404 outside the caller's scope). The read
    is audited."""
    participant = await TrainingService(uow).get_participant(principal, training_id, participant_id)
    return tagged(response, participant)


@router.patch(
    "/{training_id}/participants/{participant_id}",
    operation_id="trainings:update-participant",
    response_model=ParticipantRead,
    responses=UPDATE_ERRORS,
)
async def update_participant(
    training_id: UUID,
    participant_id: UUID,
    body: ParticipantUpdate,
    principal: Manager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> ParticipantRead:
    """Record a participant's completion, certificate and pre/post scores. Needs If-Match."""
    participant = await TrainingService(uow).update_participant(
        principal, training_id, participant_id, body, version
    )
    return tagged(response, participant)
