"""Victim identification and community safety (outcome 4): each survivor leader refers people
at risk and possible victims she came across, and the district's social workers or the program
manager decide on them (accepted, declined with a reason, or became a case: one of the demo's
cases in her district); and leaders (and a social worker) report red flags and suspected
recruitment, some naming persons (allegations: the persons named are fictional and say so),
some reviewed by the program manager.

Everything a referral or report says is sealed at rest by the services."""

from __future__ import annotations

import random
from datetime import timedelta
from uuid import UUID

from domain.identification.referrals import IdentificationReferralService
from domain.identification.safety_reports import SafetyReportService
from domain.identification.schemas import (
    NamedPerson,
    ReferralCreate,
    ReferralDecision,
    SafetyReportCreate,
    SafetyReportReview,
)
from persistence.models.case_vocabulary import ReferralSource
from persistence.models.leadership_vocabulary import (
    IdentificationConcern,
    IdentificationStatus,
    SafetyReportKind,
)
from persistence.models.safety_report import SafetyReportStatus
from seeds.context import DemoCase, DemoContext, DemoUser
from seeds.vocabulary import BLOCKS, DISTRICTS, NORTH_24_PARGANAS, SOUTH_24_PARGANAS

IS = IdentificationStatus
R = SafetyReportStatus
LEADERS = {SOUTH_24_PARGANAS: "leader.s24p", NORTH_24_PARGANAS: "leader.n24p"}
SIGHTING_MARK = " (synthetic demo sighting)"

# (concern, what she is called, age, where, safe contact, what the leader saw) per referral;
# each leader's four end in these statuses.
SIGHTINGS = (
    (
        IdentificationConcern.at_risk,
        "Tumpa, called Buri (demo)",
        16,
        "Near the ration shop, para 3",
        "Through me; not her uncle's phone",
        "A man from outside promised her a job in a Delhi household and paid her mother an "
        "advance.",
    ),
    (
        IdentificationConcern.possible_victim,
        "Jesmin (demo)",
        19,
        "Back at her parents' house near the ghat since last week",
        "Her elder sister",
        "She came back from Pune after two years; she does not leave the house and the "
        "neighbours talk.",
    ),
    (
        IdentificationConcern.at_risk,
        "Two sisters of the fish-seller's family (demo)",
        15,
        "Behind the primary school",
        "Their grandmother, mornings",
        "A woman from the next village offers them work in a beauty parlour in the city.",
    ),
    (
        IdentificationConcern.possible_victim,
        None,
        None,
        "Seen at the bus stand with an agent",
        None,
        "A girl from another block was crying at the bus stand with a man who said he was her "
        "husband.",
    ),
)
OUTCOMES = {
    SOUTH_24_PARGANAS: (IS.submitted, IS.accepted, IS.declined, IS.became_case),
    NORTH_24_PARGANAS: (IS.became_case, IS.declined, IS.accepted, IS.submitted),
}
DECLINE_REASONS = (
    "Already supported by the district CWC (demo reason).",
    "The family moved out of the district; passed on to the partner there (demo reason).",
)

# Safety reports: (reporter key or None for each district's leader, kind, names persons,
# description, named persons, where it ends up).
ReportPlan = tuple[
    str | None, SafetyReportKind, bool, str, tuple[NamedPerson, ...], SafetyReportStatus
]
REPORTS: tuple[ReportPlan, ...] = (
    (
        None,
        SafetyReportKind.suspected_recruitment,
        True,
        "A man offers girls work in a Bengaluru spa and pays their families an advance.",
        (
            NamedPerson(
                name="'Lalu' the agent (fictional, demo)",
                description="Comes on a motorbike on market days (demo)",
            ),
        ),
        R.action_taken,
    ),
    (
        None,
        SafetyReportKind.red_flag,
        False,
        "Three girls of the para left for 'work' this week without telling anyone where.",
        (),
        R.under_review,
    ),
    (
        None,
        SafetyReportKind.threat,
        True,
        "The accused's relatives stand outside a survivor's house in the evenings.",
        (
            NamedPerson(
                name="The accused's cousin 'Bapi' (fictional, demo)",
                description="Runs a tea stall at the crossing (demo)",
            ),
        ),
        R.received,
    ),
    (
        None,
        SafetyReportKind.missing_person,
        False,
        "A fourteen-year-old girl has not come home from her tuition class for two days.",
        (),
        R.closed,
    ),
)
STAFF_REPORT: ReportPlan = (
    "sw.s24p.1",
    SafetyReportKind.other,
    False,
    "A new placement agency has opened near the station and puts up posters for 'hostel jobs'.",
    (),
    R.received,
)
REPORT_MARK = " (synthetic demo report)"
REVIEW_NOTES = {
    R.under_review: "Asked the social worker to visit the families (demo review).",
    R.action_taken: "Shared with the AHTU; the leader was told to keep away (demo review).",
    R.closed: "The girl was found at her aunt's and is home; closed (demo review).",
}


# The leader groups formed a little over a year ago: the leaders' referrals come after.
_GROUPS_AGE = timedelta(days=400)


