"""Entitlement applications across the scheme catalogue (the versions in effect today, as the
migration seeds them): documents gathering, applied at an office, under process, sanctioned,
received in full or in part, rejected with a reason and appealed, each move in the
application's history with who and a note. The schemes follow her age (no voter card or
Lakshmir Bhandar for a girl of 16), and the days of a move follow her case.

The dates an application carries (applied, sanctioned, received) lie in the past, as her case
does; the history's timestamps and ``last_moved_at`` are the moment of the run (the service
stamps them), so no application is stalled on the day of seeding: open ones become stalled
once they have not moved for the configured number of days, as in the field."""

from __future__ import annotations

import random
from datetime import date, timedelta
from uuid import UUID

from domain.common.pagination import PageRequest
from domain.common.principal import system_principal
from domain.entitlements.schemas import (
    DATED,
    ApplicationCreate,
    ApplicationTransition,
    RejectionReason,
    SchemeRead,
)
from domain.entitlements.service import EntitlementService, SchemeService
from persistence.models.case_vocabulary import CaseStatus
from persistence.models.livelihood_vocabulary import ApplicationStatus
from seeds.context import DemoCase, DemoContext
from seeds.livelihoods import latest_cases
from seeds.vocabulary import NORTH_24_PARGANAS, WEST_BENGAL, told

S = ApplicationStatus
ADULT = 18
# code: (how often she applies, the youngest age it is open to)
SCHEMES: dict[str, tuple[float, int]] = {
    "victim_compensation_wb": (3.0, 0),
    "aadhaar": (2.0, 0),
    "ration_card": (2.0, 0),
    "swasthya_sathi": (2.0, 0),
    "lakshmir_bhandar": (2.0, 25),
    "pm_jan_dhan": (1.5, ADULT),
    "mgnrega_job_card": (1.0, ADULT),
    "ujjawala": (1.0, 0),
    "muktir_alo": (1.0, ADULT),
    "voter_id": (1.0, ADULT),
    "caste_certificate": (0.7, 0),
    "pan": (0.5, ADULT),
    "victim_compensation_nalsa": (0.3, 0),
    "disability_certificate": (0.2, 0),
}
COMPENSATION = frozenset({"victim_compensation_wb", "victim_compensation_nalsa"})
# Paid in money: may be received in part.
IN_MONEY = COMPENSATION | {"lakshmir_bhandar"}
# Where the application ends the run (every state appears once there are enough of them).
OUTCOMES: tuple[tuple[ApplicationStatus, float], ...] = (
    (S.documents_gathering, 0.12),
    (S.applied, 0.12),
    (S.under_process, 0.15),
    (S.sanctioned, 0.10),
    (S.received, 0.30),
    (S.partly_received, 0.06),
    (S.rejected, 0.08),
    (S.appealed, 0.07),
)
# A case this recent has applications only begun (unless a state is still to be shown).
RECENT_DAYS = 90
EARLY = (S.documents_gathering, S.applied, S.under_process)
NOTES = {
    S.documents_gathering: (
        "{Her} Aadhaar carries an old address; correction first (demo note)",
        "Waiting for the panchayat's residence certificate (demo note)",
        "Bank passbook copy still to be attested (demo note)",
    ),
    S.applied: ("Form and copies handed in; receipt kept in {her} file (demo note)",),
    S.under_process: (
        "Field verification done by the panchayat (demo note)",
        "Office says the file is with the inspector (demo note)",
    ),
    S.sanctioned: ("Sanction order seen at the office (demo note)",),
    S.received: ("Confirmed with {him} and from the passbook (demo note)",),
    S.partly_received: ("First instalment only; the rest is pending (demo note)",),
    S.rejected: ("Office returned the file (demo note)",),
    S.appealed: ("Appeal drafted with the DLSA panel lawyer (demo note)",),
}
_DISTRICT_NAMES = {NORTH_24_PARGANAS: "North 24 Parganas"}


def _office(code: str, case: DemoCase) -> str:
    block = case.survivor.block
    district = _DISTRICT_NAMES.get(case.survivor.district_id, "South 24 Parganas")
    if code in COMPENSATION:
        return f"DLSA {district}"
    return {
        "aadhaar": f"Aadhaar Seva Kendra, {block}",
        "pan": f"PAN facilitation centre, {block}",
        "voter_id": f"ERO {block}",
        "mgnrega_job_card": f"{block} block MGNREGA cell",
        "ujjawala": f"District Child and Women Development Office, {district}",
        "muktir_alo": f"District Social Welfare Office, {district}",
        "pm_jan_dhan": f"Bank branch, {block}",
        "disability_certificate": f"District hospital medical board, {district}",
    }.get(code, f"Duare Sarkar camp, {block}")


def _later(rng: random.Random, day: date, low: int, high: int, today: date) -> date:
    return min(day + timedelta(days=rng.randint(low, high)), today)


def _weighted_outcome(rng: random.Random) -> ApplicationStatus:
    statuses = [status for status, _ in OUTCOMES]
    return rng.choices(statuses, [weight for _, weight in OUTCOMES])[0]


