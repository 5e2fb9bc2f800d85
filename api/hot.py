"""Hot reads: plain ASGI handlers for the endpoints field workers call most (a case, a page of
cases). They do what a FastAPI route with its dependencies does, in fewer steps: the token
from the header (verified once, then cached), the policy, and one SQL statement that confirms
the token still holds, reads the record in scope and appends the audit event.

The fast lane (api/fast_lane.py) sends matching requests straight here; the FastAPI routes of
the same paths call the same handlers, so the spec documents them and they answer alike when
the fast lane is off.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from api.container import Container
from api.deps import (
    CALLER,
    UoW,
    bearer_token,
    device_header,
    hot_route,
    request_unit_of_work,
)
from api.errors import domain_error_handler, validation_error_handler
from api.http import etag, next_link
from api.text_guard import parameter_issues
from domain.audit.trail import record_denied
from domain.cases import policies as case_policies
from domain.cases.schemas import CaseDetail, CaseRead
from domain.cases.service import CaseService
from domain.common.errors import DomainError, NotAuthenticated
from domain.common.filters import AccessCheck, CaseFilter
from domain.common.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from domain.common.policy import Policy
from domain.common.principal import Principal
from domain.common.request_context import note_caller
from domain.common.schemas import withhold_personal
from domain.common.vocabulary import CaseStatus
from domain.identity.service import AuthService

HotHandler = Callable[[Request, UoW, Principal, AccessCheck], Awaitable[Response]]


def _uuid_text(value: Any) -> str:
    # asyncpg's UUIDs subclass uuid.UUID, which orjson only writes when the type is exact.
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _json(body: Any, headers: dict[str, str] | None = None) -> Response:
    """``body`` (a document of JSON types, UUIDs, dates and UTC datetimes) as JSON, written
    as pydantic writes it (datetimes in UTC end in "Z")."""
    return Response(
        content=orjson.dumps(body, default=_uuid_text, option=orjson.OPT_UTC_Z),
        media_type="application/json",
        headers=headers or {},
    )


async def serve(request: Request, policy: Policy, handler: HotHandler) -> Response:
    """Authenticate, apply ``policy``, run ``handler`` in a unit of work; domain errors and
    invalid parameters become problem+json as everywhere else."""
    container: Container = request.app.state.container
    try:
        async with request_unit_of_work(request, fast_lane=True) as uow:
            auth = AuthService(uow, container.identity)
            principal, check = await auth.claimed(bearer_token(request), device_header(request))
            setattr(request.state, CALLER, principal)
            note_caller(principal.kind)
            if not policy.permits(principal):
                # A refused role learns nothing more than its own token says, but a dead
                # token is a 401 first, as on every other route.
                if not await auth.is_live(check):
                    raise await auth.refusal(check)
                record_denied(uow, principal, policy.entity)
                raise policy.refusal(principal)
            try:
                return await handler(request, uow, principal, check)
            except NotAuthenticated:
                # The handler's statement found the token dead: say why as every route does
                # (a revoked device is told to wipe).
                raise await auth.refusal(check) from None
    except DomainError as exc:
        return await domain_error_handler(request, exc)
    except _QueryError as exc:
        return await validation_error_handler(request, exc.as_request_validation_error())


class _QueryError(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors

    def as_request_validation_error(self) -> Any:
        from fastapi.exceptions import RequestValidationError

        return RequestValidationError(self.errors)


def _query(model: type[BaseModel], request: Request) -> Any:
    issues = parameter_issues(request)  # as the FastAPI routes' guard does
    if issues:
        raise _QueryError(issues)
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise _QueryError([{**e, "loc": ("query", *e["loc"])} for e in exc.errors()]) from exc


def _page_headers(request: Request, page: dict[str, Any]) -> dict[str, str]:
    cursor: str | None = page["next_cursor"]
    return {"Link": next_link(request, cursor)} if cursor else {}


# -- cases ----------------------------------------------------------------------------------
class CaseListQuery(BaseModel):
    """The query parameters of GET /api/v1/cases, declared once: the FastAPI route takes this
    model (so the spec documents it) and the fast lane validates with it. Unknown parameters
    are refused (422) on both paths."""

    model_config = ConfigDict(extra="forbid")

    district_id: UUID | None = None
    status: CaseStatus | None = None
    assigned_worker_id: UUID | None = None
    survivor_id: UUID | None = None
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size.")
    cursor: str | None = Field(
        default=None, max_length=1024, description="`next_cursor` of the previous page."
    )
    include_total: bool = Field(
        default=False, description="Also count all matching records (slower)."
    )


def policy_of(handler: Callable[..., Any]) -> Policy:
    """The policy a hot handler applies (marked with api.deps.hot_route, as its route is)."""
    policy: Policy = handler.shakti_policy  # type: ignore[attr-defined]
    return policy


@hot_route(case_policies.READ)
async def read_case(request: Request, case_id: UUID) -> Response:
    """GET /api/v1/cases/{case_id}."""

    async def handler(
        request: Request, uow: UoW, principal: Principal, check: AccessCheck
    ) -> Response:
        case = await CaseService(uow).get(principal, case_id, access=check)
        # Built without a model: the personal fields are withheld here as CaseDetail would.
        return _json(withhold_personal(CaseDetail, case), {"ETag": etag(case["version"])})

    return await serve(request, policy_of(read_case), handler)


@hot_route(case_policies.READ)
async def list_cases(request: Request, query: CaseListQuery | None = None) -> Response:
    """GET /api/v1/cases; ``query`` when FastAPI has validated the parameters already. As on
    the FastAPI route, the parameters are validated before the caller is authenticated."""
    if query is None:
        try:
            query = _query(CaseListQuery, request)
        except _QueryError as exc:
            return await validation_error_handler(request, exc.as_request_validation_error())
    wanted = query

    async def handler(
        request: Request, uow: UoW, principal: Principal, check: AccessCheck
    ) -> Response:
        filters = CaseFilter(
            district_id=wanted.district_id,
            status=wanted.status.value if wanted.status else None,
            assigned_worker_id=wanted.assigned_worker_id,
            survivor_id=wanted.survivor_id,
        )
        page = PageRequest(
            limit=wanted.limit, cursor=wanted.cursor, include_total=wanted.include_total
        )
        result = await CaseService(uow).list(principal, page, filters, access=check)
        for item in result["items"]:
            withhold_personal(CaseRead, item)
        return _json(result, _page_headers(request, result))

    return await serve(request, policy_of(list_cases), handler)
