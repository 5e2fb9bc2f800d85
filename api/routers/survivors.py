"""Survivors and their consent. Everything that names or locates her is sealed at rest;
lookups by phone or name travel in a request body, never in a URL."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, get_container, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import (
    ACTION_ERRORS,
    CREATE_ERRORS,
    LIST_ERRORS,
    READ_ERRORS,
    UPDATE_ERRORS,
    problems,
)
from domain.common.principal import Principal
from domain.common.vocabulary import ConsentPurpose, DuplicateAlertStatus
from domain.consents import policies as consent_policies
from domain.consents.schemas import ConsentCreate, ConsentPage, ConsentRead, ConsentWithdraw
from domain.consents.service import ConsentService
from domain.survivors import policies
from domain.survivors.duplicates import DuplicateAlertService, DuplicateHitLimit
from domain.survivors.schemas import (
    DuplicateAlertPage,
    DuplicateAlertRead,
    DuplicateAlertResolution,
    SurvivorCreate,
    SurvivorPage,
    SurvivorRead,
    SurvivorSearch,
    SurvivorUpdate,
)
from domain.survivors.service import SurvivorService

router = APIRouter(prefix="/survivors", tags=["survivors"])
Reader = Annotated[Principal, requires(policies.READ)]
Manager = Annotated[Principal, requires(policies.MANAGE)]
ConsentReader = Annotated[Principal, requires(consent_policies.READ)]
ConsentManager = Annotated[Principal, requires(consent_policies.MANAGE)]
AlertKeeper = Annotated[Principal, requires(policies.DUPLICATE_ALERTS)]

SEARCH_ERRORS = problems(400, 401, 403, 413, 415, 422)
CONSENT_CREATE_ERRORS = {**CREATE_ERRORS, **problems(404)}


@router.get("", operation_id="survivors:list", response_model=SurvivorPage, responses=LIST_ERRORS)
async def list_survivors(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    district_id: Annotated[UUID | None, Query(description="Her home district.")] = None,
) -> SurvivorPage:
    """Survivors the caller may see, oldest first: a program manager's whole organisation, a
    social worker's own registrations and the survivors of the cases she sees. Each item
    carries her name and age band, nothing that locates her. Filter: home district."""
    result = await SurvivorService(uow).list(principal, page, district_id=district_id)
    return paged(request, response, result)


@router.post(
    "",
    operation_id="survivors:create",
    status_code=201,
    response_model=SurvivorRead,
    responses={**CREATE_ERRORS, **problems(429)},
)
async def create_survivor(
    request: Request,
    uow: UoW,
    principal: Manager,
    body: SurvivorCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Register a survivor (intake) in the caller's organisation. Names, aliases, date of
    birth, phone, addresses, identity numbers, family members and safe-contact preferences are
    sealed at rest.

    A duplicate check runs first: when survivors of the organisation that the caller may see
    have the same phone or the same name (case, spacing and Unicode form do not matter), the
    answer is 409 with `type` `urn:shakti-mis:problem:possible-duplicate` and `duplicate_ids`
    (those matches). Look at them; send `confirm_not_duplicate: true` to register her anyway.
    Matches she may not see are never told to her: the organisation's program managers find
    them in `GET /survivors/duplicate-alerts`. Every hit is audited; past
    `SHAKTI_INTAKE_DUPLICATE_HITS_PER_WINDOW` 409s within `SHAKTI_INTAKE_DUPLICATE_WINDOW_SECONDS`
    her intakes answer 429 (with Retry-After) until the window has passed."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: SurvivorService(uow).create(
            principal, body, DuplicateHitLimit.from_settings(get_container(request).settings)
        ),
        location=lambda s: f"/api/v1/survivors/{s.id}",
        reread=lambda record_id: SurvivorService(uow).get(principal, record_id),
    )


@router.post(
    "/search",
    operation_id="survivors:search",
    response_model=SurvivorPage,
    responses=SEARCH_ERRORS,
)
async def search_survivors(
    body: SurvivorSearch,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> SurvivorPage:
    """Find survivors in the caller's scope by exact phone (any Indian format: +91, 0 or
    none) or exact whole name (case, spacing and Unicode form do not matter); either matches.
    A POST so that the phone or name never appears in a URL or a log. Audited as a
    search."""
    return paged(request, response, await SurvivorService(uow).search(principal, body, page))


# -- duplicate alerts (declared before /{survivor_id}, which would take their path) ----------
@router.get(
    "/duplicate-alerts",
    operation_id="survivors:list-duplicate-alerts",
    response_model=DuplicateAlertPage,
    responses=LIST_ERRORS,
)
async def list_duplicate_alerts(
    request: Request,
    response: Response,
    uow: UoW,
    principal: AlertKeeper,
    page: Paging,
    status: Annotated[DuplicateAlertStatus | None, Query()] = None,
) -> DuplicateAlertPage:
    """The organisation's duplicate alerts, newest first (program managers): intakes whose
    phone or name matched survivors their author may not see, and was not told of. Each names
    the author, the survivor the intake registered (if it did) and the survivors it matched;
    ids only. Filter: status (open, resolved, dismissed). Audited."""
    return paged(request, response, await DuplicateAlertService(uow).list(principal, page, status))


@router.get(
    "/duplicate-alerts/{alert_id}",
    operation_id="survivors:read-duplicate-alert",
    response_model=DuplicateAlertRead,
    responses=READ_ERRORS,
)
async def read_duplicate_alert(
    alert_id: UUID, response: Response, uow: UoW, principal: AlertKeeper
) -> DuplicateAlertRead:
    """One duplicate alert of the organisation (404 for any other). Audited."""
    return tagged(response, await DuplicateAlertService(uow).get(principal, alert_id))


@router.post(
    "/duplicate-alerts/{alert_id}/resolution",
    operation_id="survivors:resolve-duplicate-alert",
    response_model=DuplicateAlertRead,
    responses={**ACTION_ERRORS, **problems(412, 428)},
)
async def resolve_duplicate_alert(
    alert_id: UUID,
    body: DuplicateAlertResolution,
    principal: AlertKeeper,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> DuplicateAlertRead:
    """Close an open alert: `resolved` (dealt with: records merged or corrected, the worker
    followed up) or `dismissed` (not the same woman). Needs If-Match; a closed alert answers
    409. Audited."""
    alert = await DuplicateAlertService(uow).resolve(principal, alert_id, body, version)
    return tagged(response, alert)


@router.get(
    "/{survivor_id}",
    operation_id="survivors:read",
    response_model=SurvivorRead,
    responses=READ_ERRORS,
)
async def read_survivor(
    survivor_id: UUID, response: Response, uow: UoW, principal: Reader
) -> SurvivorRead:
    """Her whole record, sealed fields opened (404 outside the caller's scope). The read is
    audited."""
    return tagged(response, await SurvivorService(uow).get(principal, survivor_id))


@router.patch(
    "/{survivor_id}",
    operation_id="survivors:update",
    response_model=SurvivorRead,
    responses=UPDATE_ERRORS,
)
async def update_survivor(
    survivor_id: UUID,
    body: SurvivorUpdate,
    principal: Manager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> SurvivorRead:
    """Correct her record; lists (aliases, documents, family members, languages) are replaced
    whole. `date_of_birth` and `estimated_age` replace each other. Needs If-Match."""
    survivor = await SurvivorService(uow).update(principal, survivor_id, body, version)
    return tagged(response, survivor)


# -- consent ----------------------------------------------------------------------------------
@router.get(
    "/{survivor_id}/consents",
    operation_id="consents:list",
    response_model=ConsentPage,
    responses={**LIST_ERRORS, **problems(404)},
)
async def list_consents(
    survivor_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: ConsentReader,
    page: Paging,
    purpose: Annotated[ConsentPurpose | None, Query()] = None,
) -> ConsentPage:
    """Her consent history: every revision of every purpose, oldest first, each with its
    status (in_force, superseded, withdrawn, expired). Filter: purpose."""
    result = await ConsentService(uow).list(principal, survivor_id, page, purpose=purpose)
    return paged(request, response, result)


@router.post(
    "/{survivor_id}/consents",
    operation_id="consents:create",
    status_code=201,
    response_model=ConsentRead,
    responses=CONSENT_CREATE_ERRORS,
)
async def create_consent(
    survivor_id: UUID,
    request: Request,
    uow: UoW,
    principal: ConsentManager,
    body: ConsentCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record her consent to one purpose (for `sharing`: with one named organisation, and the
    fields it lets travel). A minor's consent (under 18 on the day; with only a birth year,
    through the year she turns 18) is given by her guardian, whose name and relationship are
    sealed. It supersedes the previous consent of the same purpose (and organisation):
    `revision` + 1, `supersedes_id`; nothing is overwritten."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: ConsentService(uow).create(principal, survivor_id, body),
        location=lambda c: f"/api/v1/survivors/{survivor_id}/consents/{c.id}",
        reread=lambda record_id: ConsentService(uow).get(principal, survivor_id, record_id),
    )


@router.get(
    "/{survivor_id}/consents/{consent_id}",
    operation_id="consents:read",
    response_model=ConsentRead,
    responses=READ_ERRORS,
)
async def read_consent(
    survivor_id: UUID, consent_id: UUID, response: Response, uow: UoW, principal: ConsentReader
) -> ConsentRead:
    """One consent record (404 outside the caller's scope). The read is audited."""
    return tagged(response, await ConsentService(uow).get(principal, survivor_id, consent_id))


@router.post(
    "/{survivor_id}/consents/{consent_id}/withdraw",
    operation_id="consents:withdraw",
    response_model=ConsentRead,
    responses=ACTION_ERRORS,
)
async def withdraw_consent(
    survivor_id: UUID,
    consent_id: UUID,
    body: ConsentWithdraw,
    response: Response,
    uow: UoW,
    principal: ConsentManager,
) -> ConsentRead:
    """Withdraw the consent in force, from now on (409 when already withdrawn or superseded).
    What it allowed stops at once: referrals, sharing and reports check consent when they
    act. No If-Match, unlike other changes of state, by design: her withdrawal is never
    refused because someone else changed the record first."""
    consent = await ConsentService(uow).withdraw(principal, survivor_id, consent_id, body)
    return tagged(response, consent)
