"""The caller's own identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from api.deps import UoW, get_container, requires
from api.openapi import problems
from domain.common.principal import Principal
from domain.identity import policies
from domain.identity.schemas import (
    Me,
    RecoveryCodes,
    SecondFactorConfirm,
    SecondFactorEnrolment,
    SecondFactorProof,
)
from domain.identity.second_factor import SecondFactorService
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


SecondFactorOwner = Annotated[Principal, requires(policies.SECOND_FACTOR)]


def _second_factors(request: Request, uow: UoW) -> SecondFactorService:
    return SecondFactorService(uow, get_container(request).identity)


@router.post(
    "/second-factor",
    operation_id="me:enrol-second-factor",
    status_code=201,
    response_model=SecondFactorEnrolment,
    responses=problems(401, 403, 415, 422, 429),
)
async def enrol_second_factor(
    request: Request,
    uow: UoW,
    principal: SecondFactorOwner,
    body: Annotated[
        SecondFactorProof | None,
        Body(
            openapi_examples={
                "first": {"summary": "Her first second factor", "value": {}},
                "replace": {"summary": "Replacing the one she has", "value": {"otp": "492039"}},
            }
        ),
    ] = None,
) -> SecondFactorEnrolment:
    """Start enrolling a second factor (TOTP, RFC 6238: 6 digits, 30-second steps), for
    platform admins and program managers. Answers the new secret and its `otpauth://` URI
    once (show it as a QR code for the authenticator app); the secret is sealed at rest. It
    is not in force until confirmed with a code (`POST /me/second-factor/confirm`).

    Replacing a second factor she has needs a current code of it (`otp`) or a recovery code
    (`recovery_code`) in the body; the old one stays in force until the new one is
    confirmed. A wrong code answers 422 and is throttled like a wrong password (429)."""
    return await _second_factors(request, uow).start(principal, body)


@router.post(
    "/second-factor/confirm",
    operation_id="me:confirm-second-factor",
    response_model=RecoveryCodes,
    responses=problems(401, 403, 409, 415, 422, 429),
)
async def confirm_second_factor(
    request: Request, uow: UoW, principal: SecondFactorOwner, body: SecondFactorConfirm
) -> RecoveryCodes:
    """Put the second factor being enrolled in force with a current code of it, and get 10
    one-time recovery codes, shown this once (only their digests are kept). From now on
    signing in needs a code; every other session of hers ends. 409 when there is no enrolment
    to confirm; a wrong code answers 422 (throttled, 429)."""
    return await _second_factors(request, uow).confirm(principal, body)


@router.delete(
    "/second-factor",
    operation_id="me:remove-second-factor",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404, 409, 415, 422, 429),
)
async def remove_second_factor(
    request: Request, uow: UoW, principal: SecondFactorOwner, body: SecondFactorProof
) -> Response:
    """Remove her second factor, with a current code of it (`otp`) or a recovery code in the
    body. 409 when her role needs a second factor (enrol a new one to replace it instead);
    404 when she has none; a wrong code answers 422 (throttled, 429)."""
    await _second_factors(request, uow).remove(principal, body)
    return Response(status_code=204)
