"""Expansion and policy engagement (outcome 5): partner organisations in three more states
taken through onboarding (explored, scoping, agreement signed, implementing, one paused), their
CBR readiness assessed, a year of advocacy actions at district, state and national level with
the evidence cited frozen at the time, two studies, and media engagements, one telling a
survivor's story under her media/advocacy consent.

It runs last: it works on no case, and its evidence snapshots cite the lead organisation's
counts as the other seeders left them. The states are added through the geography service
when the installation does not hold them yet (the foundation seeds West Bengal only).
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from uuid import UUID

from domain.common.pagination import PageRequest
from domain.common.principal import Principal, system_principal
from domain.consents.checks import active_consent
from domain.consents.schemas import ConsentCreate
from domain.consents.service import ConsentService
from domain.expansion.advocacy import AdvocacyService
from domain.expansion.onboarding import OnboardingService
from domain.expansion.readiness import ReadinessService
from domain.expansion.research_media import MediaService, StudyService
from domain.expansion.schemas import (
    AdvocacyCreate,
    MediaCreate,
    OnboardingCreate,
    ReadinessCreate,
    ReadinessCriterion,
    StageMove,
    StudyCreate,
)
from domain.geography.schemas import StateCreate
from domain.geography.service import GeographyService
from domain.organizations.schemas import OrganizationCreate
from domain.organizations.service import OrganizationService
from persistence.models.case_vocabulary import ConsentGiver, ConsentMethod, ConsentPurpose
from persistence.models.enums import OrganizationKind
from persistence.models.leadership_vocabulary import (
    AdvocacyKind,
    AdvocacyLevel,
    MediaKind,
    OnboardingStage,
    StudyStatus,
)
from seeds.context import DemoCase, DemoContext
from seeds.vocabulary import DEMO_NAMESPACE, SOUTH_24_PARGANAS, WEST_BENGAL

Stage = OnboardingStage
ADULT_AGE = 18
_GEOGRAPHY = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/geography")

# The states the model is being taken to: code, name.
STATES = (("JH", "Jharkhand"), ("OD", "Odisha"), ("AS", "Assam"))
# The partners: key, name, state code, and the stages it went through, each with how many days
# ago it began (the last is where it stands).
PARTNERS: tuple[tuple[str, str, str, tuple[tuple[OnboardingStage, int], ...]], ...] = (
    (
        "jh.1",
        "Subarnarekha Demo Mahila Manch (synthetic demo data)",
        "JH",
        (
            (Stage.explored, 330),
            (Stage.scoping, 280),
            (Stage.agreement_signed, 200),
            (Stage.implementing, 120),
        ),
    ),
    (
        "jh.2",
        "Ranchi Demo Seva Sangathan (synthetic demo data)",
        "JH",
        ((Stage.explored, 260), (Stage.scoping, 190), (Stage.paused, 75)),
    ),
    (
        "od.1",
        "Mahanadi Demo Nari Sangha (synthetic demo data)",
        "OD",
        ((Stage.explored, 240), (Stage.scoping, 170), (Stage.agreement_signed, 45)),
    ),
    (
        "as.1",
        "Barak Valley Demo Women's Forum (synthetic demo data)",
        "AS",
        ((Stage.explored, 150), (Stage.scoping, 60)),
    ),
    (
        "as.2",
        "Brahmaputra Demo Sahayata Samiti (synthetic demo data)",
        "AS",
        ((Stage.explored, 20),),
    ),
)
STAGE_NOTES = {
    Stage.scoping: "Field visit to two source blocks; met their community workers.",
    Stage.agreement_signed: "Memorandum of understanding signed by both boards.",
    Stage.implementing: "First survivors registered; case workers trained on the platform.",
    Stage.paused: "Paused while the partner renews its registration; to resume next year.",
}
# CBR readiness: code, label (each scored out of 4).
CRITERIA = (
    ("community_presence", "Works in the source villages"),
    ("survivor_collective", "A survivor collective exists or is forming"),
    ("case_management", "Keeps case records and follow-up"),
    ("staff_trained", "Staff trained in trauma-informed care"),
    ("government_linkages", "Working links with the district administration and police"),
    ("safeguarding", "A safeguarding and data-protection policy in use"),
)

ADVOCACY: tuple[tuple[AdvocacyLevel, str, AdvocacyKind, str, str | None, tuple[str, ...]], ...] = (
    # level, body, kind, the ask, the outcome, the indicators cited (catalogue codes)
    (
        AdvocacyLevel.district,
        "District Legal Services Authority, South 24 Parganas",
        AdvocacyKind.meeting,
        "Decide pending victim compensation applications within 60 days.",
        "The secretary agreed to a monthly review of pending applications.",
        ("survivors_associated", "active_cases"),
    ),
    (
        AdvocacyLevel.district,
        "District Child Protection Unit, North 24 Parganas",
        AdvocacyKind.meeting,
        "Place child survivors with families, not institutions, after rescue.",
        None,
        ("survivors_associated", "active_cases"),
    ),
    (
        AdvocacyLevel.district,
        "District Magistrate's office, South 24 Parganas",
        AdvocacyKind.submission,
        "Include survivors in the district's MGNREGA job-card drive.",
        "Block development officers asked to hold camps in four blocks.",
        ("survivors_associated", "active_cases"),
    ),
    (
        AdvocacyLevel.district,
        "Anti-human-trafficking unit, North 24 Parganas",
        AdvocacyKind.meeting,
        "Inform the social worker before a survivor's statement is recorded.",
        "The unit named a contact officer for the NGO.",
        ("active_cases", "referrals_made"),
    ),
    (
        AdvocacyLevel.district,
        "Block development office, Canning I",
        AdvocacyKind.consultation,
        "Reserve places for survivors in the block's skills-training batches.",
        None,
        ("survivors_associated", "referrals_completed"),
    ),
    (
        AdvocacyLevel.state,
        "Department of Women and Child Development, West Bengal",
        AdvocacyKind.submission,
        "Fund community-based rehabilitation in the state's trafficking-prevention scheme.",
        "Invited to present at the department's annual review.",
        ("survivors_associated", "active_cases", "cases_closed", "referrals_completed"),
    ),
    (
        AdvocacyLevel.state,
        "West Bengal State Legal Services Authority",
        AdvocacyKind.consultation,
        "Publish the victim compensation scheme's figures district by district.",
        None,
        ("active_cases", "cases_closed"),
    ),
    (
        AdvocacyLevel.state,
        "Labour Department, West Bengal",
        AdvocacyKind.meeting,
        "Register survivors returning from forced labour as migrant workers.",
        None,
        ("survivors_associated", "active_cases"),
    ),
    (
        AdvocacyLevel.state,
        "Department of Women, Children and Social Welfare, Jharkhand",
        AdvocacyKind.meeting,
        "Support a partner's pilot of community-based rehabilitation in two districts.",
        "The department asked for a concept note.",
        ("survivors_associated", "active_cases", "partners_by_stage", "partners_implementing"),
    ),
    (
        AdvocacyLevel.national,
        "Ministry of Women and Child Development",
        AdvocacyKind.consultation,
        "Name community-based rehabilitation in the draft anti-trafficking bill's rules.",
        None,
        ("survivors_associated", "active_cases", "cases_closed", "partners_by_stage"),
    ),
    (
        AdvocacyLevel.national,
        "National Commission for Women",
        AdvocacyKind.submission,
        "Hear survivor leaders at the commission's consultation on trafficking.",
        "Two survivor leaders invited to speak.",
        ("survivors_associated", "leader_groups_functional"),
    ),
    (
        AdvocacyLevel.national,
        "National survivors' forum with the Ministry of Home Affairs",
        AdvocacyKind.campaign,
        "Make victim compensation payable within 90 days of the order.",
        None,
        ("active_cases", "referrals_made", "referrals_completed"),
    ),
)
STUDIES = (
    StudyCreate(
        title="National documentation of community-based rehabilitation practice (demo)",
        summary="Synthetic demo study: how CBR is practised by survivor collectives and NGOs "
        "in four states, with the survivors' own measures of reintegration.",
        partners="Demo university social-work department; the partners in onboarding",
        status=StudyStatus.ongoing,
    ),
    StudyCreate(
        title="Three years after return: reintegration in the Sundarbans (demo)",
        summary="Synthetic demo study: what helped survivors stay safe and earn after return.",
        partners="Demo institute of development studies",
        status=StudyStatus.published,
        link="https://example.org/shakti-demo/reintegration-study",
    ),
)
STORY = (
    "Synthetic demo story: she came home after two years away and did not leave the house for "
    "months. Today she runs a tailoring unit with two other women and speaks at the block's "
    "awareness meetings, so that other girls know the signs."
)


async def _states(ctx: DemoContext) -> dict[str, UUID]:
    """The states by code: those the installation holds, and the demo's new ones added."""
    system = system_principal()
    geography = GeographyService(ctx.uow)
    held: dict[str, UUID] = {}
    cursor = None
    ctx.at(ctx.began_on)
    while True:
        page = await geography.list_states(system, PageRequest(limit=200, cursor=cursor))
        held.update({state.code: state.id for state in page.items})
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    for code, name in STATES:
        if code not in held:
            state = await geography.create_state(
                system,
                StateCreate(id=uuid.uuid5(_GEOGRAPHY, f"state:{code}"), name=name, code=code),
            )
            held[code] = state.id
            ctx.counts["states added"] += 1
    return held


