"""Entitlements: the scheme catalogue (reference data, versioned by effective date) and each
survivor's applications for schemes, followed from gathering documents to the benefit received
(or rejected and appealed), with their history and each survivor's coverage."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, get_container, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import (
    CREATE_ERRORS,
    LIST_ERRORS,
    READ_ERRORS,
    UPDATE_ERRORS,
)
from domain.common.dates import BoundedDate
from domain.common.principal import Principal
from domain.common.vocabulary import ApplicationStatus
from domain.entitlements import policies
from domain.entitlements.schemas import (
    ApplicationCreate,
    ApplicationPage,
    ApplicationRead,
    ApplicationTransition,
    Code,
    CoverageRead,
    SchemeCreate,
    SchemePage,
    SchemeRead,
    StatusChangePage,
)
from domain.entitlements.service import EntitlementService, SchemeService

router = APIRouter(tags=["entitlements"])
SchemeReader = Annotated[Principal, requires(policies.SCHEMES_READ)]
SchemeManager = Annotated[Principal, requires(policies.SCHEMES_MANAGE)]
Reader = Annotated[Principal, requires(policies.READ)]
Manager = Annotated[Principal, requires(policies.MANAGE)]

APPLICATIONS = "/entitlement-applications"


def _service(request: Request, uow: UoW) -> EntitlementService:
    return EntitlementService(uow, get_container(request).settings.entitlement_stalled_days)


# -- the catalogue --------------------------------------------------------------------------
@router.get(
    "/schemes", operation_id="schemes:list", response_model=SchemePage, responses=LIST_ERRORS
)
async def list_schemes(
    request: Request,
    response: Response,
    uow: UoW,
    principal: SchemeReader,
    page: Paging,
    code: Annotated[Code | None, Query()] = None,
    as_of: Annotated[
        BoundedDate | None, Query(description="The versions in effect on this day (default today).")
    ] = None,
    all_versions: Annotated[
        bool, Query(description="Every version, superseded ones included.")
    ] = False,
) -> SchemePage:
    """The scheme catalogue by code: documents required, the benefit, amounts (paise) and the
    dates they hold. By default the versions in effect today; `as_of` another day;
    `all_versions` the whole history of each scheme."""
    result = await SchemeService(uow).list(
        principal, page, code=code, as_of=as_of, all_versions=all_versions
    )
    return paged(request, response, result)


@router.post(
    "/schemes",
    operation_id="schemes:create",
    status_code=201,
    response_model=SchemeRead,
    responses=CREATE_ERRORS,
)
async def create_scheme(
    request: Request,
    uow: UoW,
    principal: SchemeManager,
    body: SchemeCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add a scheme, or a new version of one (same code, a later `effective_from`): the
    version before it then ends the day before. Amounts change by adding a version, never by
    editing one. Platform admins only."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: SchemeService(uow).create(principal, body),
        location=lambda s: f"/api/v1/schemes/{s.id}",
        reread=lambda record_id: SchemeService(uow).get(principal, record_id),
    )


@router.get(
    "/schemes/{scheme_id}",
    operation_id="schemes:read",
    response_model=SchemeRead,
    responses=READ_ERRORS,
)
async def read_scheme(
    scheme_id: UUID, response: Response, uow: UoW, principal: SchemeReader
) -> SchemeRead:
    """One version of a scheme."""
    return tagged(response, await SchemeService(uow).get(principal, scheme_id))


# -- applications -----------------------------------------------------------------------------
@router.get(
    APPLICATIONS,
    operation_id="entitlements:list",
    response_model=ApplicationPage,
    responses=LIST_ERRORS,
)
async def list_applications(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    survivor_id: Annotated[UUID | None, Query()] = None,
    scheme_id: Annotated[UUID | None, Query()] = None,
    scheme_code: Annotated[Code | None, Query()] = None,
    status: Annotated[ApplicationStatus | None, Query()] = None,
    stalled: Annotated[
        bool | None,
        Query(description="Only those stalled (true) or not stalled (false)."),
    ] = None,
) -> ApplicationPage:
    """Applications of the survivors in the caller's scope, oldest first. Filters: survivor,
    scheme (a version, or any version by code), status, stalled (open and not moved for the
    configured number of days). Audited as a search."""
    result = await _service(request, uow).list(
        principal,
        page,
        survivor_id=survivor_id,
        scheme_id=scheme_id,
        scheme_code=scheme_code,
        status=status,
        stalled=stalled,
    )
    return paged(request, response, result)


@router.post(
    APPLICATIONS,
    operation_id="entitlements:create",
    status_code=201,
    response_model=ApplicationRead,
    responses=CREATE_ERRORS,
)
async def create_application(
    request: Request,
    uow: UoW,
    principal: Manager,
    body: ApplicationCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Start following a survivor's application for a scheme: gathering documents, or
    already applied (office and date). One open application per survivor and scheme (409);
    a survivor outside the caller's scope, an unknown scheme, or another state's scheme
    answers 422. The note is sealed at rest."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: _service(request, uow).create(principal, body),
        location=lambda a: f"/api/v1{APPLICATIONS}/{a.id}",
        reread=lambda record_id: _service(request, uow).get(principal, record_id),
    )


@router.get(
    APPLICATIONS + "/{application_id}",
    operation_id="entitlements:read",
    response_model=ApplicationRead,
    responses=READ_ERRORS,
)
async def read_application(
    application_id: UUID, request: Request, response: Response, uow: UoW, principal: Reader
) -> ApplicationRead:
    """One application with its amounts, dates and the stalled flag (404 outside the caller's
    scope). The read is audited."""
    return tagged(response, await _service(request, uow).get(principal, application_id))


@router.post(
    APPLICATIONS + "/{application_id}/transitions",
    operation_id="entitlements:transition",
    response_model=ApplicationRead,
    responses=UPDATE_ERRORS,
)
async def transition_application(
    application_id: UUID,
    body: ApplicationTransition,
    request: Request,
    principal: Manager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> ApplicationRead:
    """Move an application on: documents_gathering -> applied (`office`, `on`) ->
    under_process -> sanctioned (`amount_paise` awarded) -> received | partly_received
    (`amount_paise` paid this time, `on`; more instalments may follow a partial receipt);
    applied, under_process or appealed -> rejected (`reason`) -> appealed. Any other move
    answers 409. Every move is kept with who, when and the note (sealed). Needs If-Match."""
    application = await _service(request, uow).transition(principal, application_id, body, version)
    return tagged(response, application)


@router.get(
    APPLICATIONS + "/{application_id}/history",
    operation_id="entitlements:history",
    response_model=StatusChangePage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def application_history(
    application_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> StatusChangePage:
    """Every move of the application, oldest first: from, to, who, when and the note.
    Audited."""
    result = await _service(request, uow).history(principal, application_id, page)
    return paged(request, response, result)


@router.get(
    "/survivors/{survivor_id}/entitlement-coverage",
    operation_id="entitlements:coverage",
    response_model=CoverageRead,
    responses=READ_ERRORS,
)
async def survivor_coverage(
    survivor_id: UUID, request: Request, uow: UoW, principal: Reader
) -> CoverageRead:
    """Her coverage across the schemes open to her (national ones and her home state's, in
    effect today, and any other she applied for): received, partly received, in progress,
    rejected or not applied, with the stalled flag, and the counts. Audited as a search."""
    return await _service(request, uow).coverage(principal, survivor_id)
