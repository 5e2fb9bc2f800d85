"""Survivor leadership (outcome 4): a leader group in each district, linked to a national
survivors' forum, with its survivor leader as convenor and survivors growing into leaders as
members; a year of monthly meetings with attendance and decisions; a year of campaigns
(awareness meetings, rallies, street plays, school sessions, media events) with their reach and
partners; and meetings with duty bearers whose commitments stand in every follow-up state
(fulfilled, partly, not, open; some overdue, some escalated).

The program manager forms the groups and enrols the members; each survivor leader records her
own group's meetings, campaigns and duty-bearer meetings and follows the commitments up, as she
would through the API. Offices and posts are real kinds of office; nobody is named."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from domain.common.principal import system_principal
from domain.leadership.campaigns import CampaignService
from domain.leadership.duty_bearers import DutyBearerService
from domain.leadership.groups import LeaderGroupService
from domain.leadership.schemas import (
    CampaignCreate,
    CommitmentCreate,
    CommitmentUpdate,
    EngagementCreate,
    LeaderGroupCreate,
    MeetingCreate,
    MemberCreate,
    MemberUpdate,
)
from domain.organizations.schemas import OrganizationCreate
from domain.organizations.service import OrganizationService
from persistence.models.enums import OrganizationKind
from persistence.models.leadership_vocabulary import (
    CampaignKind,
    CommitmentStatus,
    DutyBearer,
    LeaderRole,
)
from seeds.context import DemoContext, DemoSurvivor, DemoUser
from seeds.vocabulary import (
    BLOCKS,
    DEMO_NAMESPACE,
    NORTH_24_PARGANAS,
    SOUTH_24_PARGANAS,
)

K = CampaignKind
D = DutyBearer
C = CommitmentStatus

FORUM_NAME = "Demo National Survivors' Forum (synthetic demo data)"
FORMED_DAYS_AGO = 430  # a little over a year: a year of monthly meetings fits after it
MONTHS = 12
SURVIVOR_MEMBERS = 6  # per group, at most
ADULT = 18


@dataclass(frozen=True)
class GroupPlan:
    district_id: UUID
    leader: str  # ctx.users key
    name: str
    home_block: str
    duty_bearers: tuple[DutyBearer, ...]  # met over the year, in this order


GROUPS = (
    GroupPlan(
        SOUTH_24_PARGANAS,
        "leader.s24p",
        "Sundarban Survivor Leaders' Collective (demo)",
        "Canning",
        (
            D.police,
            D.gram_panchayat,
            D.anti_human_trafficking_unit,
            D.block_administration,
            D.legal_services_authority,
            D.child_welfare_committee,
            D.police,
            D.district_administration,
        ),
    ),
    GroupPlan(
        NORTH_24_PARGANAS,
        "leader.n24p",
        "Ichamati Survivor Leaders' Collective (demo)",
        "Basirhat",
        (
            D.gram_panchayat,
            D.police,
            D.women_child_development,
            D.labour_department,
            D.health_department,
            D.anti_human_trafficking_unit,
            D.block_administration,
            D.district_administration,
        ),
    ),
)

AGENDAS = (
    "Monthly meeting: news from each para; follow up last month's decisions",
    "Plan the next awareness meeting and who speaks",
    "Review the commitments of the police station and the panchayat",
    "Prepare for the school sessions; share what the training taught",
    "Safe migration: what to tell families whose daughters are offered work",
    "Plan the rally; banners, permission, who walks in front",
)
DECISIONS = (
    "Two members will visit the thana together about the missing-girl complaints",
    "Hold the next awareness meeting at the anganwadi centre",
    "Ask the panchayat for a slot at the gram sabha",
    "Each member brings one new woman to the next meeting",
    "Write to the BDO about the pending ration cards",
    "Keep the helpline number on every banner and leaflet",
    "Meet the headmistress before the school session",
    "Follow up the DLSA about the victim compensation applications",
)
DECISION_MARK = " (demo decision)"

CAMPAIGN_TITLES: dict[CampaignKind, tuple[str, ...]] = {
    K.awareness_meeting: (
        "Awareness meeting on safe migration (demo)",
        "Mothers' meeting: job offers that are traps (demo)",
        "Courtyard meeting on child marriage and trafficking (demo)",
    ),
    K.rally: (
        "Rally on the World Day against Trafficking in Persons (demo)",
        "Rally for the 16 days of activism against gender violence (demo)",
    ),
    K.street_play: (
        "Street play 'Naya Savera' on false job offers (demo)",
        "Street play on online grooming (demo)",
    ),
    K.school_session: (
        "School session: safe and unsafe offers, helpline 1098 (demo)",
        "Adolescent girls' session on safe migration (demo)",
    ),
    K.media_event: ("Press meet of survivor leaders on compensation delays (demo)",),
}
PLACES: dict[CampaignKind, tuple[str, ...]] = {
    K.awareness_meeting: ("anganwadi centre", "panchayat office courtyard", "community hall"),
    K.rally: ("station road", "market to block office"),
    K.street_play: ("haat (weekly market)", "bus stand", "ferry ghat"),
    K.school_session: ("girls' high school", "madrasa", "junior high school"),
    K.media_event: ("district press club",),
}
OUTCOMES = (
    "Two families asked about the helpline (demo).",
    "The panchayat member promised a hoarding at the bus stand (demo).",
    "Several girls asked for the leaders' phone number (demo).",
    "A local newspaper covered it (demo).",
    "A mother came forward about her daughter's job offer (demo).",
)
# Reach: (women, men, youth, children) ranges by kind.
REACH: dict[CampaignKind, tuple[tuple[int, int], ...]] = {
    K.awareness_meeting: ((25, 70), (0, 20), (5, 25), (0, 15)),
    K.rally: ((120, 400), (40, 150), (60, 200), (10, 60)),
    K.street_play: ((60, 180), (40, 120), (30, 90), (20, 70)),
    K.school_session: ((1, 6), (0, 3), (60, 220), (20, 80)),
    K.media_event: ((10, 30), (5, 20), (0, 10), (0, 0)),
}
# Of the year's campaigns, each kind once, then these shares.
CAMPAIGN_SHARES = (
    (K.awareness_meeting, 0.45),
    (K.street_play, 0.2),
    (K.school_session, 0.25),
    (K.rally, 0.1),
)
CAMPAIGNS_PER_GROUP = 14

OFFICES: dict[DutyBearer, str] = {
    D.police: "{block} Police Station",
    D.anti_human_trafficking_unit: "Anti-Human Trafficking Unit, {district} (demo)",
    D.gram_panchayat: "{block} I Gram Panchayat",
    D.block_administration: "Office of the BDO, {block}",
    D.district_administration: "Office of the District Magistrate, {district} (demo)",
    D.health_department: "Block Primary Health Centre, {block}",
    D.women_child_development: "District Programme Office (ICDS), {district} (demo)",
    D.legal_services_authority: "District Legal Services Authority, {district} (demo)",
    D.labour_department: "Assistant Labour Commissioner's office, {district} (demo)",
    D.child_welfare_committee: "Child Welfare Committee, {district} (demo)",
}
DISTRICT_NAMES = {SOUTH_24_PARGANAS: "South 24 Parganas", NORTH_24_PARGANAS: "North 24 Parganas"}
# Issues raised, and the commitments made: (what, by whom, in how many days).
ASKS: dict[DutyBearer, tuple[str, tuple[tuple[str, str, int], ...]]] = {
    D.police: (
        "Complaints of missing girls are not registered as FIRs; survivors' families are "
        "threatened by the accused's relatives.",
        (
            ("Register every missing-girl complaint as an FIR", "Officer in charge", 30),
            ("Patrol the bus stand on weekly market days", "Officer in charge", 45),
        ),
    ),
    D.anti_human_trafficking_unit: (
        "Survivors are not told about the progress of their cases; agents are back in the "
        "villages.",
        (
            ("Brief survivors' families on the charge sheets", "Inspector, AHTU", 60),
            ("Joint awareness drive at the railway station", "Inspector, AHTU", 90),
        ),
    ),
    D.gram_panchayat: (
        "Survivors' families left out of job cards and housing lists; gossip at the gram sabha.",
        (
            ("Issue job cards to the survivors' families", "Pradhan", 60),
            ("A slot for the leaders at the next gram sabha", "Pradhan", 30),
        ),
    ),
    D.block_administration: (
        "Ration cards and widow pensions of survivors pending for months.",
        (
            ("Hold a ration card camp in the gram panchayat", "Block Development Officer", 45),
            ("Clear the pending widow pension files", "Joint BDO", 60),
        ),
    ),
    D.district_administration: (
        "No district anti-trafficking committee meeting this year; survivors' schemes not "
        "converging.",
        (
            (
                "Convene the district anti-trafficking committee with survivor leaders",
                "Additional District Magistrate",
                60,
            ),
        ),
    ),
    D.health_department: (
        "Survivors turned away from counselling at the block hospital.",
        (("Weekly counselling hours for survivors", "Block Medical Officer of Health", 30),),
    ),
    D.women_child_development: (
        "One Stop Centre referrals are slow; adolescent girls not reached on safe migration.",
        (
            ("Fast-track One Stop Centre referrals", "District Programme Officer", 30),
            ("Safe migration sessions in the adolescent girls' clubs", "CDPO", 90),
        ),
    ),
    D.legal_services_authority: (
        "Victim compensation applications pending; no panel lawyer at hearings.",
        (
            ("Decide the pending victim compensation applications", "Secretary, DLSA", 90),
            ("Assign a panel lawyer to each survivor's trial", "Secretary, DLSA", 30),
        ),
    ),
    D.labour_department: (
        "Survivors rescued from forced labour have no release certificates.",
        (("Issue release certificates to rescued workers", "Assistant Labour Commissioner", 60),),
    ),
    D.child_welfare_committee: (
        "Minor survivors' restoration orders delayed; no follow-up visits.",
        (("Hear the pending restoration cases", "Chairperson, CWC", 30),),
    ),
}
ESCALATED_TO = {
    D.police: "Superintendent of Police (demo)",
    D.anti_human_trafficking_unit: "Deputy Inspector General, CID (demo)",
    D.gram_panchayat: "Block Development Officer (demo)",
    D.block_administration: "Sub-Divisional Officer (demo)",
    D.district_administration: "State anti-trafficking nodal officer (demo)",
    D.health_department: "Chief Medical Officer of Health (demo)",
    D.women_child_development: "Director, Women and Child Development (demo)",
    D.legal_services_authority: "Member Secretary, State Legal Services Authority (demo)",
    D.labour_department: "Labour Commissioner (demo)",
    D.child_welfare_committee: "District Child Protection Officer (demo)",
}


@dataclass
class DemoGroup:
    plan: GroupPlan
    id: UUID
    leader: DemoUser
    formed_on: date
    members: list[tuple[UUID, date, date | None]] = field(default_factory=list)


async def seed_leadership(ctx: DemoContext) -> None:
    rng = ctx.rng("leadership")
    forum = await _forum(ctx)
    groups = [await _group(ctx, rng, plan, forum) for plan in GROUPS]
    for group in groups:
        await _meetings(ctx, rng, group)
    for group in groups:
        await _campaigns(ctx, rng, group)
    for group in groups:
        await _engagements(ctx, rng, group)


async def _forum(ctx: DemoContext) -> UUID:
    ctx.at(ctx.today - timedelta(days=FORMED_DAYS_AGO + 30))  # before the groups it federates
    created = await OrganizationService(ctx.uow).create(
        system_principal(),
        OrganizationCreate(
            id=uuid.uuid5(DEMO_NAMESPACE, "organization:forum"),
            name=FORUM_NAME,
            kind=OrganizationKind.community_based_organization,
        ),
    )
    ctx.organizations["forum"] = created.id
    ctx.counts["organizations"] += 1
    return created.id


def _members_of(ctx: DemoContext, district_id: UUID) -> list[tuple[DemoSurvivor, date]]:
    """Adult survivors of the district whose cases are under way, and the earliest day they
    might join (two months into their case)."""
    chosen: dict[UUID, tuple[DemoSurvivor, date]] = {}
    for case in ctx.cases:
        survivor = case.survivor
        if survivor.district_id != district_id or survivor.age < ADULT or not case.under_way:
            continue
        ready = case.opened_on + timedelta(days=60)
        if ready <= ctx.today and survivor.id not in chosen:
            chosen[survivor.id] = (survivor, ready)
    return sorted(chosen.values(), key=lambda pair: pair[0].number)


async def _group(ctx: DemoContext, rng: random.Random, plan: GroupPlan, forum: UUID) -> DemoGroup:
    service = LeaderGroupService(ctx.uow)
    manager = ctx.manager.principal
    formed_on = ctx.today - timedelta(days=FORMED_DAYS_AGO + rng.randint(0, 20))
    ctx.at(formed_on)
    created = await service.create(
        manager,
        LeaderGroupCreate(
            name=plan.name,
            district_id=plan.district_id,
            formed_on=formed_on,
            forum_organization_id=forum,
        ),
    )
    leader = ctx.users[plan.leader]
    group = DemoGroup(plan=plan, id=created.id, leader=leader, formed_on=formed_on)
    convenor = await service.add_member(
        manager,
        group.id,
        MemberCreate(user_id=leader.id, role=LeaderRole.convenor, joined_on=formed_on),
    )
    group.members.append((convenor.id, formed_on, None))
    ctx.counts["leader groups"] += 1
    ctx.counts["leader group members"] += 1

    candidates = _members_of(ctx, plan.district_id)
    rng.shuffle(candidates)
    roles = [LeaderRole.secretary, LeaderRole.treasurer]
    for index, (survivor, ready) in enumerate(candidates[:SURVIVOR_MEMBERS]):
        earliest = max(formed_on, ready)
        joined_on = earliest + timedelta(
            days=rng.randint(0, max(0, (ctx.today - earliest).days // 3))
        )
        role = roles[index] if index < len(roles) else LeaderRole.member
        ctx.at(joined_on)
        member = await service.add_member(
            manager,
            group.id,
            MemberCreate(survivor_id=survivor.id, role=role, joined_on=joined_on),
        )
        left_on = None
        if index == SURVIVOR_MEMBERS - 1 and (ctx.today - joined_on).days > 90:
            # She moved to her aunt's in another block and left the group.
            left_on = ctx.today - timedelta(days=rng.randint(20, 60))
            ctx.at(left_on)
            await service.update_member(
                manager, group.id, member.id, MemberUpdate(left_on=left_on), member.version
            )
            ctx.counts["leader group members left"] += 1
        group.members.append((member.id, joined_on, left_on))
        ctx.counts["leader group members"] += 1
    return group


async def _meetings(ctx: DemoContext, rng: random.Random, group: DemoGroup) -> None:
    """A meeting a month for the last year, recorded by the group's leader."""
    service = LeaderGroupService(ctx.uow)
    for months_ago in range(MONTHS, 0, -1):
        held_on = ctx.today - timedelta(days=30 * months_ago - rng.randint(0, 6))
        held_on = max(held_on, group.formed_on)
        present = [
            member_id
            for member_id, joined_on, left_on in group.members
            if joined_on <= held_on
            and (left_on is None or held_on <= left_on)
            and (member_id == group.members[0][0] or rng.random() < 0.75)
        ]
        decisions = [d + DECISION_MARK for d in rng.sample(DECISIONS, rng.randint(1, 3))]
        ctx.at(held_on)
        await service.record_meeting(
            group.leader.principal,
            group.id,
            MeetingCreate(
                held_on=held_on,
                agenda=rng.choice(AGENDAS),
                attended_member_ids=present,
                decisions=decisions,
            ),
        )
        ctx.counts["leader group meetings"] += 1
        ctx.counts["leader group meeting attendances"] += len(present)


