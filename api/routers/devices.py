"""Devices: register the phones the app runs on, report syncs, revoke a lost one."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import Paging, UoW, requires
from api.http import paged, tagged
from api.openapi import ACTION_ERRORS, CREATE_ERRORS, LIST_ERRORS, READ_ERRORS
from domain.common.principal import Principal
from domain.devices import policies
from domain.devices.schemas import DeviceCreate, DevicePage, DeviceRead, DeviceSync
from domain.devices.service import DeviceService

router = APIRouter(prefix="/devices", tags=["devices"])
Owner = Annotated[Principal, requires(policies.OWN)]
Reader = Annotated[Principal, requires(policies.READ)]
Revoker = Annotated[Principal, requires(policies.REVOKE)]


@router.post(
    "",
    operation_id="devices:register",
    status_code=201,
    response_model=DeviceRead,
    responses=CREATE_ERRORS,
)
async def register_device(
    body: DeviceCreate, response: Response, uow: UoW, principal: Owner
) -> DeviceRead:
    """Register a device (name, platform, app version) to the caller. The sign-in session
    this call is made with is bound to the device (unless it is bound to one already): from
    its next refresh (`grant_type=refresh_token` with `device_id`) its tokens carry the
    device, and every request with them must send `X-Device-Id`. Later sign-ins on the device
    send `device_id` with the password grant. People only."""
    device = await DeviceService(uow).register(principal, body)
    response.headers["Location"] = f"/api/v1/devices/{device.id}"
    return tagged(response, device)


@router.get("", operation_id="devices:list", response_model=DevicePage, responses=LIST_ERRORS)
async def list_devices(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    user_id: Annotated[UUID | None, Query(description="Only this person's devices.")] = None,
) -> DevicePage:
    """Devices, oldest first: one's own; a program manager's organisation's; a platform
    admin's, all."""
    result = await DeviceService(uow).list(principal, page, user_id)
    return paged(request, response, result)


@router.get(
    "/{device_id}", operation_id="devices:read", response_model=DeviceRead, responses=READ_ERRORS
)
async def read_device(
    device_id: UUID, response: Response, uow: UoW, principal: Reader
) -> DeviceRead:
    """One device in the caller's scope."""
    device = await DeviceService(uow).get(principal, device_id)
    return tagged(response, device)


@router.post(
    "/{device_id}/sync",
    operation_id="devices:report-sync",
    response_model=DeviceRead,
    responses=ACTION_ERRORS,
)
async def report_device_sync(
    device_id: UUID, body: DeviceSync, response: Response, uow: UoW, principal: Owner
) -> DeviceRead:
    """Stamp one's own device as synced now (`last_synced_at`, the server's time), with the
    app version it runs when it changed. Another person's device answers 403; a revoked one
    401 `device-revoked`."""
    device = await DeviceService(uow).report_sync(principal, device_id, body)
    return tagged(response, device)


@router.post(
    "/{device_id}/revoke",
    operation_id="devices:revoke",
    response_model=DeviceRead,
    responses=ACTION_ERRORS,
)
async def revoke_device(
    device_id: UUID, response: Response, uow: UoW, principal: Revoker
) -> DeviceRead:
    """Revoke a lost or stolen device: the sign-in sessions bound to it end now, so its
    access and refresh tokens stop working at once, and its next request is answered 401
    with the problem type `urn:shakti-mis:problem:device-revoked` and `wipe: true` (the app
    deletes its local data). A program manager revokes her organisation's devices, a platform
    admin any, a person her own. Revoking a revoked device changes nothing."""
    device = await DeviceService(uow).revoke(principal, device_id)
    return tagged(response, device)