async def seed_entitlements(ctx: DemoContext) -> None:
    rng = ctx.rng("entitlements")
    service = EntitlementService(ctx.uow)
    page = await SchemeService(ctx.uow).list(system_principal(), PageRequest(limit=200))
    schemes = {
        scheme.code: scheme
        for scheme in page.items
        if scheme.code in SCHEMES and scheme.state_id in (None, WEST_BENGAL)
    }
    missing = [status for status, _ in OUTCOMES]  # states not reached yet
    latest = latest_cases(ctx)
    for survivor in ctx.survivors:
        case = latest.get(survivor.id)
        if case is None or case.working_stage is CaseStatus.intake or rng.random() < 0.2:
            continue
        open_to_her = [c for c in schemes if SCHEMES[c][1] <= survivor.age]
        codes: list[str] = []
        if S.partly_received in missing:  # make sure one is paid in money
            codes.append("victim_compensation_wb")
        wanted = min(rng.randint(1, 4), len(open_to_her) - 1)  # one of two compensations
        while len(codes) < wanted:
            code = rng.choices(open_to_her, [SCHEMES[c][0] for c in open_to_her])[0]
            if code not in codes and not (code in COMPENSATION and COMPENSATION & set(codes)):
                codes.append(code)
        recent = (ctx.today - case.opened_on).days < RECENT_DAYS
        for code in codes:
            if code in IN_MONEY and S.partly_received in missing:
                outcome = S.partly_received
            elif suits := [s for s in missing if s is not S.partly_received]:
                outcome = suits[0]
            elif recent:
                outcome = rng.choice(EARLY)
            else:
                outcome = _weighted_outcome(rng)
                if outcome is S.partly_received and code not in IN_MONEY:
                    outcome = S.received
            if outcome in missing:
                missing.remove(outcome)
            await _apply(ctx, rng, service, case, schemes[code], outcome)


async def _apply(
    ctx: DemoContext,
    rng: random.Random,
    service: EntitlementService,
    case: DemoCase,
    scheme: SchemeRead,
    outcome: ApplicationStatus,
) -> None:
    """Open her application for ``scheme`` and move it, day by day in her case, to
    ``outcome``."""
    principal = case.worker.principal
    # Every step on its day, within the case's work (a closed case's applications stopped
    # with it). An application still open whose last step lies long ago shows as stalled.
    end = case.until
    started_on = _later(rng, case.opened_on, 7, 60, end)
    office = _office(scheme.code, case)
    gathered = outcome is S.documents_gathering or rng.random() < 0.5
    sex = case.survivor.sex
    ctx.at(started_on)
    if gathered:
        created = await service.create(
            principal,
            ApplicationCreate(
                survivor_id=case.survivor.id,
                scheme_id=scheme.id,
                note=told(rng.choice(NOTES[S.documents_gathering]), sex),
            ),
        )
    else:
        created = await service.create(
            principal,
            ApplicationCreate(
                survivor_id=case.survivor.id,
                scheme_id=scheme.id,
                status=S.applied,
                office=office,
                applied_on=started_on,
            ),
        )
    application_id: UUID = created.id
    ctx.counts["entitlement applications"] += 1
    ctx.counts[f"entitlement applications ({outcome.value})"] += 1
    last = started_on

    async def move(to: ApplicationStatus, on: date | None = None, **fields: object) -> None:
        """The step to ``to`` on ``on`` (else some days after the last one)."""
        nonlocal last
        last = on if on is not None else _later(rng, last, 5, 45, end)
        ctx.at(last)
        body = ApplicationTransition.model_validate(
            {"to": to, "note": told(rng.choice(NOTES[to]), sex), **fields}
            | ({"on": last} if to in DATED else {})
        )
        await service.transition(principal, application_id, body)
        ctx.counts["entitlement moves"] += 1

    if outcome is S.documents_gathering:
        return
    applied_on = started_on
    if gathered:
        applied_on = _later(rng, started_on, 5, 40, end)
        await move(S.applied, office=office, on=applied_on)
    if outcome is S.applied:
        return
    if outcome in (S.rejected, S.appealed) or rng.random() < 0.08:
        # Refused (from the counter or after verification), and perhaps appealed.
        if rng.random() < 0.5:
            await move(S.under_process)
        await move(S.rejected, reason=rng.choice(list(RejectionReason)))
        if outcome is S.rejected:
            return
        await move(S.appealed)
        if outcome is S.appealed:
            return
    await move(S.under_process)
    if outcome is S.under_process:
        return
    money = scheme.code in IN_MONEY
    awarded = None
    if scheme.code in COMPENSATION:
        awarded = rng.randint(50, 300) * 1000 * 100  # Rs 50,000 to 3 lakh, in paise
    sanctioned_on = _later(rng, max(applied_on, last), 30, 200, end)
    await move(S.sanctioned, on=sanctioned_on, amount_paise=awarded)
    if outcome is S.sanctioned:
        return
    received_on = _later(rng, sanctioned_on, 15, 240, end)
    if not money:
        await move(S.received, on=received_on)
        return
    if awarded is None:  # a monthly benefit: the months paid so far
        monthly = scheme.amount_paise or 100_000
        first = monthly * rng.randint(1, 3)
        rest = monthly * rng.randint(1, 3)
    else:
        first = awarded * rng.choice((30, 40, 50, 60)) // 100
        rest = awarded - first
    if outcome is S.partly_received or rng.random() < 0.3:
        await move(S.partly_received, on=received_on, amount_paise=first)
        if outcome is S.partly_received:
            return
        await move(S.received, on=_later(rng, received_on, 30, 200, end), amount_paise=rest)
        return
    await move(S.received, on=received_on, amount_paise=first + rest)
