"""A survivor's livelihood records: her plan, jobs and enterprises, monthly income and financial
inclusion. Seen by those who may see her; her aspirations, what and where her work is, and
account numbers are sealed at rest."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, requires
from api.deps import expected_version as parse_if_match
from api.http import Versioned, paged, set_etag, tagged
from api.idempotency import create_once
from api.openapi import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS, problems
from domain.common.dates import BoundedDate
from domain.common.principal import Principal
from domain.common.vocabulary import ActivityKind, FinancialProduct
from domain.livelihoods import policies
from domain.livelihoods.schemas import (
    ActivityCreate,
    ActivityPage,
    ActivityRead,
    ActivityUpdate,
    FinancialInclusionOverview,
    FinancialInclusionPut,
    FinancialInclusionRead,
    IncomeCreate,
    IncomeRead,
    IncomeSeries,
    IncomeUpdate,
    LivelihoodPlanPut,
    LivelihoodPlanRead,
)
from domain.livelihoods.service import LivelihoodService
from domain.trainings.schemas import SurvivorTrainingPage
from domain.trainings.service import TrainingService

router = APIRouter(prefix="/survivors/{survivor_id}", tags=["livelihoods"])
Reader = Annotated[Principal, requires(policies.READ)]
Manager = Annotated[Principal, requires(policies.MANAGE)]
OptionalIfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The ETag of the version you are replacing, e.g. "v3": required once the '
        "record exists, absent to create it.",
    ),
]

CHILD_CREATE_ERRORS = {**CREATE_ERRORS, **problems(404)}
PUT_ERRORS: dict[int | str, dict[str, Any]] = {
    **UPDATE_ERRORS,
    201: {"description": "Recorded for the first time (no If-Match was sent)."},
}


def _put_answer(response: Response, record: Versioned, created: bool, location: str) -> None:
    set_etag(response, record)
    if created:
        response.status_code = 201
        response.headers["Location"] = location


# -- the plan -------------------------------------------------------------------------------
@router.get(
    "/livelihood-plan",
    operation_id="livelihoods:read-plan",
    response_model=LivelihoodPlanRead,
    responses=READ_ERRORS,
)
async def read_livelihood_plan(
    survivor_id: UUID, response: Response, uow: UoW, principal: Reader
) -> LivelihoodPlanRead:
    """Her livelihood plan: her aspirations (in her words), her skills and the options she is
    exploring (wage employment, self-employment, enterprise, skills training). 404 when she is
    outside the caller's scope or has no plan yet. The read is audited."""
    return tagged(response, await LivelihoodService(uow).get_plan(principal, survivor_id))


@router.put(
    "/livelihood-plan",
    operation_id="livelihoods:put-plan",
    response_model=LivelihoodPlanRead,
    responses=PUT_ERRORS,
)
async def put_livelihood_plan(
    survivor_id: UUID,
    body: LivelihoodPlanPut,
    principal: Manager,
    response: Response,
    uow: UoW,
    if_match: OptionalIfMatch = None,
) -> LivelihoodPlanRead:
    """Record her plan, or replace it whole (what is not sent is emptied). A survivor has one
    plan: without If-Match it is recorded for the first time (201; 428 when she has one
    already), with If-Match the current version is replaced (412 when stale, or when she has
    no plan yet). Her aspirations are sealed at rest."""
    version = parse_if_match(if_match) if if_match is not None else None
    plan, created = await LivelihoodService(uow).put_plan(principal, survivor_id, body, version)
    _put_answer(response, plan, created, f"/api/v1/survivors/{survivor_id}/livelihood-plan")
    return plan


# -- jobs and enterprises ---------------------------------------------------------------------
@router.get(
    "/livelihood-activities",
    operation_id="livelihoods:list-activities",
    response_model=ActivityPage,
    responses={**LIST_ERRORS, **problems(404)},
)
async def list_livelihood_activities(
    survivor_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    kind: Annotated[ActivityKind | None, Query()] = None,
) -> ActivityPage:
    """Her jobs and enterprises, oldest record first. Filter: kind. Audited as a search."""
    result = await LivelihoodService(uow).list_activities(principal, survivor_id, page, kind=kind)
    return paged(request, response, result)


@router.post(
    "/livelihood-activities",
    operation_id="livelihoods:create-activity",
    status_code=201,
    response_model=ActivityRead,
    responses=CHILD_CREATE_ERRORS,
)
async def create_livelihood_activity(
    survivor_id: UUID,
    request: Request,
    uow: UoW,
    principal: Manager,
    body: ActivityCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a job she holds or an enterprise she runs: kind, sector, start and end, the
    capital invested (paise). What and where it is goes in `description`, sealed at rest."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: LivelihoodService(uow).create_activity(principal, survivor_id, body),
        location=lambda a: f"/api/v1/survivors/{survivor_id}/livelihood-activities/{a.id}",
        reread=lambda record_id: LivelihoodService(uow).get_activity(
            principal, survivor_id, record_id
        ),
    )


@router.get(
    "/livelihood-activities/{activity_id}",
    operation_id="livelihoods:read-activity",
    response_model=ActivityRead,
    responses=READ_ERRORS,
)
async def read_livelihood_activity(
    survivor_id: UUID, activity_id: UUID, response: Response, uow: UoW, principal: Reader
) -> ActivityRead:
    """One job or enterprise of hers (404 outside the caller's scope). The read is audited."""
    activity = await LivelihoodService(uow).get_activity(principal, survivor_id, activity_id)
    return tagged(response, activity)


