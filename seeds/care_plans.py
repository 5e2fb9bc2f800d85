"""Care plans: two to four goals she set, ranked, each under a CBR component and with who
acts; her agreement once the case is active; goals under way, achieved or dropped as the case
has moved on."""

from __future__ import annotations

from datetime import timedelta

from domain.care_plans.schemas import AgreementCreate, GoalAction, GoalCreate, GoalUpdate
from domain.care_plans.service import CarePlanService
from persistence.models.case_vocabulary import (
    CaseStatus,
    CbrComponent,
    ConsentMethod,
    GoalStatus,
    Responsible,
)
from seeds.context import DemoContext
from seeds.vocabulary import ACTIONS, DROP_REASONS, GOALS, told

_RESPONSIBLE = (
    Responsible.survivor,
    Responsible.social_worker,
    Responsible.organization,
    Responsible.government_department,
)


async def seed_care_plans(ctx: DemoContext) -> None:
    rng = ctx.rng("care_plans")
    service = CarePlanService(ctx.uow)
    for case in ctx.cases:
        if not case.planned:
            continue
        principal = case.worker.principal
        planning_on = case.entered(CaseStatus.planning)
        ctx.at(planning_on)  # her goals, set with her when the case moved to planning
        components = rng.sample(list(CbrComponent), k=rng.randint(2, 4))
        goals = []
        for component in components:
            responsible = rng.choice(_RESPONSIBLE)
            organization_id = {
                Responsible.organization: ctx.organizations["partner"],
                Responsible.government_department: ctx.organizations["wcd"],
            }.get(responsible)
            actions = rng.sample(ACTIONS, k=rng.randint(1, 3))
            goal = await service.create_goal(
                principal,
                case.id,
                GoalCreate(
                    component=component,
                    goal=told(rng.choice(GOALS[component.value]), case.survivor.sex),
                    actions=[
                        GoalAction(action=told(a, case.survivor.sex), done=rng.random() < 0.4)
                        for a in actions
                    ],
                    responsible=responsible,
                    responsible_organization_id=organization_id,
                    target_on=planning_on + timedelta(days=rng.randint(60, 300)),
                    review_on=planning_on + timedelta(days=rng.randint(7, 90)),
                ),
            )
            goals.append(goal)
            ctx.counts["care-plan goals"] += 1
        if not case.under_way:
            continue
        # Agreed in planning, before the case moved to active on the strength of it.
        active_on = case.entered(CaseStatus.active)
        gap = (active_on - planning_on).days
        agreed_on = planning_on + timedelta(
            days=rng.randint(1, gap - 1) if gap > 1 else max(gap - 1, 0)
        )
        ctx.at(agreed_on)
        await service.agree(
            principal,
            case.id,
            AgreementCreate(
                method=rng.choice((ConsentMethod.thumbprint, ConsentMethod.written)),
                agreed_on=agreed_on,
                notes=told("Read out in Bengali; {her} mother was present.", case.survivor.sex)
                if rng.random() < 0.5
                else None,
            ),
        )
        ctx.counts["plan agreements"] += 1
        # The further along the case, the more of her goals are under way or reached.
        achieve = 0.3 if case.working_stage is CaseStatus.active else 0.7
        for goal in goals:
            roll = rng.random()
            if roll > 0.85:
                continue  # not started yet
            ctx.at(min(agreed_on + timedelta(days=rng.randint(1, 30)), case.until))
            # Closing a goal re-ranks the open ones: take each goal's version as it is now.
            version = (await service.get_goal(principal, case.id, goal.id)).version
            if roll < 0.1:
                await service.update_goal(
                    principal,
                    case.id,
                    goal.id,
                    GoalUpdate(
                        status=GoalStatus.dropped,
                        drop_reason=told(rng.choice(DROP_REASONS), case.survivor.sex),
                    ),
                    version,
                )
                continue
            started = await service.update_goal(
                principal, case.id, goal.id, GoalUpdate(status=GoalStatus.in_progress), version
            )
            if rng.random() < achieve:
                achieved_on = min(agreed_on + timedelta(days=rng.randint(30, 300)), case.until)
                ctx.at(achieved_on)
                await service.update_goal(
                    principal,
                    case.id,
                    goal.id,
                    GoalUpdate(status=GoalStatus.achieved, achieved_on=achieved_on),
                    started.version,
                )
                ctx.counts["goals achieved"] += 1