async def _onboarding(ctx: DemoContext, rng: random.Random, states: dict[str, UUID]) -> None:
    manager = ctx.manager.principal
    organizations = OrganizationService(ctx.uow)
    onboardings = OnboardingService(ctx.uow)
    readiness = ReadinessService(ctx.uow)
    for key, name, code, stages in PARTNERS:
        (first, first_ago), *moves = stages
        ctx.at(ctx.today - timedelta(days=first_ago))
        partner = await organizations.create(
            system_principal(),
            OrganizationCreate(
                id=uuid.uuid5(DEMO_NAMESPACE, f"organization:partner.{key}"),
                name=name,
                kind=OrganizationKind.partner_ngo,
                state_id=states[code],
            ),
        )
        ctx.organizations[f"partner.{key}"] = partner.id
        ctx.counts["organizations"] += 1
        onboarding = await onboardings.create(
            manager,
            OnboardingCreate(
                partner_organization_id=partner.id,
                state_id=states[code],
                stage=first,
                stage_since=ctx.today - timedelta(days=first_ago),
                notes="Synthetic demo: met at the regional consultation on trafficking.",
            ),
        )
        for stage, ago in moves:
            ctx.at(ctx.today - timedelta(days=ago))
            await onboardings.move(
                manager,
                onboarding.id,
                StageMove(
                    to_stage=stage,
                    changed_on=ctx.today - timedelta(days=ago),
                    note=STAGE_NOTES[stage],
                ),
            )
            ctx.counts["onboarding stage changes"] += 1
        ctx.counts["partner onboardings"] += 1
        ctx.counts[f"onboardings {stages[-1][0].value}"] += 1
        # A readiness assessment once scoping began, and again after the agreement.
        reached = dict(stages)
        assessed = [
            reached[stage] - rng.randint(5, 20)
            for stage in (Stage.scoping, Stage.implementing)
            if stage in reached
        ]
        base = rng.randint(0, 2)
        for round_number, ago in enumerate(assessed):
            ctx.at(ctx.today - timedelta(days=ago))
            await readiness.create(
                manager,
                onboarding.id,
                ReadinessCreate(
                    assessed_on=ctx.today - timedelta(days=ago),
                    criteria=[
                        ReadinessCriterion(
                            code=code_,
                            label=label,
                            score=min(4, base + round_number + rng.randint(0, 2)),
                            max_score=4,
                        )
                        for code_, label in CRITERIA
                    ],
                    notes="Synthetic demo: scored with the partner's team at its office.",
                ),
            )
            ctx.counts["readiness assessments"] += 1


