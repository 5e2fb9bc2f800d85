"""Organisations: lead NGO, partner NGOs, community-based organisations, government
departments and service providers."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS
from domain.common.principal import Principal
from domain.common.vocabulary import OrganizationKind
from domain.organizations import policies
from domain.organizations.schemas import (
    OrganizationCreate,
    OrganizationPage,
    OrganizationRead,
    OrganizationUpdate,
)
from domain.organizations.service import OrganizationService

router = APIRouter(prefix="/organizations", tags=["organizations"])
Reader = Annotated[Principal, requires(policies.READ)]
Manager = Annotated[Principal, requires(policies.MANAGE)]


@router.get(
    "", operation_id="organizations:list", response_model=OrganizationPage, responses=LIST_ERRORS
)
async def list_organizations(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    kind: Annotated[OrganizationKind | None, Query()] = None,
) -> OrganizationPage:
    """Organisations by name: all for platform admins, one's own for everyone else."""
    return paged(request, response, await OrganizationService(uow).list(principal, page, kind))


@router.post(
    "",
    operation_id="organizations:create",
    status_code=201,
    response_model=OrganizationRead,
    responses=CREATE_ERRORS,
)
async def create_organization(
    request: Request,
    uow: UoW,
    principal: Manager,
    body: OrganizationCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Register an organisation (platform admins)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: OrganizationService(uow).create(principal, body),
        location=lambda o: f"/api/v1/organizations/{o.id}",
        reread=lambda record_id: OrganizationService(uow).get(principal, record_id),
    )


@router.get(
    "/{organization_id}",
    operation_id="organizations:read",
    response_model=OrganizationRead,
    responses=READ_ERRORS,
)
async def read_organization(
    organization_id: UUID, response: Response, uow: UoW, principal: Reader
) -> OrganizationRead:
    """One organisation (404 outside the caller's scope)."""
    return tagged(response, await OrganizationService(uow).get(principal, organization_id))


@router.patch(
    "/{organization_id}",
    operation_id="organizations:update",
    response_model=OrganizationRead,
    responses=UPDATE_ERRORS,
)
async def update_organization(
    organization_id: UUID,
    body: OrganizationUpdate,
    response: Response,
    uow: UoW,
    principal: Manager,
    version: IfMatch,
) -> OrganizationRead:
    """Change an organisation's name, kind or state. Needs If-Match."""
    organization = await OrganizationService(uow).update(principal, organization_id, body, version)
    return tagged(response, organization)
