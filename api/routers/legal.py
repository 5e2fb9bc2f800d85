"""Legal proceedings of a case: complaints and FIRs, court cases, hearings and victim
compensation."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS, problems
from domain.common.principal import Principal
from domain.legal import policies
from domain.legal.schemas import (
    HearingCreate,
    HearingPage,
    HearingRead,
    LegalProceedingCreate,
    LegalProceedingPage,
    LegalProceedingRead,
    LegalProceedingUpdate,
)
from domain.legal.service import LegalService

router = APIRouter(prefix="/cases/{case_id}/legal-proceedings", tags=["legal"])
Reader = Annotated[Principal, requires(policies.READ)]
Manager = Annotated[Principal, requires(policies.MANAGE)]

CASE_LIST_ERRORS = {**LIST_ERRORS, **problems(404)}
CASE_CREATE_ERRORS = {**CREATE_ERRORS, **problems(404)}


@router.get(
    "",
    operation_id="legal:list",
    response_model=LegalProceedingPage,
    responses=CASE_LIST_ERRORS,
)
async def list_proceedings(
    case_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> LegalProceedingPage:
    """The case's complaints and FIRs, oldest first, with their sealed details and what is
    still owed of any compensation. Each proceeding shown is audited."""
    return paged(request, response, await LegalService(uow).list(principal, case_id, page))


@router.post(
    "",
    operation_id="legal:create",
    status_code=201,
    response_model=LegalProceedingRead,
    responses=CASE_CREATE_ERRORS,
)
async def create_proceeding(
    case_id: UUID,
    request: Request,
    uow: UoW,
    principal: Manager,
    body: LegalProceedingCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a complaint or FIR: its stage, filing date, sealed details (FIR or complaint
    number, police station, court, court case number, sections of law, lawyer), whether
    witness protection is needed, and victim compensation (integer paise: paid never above
    awarded, paid not before the award). Closed cases take legal records too."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: LegalService(uow).create(principal, case_id, body),
        location=lambda p: f"/api/v1/cases/{case_id}/legal-proceedings/{p.id}",
        reread=lambda record_id: LegalService(uow).get(principal, case_id, record_id),
    )


@router.get(
    "/{proceeding_id}",
    operation_id="legal:read",
    response_model=LegalProceedingRead,
    responses=READ_ERRORS,
)
async def read_proceeding(
    case_id: UUID, proceeding_id: UUID, response: Response, uow: UoW, principal: Reader
) -> LegalProceedingRead:
    """One proceeding with its sealed details, `compensation_outstanding_paise` and
    `days_since_award_unpaid` (404 outside the caller's scope). The read is audited."""
    return tagged(response, await LegalService(uow).get(principal, case_id, proceeding_id))


@router.patch(
    "/{proceeding_id}",
    operation_id="legal:update",
    response_model=LegalProceedingRead,
    responses=UPDATE_ERRORS,
)
async def update_proceeding(
    case_id: UUID,
    proceeding_id: UUID,
    body: LegalProceedingUpdate,
    principal: Manager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> LegalProceedingRead:
    """Move the proceeding to another stage, change its details (keys sent replace those
    kept, `null` clears one), witness protection, or record the compensation applied for,
    awarded and paid. Each step is written in the case's history without the sealed text.
    Needs If-Match."""
    proceeding = await LegalService(uow).update(principal, case_id, proceeding_id, body, version)
    return tagged(response, proceeding)


@router.get(
    "/{proceeding_id}/hearings",
    operation_id="legal:list-hearings",
    response_model=HearingPage,
    responses=CASE_LIST_ERRORS,
)
async def list_hearings(
    case_id: UUID,
    proceeding_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> HearingPage:
    """The proceeding's hearings by the day held, with their sealed outcomes. Each hearing
    shown is audited."""
    result = await LegalService(uow).list_hearings(principal, case_id, proceeding_id, page)
    return paged(request, response, result)


@router.post(
    "/{proceeding_id}/hearings",
    operation_id="legal:add-hearing",
    status_code=201,
    response_model=HearingRead,
    responses=CASE_CREATE_ERRORS,
)
async def add_hearing(
    case_id: UUID,
    proceeding_id: UUID,
    request: Request,
    uow: UoW,
    principal: Manager,
    body: HearingCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a hearing held: the day, the next hearing, and what happened (sealed). It is
    written in the case's history with its dates only."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: LegalService(uow).add_hearing(principal, case_id, proceeding_id, body),
        location=lambda h: (
            f"/api/v1/cases/{case_id}/legal-proceedings/{proceeding_id}/hearings/{h.id}"
        ),
        reread=lambda record_id: LegalService(uow).get_hearing(
            principal, case_id, proceeding_id, record_id
        ),
    )


@router.get(
    "/{proceeding_id}/hearings/{hearing_id}",
    operation_id="legal:read-hearing",
    response_model=HearingRead,
    responses=READ_ERRORS,
)
async def read_hearing(
    case_id: UUID,
    proceeding_id: UUID,
    hearing_id: UUID,
    response: Response,
    uow: UoW,
    principal: Reader,
) -> HearingRead:
    """One hearing with its sealed outcome. The read is audited."""
    hearing = await LegalService(uow).get_hearing(principal, case_id, proceeding_id, hearing_id)
    return tagged(response, hearing)