async def _advocacy(ctx: DemoContext, rng: random.Random, states: dict[str, UUID]) -> None:
    service = AdvocacyService(ctx.uow)
    count = len(ADVOCACY)
    for number, (level, body, kind, ask, outcome, cite) in enumerate(ADVOCACY):
        # Spread over the last year, oldest first.
        acted_on = ctx.today - timedelta(days=(count - number) * 28 + rng.randint(0, 10))
        state_id = None
        if level is AdvocacyLevel.state:
            named = [states[code] for code, name in STATES if name in body]
            state_id = named[0] if named else WEST_BENGAL
        ctx.at(acted_on)
        await service.create(
            ctx.manager.principal,
            AdvocacyCreate(
                level=level,
                body=body,
                kind=kind,
                state_id=state_id,
                acted_on=acted_on,
                ask=ask,
                outcome=outcome,
                documents=[f"DEMO/{acted_on.year}/{rng.randint(100, 999)} letter (synthetic)"],
                cite=list(cite),
                evidence_to=acted_on,
            ),
            evidence=ctx.options.evidence,
        )
        ctx.counts["advocacy actions"] += 1
        ctx.counts[f"advocacy actions ({level.value})"] += 1


async def _storyteller(ctx: DemoContext) -> DemoCase | None:
    """An adult survivor whose case is well under way, to tell her story: one who gave her
    media/advocacy consent at intake if there is one, or else one who gives it now to her
    social worker."""
    cases = sorted(
        (c for c in ctx.cases if c.under_way and c.survivor.age > ADULT_AGE + 1),
        key=lambda c: (c.survivor.district_id != SOUTH_24_PARGANAS, c.survivor.number),
    )
    for case in cases:
        if await active_consent(ctx.uow, case.survivor.id, ConsentPurpose.media_advocacy):
            return case
    if not cases:
        return None
    case = cases[0]
    now = ctx.now
    given_at = ctx.at(max(case.opened_on, ctx.today - timedelta(days=31)))
    await ConsentService(ctx.uow).create(
        case.worker.principal,
        case.survivor.id,
        ConsentCreate(
            purpose=ConsentPurpose.media_advocacy,
            given_by=ConsentGiver.survivor,
            method=ConsentMethod.written,
            language="bn",
            witness_user_id=case.worker.id,
            given_at=given_at,
            expires_at=now + timedelta(days=365),
        ),
    )
    ctx.counts["consents"] += 1
    return case


