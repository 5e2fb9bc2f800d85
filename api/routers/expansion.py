"""Expansion and policy engagement: partner onboarding and readiness, advocacy actions,
studies and media engagements."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, get_container, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import (
    ACTION_ERRORS,
    CREATE_ERRORS,
    LIST_ERRORS,
    READ_ERRORS,
    UPDATE_ERRORS,
    problems,
)
from domain.common.dates import BoundedDate
from domain.common.principal import Principal
from domain.common.vocabulary import AdvocacyKind, AdvocacyLevel, OnboardingStage
from domain.evidence.service import EvidenceSettings
from domain.expansion import policies
from domain.expansion.advocacy import AdvocacyService
from domain.expansion.onboarding import OnboardingService
from domain.expansion.readiness import ReadinessService
from domain.expansion.research_media import MediaService, StudyService
from domain.expansion.schemas import (
    AdvocacyCreate,
    AdvocacyPage,
    AdvocacyRead,
    AdvocacyUpdate,
    MediaCreate,
    MediaPage,
    MediaRead,
    MediaUpdate,
    OnboardingCreate,
    OnboardingPage,
    OnboardingRead,
    OnboardingUpdate,
    PartnerAggregates,
    ReadinessCreate,
    ReadinessPage,
    ReadinessRead,
    StageChangePage,
    StageMove,
    StudyCreate,
    StudyPage,
    StudyRead,
    StudyUpdate,
)

router = APIRouter(tags=["expansion"])
OnboardingReader = Annotated[Principal, requires(policies.ONBOARDING_READ)]
OnboardingManager = Annotated[Principal, requires(policies.ONBOARDING_MANAGE)]
AdvocacyReader = Annotated[Principal, requires(policies.ADVOCACY_READ)]
AdvocacyManager = Annotated[Principal, requires(policies.ADVOCACY_MANAGE)]
ResearchReader = Annotated[Principal, requires(policies.RESEARCH_MEDIA_READ)]
ResearchManager = Annotated[Principal, requires(policies.RESEARCH_MEDIA_MANAGE)]

ONBOARDING = "/partner-onboarding"
ADVOCACY = "/advocacy-actions"
STUDIES = "/studies"
MEDIA = "/media-engagements"


def _evidence(request: Request) -> EvidenceSettings:
    return EvidenceSettings.of(get_container(request).settings)


# -- partner onboarding ---------------------------------------------------------------------
@router.get(
    ONBOARDING,
    operation_id="partner-onboarding:list",
    response_model=OnboardingPage,
    responses=LIST_ERRORS,
)
async def list_onboardings(
    request: Request,
    response: Response,
    uow: UoW,
    principal: OnboardingReader,
    page: Paging,
    stage: Annotated[OnboardingStage | None, Query()] = None,
    state_id: Annotated[UUID | None, Query()] = None,
) -> OnboardingPage:
    """The partner organisations (and states) the caller's organisation is onboarding, newest
    first, each with the stages it may move to next. Filters: stage, state."""
    result = await OnboardingService(uow).list_onboardings(principal, page, stage, state_id)
    return paged(request, response, result)


@router.post(
    ONBOARDING,
    operation_id="partner-onboarding:create",
    status_code=201,
    response_model=OnboardingRead,
    responses=CREATE_ERRORS,
)
async def create_onboarding(
    request: Request,
    uow: UoW,
    principal: OnboardingManager,
    body: OnboardingCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Start onboarding a partner organisation in a state (explored unless said otherwise).
    The partner is its own organisation on the platform, with its own users and records; one
    onboarding per partner (409 for a second)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: OnboardingService(uow).create(principal, body),
        location=lambda created: f"/api/v1{ONBOARDING}/{created.id}",
        reread=lambda record_id: OnboardingService(uow).get(principal, record_id),
    )


@router.get(
    ONBOARDING + "/{onboarding_id}",
    operation_id="partner-onboarding:read",
    response_model=OnboardingRead,
    responses=READ_ERRORS,
)
async def read_onboarding(
    onboarding_id: UUID, response: Response, uow: UoW, principal: OnboardingReader
) -> OnboardingRead:
    """One onboarding of the caller's organisation (404 for another's)."""
    return tagged(response, await OnboardingService(uow).get(principal, onboarding_id))


@router.patch(
    ONBOARDING + "/{onboarding_id}",
    operation_id="partner-onboarding:update",
    response_model=OnboardingRead,
    responses=UPDATE_ERRORS,
)
async def update_onboarding(
    onboarding_id: UUID,
    body: OnboardingUpdate,
    principal: OnboardingManager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> OnboardingRead:
    """Change the notes or the date the agreement was signed. Stages move through
    `POST .../stage`. Needs If-Match."""
    onboarding = await OnboardingService(uow).update(principal, onboarding_id, body, version)
    return tagged(response, onboarding)


@router.post(
    ONBOARDING + "/{onboarding_id}/stage",
    operation_id="partner-onboarding:move",
    response_model=OnboardingRead,
    responses={**ACTION_ERRORS, **UPDATE_ERRORS},
)
async def move_onboarding(
    onboarding_id: UUID,
    body: StageMove,
    principal: OnboardingManager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> OnboardingRead:
    """Move the onboarding on: explored -> scoping -> agreement_signed -> implementing, one
    step at a time; any stage -> paused; paused -> the stage it was paused at. Another move
    answers 409. Every move is kept in the history. Needs If-Match (428 without, 412 when
    stale)."""
    onboarding = await OnboardingService(uow).move(principal, onboarding_id, body, version)
    return tagged(response, onboarding)


@router.get(
    ONBOARDING + "/{onboarding_id}/history",
    operation_id="partner-onboarding:history",
    response_model=StageChangePage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def onboarding_history(
    onboarding_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: OnboardingReader,
    page: Paging,
) -> StageChangePage:
    """Every move of the onboarding, oldest first: from, to, on which day, by whom, why."""
    result = await OnboardingService(uow).history(principal, onboarding_id, page)
    return paged(request, response, result)


@router.get(
    ONBOARDING + "/{onboarding_id}/aggregates",
    operation_id="partner-onboarding:aggregates",
    response_model=PartnerAggregates,
    responses=problems(401, 403, 404, 422),
)
async def partner_aggregates(
    onboarding_id: UUID,
    request: Request,
    uow: UoW,
    principal: OnboardingReader,
    starts_on: Annotated[
        BoundedDate | None,
        Query(alias="from", description="First day (default: 1 April of this financial year)."),
    ] = None,
    ends_on: Annotated[
        BoundedDate | None, Query(alias="to", description="Last day (default: today).")
    ] = None,
    outcome: Annotated[
        int | None, Query(ge=1, le=5, description="Only the indicators of this outcome.")
    ] = None,
) -> PartnerAggregates:
    """The partner's figures over a range (default: this financial year to date): every
    indicator of the catalogue (`GET /api/v1/indicators`; of one `outcome` if asked), each
    totalled for the partner by the evidence engine: `indicator` is the catalogue code, a
    stock read at the range's end, a flow counted over it, survivors counted only under their
    consent to aggregate reporting. Figures about 1 to k-1 persons are suppressed (null, with
    `suppressed` true; k is `SHAKTI_SUPPRESSION_K`). The lead organisation sees these figures
    only, never the partner's records; the request is kept and audited.

    Changed with the indicator catalogue: the fixed counts of live records (`survivors`,
    `cases_open`, `cases_<status>`, `referrals_<status>`, `shgs`, `leader_groups`,
    `partners_<stage>`) are gone; their figures are the catalogue's (`survivors_associated`,
    `active_cases`, `referrals_made`, ...), for a range."""
    return await OnboardingService(uow).aggregates(
        principal, onboarding_id, starts_on, ends_on, outcome, evidence=_evidence(request)
    )


@router.get(
    ONBOARDING + "/{onboarding_id}/readiness-assessments",
    operation_id="partner-onboarding:list-readiness",
    response_model=ReadinessPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_readiness(
    onboarding_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: OnboardingReader,
    page: Paging,
) -> ReadinessPage:
    """The partner's CBR readiness assessments, newest first, each with its criteria, total
    and percentage."""
    result = await ReadinessService(uow).list_assessments(principal, onboarding_id, page)
    return paged(request, response, result)


@router.post(
    ONBOARDING + "/{onboarding_id}/readiness-assessments",
    operation_id="partner-onboarding:assess-readiness",
    status_code=201,
    response_model=ReadinessRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def assess_readiness(
    onboarding_id: UUID,
    request: Request,
    uow: UoW,
    principal: OnboardingManager,
    body: ReadinessCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Assess the partner's readiness for CBR: each criterion with its score and the most it
    could score; the total and the percentage are computed. (Trainings given to partners are
    recorded through /api/v1/trainings.)"""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: ReadinessService(uow).create(principal, onboarding_id, body),
        location=lambda created: (
            f"/api/v1{ONBOARDING}/{onboarding_id}/readiness-assessments/{created.id}"
        ),
        reread=lambda record_id: ReadinessService(uow).get(principal, onboarding_id, record_id),
    )


