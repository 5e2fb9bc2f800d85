"""Cases: a survivor's road back into her community, stage by stage."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api import hot
from api.deps import IdempotencyKey, IfMatch, Paging, UoW, hot_route, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import ACTION_ERRORS, CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS
from domain.cases import policies
from domain.cases.schemas import (
    CaseAssignment,
    CaseCreate,
    CaseDetail,
    CasePage,
    CaseTransition,
    CaseUpdate,
    TimelinePage,
)
from domain.cases.service import CaseService
from domain.common.principal import Principal

router = APIRouter(prefix="/cases", tags=["cases"])
Reader = Annotated[Principal, requires(policies.READ)]
Worker = Annotated[Principal, requires(policies.MANAGE)]
Assigner = Annotated[Principal, requires(policies.ASSIGN)]


@router.get("", operation_id="cases:list", response_model=CasePage, responses=LIST_ERRORS)
@hot_route(policies.READ)
async def list_cases(request: Request, query: Annotated[hot.CaseListQuery, Query()]) -> Response:
    """Cases the caller may see, oldest first: a program manager's whole organisation, a
    social worker's own (and her districts' where the organisation allows it). Filters:
    district, status, assigned worker, survivor. Each case carries its flags (high_risk,
    overdue_follow_up, consent_expiring, no_consent); no names: read the survivor for those.
    Audited as a search. Served by the fast lane (api/hot.py)."""
    return await hot.list_cases(request, query)


@router.post(
    "",
    operation_id="cases:open",
    status_code=201,
    response_model=CaseDetail,
    responses=CREATE_ERRORS,
)
async def open_case(
    request: Request,
    uow: UoW,
    principal: Worker,
    body: CaseCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Open a case for a survivor (intake). It gets a case number per organisation, district
    and year (e.g. S24P-2026-0007) and is assigned to the caller when she is a social
    worker."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: CaseService(uow).open(principal, body),
        location=lambda c: f"/api/v1/cases/{c.id}",
        reread=lambda record_id: CaseService(uow).get(principal, record_id),
    )


@router.get(
    "/{case_id}", operation_id="cases:read", response_model=CaseDetail, responses=READ_ERRORS
)
@hot_route(policies.READ)
async def read_case(case_id: UUID, request: Request) -> Response:
    """One case with its flags and its sealed trafficking details (404 outside the caller's
    scope). The read is audited in the same statement that reads it. Served by the fast lane
    (api/hot.py)."""
    return await hot.read_case(request, case_id)


@router.patch(
    "/{case_id}", operation_id="cases:update", response_model=CaseDetail, responses=UPDATE_ERRORS
)
async def update_case(
    case_id: UUID,
    body: CaseUpdate,
    principal: Worker,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> CaseDetail:
    """Change the trafficking context (HTCDS), referral source, risk level or team. Stage
    and assignment change through their own actions. Needs If-Match."""
    return tagged(response, await CaseService(uow).update(principal, case_id, body, version))


@router.post(
    "/{case_id}/transitions",
    operation_id="cases:transition",
    response_model=CaseDetail,
    responses={**ACTION_ERRORS, **UPDATE_ERRORS},
)
async def transition_case(
    case_id: UUID,
    body: CaseTransition,
    principal: Worker,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> CaseDetail:
    """Move the case to its next stage: intake -> assessment -> planning -> active ->
    monitoring -> closed (with a closure reason) -> reopened. The reason is kept in the case's
    history (sealed). Needs If-Match, as every change of state does (428 without, 412 when
    stale)."""
    return tagged(response, await CaseService(uow).transition(principal, case_id, body, version))


@router.post(
    "/{case_id}/assignment",
    operation_id="cases:assign",
    response_model=CaseDetail,
    responses={**ACTION_ERRORS, **UPDATE_ERRORS},
)
async def assign_case(
    case_id: UUID,
    body: CaseAssignment,
    principal: Assigner,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> CaseDetail:
    """Give the case to another social worker of the organisation (program managers). The
    history keeps who held it and why. Needs If-Match (428 without, 412 when stale)."""
    return tagged(response, await CaseService(uow).assign(principal, case_id, body, version))


@router.get(
    "/{case_id}/timeline",
    operation_id="cases:timeline",
    response_model=TimelinePage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def case_timeline(
    case_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> TimelinePage:
    """The individual case progress map: one ordered history of stages, reassignments,
    assessments with their score changes, goals, the plan agreement, referrals, visits and
    legal events. Entries carry codes, dates and scores; remarks in words only to those who
    may read the case."""
    return paged(request, response, await CaseService(uow).timeline(principal, case_id, page))
