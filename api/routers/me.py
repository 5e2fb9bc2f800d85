"""The caller's own identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from api.deps import UoW, get_container, requires
from api.openapi import problems
from domain.common.principal import Principal
from domain.identity import policies
from domain.identity.schemas import Me
from domain.identity.service import AuthService
from domain.users import policies as user_policies
from domain.users.schemas import PasswordChange
from domain.users.service import UserService

router = APIRouter(prefix="/me", tags=["me"])


@router.get("", operation_id="me:read", response_model=Me, responses=problems(401))
async def read_me(
    request: Request, uow: UoW, principal: Annotated[Principal, requires(policies.READ_ME)]
) -> Me:
    """Who the caller is: id, organisation, role, districts served, and the actions (scopes)
    the caller may take."""
    return AuthService(uow, get_container(request).identity).me(principal)


@router.post(
    "/password",
    operation_id="me:change-password",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 415, 422, 429),
)
async def change_password(
    request: Request,
    uow: UoW,
    principal: Annotated[Principal, requires(user_policies.CHANGE_OWN_PASSWORD)],
    body: PasswordChange,
) -> Response:
    """Change one's own password. Every other session of the caller ends. Repeated wrong
    current passwords are throttled as sign-ins are (429 with Retry-After)."""
    identity = get_container(request).identity
    await UserService(uow, identity.passwords, identity.throttle).change_own_password(
        principal, body
    )
    return Response(status_code=204)