@router.get(
    ONBOARDING + "/{onboarding_id}/readiness-assessments/{assessment_id}",
    operation_id="partner-onboarding:read-readiness",
    response_model=ReadinessRead,
    responses=READ_ERRORS,
)
async def read_readiness(
    onboarding_id: UUID, assessment_id: UUID, uow: UoW, principal: OnboardingReader
) -> ReadinessRead:
    """One readiness assessment of the partner."""
    return await ReadinessService(uow).get(principal, onboarding_id, assessment_id)


# -- advocacy -------------------------------------------------------------------------------
@router.get(
    ADVOCACY,
    operation_id="advocacy-actions:list",
    response_model=AdvocacyPage,
    responses=LIST_ERRORS,
)
async def list_advocacy_actions(
    request: Request,
    response: Response,
    uow: UoW,
    principal: AdvocacyReader,
    page: Paging,
    level: Annotated[AdvocacyLevel | None, Query()] = None,
    kind: Annotated[AdvocacyKind | None, Query()] = None,
) -> AdvocacyPage:
    """The organisation's advocacy actions, newest first, each with the evidence it cited.
    Filters: level, kind."""
    result = await AdvocacyService(uow).list_actions(principal, page, level, kind)
    return paged(request, response, result)


@router.post(
    ADVOCACY,
    operation_id="advocacy-actions:create",
    status_code=201,
    response_model=AdvocacyRead,
    responses=CREATE_ERRORS,
)
async def create_advocacy_action(
    request: Request,
    uow: UoW,
    principal: AdvocacyManager,
    body: AdvocacyCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record an advocacy action: level, department or body, kind, the ask, the outcome,
    document references. The evidence is computed now and frozen with the action: the `cite`d
    indicators of the catalogue by code (`GET /api/v1/indicators`; the headline indicators of
    every outcome when absent), each totalled for the organisation over `evidence_from` to
    `evidence_to` (default: this financial year to date) by the evidence engine, figures
    about 1 to k-1 persons suppressed (the evidence leaves the organisation). An unknown code
    is refused (422).

    Changed with the indicator catalogue: `cite` names catalogue codes
    (`survivors_associated`, `active_cases`, ...) instead of the retired fixed counts
    (`survivors`, `cases_open`, ...). Evidence saved before keeps its old names and reads
    with `source` `record_counts`."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: AdvocacyService(uow).create(principal, body, evidence=_evidence(request)),
        location=lambda created: f"/api/v1{ADVOCACY}/{created.id}",
        reread=lambda record_id: AdvocacyService(uow).get(principal, record_id),
    )


