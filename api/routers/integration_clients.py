"""Integration clients: service principals of partner systems and dashboards."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import ACTION_ERRORS, CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS
from domain.common.principal import Principal
from domain.integration_clients import policies
from domain.integration_clients.schemas import (
    IntegrationClientCreate,
    IntegrationClientPage,
    IntegrationClientRead,
    IntegrationClientUpdate,
    IntegrationClientWithSecret,
)
from domain.integration_clients.service import IntegrationClientService

router = APIRouter(prefix="/integration-clients", tags=["integration clients"])
Manager = Annotated[Principal, requires(policies.MANAGE)]


@router.get(
    "",
    operation_id="integration-clients:list",
    response_model=IntegrationClientPage,
    responses=LIST_ERRORS,
)
async def list_clients(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Manager,
    page: Paging,
    organization_id: Annotated[UUID | None, Query()] = None,
) -> IntegrationClientPage:
    """Integration clients, oldest first; optionally of one organisation."""
    result = await IntegrationClientService(uow).list(principal, page, organization_id)
    return paged(request, response, result)


@router.post(
    "",
    operation_id="integration-clients:create",
    status_code=201,
    response_model=IntegrationClientWithSecret,
    responses=CREATE_ERRORS,
)
async def create_client(
    request: Request,
    uow: UoW,
    principal: Manager,
    body: IntegrationClientCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Register a client of an organisation with a role and explicit scopes. The answer holds
    `client_secret` once; a replay of the same Idempotency-Key answers without it (rotate the
    secret if it was lost)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: IntegrationClientService(uow).create(principal, body),
        location=lambda c: f"/api/v1/integration-clients/{c.id}",
        reread=lambda record_id: IntegrationClientService(uow).get(principal, record_id),
        withhold=frozenset({"client_secret"}),
    )


@router.get(
    "/{client_id}",
    operation_id="integration-clients:read",
    response_model=IntegrationClientRead,
    responses=READ_ERRORS,
)
async def read_client(
    client_id: UUID, response: Response, uow: UoW, principal: Manager
) -> IntegrationClientRead:
    """One integration client (never its secret)."""
    return tagged(response, await IntegrationClientService(uow).get(principal, client_id))


@router.patch(
    "/{client_id}",
    operation_id="integration-clients:update",
    response_model=IntegrationClientRead,
    responses=UPDATE_ERRORS,
)
async def update_client(
    client_id: UUID,
    body: IntegrationClientUpdate,
    response: Response,
    uow: UoW,
    principal: Manager,
    version: IfMatch,
) -> IntegrationClientRead:
    """Rename a client or change its role and scopes. Needs If-Match."""
    client = await IntegrationClientService(uow).update(principal, client_id, body, version)
    return tagged(response, client)


@router.post(
    "/{client_id}/rotate-secret",
    operation_id="integration-clients:rotate-secret",
    response_model=IntegrationClientWithSecret,
    responses=ACTION_ERRORS,
)
async def rotate_secret(
    client_id: UUID, response: Response, uow: UoW, principal: Manager
) -> IntegrationClientWithSecret:
    """Issue a new secret (shown once); the old one stops working at once."""
    return tagged(response, await IntegrationClientService(uow).rotate_secret(principal, client_id))


@router.post(
    "/{client_id}/disable",
    operation_id="integration-clients:disable",
    response_model=IntegrationClientRead,
    responses=ACTION_ERRORS,
)
async def disable_client(
    client_id: UUID, response: Response, uow: UoW, principal: Manager
) -> IntegrationClientRead:
    """Disable a client: its tokens stop working at once. No If-Match, unlike other changes
    of state, by design: a switch that must act at once whatever else changed (a leaked
    secret), and the same whichever version was read."""
    client = await IntegrationClientService(uow).set_disabled(principal, client_id, True)
    return tagged(response, client)


@router.post(
    "/{client_id}/enable",
    operation_id="integration-clients:enable",
    response_model=IntegrationClientRead,
    responses=ACTION_ERRORS,
)
async def enable_client(
    client_id: UUID, response: Response, uow: UoW, principal: Manager
) -> IntegrationClientRead:
    """Enable a disabled client again."""
    client = await IntegrationClientService(uow).set_disabled(principal, client_id, False)
    return tagged(response, client)


# -- the referral inbox: granted by the client's own organisation ---------------------------
InboxKeeper = Annotated[Principal, requires(policies.GRANT_INBOX)]


@router.post(
    "/{client_id}/inbox",
    operation_id="integration-clients:grant-inbox",
    response_model=IntegrationClientRead,
    responses=ACTION_ERRORS,
)
async def grant_inbox(
    client_id: UUID, response: Response, uow: UoW, principal: InboxKeeper
) -> IntegrationClientRead:
    """Grant `referrals:inbox` to an integration client of your own organisation (a program
    manager; 404 for a client of another organisation): it then receives the fields each
    survivor's consent lets travel in the referrals addressed to your organisation, and no
    other personal data. The client needs the role partner_staff or program_manager and
    `referrals:read` (422 otherwise). Its tokens end at once (it signs in again); audited.
    Granting it again changes nothing."""
    client = await IntegrationClientService(uow).set_inbox(principal, client_id, True)
    return tagged(response, client)


@router.delete(
    "/{client_id}/inbox",
    operation_id="integration-clients:revoke-inbox",
    response_model=IntegrationClientRead,
    responses=ACTION_ERRORS,
)
async def revoke_inbox(
    client_id: UUID, response: Response, uow: UoW, principal: InboxKeeper
) -> IntegrationClientRead:
    """Revoke `referrals:inbox` from an integration client of your own organisation (404 for a
    client of another organisation): from now on it receives no personal value of any
    referral. Its tokens end at once; audited. Revoking it again changes nothing."""
    client = await IntegrationClientService(uow).set_inbox(principal, client_id, False)
    return tagged(response, client)
