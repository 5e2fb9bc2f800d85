"""Cases at every stage of their life, with their trafficking context in HTCDS terms: opened
by the survivor's social worker and moved stage by stage with a reason. Closing (and
reopening) comes last, in ``seed_lifecycle_ends``, because a closed case takes no new work."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TypeVar

from domain.cases.schemas import CaseCreate, CaseTransition
from domain.cases.service import CaseService
from persistence.models.case_vocabulary import (
    CaseStatus,
    ClosureReason,
    ExploitationType,
    RecruitmentMethod,
    ReferralSource,
    RiskLevel,
    TraffickingStatus,
)
from seeds.context import CasePlan, DemoCase, DemoContext, DemoSurvivor
from seeds.vocabulary import DESTINATIONS, REASONS, RECRUITMENT_STORIES, RESCUERS, told

S = CaseStatus
T = TypeVar("T")
# The share of cases that ends the run at each stage (every stage gets at least one).
STAGE_SHARES: tuple[tuple[CaseStatus, float], ...] = (
    (S.intake, 0.08),
    (S.assessment, 0.08),
    (S.planning, 0.10),
    (S.active, 0.34),
    (S.monitoring, 0.18),
    (S.closed, 0.16),
    (S.reopened, 0.06),
)
# How long ago a case at that stage opened (days).
AGE_IN_DAYS: dict[CaseStatus, tuple[int, int]] = {
    S.intake: (2, 25),
    S.assessment: (15, 60),
    S.planning: (30, 100),
    S.active: (90, 540),
    S.monitoring: (200, 700),
    S.closed: (300, 720),
    S.reopened: (400, 720),
}
RETRAFFICKED = 0.35  # of the survivors whose case is new, those with an earlier case
WORKING_PATH = (S.intake, S.assessment, S.planning, S.active, S.monitoring)
CLOSURES = (
    (ClosureReason.goals_achieved, 0.55),
    (ClosureReason.relocated, 0.12),
    (ClosureReason.lost_contact, 0.12),
    (ClosureReason.declined_services, 0.11),
    (ClosureReason.transferred, 0.10),
)


def stages_for(count: int, rng: random.Random) -> list[CaseStatus]:
    """``count`` stages in the shares above, every stage present once there are enough."""
    stages = [stage for stage, _ in STAGE_SHARES][:count]
    while len(stages) < count:
        stages.append(_weighted(rng, STAGE_SHARES))
    rng.shuffle(stages)
    return stages


def _weighted(rng: random.Random, choices: tuple[tuple[T, float], ...]) -> T:
    values: list[T] = [value for value, _ in choices]
    return rng.choices(values, [weight for _, weight in choices])[0]


def _exploitation(rng: random.Random, survivor: DemoSurvivor) -> list[ExploitationType]:
    if survivor.age < 18 and rng.random() < 0.4:
        return [ExploitationType.child_labour]
    main = _weighted(
        rng,
        (
            (ExploitationType.sexual_exploitation, 0.55),
            (ExploitationType.forced_labour, 0.18),
            (ExploitationType.servitude, 0.12),
            (ExploitationType.forced_marriage, 0.10),
            (ExploitationType.other, 0.05),
        ),
    )
    if main is ExploitationType.forced_marriage and rng.random() < 0.5:
        return [main, ExploitationType.servitude]
    return [main]


def _referral_source(rng: random.Random, survivor: DemoSurvivor) -> ReferralSource:
    if survivor.age < 18 and rng.random() < 0.5:
        return ReferralSource.child_welfare_committee
    return _weighted(
        rng,
        (
            (ReferralSource.police_ahtu, 0.38),
            (ReferralSource.shelter_home, 0.18),
            (ReferralSource.survivor_leader, 0.16),
            (ReferralSource.family, 0.10),
            (ReferralSource.self_referral, 0.06),
            (ReferralSource.other_ngo, 0.12),
        ),
    )


# Days from one stage of the working path to the next (the baseline assessments fall in
# the assessment stage, the plan is agreed in planning, monitoring comes after months of work).
STAGE_GAPS: dict[CaseStatus, tuple[int, int]] = {
    S.assessment: (1, 6),
    S.planning: (12, 30),
    S.active: (10, 30),
    S.monitoring: (120, 300),
}
# Closures fall over the last year, at least five months after the case opened.
CLOSED_WITHIN_DAYS = 365
OPEN_AT_LEAST_DAYS = 150


def plan_cases(rng: random.Random, stage: CaseStatus, today: date) -> list[CasePlan]:
    """Her cases' dates, oldest first: the one that ends the run at ``stage``, and for some of
    the new ones an earlier case, closed when contact was lost before she was trafficked
    again."""
    low, high = AGE_IN_DAYS[stage]
    opened_on = today - timedelta(days=rng.randint(low, high))
    working = stage
    if stage in (S.closed, S.reopened):
        working = S.monitoring if rng.random() < 0.5 else S.active
    closure_reason = None
    if stage is S.closed:
        closure_reason = _weighted(rng, CLOSURES)
    elif stage is S.reopened:
        closure_reason = ClosureReason.goals_achieved
    if stage in (S.intake, S.assessment) and rng.random() < RETRAFFICKED:
        earlier = _plan(
            rng,
            S.closed,
            S.active,
            today - timedelta(days=rng.randint(450, 720)),
            today,
            ClosureReason.lost_contact,
            close_by=opened_on - timedelta(days=30),
        )
        again = _plan(
            rng, stage, working, opened_on, today, closure_reason, home_after=earlier.closed_on
        )
        return [earlier, again]
    return [_plan(rng, stage, working, opened_on, today, closure_reason)]


def _plan(
    rng: random.Random,
    stage: CaseStatus,
    working: CaseStatus,
    opened_on: date,
    today: date,
    closure_reason: ClosureReason | None,
    *,
    close_by: date | None = None,
    home_after: date | None = None,
) -> CasePlan:
    """One case's dates (``home_after``: the day her earlier case closed)."""
    if home_after is None:
        returned_on = opened_on - timedelta(days=rng.randint(1, 40))
        identified_on = returned_on - timedelta(days=rng.randint(3, 60))
        recruited_on = identified_on - timedelta(days=rng.randint(30, 900))
    else:
        # Trafficked again after her earlier case closed: recruited after that, home just
        # before this case opened.
        returned_on = opened_on - timedelta(days=rng.randint(1, 5))
        identified_on = returned_on - timedelta(days=rng.randint(3, 10))
        room = max((identified_on - home_after).days - 1, 1)
        recruited_on = home_after + timedelta(days=rng.randint(1, room))
    closed_on = reopened_on = None
    if stage in (S.closed, S.reopened):
        latest = min(close_by or today, today) - timedelta(days=1 if stage is S.closed else 30)
        earliest = min(
            max(
                opened_on + timedelta(days=OPEN_AT_LEAST_DAYS),
                today - timedelta(CLOSED_WITHIN_DAYS),
            ),
            latest,
        )
        closed_on = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
        if stage is S.reopened:
            reopened_on = closed_on + timedelta(
                days=rng.randint(14, max(14, min(200, (today - closed_on).days)))
            )
    end = closed_on - timedelta(days=1) if closed_on else today
    stage_on = {S.intake: opened_on}
    day = opened_on
    for target in WORKING_PATH[1 : WORKING_PATH.index(working) + 1]:
        day = max(day, min(day + timedelta(days=rng.randint(*STAGE_GAPS[target])), end))
        stage_on[target] = day
    return CasePlan(
        stage=stage,
        working_stage=working,
        opened_on=opened_on,
        recruited_on=recruited_on,
        identified_on=identified_on,
        returned_on=returned_on,
        stage_on=stage_on,
        closure_reason=closure_reason,
        closed_on=closed_on,
        reopened_on=reopened_on,
        retrafficked=home_after is not None,
    )