@router.patch(
    "/livelihood-activities/{activity_id}",
    operation_id="livelihoods:update-activity",
    response_model=ActivityRead,
    responses=UPDATE_ERRORS,
)
async def update_livelihood_activity(
    survivor_id: UUID,
    activity_id: UUID,
    body: ActivityUpdate,
    principal: Manager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> ActivityRead:
    """Correct a job or enterprise, or record that it ended (`ended_on`). Needs If-Match."""
    activity = await LivelihoodService(uow).update_activity(
        principal, survivor_id, activity_id, body, version
    )
    return tagged(response, activity)


# -- income ---------------------------------------------------------------------------------
@router.get(
    "/income",
    operation_id="livelihoods:read-income",
    response_model=IncomeSeries,
    responses={**READ_ERRORS, **problems(422)},
)
async def read_income(
    survivor_id: UUID,
    uow: UoW,
    principal: Reader,
    from_month: Annotated[
        BoundedDate | None, Query(description="First month of the series (any day of it).")
    ] = None,
    to_month: Annotated[
        BoundedDate | None, Query(description="Last month of the series (any day of it).")
    ] = None,
) -> IncomeSeries:
    """Her monthly income over time: every record (month, source, paise), the total of each
    month, and her average monthly income over the three calendar months ending with the last
    month of the series (months without a record are unknown, not zero, and stay out of the
    average). Audited as a search."""
    return await LivelihoodService(uow).income_series(
        principal, survivor_id, from_month=from_month, to_month=to_month
    )


@router.post(
    "/income",
    operation_id="livelihoods:create-income",
    status_code=201,
    response_model=IncomeRead,
    responses=CHILD_CREATE_ERRORS,
)
async def create_income(
    survivor_id: UUID,
    request: Request,
    uow: UoW,
    principal: Manager,
    body: IncomeCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record her income from one source in one month (the first day of the month, not in the
    future). A month and source already recorded answers 409: correct that record instead."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: LivelihoodService(uow).create_income(principal, survivor_id, body),
        location=lambda i: f"/api/v1/survivors/{survivor_id}/income/{i.id}",
        reread=lambda record_id: LivelihoodService(uow).get_income(
            principal, survivor_id, record_id
        ),
    )


@router.patch(
    "/income/{income_id}",
    operation_id="livelihoods:update-income",
    response_model=IncomeRead,
    responses=UPDATE_ERRORS,
)
async def update_income(
    survivor_id: UUID,
    income_id: UUID,
    body: IncomeUpdate,
    principal: Manager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> IncomeRead:
    """Correct the amount of a month's income. Needs If-Match."""
    income = await LivelihoodService(uow).update_income(
        principal, survivor_id, income_id, body, version
    )
    return tagged(response, income)


# -- financial inclusion ----------------------------------------------------------------------
@router.get(
    "/financial-inclusion",
    operation_id="livelihoods:read-financial-inclusion",
    response_model=FinancialInclusionOverview,
    responses=READ_ERRORS,
)
async def read_financial_inclusion(
    survivor_id: UUID, uow: UoW, principal: Reader
) -> FinancialInclusionOverview:
    """Where she stands with each financial product (bank account, insurance, pension,
    digital payments), since when, with whom; products with nothing recorded answer
    `recorded: false` and status `none`. Audited as a search."""
    return await LivelihoodService(uow).financial_inclusion(principal, survivor_id)


@router.get(
    "/financial-inclusion/{product}",
    operation_id="livelihoods:read-financial-product",
    response_model=FinancialInclusionRead,
    responses=READ_ERRORS,
)
async def read_financial_product(
    survivor_id: UUID, product: FinancialProduct, response: Response, uow: UoW, principal: Reader
) -> FinancialInclusionRead:
    """Where she stands with one product (404 when nothing is recorded yet). The read is
    audited."""
    row = await LivelihoodService(uow).get_product(principal, survivor_id, product)
    return tagged(response, row)


@router.put(
    "/financial-inclusion/{product}",
    operation_id="livelihoods:put-financial-product",
    response_model=FinancialInclusionRead,
    responses=PUT_ERRORS,
)
async def put_financial_product(
    survivor_id: UUID,
    product: FinancialProduct,
    body: FinancialInclusionPut,
    principal: Manager,
    response: Response,
    uow: UoW,
    if_match: OptionalIfMatch = None,
) -> FinancialInclusionRead:
    """Record where she stands with one product, or replace it whole (what is not sent is
    emptied): status, since when, provider, and details (account or policy numbers; sealed at
    rest). One record per product: without If-Match it is recorded for the first time (201;
    428 when it exists), with If-Match the current version is replaced (412 when stale)."""
    version = parse_if_match(if_match) if if_match is not None else None
    row, created = await LivelihoodService(uow).put_product(
        principal, survivor_id, product, body, version
    )
    _put_answer(
        response,
        row,
        created,
        f"/api/v1/survivors/{survivor_id}/financial-inclusion/{product.value}",
    )
    return row


# -- trainings ------------------------------------------------------------------------------
@router.get(
    "/trainings",
    operation_id="livelihoods:list-trainings",
    response_model=SurvivorTrainingPage,
    responses={**LIST_ERRORS, **problems(404)},
)
async def list_survivor_trainings(
    survivor_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> SurvivorTrainingPage:
    """The trainings of her organisation she takes part in (course, topic, provider, dates),
    each with her attendance, completion, certificate and pre/post scores, in order of
    enrolment. Enrol her through `POST /api/v1/trainings/{id}/participants`. Audited as a
    search."""
    result = await TrainingService(uow).of_survivor(principal, survivor_id, page)
    return paged(request, response, result)
