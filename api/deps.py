"""Dependencies: the unit of work, the caller, the policy a route declares, page and If-Match.

The unit of work is a ``yield`` dependency with ``scope="function"``: it commits after the
endpoint returns and before the answer is sent, so a record a client was told is saved is
visible to its next request.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.container import Container
from domain.audit.trail import record_denied
from domain.common.errors import NotAuthenticated, PermissionDenied, PreconditionFailed
from domain.common.errors import PreconditionRequired
from domain.common.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from domain.common.policy import Policy
from domain.common.principal import Principal
from domain.identity.service import AuthService
from persistence.uow import UnitOfWork

bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/v1/auth/token")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def _unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    async with UnitOfWork(get_container(request).database.session_factory) as uow:
        yield uow


UoW = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]


async def _principal(
    request: Request,
    uow: UoW,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("Send an access token: Authorization: Bearer <token>.")
    service = AuthService(uow, get_container(request).identity)
    principal = await service.authenticate(credentials.credentials)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(_principal)]


class PolicyDependency:
    """The dependency a route declares to name its policy: it authenticates the caller and
    applies the policy (the decision is the domain policy's; services apply it again, so the
    CLI and jobs are covered). Routes without one are found by a test."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    async def __call__(self, principal: CurrentPrincipal, uow: UoW) -> Principal:
        if not self.policy.permits(principal):
            record_denied(uow, principal, self.policy.name.split(":")[0])
            raise PermissionDenied("Your role or scopes do not allow this action.")
        return principal


def requires(policy: Policy) -> Any:
    """``Annotated[Principal, requires(POLICY)]``: the caller, admitted by ``policy``."""
    return Depends(PolicyDependency(policy))


def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=1024, description="`next_cursor` of the previous page."),
    ] = None,
    include_total: Annotated[
        bool, Query(description="Also count all matching records (slower).")
    ] = False,
) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor, include_total=include_total)


Paging = Annotated[PageRequest, Depends(page_request)]

_ETAG = re.compile(r'^(?:W/)?"v(\d{1,9})"$')


def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The ETag of the version you are changing, e.g. "v3" (required).',
        ),
    ] = None,
) -> int:
    if if_match is None:
        raise PreconditionRequired("Send If-Match with the ETag of the version you are changing.")
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise PreconditionFailed("If-Match does not name a version of this record.")
    return int(match.group(1))


# Declare it after the route's principal: dependencies run in order, and the caller must be
# authenticated and admitted (401/403) before the precondition is judged (428/412).
IfMatch = Annotated[int, Depends(expected_version)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Any unique string (a UUID): a retry with the same key and body returns "
        "the first answer and creates nothing.",
    ),
]

Handler = Callable[[], Awaitable[Any]]