def _case_create(
    rng: random.Random,
    survivor: DemoSurvivor,
    plan: CasePlan,
    exploitation: list[ExploitationType],
    source: ReferralSource,
) -> CaseCreate:
    method = rng.choice(list(RecruitmentMethod))
    state, place = rng.choice(DESTINATIONS)
    possible = plan.stage is S.intake and rng.random() < 0.5
    kind = exploitation[0].value.replace("_", " ")
    story = told(
        f"Synthetic demo case: {RECRUITMENT_STORIES[method.value]}; taken to {place} ({kind}); "
        f"{rng.choice(RESCUERS)}.",
        survivor.sex,
    )
    if plan.retrafficked:
        story = f"Re-trafficked after an earlier case. {story}"
    return CaseCreate(
        survivor_id=survivor.id,
        district_id=survivor.district_id,
        referral_source=source,
        team=f"{survivor.block} team",
        risk_level=RiskLevel.medium if rng.random() < 0.4 else RiskLevel.low,
        opened_on=plan.opened_on,
        trafficking_status=TraffickingStatus.possible if possible else TraffickingStatus.actual,
        exploitation_types=exploitation,
        recruitment_method=method,
        destination_state=state,
        destination_country="IN",
        recruited_on=plan.recruited_on,
        identified_on=plan.identified_on,
        returned_on=plan.returned_on,
        details=story,
    )


