"""The survivor's care plan: the goals she sets and ranks, and her agreement to the plan."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import ACTION_ERRORS, CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS
from domain.care_plans import policies
from domain.care_plans.schemas import (
    AgreementCreate,
    AgreementPage,
    AgreementRead,
    AgreementState,
    CarePlanRead,
    GoalCreate,
    GoalOrder,
    GoalPage,
    GoalRead,
    GoalUpdate,
    RankedGoals,
)
from domain.care_plans.service import CarePlanService
from domain.common.principal import Principal
from domain.common.vocabulary import CbrComponent, GoalStatus

router = APIRouter(prefix="/cases/{case_id}/care-plan", tags=["care plans"])
Reader = Annotated[Principal, requires(policies.READ)]
Planner = Annotated[Principal, requires(policies.MANAGE)]


def _goal_location(case_id: UUID) -> str:
    return f"/api/v1/cases/{case_id}/care-plan/goals"


@router.get("", operation_id="care-plans:read", response_model=CarePlanRead, responses=READ_ERRORS)
async def read_care_plan(case_id: UUID, uow: UoW, principal: Reader) -> CarePlanRead:
    """The survivor's whole plan: every goal (her open goals in her order of priority, then
    those achieved or dropped), the goals counted by CBR component and status, her latest
    agreement, and whether the plan changed after it. The read is audited."""
    return await CarePlanService(uow).plan(principal, case_id)


# -- goals ----------------------------------------------------------------------------------
@router.get(
    "/goals",
    operation_id="care-plans:list-goals",
    response_model=GoalPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_goals(
    case_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    status: Annotated[GoalStatus | None, Query()] = None,
    component: Annotated[CbrComponent | None, Query()] = None,
) -> GoalPage:
    """The case's goals: open ones by her rank (1 first), then achieved and dropped ones.
    Filters: status, CBR component. Audited."""
    result = await CarePlanService(uow).list_goals(
        principal, case_id, page, status=status, component=component
    )
    return paged(request, response, result)


@router.post(
    "/goals",
    operation_id="care-plans:create-goal",
    status_code=201,
    response_model=GoalRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def create_goal(
    case_id: UUID,
    request: Request,
    uow: UoW,
    principal: Planner,
    body: GoalCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add a goal the survivor set for herself, under one CBR component, at the rank she gives
    it (the goals from that rank on move down one) or after her open goals. Its wording and
    actions are sealed at rest. A closed case's plan is read-only (409)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: CarePlanService(uow).create_goal(principal, case_id, body),
        location=lambda goal: f"{_goal_location(case_id)}/{goal.id}",
        reread=lambda record_id: CarePlanService(uow).get_goal(principal, case_id, record_id),
    )


@router.post(
    "/goals/reorder",
    operation_id="care-plans:reorder-goals",
    response_model=RankedGoals,
    responses=ACTION_ERRORS,
)
async def reorder_goals(
    case_id: UUID, body: GoalOrder, uow: UoW, principal: Planner
) -> RankedGoals:
    """Rewrite her order of priority at once: send every open goal's id, each once, first
    priority first. A list that does not name exactly the plan's open goals (it changed
    meanwhile) is refused with 409 and nothing moves."""
    return await CarePlanService(uow).reorder(principal, case_id, body)


@router.get(
    "/goals/{goal_id}",
    operation_id="care-plans:read-goal",
    response_model=GoalRead,
    responses=READ_ERRORS,
)
async def read_goal(
    case_id: UUID, goal_id: UUID, response: Response, uow: UoW, principal: Reader
) -> GoalRead:
    """One goal with its wording and actions (404 outside the caller's case scope). The read
    is audited."""
    return tagged(response, await CarePlanService(uow).get_goal(principal, case_id, goal_id))


@router.patch(
    "/goals/{goal_id}",
    operation_id="care-plans:update-goal",
    response_model=GoalRead,
    responses=UPDATE_ERRORS,
)
async def update_goal(
    case_id: UUID,
    goal_id: UUID,
    body: GoalUpdate,
    principal: Planner,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> GoalRead:
    """Change a goal (wording, actions, component, who acts, dates), move it in her order
    (`rank`), or move it on: not_started -> in_progress -> achieved | dropped. Achieving sets
    `achieved_on`; dropping needs `drop_reason` (sealed). An achieved or dropped goal leaves
    the ranking and is kept as it was. Needs If-Match."""
    goal = await CarePlanService(uow).update_goal(principal, case_id, goal_id, body, version)
    return tagged(response, goal)


# -- agreement ------------------------------------------------------------------------------
@router.post(
    "/agreement",
    operation_id="care-plans:agree",
    status_code=201,
    response_model=AgreementRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def record_agreement(
    case_id: UUID,
    request: Request,
    uow: UoW,
    principal: Planner,
    body: AgreementCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record the survivor's agreement to her plan as it stands: the ids of its open goals,
    how she agreed (verbal, written, thumbprint), who witnessed it (a user of the
    organisation; by default the caller) and when (not in the future). Notes are sealed."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: CarePlanService(uow).agree(principal, case_id, body),
        location=lambda _: f"/api/v1/cases/{case_id}/care-plan/agreement",
        reread=lambda _: CarePlanService(uow).agreement_state(principal, case_id),
    )


@router.get(
    "/agreement",
    operation_id="care-plans:read-agreement",
    response_model=AgreementState,
    responses=READ_ERRORS,
)
async def read_agreement(case_id: UUID, uow: UoW, principal: Reader) -> AgreementState:
    """Her latest agreement (null before she first agrees) and whether the plan changed after
    it: a goal added or changed since. Audited."""
    return await CarePlanService(uow).agreement_state(principal, case_id)


@router.get(
    "/agreement/history",
    operation_id="care-plans:list-agreements",
    response_model=AgreementPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_agreements(
    case_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> AgreementPage:
    """Every agreement she gave to her plan, newest first, each with the goals it covered.
    Audited."""
    result = await CarePlanService(uow).agreement_history(principal, case_id, page)
    return paged(request, response, result)
