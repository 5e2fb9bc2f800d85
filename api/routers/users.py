"""User accounts of an organisation."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, get_container, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import ACTION_ERRORS, CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS
from domain.common.principal import Principal, Role
from domain.users import policies
from domain.users.reset_requests import ResetRequestService
from domain.users.schemas import (
    PasswordReset,
    ResetRequestRead,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from domain.users.service import UserService

router = APIRouter(prefix="/users", tags=["users"])
Reader = Annotated[Principal, requires(policies.READ)]
Manager = Annotated[Principal, requires(policies.MANAGE)]


def _service(request: Request, uow: UoW) -> UserService:
    return UserService(uow, get_container(request).identity.passwords)


@router.get("", operation_id="users:list", response_model=UserPage, responses=LIST_ERRORS)
async def list_users(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    organization_id: Annotated[UUID | None, Query()] = None,
    role: Annotated[Role | None, Query()] = None,
    disabled: Annotated[bool | None, Query()] = None,
) -> UserPage:
    """Accounts, oldest first: all for platform admins, the organisation's own for program
    managers. Filters: organisation, role, disabled."""
    result = await _service(request, uow).list(
        principal, page, organization_id=organization_id, role=role, disabled=disabled
    )
    return paged(request, response, result)


@router.post(
    "",
    operation_id="users:create",
    status_code=201,
    response_model=UserRead,
    responses=CREATE_ERRORS,
)
async def create_user(
    request: Request,
    uow: UoW,
    principal: Manager,
    body: UserCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Open an account. Program managers staff their own organisation with social workers,
    survivor leaders, partner staff and analysts; other roles are given by platform admins."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: _service(request, uow).create(principal, body),
        location=lambda u: f"/api/v1/users/{u.id}",
        reread=lambda record_id: _service(request, uow).get(principal, record_id),
    )


@router.get("/{user_id}", operation_id="users:read", response_model=UserRead, responses=READ_ERRORS)
async def read_user(
    user_id: UUID, request: Request, response: Response, uow: UoW, principal: Reader
) -> UserRead:
    """One account (404 outside the caller's scope). The read is audited."""
    return tagged(response, await _service(request, uow).get(principal, user_id))


@router.patch(
    "/{user_id}", operation_id="users:update", response_model=UserRead, responses=UPDATE_ERRORS
)
async def update_user(
    user_id: UUID,
    body: UserUpdate,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Manager,
    version: IfMatch,
) -> UserRead:
    """Change an account's email, name, role or districts. Needs If-Match."""
    return tagged(response, await _service(request, uow).update(principal, user_id, body, version))


@router.post(
    "/{user_id}/disable",
    operation_id="users:disable",
    response_model=UserRead,
    responses=ACTION_ERRORS,
)
async def disable_user(
    user_id: UUID, request: Request, response: Response, uow: UoW, principal: Manager
) -> UserRead:
    """Disable an account: every session and access token of it stops working at once. No
    If-Match, unlike other changes of state, by design: a switch that must act at once
    whatever else changed (a lost phone, a worker who left), and the same whichever version
    was read."""
    return tagged(response, await _service(request, uow).set_disabled(principal, user_id, True))


@router.post(
    "/{user_id}/enable",
    operation_id="users:enable",
    response_model=UserRead,
    responses=ACTION_ERRORS,
)
async def enable_user(
    user_id: UUID, request: Request, response: Response, uow: UoW, principal: Manager
) -> UserRead:
    """Enable a disabled account again."""
    return tagged(response, await _service(request, uow).set_disabled(principal, user_id, False))


def _resets(request: Request, uow: UoW) -> ResetRequestService:
    container = get_container(request)
    return ResetRequestService(uow, container.identity.passwords, container.settings)


@router.post(
    "/{user_id}/password",
    operation_id="users:reset-password",
    status_code=202,
    response_model=ResetRequestRead,
    responses=ACTION_ERRORS,
)
async def reset_password(
    user_id: UUID, body: PasswordReset, request: Request, uow: UoW, principal: Manager
) -> ResetRequestRead:
    """Ask for a new password for someone who lost hers. Nothing changes yet: the answer is
    a pending reset request (202) that a platform admin other than you (and other than her)
    approves at `POST /reset-requests/{id}/approve`; then the password is hers and every
    session of hers ends. The new password is kept only as its hash until then; give it to
    her yourself. Program managers ask for the field roles they staff. 409 when a reset is
    already pending for her."""
    return await _resets(request, uow).request_password_reset(
        principal, user_id, body.password.get_secret_value()
    )


@router.post(
    "/{user_id}/second-factor/reset",
    operation_id="users:reset-second-factor",
    status_code=202,
    response_model=ResetRequestRead,
    responses=ACTION_ERRORS,
)
async def reset_second_factor(
    user_id: UUID, request: Request, uow: UoW, principal: Manager
) -> ResetRequestRead:
    """Ask for someone's second factor to be removed (a lost phone and lost recovery codes).
    Nothing changes yet: the answer is a pending reset request (202) that a platform admin
    other than you (and other than her) approves; then her second factor is gone, every
    session of hers ends, and she enrols a new one. 409 when she has none, or a reset is
    already pending."""
    return await _resets(request, uow).request_second_factor_reset(principal, user_id)