def _campaign_kinds(rng: random.Random) -> list[CampaignKind]:
    kinds = list(CampaignKind)
    while len(kinds) < CAMPAIGNS_PER_GROUP:
        values = [kind for kind, _ in CAMPAIGN_SHARES]
        kinds.append(rng.choices(values, [share for _, share in CAMPAIGN_SHARES])[0])
    return kinds


async def _campaigns(ctx: DemoContext, rng: random.Random, group: DemoGroup) -> None:
    """About a year of campaigns of the group, recorded by its leader, oldest first."""
    service = CampaignService(ctx.uow)
    plan = group.plan
    partners = {
        SOUTH_24_PARGANAS: [ctx.organizations["wcd"]],
        NORTH_24_PARGANAS: [ctx.organizations["partner"], ctx.organizations["wcd"]],
    }[plan.district_id]
    planned = [
        (ctx.today - timedelta(days=rng.randint(3, 360)), kind) for kind in _campaign_kinds(rng)
    ]
    for held_on, kind in sorted(planned):
        block = rng.choice(BLOCKS[plan.district_id])
        women, men, youth, children = (rng.randint(low, high) for low, high in REACH[kind])
        with_partners: list[UUID] = []
        if kind in (K.rally, K.media_event):
            with_partners = [*partners, ctx.organizations["forum"]]
        elif rng.random() < 0.35:
            with_partners = [rng.choice(partners)]
        ctx.at(held_on)
        await service.create(
            group.leader.principal,
            CampaignCreate(
                kind=kind,
                title=rng.choice(CAMPAIGN_TITLES[kind]),
                place=f"{block}, {rng.choice(PLACES[kind])}",
                held_on=held_on,
                leader_group_id=group.id,
                partner_organization_ids=with_partners,
                reached_women=women,
                reached_men=men,
                reached_youth=youth,
                reached_children=children,
                outcomes=rng.choice(OUTCOMES) if rng.random() < 0.7 else None,
            ),
        )
        ctx.counts["campaigns"] += 1
        ctx.counts[f"campaigns ({kind.value})"] += 1
        ctx.counts["campaign reach"] += women + men + youth + children