async def seed_cases(ctx: DemoContext) -> None:
    """Open every case planned for the survivors (see ``plan_cases``) on the day it opened and
    move it to the stage it works in, each move on its day. Cases open in the order of their
    dates, so that case numbers run with them."""
    rng = ctx.rng("cases")
    service = CaseService(ctx.uow)
    planned: list[tuple[CasePlan, DemoSurvivor]] = [
        (plan, survivor) for survivor in ctx.survivors for plan in survivor.plans
    ]
    planned.sort(key=lambda item: (item[0].opened_on, item[1].number))
    for plan, survivor in planned:
        exploitation = _exploitation(rng, survivor)
        body = _case_create(rng, survivor, plan, exploitation, _referral_source(rng, survivor))
        ctx.at(plan.opened_on)
        detail = await service.open(survivor.worker.principal, body)
        case = DemoCase(
            id=detail.id,
            survivor=survivor,
            worker=survivor.worker,
            stage=plan.stage,
            working_stage=plan.working_stage,
            opened_on=detail.opened_on,
            referral_source=body.referral_source,
            exploitation_types=list(body.exploitation_types),
            plan=plan,
            closure_reason=plan.closure_reason,
            case_number=detail.case_number,
            until=plan.closed_on - timedelta(days=1) if plan.closed_on else ctx.today,
        )
        for target in WORKING_PATH[1 : WORKING_PATH.index(case.working_stage) + 1]:
            await move(ctx, case, target, rng, on=plan.stage_on[target])
        ctx.cases.append(case)
        ctx.counts["cases"] += 1


async def move(
    ctx: DemoContext, case: DemoCase, to: CaseStatus, rng: random.Random, *, on: date
) -> None:
    ctx.at(on)
    await CaseService(ctx.uow).transition(
        case.worker.principal,
        case.id,
        CaseTransition(
            to=to,
            reason=told(rng.choice(REASONS[to.value]), case.survivor.sex),
            closure_reason=case.closure_reason if to is S.closed else None,
        ),
    )
    ctx.counts["stage changes"] += 1


async def seed_lifecycle_ends(ctx: DemoContext) -> None:
    """Close the cases meant to end closed or reopened, on the days their stories say, and
    reopen the latter (last of all the seeders: a closed case takes no new plans, visits or
    assessments)."""
    rng = ctx.rng("lifecycle")
    for case in ctx.cases:
        if case.plan.closed_on is not None:
            await move(ctx, case, S.closed, rng, on=case.plan.closed_on)
        if case.plan.reopened_on is not None:
            await move(ctx, case, S.reopened, rng, on=case.plan.reopened_on)
    ctx.counts.update(f"cases {case.stage.value}" for case in ctx.cases)
