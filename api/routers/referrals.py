"""The service directory and referrals: who offers which service where, and a survivor's
referral to another organisation with only the fields her consent allows."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import (
    ACTION_ERRORS,
    CREATE_ERRORS,
    LIST_ERRORS,
    READ_ERRORS,
    UPDATE_ERRORS,
)
from domain.common.principal import Principal
from domain.common.vocabulary import ReferralStatus, ServiceKind
from domain.referrals import policies
from domain.referrals.directory import DirectoryService
from domain.referrals.schemas import (
    Direction,
    ReferralCreate,
    ReferralPage,
    ReferralRead,
    ReferralTransition,
    ServiceOfferingCreate,
    ServiceOfferingRead,
    ServiceOfferingUpdate,
    ServiceProviderPage,
    ServiceProviderRead,
)
from domain.referrals.service import ReferralService

router = APIRouter(tags=["referrals"])
DirectoryReader = Annotated[Principal, requires(policies.DIRECTORY_READ)]
DirectoryKeeper = Annotated[Principal, requires(policies.DIRECTORY_MANAGE)]
Referrer = Annotated[Principal, requires(policies.CREATE)]
Reader = Annotated[Principal, requires(policies.READ)]
Mover = Annotated[Principal, requires(policies.TRANSITION)]


def _offering_location(organization_id: UUID, offering_id: UUID) -> str:
    return f"/api/v1/service-providers/{organization_id}/services/{offering_id}"


# -- service directory ----------------------------------------------------------------------
@router.get(
    "/service-providers",
    operation_id="service-providers:list",
    response_model=ServiceProviderPage,
    responses=LIST_ERRORS,
)
async def list_service_providers(
    request: Request,
    response: Response,
    uow: UoW,
    principal: DirectoryReader,
    page: Paging,
    service: Annotated[ServiceKind | None, Query(description="Only those offering it.")] = None,
    district_id: Annotated[UUID | None, Query(description="Only those covering it.")] = None,
) -> ServiceProviderPage:
    """The service directory: government departments, service providers and partner NGOs by
    name, each with the services it offers and the districts each covers. With `service`
    and/or `district_id`, only organisations offering that service there, with the matching
    offerings. No personal data; open to anyone signed in."""
    result = await DirectoryService(uow).list(principal, page, service, district_id)
    return paged(request, response, result)


@router.get(
    "/service-providers/{organization_id}",
    operation_id="service-providers:read",
    response_model=ServiceProviderRead,
    responses=READ_ERRORS,
)
async def read_service_provider(
    organization_id: UUID, uow: UoW, principal: DirectoryReader
) -> ServiceProviderRead:
    """One organisation of the directory with all the services it offers (404 for an
    organisation of another kind)."""
    return await DirectoryService(uow).get(principal, organization_id)


@router.post(
    "/service-providers/{organization_id}/services",
    operation_id="service-providers:create-service",
    status_code=201,
    response_model=ServiceOfferingRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def create_service_offering(
    organization_id: UUID,
    request: Request,
    uow: UoW,
    principal: DirectoryKeeper,
    body: ServiceOfferingCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add a service the organisation offers and the districts it covers: a program manager
    for her own organisation, a platform admin for any directory organisation (403 for
    another organisation's). Honours Idempotency-Key."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: DirectoryService(uow).create_offering(principal, organization_id, body),
        location=lambda offering: _offering_location(organization_id, offering.id),
        reread=lambda _: DirectoryService(uow).get(principal, organization_id),
    )


@router.patch(
    "/service-providers/{organization_id}/services/{offering_id}",
    operation_id="service-providers:update-service",
    response_model=ServiceOfferingRead,
    responses=UPDATE_ERRORS,
)
async def update_service_offering(
    organization_id: UUID,
    offering_id: UUID,
    body: ServiceOfferingUpdate,
    principal: DirectoryKeeper,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> ServiceOfferingRead:
    """Change an offering: its service kind, name, description or districts. Needs
    If-Match."""
    offering = await DirectoryService(uow).update_offering(
        principal, organization_id, offering_id, body, version
    )
    return tagged(response, offering)


@router.delete(
    "/service-providers/{organization_id}/services/{offering_id}",
    operation_id="service-providers:delete-service",
    status_code=204,
    responses=READ_ERRORS,
)
async def delete_service_offering(
    organization_id: UUID, offering_id: UUID, principal: DirectoryKeeper, uow: UoW
) -> Response:
    """Take an offering out of the directory. Referrals that named it keep the reference."""
    await DirectoryService(uow).delete_offering(principal, organization_id, offering_id)
    return Response(status_code=204)


# -- referrals ------------------------------------------------------------------------------
@router.post(
    "/cases/{case_id}/referrals",
    operation_id="referrals:create",
    status_code=201,
    response_model=ReferralRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def create_referral(
    case_id: UUID,
    request: Request,
    uow: UoW,
    principal: Referrer,
    body: ReferralCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Refer the survivor to another organisation for one service need. Her sharing consent
    with that organisation is checked now: without one in force the answer is 409, and a field
    it does not allow is refused with 422 (nothing is written either way). A program manager
    may override with `consent_override_reason` (`consents:override`; audited). The chosen
    fields are sealed as a snapshot for the receiver, who never reads her record. Honours
    Idempotency-Key."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: ReferralService(uow).create(principal, case_id, body),
        location=lambda referral: f"/api/v1/referrals/{referral.id}",
        reread=lambda record_id: ReferralService(uow).get(principal, record_id),
    )


@router.get(
    "/cases/{case_id}/referrals",
    operation_id="referrals:list-for-case",
    response_model=ReferralPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_case_referrals(
    case_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    status: Annotated[ReferralStatus | None, Query()] = None,
) -> ReferralPage:
    """The referrals made from one case in the caller's case scope, newest first. Audited."""
    result = await ReferralService(uow).list_for_case(principal, case_id, page, status)
    return paged(request, response, result)


