"""States, districts and blocks."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS
from domain.common.principal import Principal
from domain.geography import policies
from domain.geography.schemas import (
    BlockCreate,
    BlockPage,
    BlockRead,
    DistrictCreate,
    DistrictPage,
    DistrictRead,
    PlaceRename,
    StateCreate,
    StatePage,
    StateRead,
    StateUpdate,
)
from domain.geography.service import GeographyService

router = APIRouter(tags=["geography"])
Reader = Annotated[Principal, requires(policies.READ)]
Manager = Annotated[Principal, requires(policies.MANAGE)]


# -- states -------------------------------------------------------------------------------
@router.get(
    "/states", operation_id="geography:list-states", response_model=StatePage, responses=LIST_ERRORS
)
async def list_states(
    request: Request, response: Response, uow: UoW, principal: Reader, page: Paging
) -> StatePage:
    """States, by name."""
    return paged(request, response, await GeographyService(uow).list_states(principal, page))


@router.post(
    "/states",
    operation_id="geography:create-state",
    status_code=201,
    response_model=StateRead,
    responses=CREATE_ERRORS,
)
async def create_state(
    request: Request,
    uow: UoW,
    principal: Manager,
    body: StateCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add a state (platform admins)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: GeographyService(uow).create_state(principal, body),
        location=lambda s: f"/api/v1/states/{s.id}",
        reread=lambda record_id: GeographyService(uow).get_state(principal, record_id),
    )


@router.get(
    "/states/{state_id}",
    operation_id="geography:read-state",
    response_model=StateRead,
    responses=READ_ERRORS,
)
async def read_state(state_id: UUID, response: Response, uow: UoW, principal: Reader) -> StateRead:
    """One state."""
    return tagged(response, await GeographyService(uow).get_state(principal, state_id))


@router.patch(
    "/states/{state_id}",
    operation_id="geography:update-state",
    response_model=StateRead,
    responses=UPDATE_ERRORS,
)
async def update_state(
    state_id: UUID,
    body: StateUpdate,
    response: Response,
    uow: UoW,
    principal: Manager,
    version: IfMatch,
) -> StateRead:
    """Rename a state or change its code. Needs If-Match."""
    state = await GeographyService(uow).update_state(principal, state_id, body, version)
    return tagged(response, state)


# -- districts ----------------------------------------------------------------------------
@router.get(
    "/districts",
    operation_id="geography:list-districts",
    response_model=DistrictPage,
    responses=LIST_ERRORS,
)
async def list_districts(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    state_id: Annotated[UUID | None, Query()] = None,
) -> DistrictPage:
    """Districts by name, optionally of one state."""
    result = await GeographyService(uow).list_districts(principal, page, state_id)
    return paged(request, response, result)


@router.post(
    "/districts",
    operation_id="geography:create-district",
    status_code=201,
    response_model=DistrictRead,
    responses=CREATE_ERRORS,
)
async def create_district(
    request: Request,
    uow: UoW,
    principal: Manager,
    body: DistrictCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add a district to a state (platform admins)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: GeographyService(uow).create_district(principal, body),
        location=lambda d: f"/api/v1/districts/{d.id}",
        reread=lambda record_id: GeographyService(uow).get_district(principal, record_id),
    )


@router.get(
    "/districts/{district_id}",
    operation_id="geography:read-district",
    response_model=DistrictRead,
    responses=READ_ERRORS,
)
async def read_district(
    district_id: UUID, response: Response, uow: UoW, principal: Reader
) -> DistrictRead:
    """One district."""
    return tagged(response, await GeographyService(uow).get_district(principal, district_id))


@router.patch(
    "/districts/{district_id}",
    operation_id="geography:update-district",
    response_model=DistrictRead,
    responses=UPDATE_ERRORS,
)
async def update_district(
    district_id: UUID,
    body: PlaceRename,
    response: Response,
    uow: UoW,
    principal: Manager,
    version: IfMatch,
) -> DistrictRead:
    """Rename a district. Needs If-Match."""
    district = await GeographyService(uow).rename_district(principal, district_id, body, version)
    return tagged(response, district)


# -- blocks -------------------------------------------------------------------------------
@router.get(
    "/blocks", operation_id="geography:list-blocks", response_model=BlockPage, responses=LIST_ERRORS
)
async def list_blocks(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    district_id: Annotated[UUID | None, Query()] = None,
) -> BlockPage:
    """Blocks by name, optionally of one district."""
    result = await GeographyService(uow).list_blocks(principal, page, district_id)
    return paged(request, response, result)


@router.post(
    "/blocks",
    operation_id="geography:create-block",
    status_code=201,
    response_model=BlockRead,
    responses=CREATE_ERRORS,
)
async def create_block(
    request: Request,
    uow: UoW,
    principal: Manager,
    body: BlockCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add a block to a district (platform admins)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: GeographyService(uow).create_block(principal, body),
        location=lambda b: f"/api/v1/blocks/{b.id}",
        reread=lambda record_id: GeographyService(uow).get_block(principal, record_id),
    )


@router.get(
    "/blocks/{block_id}",
    operation_id="geography:read-block",
    response_model=BlockRead,
    responses=READ_ERRORS,
)
async def read_block(block_id: UUID, response: Response, uow: UoW, principal: Reader) -> BlockRead:
    """One block."""
    return tagged(response, await GeographyService(uow).get_block(principal, block_id))


@router.patch(
    "/blocks/{block_id}",
    operation_id="geography:update-block",
    response_model=BlockRead,
    responses=UPDATE_ERRORS,
)
async def update_block(
    block_id: UUID,
    body: PlaceRename,
    response: Response,
    uow: UoW,
    principal: Manager,
    version: IfMatch,
) -> BlockRead:
    """Rename a block. Needs If-Match."""
    block = await GeographyService(uow).rename_block(principal, block_id, body, version)
    return tagged(response, block)