def _follow_up(index: int, due_on: date, today: date) -> tuple[CommitmentStatus | None, bool]:
    """What became of a commitment (None: left open) and whether it was escalated. Not yet
    due: open. Past due: a fixed round through every outcome, so that each is present."""
    if due_on >= today:
        return None, False
    return (
        (C.fulfilled, False),
        (C.partly_fulfilled, False),
        (None, True),  # open, overdue, escalated
        (C.not_fulfilled, True),
        (C.fulfilled, False),
        (None, False),  # open, overdue
        (C.partly_fulfilled, True),
        (C.not_fulfilled, False),
    )[index % 8]


async def _engagements(ctx: DemoContext, rng: random.Random, group: DemoGroup) -> None:
    """The group's meetings with duty bearers over the year (recorded by its leader), the
    commitments made there, followed up and escalated by her."""
    service = DutyBearerService(ctx.uow)
    plan = group.plan
    leader = group.leader.principal
    district = DISTRICT_NAMES[plan.district_id]
    step = 330 // len(plan.duty_bearers)
    made = 0
    for number, bearer in enumerate(plan.duty_bearers):
        held_on = ctx.today - timedelta(days=340 - step * number - rng.randint(0, 10))
        issues, asks = ASKS[bearer]
        block = plan.home_block if number % 2 == 0 else rng.choice(BLOCKS[plan.district_id])
        ctx.at(held_on)
        engagement = await service.create(
            leader,
            EngagementCreate(
                duty_bearer=bearer,
                office=OFFICES[bearer].format(block=block, district=district),
                held_on=held_on,
                leader_group_id=group.id,
                issues_raised=issues,
                commitments=[
                    CommitmentCreate(
                        commitment=what,
                        committed_by=who,
                        due_on=held_on + timedelta(days=days) if rng.random() < 0.9 else None,
                    )
                    for what, who, days in asks
                ],
            ),
        )
        ctx.counts["duty-bearer engagements"] += 1
        for commitment in engagement.commitments:
            ctx.counts["commitments"] += 1
            if commitment.due_on is None:
                ctx.counts["commitments (open)"] += 1
                continue
            status, escalate = _follow_up(made, commitment.due_on, ctx.today)
            made += 1
            after_due = min(ctx.today, commitment.due_on + timedelta(days=rng.randint(1, 20)))
            version = commitment.version
            if status is not None:
                ctx.at(after_due)
                followed = await service.update_commitment(
                    leader,
                    engagement.id,
                    commitment.id,
                    CommitmentUpdate(status=status, followed_up_on=after_due),
                    version,
                )
                version = followed.version
            if escalate:
                escalated_on = min(ctx.today, after_due + timedelta(days=rng.randint(0, 10)))
                ctx.at(escalated_on)
                await service.update_commitment(
                    leader,
                    engagement.id,
                    commitment.id,
                    CommitmentUpdate(escalated_to=ESCALATED_TO[bearer], escalated_on=escalated_on),
                    version,
                )
                ctx.counts["commitments escalated"] += 1
            ctx.counts[f"commitments ({(status or C.open).value})"] += 1
            if status is not C.fulfilled and commitment.due_on < ctx.today:
                ctx.counts["commitments overdue"] += 1