async def seed_identification(ctx: DemoContext) -> None:
    rng = ctx.rng("identification")
    for district_id in DISTRICTS:
        await _referrals(ctx, rng, district_id)
    await _safety_reports(ctx, rng)


def _case_for(ctx: DemoContext, district_id: UUID, taken: set[UUID]) -> DemoCase | None:
    """A case of the district that a survivor leader brought in, or else the district's latest
    case: the one the referral became (a girl's or a woman's: the sightings tell of one)."""
    cases = [c for c in ctx.cases if c.survivor.district_id == district_id and c.id not in taken]
    cases.sort(
        key=lambda c: (
            c.survivor.sex == "female",
            c.referral_source is ReferralSource.survivor_leader,
            c.opened_on,
        ),
        reverse=True,
    )
    return cases[0] if cases else None


async def _referrals(ctx: DemoContext, rng: random.Random, district_id: UUID) -> None:
    service = IdentificationReferralService(ctx.uow)
    leader = ctx.users[LEADERS[district_id]]
    workers = ctx.workers(district_id)
    taken: set[UUID] = set()
    for (concern, name, age, place, contact, seen), outcome in zip(
        SIGHTINGS, OUTCOMES[district_id], strict=True
    ):
        block = rng.choice(BLOCKS[district_id])
        case = _case_for(ctx, district_id, taken) if outcome is IS.became_case else None
        if outcome is IS.became_case and case is None:
            outcome = IS.accepted  # a district without cases in a small demo
        if case is not None:
            taken.add(case.id)
            name = f"{case.survivor.given_name} (demo)"
            age = case.survivor.age
            block = case.survivor.block
        # Submitted some days before her case opened (and not before the leader's group
        # formed); the others over the last year.
        submitted_on = (
            max(case.opened_on - timedelta(days=rng.randint(2, 10)), ctx.today - _GROUPS_AGE)
            if case is not None
            else ctx.today - timedelta(days=rng.randint(10, 330))
        )
        decided_on = min(submitted_on + timedelta(days=rng.randint(1, 7)), ctx.today)
        if case is not None:
            decided_on = max(decided_on, case.opened_on)
        ctx.at(submitted_on)
        submitted = await service.submit(
            leader.principal,
            ReferralCreate(
                concern=concern,
                district_id=district_id,
                name=name,
                age_estimate=age,
                place=f"{place}, {block}",
                safe_contact=contact,
                observations=seen + SIGHTING_MARK,
            ),
        )
        ctx.counts["identification referrals"] += 1
        ctx.counts[f"identification referrals ({outcome.value})"] += 1
        if outcome is IS.submitted:
            continue
        decider: DemoUser = rng.choice(workers) if workers else ctx.manager
        version = submitted.version
        ctx.at(decided_on)
        if outcome is IS.accepted:
            await service.decide(
                decider.principal, submitted.id, ReferralDecision(decision="accepted"), version
            )
        elif outcome is IS.declined:
            await service.decide(
                ctx.manager.principal,
                submitted.id,
                ReferralDecision(decision="declined", reason=rng.choice(DECLINE_REASONS)),
                version,
            )
        elif case is not None:
            # Her social worker looked into it and opened the case.
            accepted = await service.decide(
                case.worker.principal,
                submitted.id,
                ReferralDecision(decision="accepted"),
                version,
            )
            await service.decide(
                case.worker.principal,
                submitted.id,
                ReferralDecision(decision="became_case", case_id=case.id),
                accepted.version,
            )


async def _safety_reports(ctx: DemoContext, rng: random.Random) -> None:
    service = SafetyReportService(ctx.uow)
    manager = ctx.manager.principal
    plans = [
        (district_id, report)
        for district_id in DISTRICTS
        for report in REPORTS[: 3 if district_id == SOUTH_24_PARGANAS else 4]
    ]
    plans.append((SOUTH_24_PARGANAS, STAFF_REPORT))
    for district_id, (key, kind, names, description, persons, status) in plans:
        reporter = ctx.users[key or LEADERS[district_id]]
        block = rng.choice(BLOCKS[district_id])
        observed_on = ctx.today - timedelta(days=rng.randint(2, 120))
        ctx.at(observed_on + timedelta(days=rng.randint(0, 1)))
        submitted = await service.submit(
            reporter.principal,
            SafetyReportCreate(
                kind=kind,
                district_id=district_id,
                observed_on=observed_on,
                place=f"{block} bus stand" if rng.random() < 0.5 else f"{block} market",
                description=description + REPORT_MARK,
                names_persons=names,
                named_persons=list(persons),
            ),
        )
        ctx.counts["safety reports"] += 1
        ctx.counts[f"safety reports ({status.value})"] += 1
        if names:
            ctx.counts["safety reports naming persons"] += 1
        if status is R.received:
            continue
        ctx.at(min(observed_on + timedelta(days=rng.randint(2, 10)), ctx.today))
        await service.review(
            manager,
            submitted.id,
            SafetyReportReview(status=status, note=REVIEW_NOTES[status]),
            submitted.version,
        )
