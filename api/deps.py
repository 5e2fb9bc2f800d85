"""Dependencies: the unit of work, the caller, the policy a route declares, page and If-Match.

The unit of work is a ``yield`` dependency with ``scope="function"``: it commits after the
endpoint returns and before the answer is sent, so a record a client was told is saved is
visible to its next request.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Query, Request

from api.container import Container
from domain.audit.trail import record_denied
from domain.common.errors import (
    NotAuthenticated,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from domain.common.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from domain.common.policy import Policy
from domain.common.principal import Principal
from domain.common.request_context import note_caller
from domain.devices.schemas import DEVICE_ID_HEADER
from domain.identity.service import AuthService
from persistence.uow import UnitOfWork

# The authenticated caller of a request, kept on ``request.state`` so that a 404 answered to
# her is recorded (request_unit_of_work).
CALLER = "caller"


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


@asynccontextmanager
async def request_unit_of_work(
    request: Request, *, fast_lane: bool = False
) -> AsyncIterator[UnitOfWork]:
    """The unit of work of one request (FastAPI routes and the fast lane alike). When an
    authenticated caller is answered 404 (the record she named does not exist or lies
    outside her scope) the probe is recorded, counted per caller and window: nothing is
    added to requests that succeed."""
    container = get_container(request)
    async with UnitOfWork(container.database, fast_lane=fast_lane) as uow:
        try:
            yield uow
        except NotFound:
            principal: Principal | None = getattr(request.state, CALLER, None)
            if principal is not None:
                container.identity.repeats.not_found(uow, principal)
            raise


def own_unit_of_work(request: Request) -> UnitOfWork:
    """A unit of work of its own, apart from the request's: for work that goes on after the
    response has started (a streamed download reads its file piece by piece)."""
    return UnitOfWork(get_container(request).database)


async def _unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    async with request_unit_of_work(request) as uow:
        yield uow


UoW = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]


def bearer_token(request: Request) -> str:
    """The access token of ``Authorization: Bearer <token>``; NotAuthenticated without one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(
            "Send an access token: Authorization: Bearer <token>.", credentials_missing=True
        )
    return token.strip()


def device_header(request: Request) -> str | None:
    """The device a request says it comes from (X-Device-Id): a token bound to a device is
    accepted only with that device's id (domain/devices)."""
    return request.headers.get(DEVICE_ID_HEADER)


class PolicyDependency:
    """The dependency a route declares to name its policy. In one step it authenticates the
    caller (token, then one query that the account and session are live) and applies the
    policy; the decision is the domain policy's, and services apply it again so that the CLI
    and jobs are covered. Routes without one are found by a test."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    async def __call__(self, request: Request, uow: UoW) -> Principal:
        container = get_container(request)
        principal = await AuthService(uow, container.identity).authenticate(
            bearer_token(request), device_header(request)
        )
        setattr(request.state, CALLER, principal)
        # What the answer may carry depends on who asks (personal fields: not to clients).
        note_caller(principal.kind)
        if not self.policy.permits(principal):
            record_denied(uow, principal, self.policy.entity)
            raise self.policy.refusal(principal)
        return principal


def requires(policy: Policy) -> Any:
    """``Annotated[Principal, requires(POLICY)]``: the caller, admitted by ``policy``."""
    return Depends(PolicyDependency(policy))


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def hot_route(policy: Policy) -> Callable[[Endpoint], Endpoint]:
    """Marks a route whose handler (api/hot.py) authenticates and applies ``policy`` itself,
    so that the spec and the route walk know its policy."""

    def mark(endpoint: Endpoint) -> Endpoint:
        endpoint.shakti_policy = policy  # type: ignore[attr-defined]
        return endpoint

    return mark


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