@router.get(
    ADVOCACY + "/{action_id}",
    operation_id="advocacy-actions:read",
    response_model=AdvocacyRead,
    responses=READ_ERRORS,
)
async def read_advocacy_action(
    action_id: UUID, response: Response, uow: UoW, principal: AdvocacyReader
) -> AdvocacyRead:
    """One advocacy action with its frozen evidence (`source` `catalogue`: catalogue codes
    over a range; `record_counts`: evidence saved before the catalogue, as it was)."""
    return tagged(response, await AdvocacyService(uow).get(principal, action_id))


@router.patch(
    ADVOCACY + "/{action_id}",
    operation_id="advocacy-actions:update",
    response_model=AdvocacyRead,
    responses=UPDATE_ERRORS,
)
async def update_advocacy_action(
    action_id: UUID,
    body: AdvocacyUpdate,
    principal: AdvocacyManager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> AdvocacyRead:
    """Record the outcome or correct the action; the evidence stays as it was saved. Needs
    If-Match."""
    return tagged(response, await AdvocacyService(uow).update(principal, action_id, body, version))


# -- studies --------------------------------------------------------------------------------
@router.get(STUDIES, operation_id="studies:list", response_model=StudyPage, responses=LIST_ERRORS)
async def list_studies(
    request: Request, response: Response, uow: UoW, principal: ResearchReader, page: Paging
) -> StudyPage:
    """The organisation's studies, newest first. A linked survivor's story shows only to
    program managers and only while her media/advocacy consent stands."""
    return paged(request, response, await StudyService(uow).list_studies(principal, page))


@router.post(
    STUDIES,
    operation_id="studies:create",
    status_code=201,
    response_model=StudyRead,
    responses=CREATE_ERRORS,
)
async def create_study(
    request: Request,
    uow: UoW,
    principal: ResearchManager,
    body: StudyCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a study (e.g. the national documentation of CBR practice). A survivor's story
    is linked only with her media/advocacy consent in force (422 otherwise); it is sealed."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: StudyService(uow).create(principal, body),
        location=lambda created: f"/api/v1{STUDIES}/{created.id}",
        reread=lambda record_id: StudyService(uow).get(principal, record_id),
    )


@router.get(
    STUDIES + "/{study_id}",
    operation_id="studies:read",
    response_model=StudyRead,
    responses=READ_ERRORS,
)
async def read_study(
    study_id: UUID, response: Response, uow: UoW, principal: ResearchReader
) -> StudyRead:
    """One study. Its survivor story shows while her consent stands; once withdrawn the read
    says the story is hidden, without personal data. A shown story is audited."""
    return tagged(response, await StudyService(uow).get(principal, study_id))


@router.patch(
    STUDIES + "/{study_id}",
    operation_id="studies:update",
    response_model=StudyRead,
    responses=UPDATE_ERRORS,
)
async def update_study(
    study_id: UUID,
    body: StudyUpdate,
    principal: ResearchManager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> StudyRead:
    """Change a study (the survivor link stays as saved). Needs If-Match."""
    return tagged(response, await StudyService(uow).update(principal, study_id, body, version))


# -- media engagements ----------------------------------------------------------------------
@router.get(
    MEDIA, operation_id="media-engagements:list", response_model=MediaPage, responses=LIST_ERRORS
)
async def list_media_engagements(
    request: Request, response: Response, uow: UoW, principal: ResearchReader, page: Paging
) -> MediaPage:
    """The organisation's media engagements, newest first. A linked survivor's story shows
    only to program managers and only while her media/advocacy consent stands."""
    return paged(request, response, await MediaService(uow).list_engagements(principal, page))


@router.post(
    MEDIA,
    operation_id="media-engagements:create",
    status_code=201,
    response_model=MediaRead,
    responses=CREATE_ERRORS,
)
async def create_media_engagement(
    request: Request,
    uow: UoW,
    principal: ResearchManager,
    body: MediaCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a media engagement. A survivor's story is linked only with her media/advocacy
    consent in force (422 otherwise); it is sealed."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: MediaService(uow).create(principal, body),
        location=lambda created: f"/api/v1{MEDIA}/{created.id}",
        reread=lambda record_id: MediaService(uow).get(principal, record_id),
    )


@router.get(
    MEDIA + "/{engagement_id}",
    operation_id="media-engagements:read",
    response_model=MediaRead,
    responses=READ_ERRORS,
)
async def read_media_engagement(
    engagement_id: UUID, response: Response, uow: UoW, principal: ResearchReader
) -> MediaRead:
    """One media engagement. Its survivor story shows while her consent stands; once
    withdrawn the read says the story is hidden, without personal data. A shown story is
    audited."""
    return tagged(response, await MediaService(uow).get(principal, engagement_id))


@router.patch(
    MEDIA + "/{engagement_id}",
    operation_id="media-engagements:update",
    response_model=MediaRead,
    responses=UPDATE_ERRORS,
)
async def update_media_engagement(
    engagement_id: UUID,
    body: MediaUpdate,
    principal: ResearchManager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> MediaRead:
    """Change a media engagement (the survivor link stays as saved). Needs If-Match."""
    return tagged(response, await MediaService(uow).update(principal, engagement_id, body, version))
