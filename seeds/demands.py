"""The demands and issues register: what the lead's staff, its survivor leaders (for their
groups) and the partner's staff (about referrals to the partner) raised, at every status:
open, acknowledged, in progress, escalated, disposed with each resolution, reopened,
withdrawn; with comments. The staff's demands are raised over the last five months and
worked in the days after (the register dates them from the one clock, set by the story), so
that the ageing report and the disposal indicators have something to show."""

from __future__ import annotations

from datetime import date, timedelta

from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.demands.rules import ServiceLevels
from domain.demands.schemas import (
    CommentCreate,
    DemandCreate,
    DemandEscalation,
    DemandLinkRef,
    DemandRead,
    DemandTransition,
)
from domain.demands.service import DemandService
from domain.leadership.groups import LeaderGroupService
from domain.referrals.schemas import Direction
from domain.referrals.service import ReferralService
from persistence.models.demand_vocabulary import (
    DemandCategory,
    DemandLinkKind,
    DemandPriority,
    DemandResolution,
    DemandStatus,
    EscalationLevel,
)
from seeds.context import DemoContext
from seeds.vocabulary import NORTH_24_PARGANAS, SOUTH_24_PARGANAS

S = DemandStatus
# (who raises, title, category, priority, district, gram panchayat, where it ends up)
STAFF_DEMANDS = (
    (
        "sw.s24p.1",
        "School at Jharkhali refuses readmission after return",
        DemandCategory.education,
        DemandPriority.high,
        SOUTH_24_PARGANAS,
        "Jharkhali",
        S.in_progress,
    ),
    (
        "manager",
        "No counsellor posted at the Canning II block health centre",
        DemandCategory.health_mental_health,
        DemandPriority.urgent,
        SOUTH_24_PARGANAS,
        None,
        S.acknowledged,
    ),
    (
        "sw.n24p.1",
        "Ration cards pending at the Hingalganj block office",
        DemandCategory.entitlement,
        DemandPriority.medium,
        NORTH_24_PARGANAS,
        "Hingalganj",
        S.disposed,
    ),
    (
        "sw.s24p.2",
        "Police station not registering complaints of missing girls",
        DemandCategory.legal_police,
        DemandPriority.urgent,
        SOUTH_24_PARGANAS,
        "Gosaba",
        S.open,
    ),
    (
        "manager",
        "Tailoring training centre closed since the monsoon",
        DemandCategory.livelihood,
        DemandPriority.low,
        NORTH_24_PARGANAS,
        None,
        S.withdrawn,
    ),
)
DESCRIPTION = "Synthetic demo demand: what happened, who was met, what was promised."


async def seed_demands(ctx: DemoContext) -> None:
    levels = ServiceLevels()
    service = DemandService(ctx.uow, levels)
    case_of = {case.worker.key: case for case in ctx.cases if case.under_way}
    for number, (key, title, category, priority, district, panchayat, ends) in enumerate(
        STAFF_DEMANDS
    ):
        principal = ctx.users[key].principal
        raised_on = ctx.today - timedelta(days=150 - 23 * number)
        ctx.at(raised_on)
        links = []
        if key in case_of:  # about one of her cases
            links.append(DemandLinkRef(kind=DemandLinkKind.case, id=case_of[key].id))
        demand = await service.create(
            principal,
            DemandCreate(
                title=title,
                description=DESCRIPTION,
                category=category,
                priority=priority,
                district_id=district,
                gram_panchayat=panchayat,
                owner_id=ctx.users[key].id,
                links=links,
            ),
        )
        ctx.counts["demands"] += 1
        await _work(ctx, service, ctx.manager.principal, demand, ends, raised_on)

    # A survivor leader's demand for her group, escalated to the block.
    leader = ctx.users["leader.s24p"].principal
    groups = await LeaderGroupService(ctx.uow).list_groups(
        leader, PageRequest(limit=1), district_id=None
    )
    if groups.items:
        ctx.at(ctx.today - timedelta(days=12))
        demand = await service.create(
            leader,
            DemandCreate(
                title="Gram sabha to hear the survivors' collective on safe migration",
                description=DESCRIPTION,
                category=DemandCategory.safety,
                priority=DemandPriority.high,
                district_id=SOUTH_24_PARGANAS,
                gram_panchayat="Canning",
                links=[DemandLinkRef(kind=DemandLinkKind.leader_group, id=groups.items[0].id)],
            ),
        )
        ctx.counts["demands"] += 1
        await service.comment(leader, demand.id, CommentCreate(body=DESCRIPTION))
        ctx.counts["demand comments"] += 1
        ctx.at(ctx.today - timedelta(days=9))
        demand = await _move(service, ctx.manager.principal, demand, S.acknowledged)
        await service.escalate(
            ctx.manager.principal,
            demand.id,
            DemandEscalation(to=EscalationLevel.block, note=DESCRIPTION),
            demand.version,
        )

    # The partner's complaint about a referral made to it: in the lead's register.
    partner = ctx.users["partner.staff"].principal
    incoming = await ReferralService(ctx.uow).list(
        partner, PageRequest(limit=1), Direction.incoming
    )
    if incoming.items:
        ctx.at(ctx.today)
        demand = await service.create(
            partner,
            DemandCreate(
                title="Referrals arrive without the consent form attached",
                description=DESCRIPTION,
                category=DemandCategory.partner,
                priority=DemandPriority.medium,
                district_id=incoming.items[0].district_id or NORTH_24_PARGANAS,
                links=[DemandLinkRef(kind=DemandLinkKind.referral, id=incoming.items[0].id)],
            ),
        )
        ctx.counts["demands"] += 1
        await service.comment(ctx.manager.principal, demand.id, CommentCreate(body=DESCRIPTION))
        ctx.counts["demand comments"] += 1


async def _move(
    service: DemandService,
    principal: Principal,
    demand: DemandRead,
    to: DemandStatus,
    **body: object,
) -> DemandRead:
    return await service.transition(
        principal, demand.id, DemandTransition.model_validate({"to": to, **body}), demand.version
    )


async def _work(
    ctx: DemoContext,
    service: DemandService,
    manager: Principal,
    demand: DemandRead,
    ends: S,
    raised_on: date,
) -> None:
    """Move the demand on to ``ends`` (a disposed one disposed, reopened and disposed again),
    each step some days after the one before it (never after the story's today)."""

    def after(days: int) -> None:
        ctx.at(min(raised_on + timedelta(days=days), ctx.today))

    if ends is S.open:
        return
    if ends is S.withdrawn:
        after(4)
        await _move(service, manager, demand, S.withdrawn, note="Raised twice; see the other.")
        return
    after(2)
    demand = await _move(service, manager, demand, S.acknowledged)
    if ends is S.acknowledged:
        return
    after(6)
    demand = await _move(service, manager, demand, S.in_progress)
    await service.comment(manager, demand.id, CommentCreate(body=DESCRIPTION))
    ctx.counts["demand comments"] += 1
    if ends is S.in_progress:
        return
    after(21)
    demand = await _move(
        service, manager, demand, S.disposed, resolution=DemandResolution.partly_resolved
    )
    after(33)
    demand = await _move(service, manager, demand, S.open, note="Half the cards were wrong.")
    after(35)
    demand = await _move(service, manager, demand, S.acknowledged)
    after(48)
    await _move(service, manager, demand, S.disposed, resolution=DemandResolution.resolved)
