"""Cases at every stage of their life, with their trafficking context in HTCDS terms: opened
by the survivor's social worker and moved stage by stage with a reason. Closing (and
reopening) comes last, in ``seed_lifecycle_ends``, because a closed case takes no new work."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TypeVar

from domain.cases.schemas import CaseCreate, CaseTransition
from domain.cases.service import CaseService
from domain.demo.context import DemoCase, DemoContext, DemoSurvivor
from domain.demo.vocabulary import DESTINATIONS, REASONS, RECRUITMENT_STORIES, RESCUERS
from persistence.models.case_vocabulary import (
    CaseStatus,
    ClosureReason,
    ExploitationType,
    RecruitmentMethod,
    ReferralSource,
    RiskLevel,
    TraffickingStatus,
)

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


def _case_create(
    rng: random.Random,
    survivor: DemoSurvivor,
    opened_on: date,
    stage: CaseStatus,
    exploitation: list[ExploitationType],
    source: ReferralSource,
) -> CaseCreate:
    method = rng.choice(list(RecruitmentMethod))
    state, place = rng.choice(DESTINATIONS)
    returned_on = opened_on - timedelta(days=rng.randint(1, 40))
    identified_on = returned_on - timedelta(days=rng.randint(3, 60))
    recruited_on = identified_on - timedelta(days=rng.randint(30, 900))
    possible = stage is S.intake and rng.random() < 0.5
    kind = exploitation[0].value.replace("_", " ")
    return CaseCreate(
        survivor_id=survivor.id,
        district_id=survivor.district_id,
        referral_source=source,
        team=f"{survivor.block} team",
        risk_level=RiskLevel.medium if rng.random() < 0.4 else RiskLevel.low,
        opened_on=opened_on,
        trafficking_status=TraffickingStatus.possible if possible else TraffickingStatus.actual,
        exploitation_types=exploitation,
        recruitment_method=method,
        destination_state=state,
        destination_country="IN",
        recruited_on=recruited_on,
        identified_on=identified_on,
        returned_on=returned_on,
        details=f"Synthetic demo case: {RECRUITMENT_STORIES[method.value]}; taken to "
        f"{place} ({kind}); {rng.choice(RESCUERS)}.",
    )


async def seed_cases(ctx: DemoContext) -> None:
    """Open a case for every survivor and move it to the stage it works in. Cases open in
    the order of their dates, so that case numbers run with them."""
    rng = ctx.rng("cases")
    service = CaseService(ctx.uow)
    stages = stages_for(len(ctx.survivors), rng)
    planned: list[
        tuple[CaseCreate, CaseStatus, CaseStatus, ClosureReason | None, DemoSurvivor]
    ] = []
    for survivor, stage in zip(ctx.survivors, stages, strict=True):
        low, high = AGE_IN_DAYS[stage]
        opened_on = ctx.today - timedelta(days=rng.randint(low, high))
        working = stage
        if stage in (S.closed, S.reopened):
            working = S.monitoring if rng.random() < 0.5 else S.active
        exploitation = _exploitation(rng, survivor)
        source = _referral_source(rng, survivor)
        body = _case_create(rng, survivor, opened_on, stage, exploitation, source)
        closure_reason = None
        if stage is S.closed:
            closure_reason = _weighted(rng, CLOSURES)
        elif stage is S.reopened:
            closure_reason = ClosureReason.goals_achieved
        planned.append((body, stage, working, closure_reason, survivor))
        if stage in (S.intake, S.assessment) and rng.random() < RETRAFFICKED:
            # Trafficked again: an earlier case of hers was closed when contact was lost.
            earlier = ctx.today - timedelta(days=rng.randint(450, 720))
            body.details = f"Re-trafficked after an earlier case. {body.details}"
            old = _case_create(rng, survivor, earlier, S.closed, exploitation, source)
            planned.append((old, S.closed, S.active, ClosureReason.lost_contact, survivor))
    planned.sort(key=lambda plan: (plan[0].opened_on or ctx.today, plan[4].number))
    for body, stage, working, closure_reason, survivor in planned:
        detail = await service.open(survivor.worker.principal, body)
        case = DemoCase(
            id=detail.id,
            survivor=survivor,
            worker=survivor.worker,
            stage=stage,
            working_stage=working,
            opened_on=detail.opened_on,
            referral_source=body.referral_source,
            exploitation_types=list(body.exploitation_types),
            closure_reason=closure_reason,
            case_number=detail.case_number,
        )
        for target in WORKING_PATH[1 : WORKING_PATH.index(case.working_stage) + 1]:
            await move(ctx, case, target, rng)
        ctx.cases.append(case)
        ctx.counts["cases"] += 1


async def move(ctx: DemoContext, case: DemoCase, to: CaseStatus, rng: random.Random) -> None:
    await CaseService(ctx.uow).transition(
        case.worker.principal,
        case.id,
        CaseTransition(
            to=to,
            reason=rng.choice(REASONS[to.value]),
            closure_reason=case.closure_reason if to is S.closed else None,
        ),
    )
    ctx.counts["stage changes"] += 1


async def seed_lifecycle_ends(ctx: DemoContext) -> None:
    """Close the cases meant to end closed or reopened, and reopen the latter (last of all
    the seeders: a closed case takes no new plans, visits or assessments)."""
    rng = ctx.rng("lifecycle")
    for case in ctx.cases:
        if case.stage in (S.closed, S.reopened):
            await move(ctx, case, S.closed, rng)
        if case.stage is S.reopened:
            await move(ctx, case, S.reopened, rng)
    ctx.counts.update(f"cases {case.stage.value}" for case in ctx.cases)