@router.get(
    "/referrals",
    operation_id="referrals:list",
    response_model=ReferralPage,
    responses=LIST_ERRORS,
)
async def list_referrals(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    direction: Annotated[
        Direction | None,
        Query(
            description="incoming: addressed to your organisation (partner staff, program "
            "managers); outgoing: made from cases in your case scope; both when absent."
        ),
    ] = None,
    status: Annotated[ReferralStatus | None, Query()] = None,
) -> ReferralPage:
    """The caller's referrals, newest first: the inbox of her organisation (only the fields
    the survivor's consent allows now) and/or those made from the cases she holds. The
    search and each referral shown are audited."""
    result = await ReferralService(uow).list(principal, page, direction, status)
    return paged(request, response, result)


@router.get(
    "/referrals/{referral_id}",
    operation_id="referrals:read",
    response_model=ReferralRead,
    responses=READ_ERRORS,
)
async def read_referral(
    referral_id: UUID, response: Response, uow: UoW, principal: Reader
) -> ReferralRead:
    """One referral with its history, as the caller's side sees it: the receiving side sees
    the fields the survivor's consent allows now (no case or survivor ids); 404 for anyone
    else. The read is audited."""
    return tagged(response, await ReferralService(uow).get(principal, referral_id))


@router.post(
    "/referrals/{referral_id}/transitions",
    operation_id="referrals:transition",
    response_model=ReferralRead,
    responses={**ACTION_ERRORS, **UPDATE_ERRORS},
)
async def transition_referral(
    referral_id: UUID,
    body: ReferralTransition,
    principal: Mover,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> ReferralRead:
    """Move the referral on. The receiving organisation: sent -> accepted | declined;
    accepted -> in_progress | not_delivered; in_progress -> completed | not_delivered. The
    referring side: revoked, until it ends. `note` (sealed) says why (required for declined,
    not_delivered, revoked) or what came of it. Each move is kept in its history and on the
    case's progress map. Needs If-Match (428 without, 412 when stale); the other side's move
    is 403, a move the status does not allow 409."""
    referral = await ReferralService(uow).transition(principal, referral_id, body, version)
    return tagged(response, referral)