async def _research_and_media(ctx: DemoContext, rng: random.Random) -> None:
    manager: Principal = ctx.manager.principal
    studies = StudyService(ctx.uow)
    for study in STUDIES:
        started_on = ctx.today - timedelta(days=rng.randint(150, 200))
        published_on: date | None = None
        if study.status is StudyStatus.published:
            started_on = ctx.today - timedelta(days=rng.randint(600, 700))
            published_on = ctx.today - timedelta(days=rng.randint(60, 120))
        ctx.at(published_on or started_on)
        await studies.create(
            manager,
            study.model_copy(update={"started_on": started_on, "published_on": published_on}),
        )
        ctx.counts["studies"] += 1
    media = MediaService(ctx.uow)
    ctx.at(ctx.today)  # the bodies check their dates against today
    engagements = [
        MediaCreate(
            outlet="Sundarban Barta (demo outlet)",
            kind=MediaKind.print,
            engaged_on=ctx.today - timedelta(days=rng.randint(200, 260)),
            topic="Why compensation for survivors takes years (synthetic demo)",
        ),
        MediaCreate(
            outlet="Demo Community Radio, Canning",
            kind=MediaKind.radio,
            engaged_on=ctx.today - timedelta(days=rng.randint(90, 140)),
            topic="Survivor leaders on safe migration (synthetic demo)",
        ),
    ]
    teller = await _storyteller(ctx)
    if teller is not None:
        engagements.append(
            MediaCreate(
                outlet="Demo News Online",
                kind=MediaKind.online,
                engaged_on=ctx.today - timedelta(days=rng.randint(5, 30)),
                topic="Coming home: a survivor's story, told with her consent (synthetic demo)",
                link="https://example.org/shakti-demo/coming-home",
                survivor_id=teller.survivor.id,
                story=STORY,
            )
        )
    for engagement in engagements:
        ctx.at(engagement.engaged_on)
        await media.create(manager, engagement)
        ctx.counts["media engagements"] += 1
        ctx.counts["media stories"] += int(engagement.survivor_id is not None)


async def seed_expansion(ctx: DemoContext) -> None:
    rng = ctx.rng("expansion")
    states = await _states(ctx)
    await _onboarding(ctx, rng, states)
    await _advocacy(ctx, rng, states)
    await _research_and_media(ctx, rng)
