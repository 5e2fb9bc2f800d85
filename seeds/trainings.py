"""Trainings: livelihood courses for survivors (tailoring, beautician, digital literacy...),
leadership courses for survivor leaders and the survivors growing into leaders, and one course
in community-based rehabilitation for the partner organisation's staff. Each with its
participants' attendance, completion, certificate and scores before and after; a course still
running has attendance so far and no completions yet.

The lead organisation's program manager runs them all; the tailoring course is given by the
partner organisation (its provider) and takes the survivors referred to it for skills training
or livelihood support, so that its trainer sees her trainees (and only those)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from domain.common.pagination import PageRequest
from domain.common.principal import Role
from domain.referrals.schemas import Direction
from domain.referrals.service import ReferralService
from domain.trainings.policies import DEAD_REFERRALS, TRAINEE_SERVICES
from domain.trainings.schemas import ParticipantCreate, TrainingCreate
from domain.trainings.service import TrainingService
from persistence.clock import business_date
from persistence.models.case_vocabulary import CaseStatus
from persistence.models.livelihood_vocabulary import TrainingTopic
from seeds.context import DemoContext, DemoSurvivor
from seeds.livelihoods import latest_cases
from seeds.vocabulary import DISTRICTS, NORTH_24_PARGANAS

T = TrainingTopic


@dataclass(frozen=True)
class Course:
    topic: TrainingTopic
    course: str
    code: str  # of its certificates
    facilitators: tuple[str, ...]
    sessions: int
    weeks: int
    began_days_ago: int  # of the demo's day; a course still running ends after today
    by_partner: bool = False
    youngest: int = 16


LIVELIHOOD = (
    Course(T.vocational, "Tailoring and garment making (demo)", "TL", ("Mitali Das",), 36, 12, 300,
           by_partner=True),
    Course(T.vocational, "Beautician course (demo)", "BT", ("Rupa Saha",), 24, 8, 200),
    Course(T.digital_literacy, "Digital literacy and UPI payments (demo)", "DL",
           ("Sumana Pal",), 10, 5, 150),
    Course(T.financial_literacy, "Saving, credit and insurance (demo)", "FL",
           ("Bangiya Gramin Vikash Bank FLC counsellor",), 6, 3, 90),
    Course(T.entrepreneurship, "Starting and running a small enterprise (demo)", "EN",
           ("Rumki Halder",), 12, 6, 25),  # still running
)  # fmt: skip
LEADERSHIP = (
    Course(T.legal_rights, "Know your rights: ITPA, POCSO and compensation (demo)", "LR",
           ("DLSA panel lawyer (demo)",), 4, 2, 400, youngest=18),
    Course(T.public_speaking, "Speaking at the gram sabha and to the press (demo)", "PS",
           ("Asha Adhikari",), 6, 3, 240, youngest=18),
    Course(T.victim_identification, "Spotting trafficking at stations and borders (demo)", "VI",
           ("AHTU inspector (demo)",), 3, 1, 180, youngest=18),
    Course(T.safe_migration, "Safe migration: contracts, helplines and registration (demo)",
           "SM", ("Nasima Sultana",), 4, 2, 120, youngest=18),
    Course(T.leadership, "Leading a survivors' collective (demo)", "LD",
           ("Mitali Sen",), 8, 8, 45, youngest=18),  # still running
)  # fmt: skip
PARTNER = Course(
    T.cbr_practice,
    "Community-based rehabilitation practice for partner staff (demo)",
    "CB",
    ("Mitali Sen", "Shampa Chakraborty"),
    5,
    2,
    160,
)
UNNAMED_PARTNER_STAFF = 3  # the partner's outreach workers without an account


def _results(
    rng: random.Random, course: Course, ends_on: date, today: date, serial: int, year: int
) -> dict[str, object]:
    """Attendance, completion, certificate and scores of one participant."""
    pre = rng.randint(15, 60)
    if ends_on > today:  # still running: attendance at the sessions held so far, no results
        starts_on = ends_on - timedelta(weeks=course.weeks)
        held = max(1, course.sessions * (today - starts_on).days // (course.weeks * 7))
        return {"sessions_attended": rng.randint(held // 2, held), "pre_score": pre}
    dropped = rng.random() < 0.12
    attended = (
        rng.randint(1, course.sessions // 2)
        if dropped
        else rng.randint(course.sessions * 3 // 4, course.sessions)
    )
    if dropped:
        return {"sessions_attended": attended, "pre_score": pre}
    return {
        "sessions_attended": attended,
        "completed_on": ends_on,
        "certificate": f"DEMO-{course.code}-{year}-{serial:04d}",
        "pre_score": pre,
        "post_score": min(100, pre + rng.randint(10, 40)),
    }


async def seed_trainings(ctx: DemoContext) -> None:
    rng = ctx.rng("trainings")
    service = TrainingService(ctx.uow)
    manager = ctx.manager.principal
    latest = latest_cases(ctx)
    # Survivors in work on their lives: assessed, and not only just.
    ready = [
        s
        for s in ctx.survivors
        if s.id in latest
        and latest[s.id].working_stage
        in (CaseStatus.planning, CaseStatus.active, CaseStatus.monitoring)
    ]
    leaders = [user for user in ctx.users.values() if user.role is Role.survivor_leader]

    async def run(
        course: Course, district_id: UUID | None, not_before: date | None = None
    ) -> tuple[UUID, date, date]:
        starts_on = ctx.today - timedelta(days=course.began_days_ago + rng.randint(0, 10))
        if not_before is not None:
            starts_on = min(max(starts_on, not_before), ctx.today)
        ends_on = starts_on + timedelta(weeks=course.weeks)
        ctx.at(starts_on - timedelta(days=14))  # announced two weeks before it starts
        training = await service.create(
            manager,
            TrainingCreate(
                topic=course.topic,
                course=course.course,
                provider_organization_id=ctx.organizations["partner"]
                if course.by_partner
                else None,
                facilitators=list(course.facilitators),
                starts_on=starts_on,
                ends_on=ends_on,
                session_count=course.sessions,
                district_id=district_id,
            ),
        )
        ctx.counts[f"trainings ({training.track.value})"] += 1
        return training.id, starts_on, ends_on

    async def enrol(
        training_id: UUID, course: Course, ends_on: date, body: dict[str, object]
    ) -> None:
        ctx.counts["training participants"] += 1
        serial = ctx.counts["training participants"]
        results = _results(rng, course, ends_on, ctx.today, serial, ends_on.year)
        ctx.at(min(ends_on, ctx.today))  # recorded with the results, or as it stands today
        participant = await service.add_participant(
            manager,
            training_id,
            ParticipantCreate.model_validate({**body, **results}),
        )
        if participant.completed:
            ctx.counts["training certificates"] += 1

    def trainees(
        course: Course, pool: list[DemoSurvivor], low: int, high: int, starts_on: date
    ) -> list[DemoSurvivor]:
        # Old enough, and known to the organisation when the course began.
        eligible = [s for s in pool if s.age >= course.youngest and s.registered_on < starts_on]
        return rng.sample(eligible, k=min(len(eligible), rng.randint(low, high)))

    # Livelihood courses, each in one district, for that district's survivors. The course the
    # partner gives (in its district) takes first the survivors referred to it for it (before
    # it starts).
    referred = await _referred_for_training(ctx)
    # The partner's course starts a week after the last referral that sends it a trainee.
    referred_by = max(referred.values(), default=None)
    for index, course in enumerate(LIVELIHOOD):
        district_id = NORTH_24_PARGANAS if course.by_partner else DISTRICTS[index % 2]
        after = referred_by + timedelta(days=7) if course.by_partner and referred_by else None
        training_id, starts_on, ends_on = await run(course, district_id, after)
        pool = [s for s in ready if s.district_id == district_id and s.id not in referred]
        chosen = trainees(course, pool, 6, 14, starts_on)
        if course.by_partner:
            early = [s for s in ctx.survivors if referred.get(s.id, starts_on) < starts_on]
            chosen = early + chosen
        for survivor in chosen:
            await enrol(training_id, course, ends_on, {"survivor_id": survivor.id})
    # Leadership courses for both districts: the survivor leaders and survivors further on.
    further = [s for s in ready if latest[s.id].working_stage is not CaseStatus.planning]
    for course in LEADERSHIP:
        training_id, starts_on, ends_on = await run(course, None)
        for leader in leaders:
            await enrol(training_id, course, ends_on, {"user_id": leader.id})
        for survivor in trainees(course, further, 4, 10, starts_on):
            await enrol(training_id, course, ends_on, {"survivor_id": survivor.id})
    # The partner organisation's staff: its trainer with an account, and outreach workers
    # without one.
    partner = ctx.organizations["partner"]
    training_id, _, ends_on = await run(PARTNER, NORTH_24_PARGANAS)
    partner_users = [u for u in ctx.users.values() if u.organization_id == partner]
    for user in partner_users:
        await enrol(
            training_id,
            PARTNER,
            ends_on,
            {"partner_organization_id": partner, "user_id": user.id},
        )
    for _ in range(UNNAMED_PARTNER_STAFF):
        await enrol(training_id, PARTNER, ends_on, {"partner_organization_id": partner})


async def _referred_for_training(ctx: DemoContext) -> dict[UUID, date]:
    """The survivors the lead organisation referred to the partner for skills training or
    livelihood support (a referral still alive), and the day of the latest such referral of
    each: the partner's trainer sees them among her course's participants."""
    service = ReferralService(ctx.uow)
    case_ids: dict[UUID, date] = {}
    cursor = None
    while True:
        page = await service.list(
            ctx.manager.principal, PageRequest(limit=200, cursor=cursor), Direction.outgoing
        )
        for referral in page.items:
            if (
                referral.case_id is not None
                and referral.receiving_organization_id == ctx.organizations["partner"]
                and referral.service_kind in TRAINEE_SERVICES
                and referral.status not in DEAD_REFERRALS
            ):
                sent_on = business_date(referral.sent_at)
                case_ids[referral.case_id] = max(sent_on, case_ids.get(referral.case_id, sent_on))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    referred: dict[UUID, date] = {}
    for case in ctx.cases:
        if case.id in case_ids:
            sent_on = case_ids[case.id]
            referred[case.survivor.id] = max(sent_on, referred.get(case.survivor.id, sent_on))
    return referred
