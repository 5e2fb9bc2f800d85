"""Resets of people's passwords and second factors, waiting for a second platform admin."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import Paging, UoW, get_container, requires
from api.http import paged
from api.openapi import LIST_ERRORS, problems
from domain.common.principal import Principal
from domain.common.vocabulary import ResetStatus
from domain.users import policies
from domain.users.reset_requests import ResetRequestService
from domain.users.schemas import ResetRequestPage, ResetRequestRead

router = APIRouter(prefix="/reset-requests", tags=["users"])
Reader = Annotated[Principal, requires(policies.READ_RESET_REQUESTS)]
Decider = Annotated[Principal, requires(policies.DECIDE_RESET_REQUESTS)]


def _service(request: Request, uow: UoW) -> ResetRequestService:
    container = get_container(request)
    return ResetRequestService(uow, container.identity.passwords, container.settings)


@router.get(
    "",
    operation_id="reset-requests:list",
    response_model=ResetRequestPage,
    responses=LIST_ERRORS,
)
async def list_reset_requests(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    status: Annotated[ResetStatus | None, Query(description="Default: pending.")] = None,
) -> ResetRequestPage:
    """Requests to reset someone's password or second factor, oldest first: those waiting for
    approval unless `status` says otherwise. Requests past their `expires_at` are marked
    expired (and audited) first. Platform admins only."""
    return paged(request, response, await _service(request, uow).list(principal, page, status))


@router.post(
    "/{request_id}/approve",
    operation_id="reset-requests:approve",
    response_model=ResetRequestRead,
    responses=problems(401, 403, 404, 409),
)
async def approve_reset_request(
    request_id: UUID, request: Request, uow: UoW, principal: Decider
) -> ResetRequestRead:
    """Approve a pending reset: the new password takes effect, or her second factor is
    removed; every session of hers ends. Only a platform admin who neither asked for it nor
    is the person herself (403 otherwise). 409 when it was decided already or has expired."""
    return await _service(request, uow).approve(principal, request_id)


@router.post(
    "/{request_id}/decline",
    operation_id="reset-requests:decline",
    response_model=ResetRequestRead,
    responses=problems(401, 403, 404, 409),
)
async def decline_reset_request(
    request_id: UUID, request: Request, uow: UoW, principal: Decider
) -> ResetRequestRead:
    """Decline a pending reset (its requester may withdraw her own this way): nothing changes
    and a new password it held is dropped. 409 when it was decided already or has expired."""
    return await _service(request, uow).decline(principal, request_id)
