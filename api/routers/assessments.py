"""Assessment instruments, and the assessments of a case over time (her progress)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, Paging, UoW, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS
from domain.assessments import policies
from domain.assessments.schemas import (
    AssessmentCreate,
    AssessmentPage,
    AssessmentRead,
    InstrumentCreate,
    InstrumentPage,
    InstrumentRead,
)
from domain.assessments.service import AssessmentService
from domain.common.principal import Principal

router = APIRouter(tags=["assessments"])
InstrumentReader = Annotated[Principal, requires(policies.READ_INSTRUMENTS)]
InstrumentManager = Annotated[Principal, requires(policies.MANAGE_INSTRUMENTS)]
Reader = Annotated[Principal, requires(policies.READ)]
Assessor = Annotated[Principal, requires(policies.MANAGE)]

INSTRUMENTS = "/assessment-instruments"
ASSESSMENTS = "/cases/{case_id}/assessments"


# -- instruments ----------------------------------------------------------------------------
@router.get(
    INSTRUMENTS,
    operation_id="assessments:list-instruments",
    response_model=InstrumentPage,
    responses=LIST_ERRORS,
)
async def list_instruments(
    request: Request, response: Response, uow: UoW, principal: InstrumentReader, page: Paging
) -> InstrumentPage:
    """Assessment instruments by code: the shared ones (the WHO CBR matrix, the reintegration
    wellbeing assessment after IJM's Assessment of Survivor Outcomes, the re-trafficking risk
    assessment) and the caller's organisation's own. Open to program managers, social workers
    and analysts."""
    return paged(request, response, await AssessmentService(uow).list_instruments(principal, page))


@router.post(
    INSTRUMENTS,
    operation_id="assessments:create-instrument",
    status_code=201,
    response_model=InstrumentRead,
    responses=CREATE_ERRORS,
)
async def create_instrument(
    request: Request,
    uow: UoW,
    principal: InstrumentManager,
    body: InstrumentCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Define an instrument of the caller's organisation (program managers): sections of
    items in the order given, each answered as a score on the instrument's scale, yes/no or
    the survivor's own rank, and its scoring rules as data (risk bands, needs, priorities).
    Only the organisation sees it. Its code may not repeat a shared instrument's or one of
    the organisation's (409)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: AssessmentService(uow).create_instrument(principal, body),
        location=lambda instrument: f"/api/v1{INSTRUMENTS}/{instrument.id}",
        reread=lambda record_id: AssessmentService(uow).get_instrument(principal, record_id),
    )


@router.get(
    INSTRUMENTS + "/{instrument_id}",
    operation_id="assessments:read-instrument",
    response_model=InstrumentRead,
    responses=READ_ERRORS,
)
async def read_instrument(
    instrument_id: UUID, response: Response, uow: UoW, principal: InstrumentReader
) -> InstrumentRead:
    """One instrument with its sections and items in order, each item's answer range and the
    scoring rules (404 for another organisation's own instrument)."""
    return tagged(response, await AssessmentService(uow).get_instrument(principal, instrument_id))


# -- a case's assessments -------------------------------------------------------------------
@router.get(
    ASSESSMENTS,
    operation_id="assessments:list",
    response_model=AssessmentPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_assessments(
    case_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    instrument_id: Annotated[UUID | None, Query()] = None,
) -> AssessmentPage:
    """The case's assessments, newest first by the day conducted, each with its scores and
    the change from the baseline (the first assessment of the same instrument for the case).
    Filter: instrument. Audited."""
    result = await AssessmentService(uow).list(principal, case_id, page, instrument_id)
    return paged(request, response, result)


@router.post(
    ASSESSMENTS,
    operation_id="assessments:create",
    status_code=201,
    response_model=AssessmentRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def create_assessment(
    case_id: UUID,
    request: Request,
    uow: UoW,
    principal: Assessor,
    body: AssessmentCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record an assessment of the case. Answers are keyed by item id or code and checked
    against the instrument: each in its item's range, no unknown item, every score item
    answered (and every yes/no item of a risk instrument), each rank 1-5 given once. Scores
    are computed and kept: per section the mean of its score items, overall the mean of the
    sections; for the risk instrument the weighted points and band, which becomes the case's
    risk level unless a later risk assessment exists; for the CBR matrix the elements marked
    as a need and her ranked priorities. Notes are sealed. A closed case is not assessed
    (409)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: AssessmentService(uow).create(principal, case_id, body),
        location=lambda assessment: f"/api/v1/cases/{case_id}/assessments/{assessment.id}",
        reread=lambda record_id: AssessmentService(uow).get(principal, case_id, record_id),
    )


@router.get(
    ASSESSMENTS + "/{assessment_id}",
    operation_id="assessments:read",
    response_model=AssessmentRead,
    responses=READ_ERRORS,
)
async def read_assessment(
    case_id: UUID, assessment_id: UUID, response: Response, uow: UoW, principal: Reader
) -> AssessmentRead:
    """One assessment with its answers in the instrument's order, its notes, scores and the
    change from the baseline (404 outside the caller's case scope). Audited."""
    return tagged(response, await AssessmentService(uow).get(principal, case_id, assessment_id))
