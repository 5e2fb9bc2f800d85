"""Signing in and out (OAuth2 token and revocation endpoints, RFC 6749 / RFC 7009)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import unquote
from uuid import UUID

from fastapi import APIRouter, Form, Request, Response

from api.deps import UoW, get_container, requires
from api.openapi import problems
from domain.common.errors import InvalidClient, InvalidGrant, UnsupportedGrantType
from domain.common.principal import Principal
from domain.identity import policies
from domain.identity.schemas import SecondFactorProof, TokenResponse
from domain.identity.service import AuthService

router = APIRouter(prefix="/auth", tags=["auth"])

TOKEN_PATH = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret
REVOKE_PATH = "/api/v1/auth/revoke"


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient("Client authentication failed.") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClient("Client authentication failed.")
    return unquote(client_id), unquote(secret)


def _device(device_id: str | None) -> UUID | None:
    if not device_id:
        return None
    try:
        return UUID(device_id)
    except ValueError as exc:
        raise InvalidGrant("device_id is not a device id.") from exc


@router.post(
    "/token",
    operation_id="auth:token",
    response_model=TokenResponse,
    responses=problems(400, 401, 415, 422, 429),
)
async def issue_token(
    request: Request,
    response: Response,
    uow: UoW,
    grant_type: Annotated[str, Form(max_length=40)],
    username: Annotated[str | None, Form(max_length=254)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
    client_id: Annotated[str | None, Form(max_length=100)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[str | None, Form(max_length=4000)] = None,
    otp: Annotated[str | None, Form(max_length=10)] = None,
    recovery_code: Annotated[str | None, Form(max_length=40)] = None,
    device_id: Annotated[str | None, Form(max_length=36)] = None,
) -> TokenResponse:
    """Get an access token (form-encoded, RFC 6749).

    - `grant_type=password` with `username` (the email) and `password`: for people; answers an
      access token and a refresh token. Failed attempts are throttled per account and per
      address (429 with Retry-After); the answer never says whether the email exists.
    - **Second factor.** Once she has enrolled one (`POST /me/second-factor`), the password
      grant also needs `otp` (the 6-digit code of her authenticator app) or `recovery_code`
      (one of her recovery codes, each usable once). Without either, a right password answers
      400 `invalid_grant` with the problem type
      `urn:shakti-mis:problem:second-factor-required`: prompt for the code and send the same
      request with it. A wrong or already used code answers 400 `invalid_grant` with
      `urn:shakti-mis:problem:second-factor-rejected` and counts as a failed sign-in.
    - When her role needs a second factor and she has none yet (production: platform admins
      and program managers), the answer carries `second_factor_enrolment_required: true`, an
      access token that reaches only `GET /me`, `POST /auth/revoke` and `/me/second-factor`
      (every other call answers 403 `urn:shakti-mis:problem:second-factor-enrolment-required`),
      and no refresh token: she enrols, confirms, and signs in again with a code.
    - **Devices.** With `device_id` (a device registered to her, `POST /devices`) the
      password grant binds the session to that device: its tokens carry the device and every
      request with them must send `X-Device-Id: <device_id>` (401 otherwise), and its refresh
      token works only with the same `device_id`. Registering a device also binds the session
      it was registered with. A device an administrator revoked answers 401 with the problem
      type `urn:shakti-mis:problem:device-revoked` and `wipe: true`, here and on every call
      with its tokens: the app deletes its local data.
    - `grant_type=refresh_token` with `refresh_token` (and `device_id` for a session bound to
      a device): a new access token and a new refresh token; each refresh token works once,
      and reusing one ends its whole session.
    - `grant_type=client_credentials` with `client_id` and `client_secret` (form fields or HTTP
      Basic), optionally `scope`: for integration clients.
    """
    response.headers["Pragma"] = "no-cache"
    service = AuthService(uow, get_container(request).identity)
    if grant_type == "password":
        if not username or not password:
            raise InvalidGrant("username and password are required.")
        if otp and recovery_code:
            raise InvalidGrant("Send otp or recovery_code, not both.")
        # Not validated as a body: a malformed code is simply a wrong one (a failed sign-in).
        proof = SecondFactorProof.model_construct(
            otp=otp or None, recovery_code=recovery_code or None
        )
        return await service.password_grant(username, password, proof, _device(device_id))
    if grant_type == "refresh_token":
        if not refresh_token:
            raise InvalidGrant("refresh_token is required.")
        return await service.refresh_grant(refresh_token, _device(device_id))
    if grant_type == "client_credentials":
        basic = _basic_credentials(request)
        if basic is not None:
            client_id, client_secret = basic
        if not client_id or not client_secret:
            raise InvalidClient("Client authentication failed.")
        return await service.client_credentials_grant(client_id, client_secret, scope)
    raise UnsupportedGrantType("grant_type must be password, refresh_token or client_credentials.")


@router.post(
    "/revoke",
    operation_id="auth:revoke",
    status_code=200,
    response_class=Response,
    responses={200: {"description": "Revoked (or nothing to revoke)."}, **problems(401, 415)},
)
async def revoke_token(
    request: Request,
    uow: UoW,
    principal: Annotated[Principal, requires(policies.REVOKE)],
    token: Annotated[str | None, Form(max_length=4096)] = None,
    token_type_hint: Annotated[str | None, Form(max_length=40)] = None,
) -> Response:
    """Log out: end the session of the given refresh token, or, without `token`, the session
    of the access token used to call. The session's access tokens stop working at once.
    Answers 200 whether or not there was anything to revoke (RFC 7009)."""
    await AuthService(uow, get_container(request).identity).revoke(principal, token)
    return Response(status_code=200)
