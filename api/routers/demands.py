"""The demands and issues register: what the programme must get done or resolved outside one
case's plan, raised, worked, escalated and disposed, with its history and comments."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, get_container, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import ACTION_ERRORS, CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS
from domain.common.filters import DemandFilter
from domain.common.principal import Principal
from domain.common.vocabulary import DemandCategory, DemandPriority, DemandStatus
from domain.demands import policies
from domain.demands.rules import ServiceLevels
from domain.demands.schemas import (
    AgeingReport,
    CommentCreate,
    CommentPage,
    CommentRead,
    DemandCreate,
    DemandEscalation,
    DemandPage,
    DemandRead,
    DemandTransition,
    DemandUpdate,
    EscalationDuePage,
)
from domain.demands.service import DemandService

router = APIRouter(prefix="/demands", tags=["demands"])
Raiser = Annotated[Principal, requires(policies.RAISE)]
Reader = Annotated[Principal, requires(policies.READ)]
Commenter = Annotated[Principal, requires(policies.COMMENT_ON)]
Mover = Annotated[Principal, requires(policies.TRANSITION)]
Worker = Annotated[Principal, requires(policies.MANAGE)]
Counter = Annotated[Principal, requires(policies.AGEING)]


def _service(request: Request, uow: UoW) -> DemandService:
    return DemandService(uow, ServiceLevels.of(get_container(request).settings))


@router.post(
    "",
    operation_id="demands:create",
    status_code=201,
    response_model=DemandRead,
    responses=CREATE_ERRORS,
)
async def create_demand(
    request: Request,
    uow: UoW,
    principal: Raiser,
    body: DemandCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Raise a demand or issue about a place (district, block, gram panchayat), in a category,
    with a priority whose service level gives its due date, linked to the records it is
    about. Program managers and social workers raise in their organisation's register;
    survivor leaders for their own leader groups (name one in `links`); partner staff about
    referrals made to their organisation (name them: the demand goes to the register of the
    organisation that referred). The description is sealed at rest. Honours
    Idempotency-Key."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: _service(request, uow).create(principal, body),
        location=lambda demand: f"/api/v1/demands/{demand.id}",
        reread=lambda record_id: _service(request, uow).get(principal, record_id),
    )


@router.get(
    "",
    operation_id="demands:list",
    response_model=DemandPage,
    responses={**LIST_ERRORS, **READ_ERRORS},
)
async def list_demands(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    status: Annotated[DemandStatus | None, Query()] = None,
    category: Annotated[DemandCategory | None, Query()] = None,
    priority: Annotated[DemandPriority | None, Query()] = None,
    district_id: Annotated[UUID | None, Query()] = None,
    block_id: Annotated[UUID | None, Query()] = None,
    gram_panchayat: Annotated[
        str | None, Query(min_length=1, max_length=120, description="Any letter case.")
    ] = None,
    owner_id: Annotated[UUID | None, Query()] = None,
    overdue: Annotated[
        bool | None,
        Query(description="true: only those past their due date and still to be settled."),
    ] = None,
    case_id: Annotated[
        UUID | None, Query(description="Only those linked to this case (one you may see).")
    ] = None,
) -> DemandPage:
    """The demands in the caller's scope, newest first, narrowed by status, category,
    priority, place (district, block, gram panchayat), owner, overdue or a linked case. Each
    carries only the links the caller may see. The search and each demand shown are
    audited."""
    narrowed = DemandFilter(
        status=status,
        category=category,
        priority=priority,
        district_id=district_id,
        block_id=block_id,
        gram_panchayat=gram_panchayat,
        owner_id=owner_id,
        overdue=overdue,
        case_id=case_id,
    )
    return paged(request, response, await _service(request, uow).search(principal, page, narrowed))


@router.get(
    "/ageing",
    operation_id="demands:ageing",
    response_model=AgeingReport,
    responses=LIST_ERRORS,
)
async def demands_ageing(
    request: Request,
    uow: UoW,
    principal: Counter,
    district_id: Annotated[UUID | None, Query(description="Only this district's.")] = None,
) -> AgeingReport:
    """Open demands (open, acknowledged, in progress) by category and age band (days since
    raised: 0-7, 8-30, 31-90, over 90), today. Counts only: program managers and analysts the
    organisation's register, social workers their districts'."""
    return await _service(request, uow).ageing(principal, district_id)


@router.get(
    "/escalations-due",
    operation_id="demands:escalations-due",
    response_model=EscalationDuePage,
    responses=LIST_ERRORS,
)
async def list_escalations_due(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Worker,
    page: Paging,
    district_id: Annotated[UUID | None, Query(description="Only this district's.")] = None,
    owner_id: Annotated[UUID | None, Query(description="Only those this person owns.")] = None,
) -> EscalationDuePage:
    """The duty list of escalations: overdue demands of the caller's register not escalated
    since their due date (or a service period since their last escalation), oldest first,
    each with the next level suggested (block, district, state, national). Escalating one
    (`POST /api/v1/demands/{id}/escalations`) takes it off the list for a service period."""
    result = await _service(request, uow).escalations_due(principal, page, district_id, owner_id)
    return paged(request, response, result)


@router.get(
    "/{demand_id}",
    operation_id="demands:read",
    response_model=DemandRead,
    responses=READ_ERRORS,
)
async def read_demand(
    demand_id: UUID, request: Request, response: Response, uow: UoW, principal: Reader
) -> DemandRead:
    """One demand with its history: every status move, escalation, change of owner, fields
    and links. Links to cases and referrals appear only to those who may see them. Audited."""
    return tagged(response, await _service(request, uow).get(principal, demand_id))


@router.patch(
    "/{demand_id}",
    operation_id="demands:update",
    response_model=DemandRead,
    responses=UPDATE_ERRORS,
)
async def update_demand(
    demand_id: UUID,
    body: DemandUpdate,
    request: Request,
    principal: Worker,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> DemandRead:
    """Change a demand of one's register: title, description, category, priority (the due
    date follows the new service level), place, owner or links (the whole set; links you
    cannot see are kept). Each change is kept in its history. Needs If-Match; 409 once it is
    disposed or withdrawn."""
    demand = await _service(request, uow).update(principal, demand_id, body, version)
    return tagged(response, demand)


@router.post(
    "/{demand_id}/transitions",
    operation_id="demands:transition",
    response_model=DemandRead,
    responses={**ACTION_ERRORS, **UPDATE_ERRORS},
)
async def transition_demand(
    demand_id: UUID,
    body: DemandTransition,
    request: Request,
    principal: Mover,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> DemandRead:
    """Move a demand on: open -> acknowledged -> in_progress -> disposed (with a
    `resolution`: resolved, partly_resolved, not_resolvable, referred_elsewhere) | withdrawn
    (with a `note`); a disposed one is reopened by moving it to open (with a `note`), due
    again one service period later. The register's staff make every move; whoever raised a
    demand may withdraw it. Needs If-Match (428 without, 412 when stale); a move the status
    does not allow is 409."""
    demand = await _service(request, uow).transition(principal, demand_id, body, version)
    return tagged(response, demand)


@router.post(
    "/{demand_id}/escalations",
    operation_id="demands:escalate",
    response_model=DemandRead,
    responses={**ACTION_ERRORS, **UPDATE_ERRORS},
)
async def escalate_demand(
    demand_id: UUID,
    body: DemandEscalation,
    request: Request,
    principal: Worker,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> DemandRead:
    """Take a demand to a higher level (block, district, state, national), with a note
    (sealed) of to whom and how. Escalating it again becomes due one service period later.
    Kept in its history. Needs If-Match; 409 for a settled demand or a level not higher."""
    demand = await _service(request, uow).escalate(principal, demand_id, body, version)
    return tagged(response, demand)


@router.post(
    "/{demand_id}/comments",
    operation_id="demands:comment",
    status_code=201,
    response_model=CommentRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def comment_on_demand(
    demand_id: UUID, body: CommentCreate, request: Request, uow: UoW, principal: Commenter
) -> CommentRead:
    """Add a comment to the thread of a demand one may read (sealed at rest; never sent to
    integration clients)."""
    return await _service(request, uow).comment(principal, demand_id, body)


@router.get(
    "/{demand_id}/comments",
    operation_id="demands:list-comments",
    response_model=CommentPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_demand_comments(
    demand_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> CommentPage:
    """The comments of a demand one may read, oldest first. Audited."""
    result = await _service(request, uow).comments(principal, demand_id, page)
    return paged(request, response, result)
