"""Legal proceedings: FIRs and complaints at the police stations of her block, court cases
with hearings, and victim compensation applied for, awarded and (often much later, sometimes
in part) paid. Sections of law follow the date: the IPC before July 2024, the BNS after."""

from __future__ import annotations

import random
from datetime import date, timedelta

from domain.legal.schemas import (
    HearingCreate,
    LegalDetails,
    LegalProceedingCreate,
    LegalProceedingUpdate,
)
from domain.legal.service import LegalService
from persistence.models.case_vocabulary import (
    CaseStatus,
    ExploitationType,
    ProceedingKind,
    ProceedingStatus,
    ReferralSource,
)
from seeds.context import DemoCase, DemoContext
from seeds.vocabulary import COURTS, HEARING_OUTCOMES, told

BNS_IN_FORCE = date(2024, 7, 1)
_STATUSES = (
    ProceedingStatus.filed,
    ProceedingStatus.investigation,
    ProceedingStatus.chargesheet,
    ProceedingStatus.trial,
    ProceedingStatus.judgment,
)


def _sections(case: DemoCase, filed_on: date) -> list[str]:
    sections = ["BNS 143"] if filed_on >= BNS_IN_FORCE else ["IPC 370"]
    if ExploitationType.sexual_exploitation in case.exploitation_types:
        sections.append("ITPA 5")
    if case.survivor.age < 18:
        sections.append(
            "JJ Act 79" if ExploitationType.child_labour in case.exploitation_types else "POCSO 4"
        )
    return sections


def _rupees(rng: random.Random, low: int, high: int) -> int:
    """Paise of a round amount of rupees between ``low`` and ``high`` (thousands)."""
    return rng.randint(low, high) * 1000 * 100


async def seed_legal(ctx: DemoContext) -> None:
    """Proceedings recorded when the case moved to assessment (she told her story), then
    moved on, with compensation and hearings, each step on its day."""
    rng = ctx.rng("legal")
    service = LegalService(ctx.uow)
    for case in ctx.cases:
        chance = 0.75 if case.referral_source is ReferralSource.police_ahtu else 0.35
        if not case.assessed or rng.random() > chance:
            continue
        principal = case.worker.principal
        end = case.until
        filed_on = case.opened_on - timedelta(days=rng.randint(0, 30))
        years = (end - filed_on).days / 365
        status = _STATUSES[min(int(years * 2 + rng.random() * 2), len(_STATUSES) - 1)]
        in_court = status in (ProceedingStatus.trial, ProceedingStatus.judgment)
        kind = ProceedingKind.fir if rng.random() < 0.75 else ProceedingKind.complaint
        applied_on = awarded_on = paid_on = None
        awarded = paid = None
        if rng.random() < 0.7:
            applied_on = min(filed_on + timedelta(days=rng.randint(20, 120)), end)
            if rng.random() < 0.7:
                awarded_on = applied_on + timedelta(days=rng.randint(45, 300))
                if awarded_on <= end:
                    awarded = _rupees(rng, 50, 400)
                    if rng.random() < 0.6:
                        paid_on = awarded_on + timedelta(days=rng.randint(30, 365))
                        if paid_on <= end:
                            paid = awarded if rng.random() < 0.6 else awarded // 2
                        else:
                            paid_on = None
                else:
                    awarded_on = None
        recorded_on = min(case.entered(CaseStatus.assessment), end)
        first_status = min(status, ProceedingStatus.investigation, key=_STATUSES.index)
        ctx.at(recorded_on)
        proceeding = await service.create(
            principal,
            case.id,
            LegalProceedingCreate(
                kind=kind,
                status=first_status,
                filed_on=filed_on,
                details=LegalDetails(
                    fir_or_complaint_number=f"{rng.randint(10, 999)}/{filed_on.year}",
                    police_station=f"{case.survivor.block} PS",
                    court=rng.choice(COURTS[case.survivor.district_id]) if in_court else None,
                    court_case_number=(
                        f"SC {rng.randint(10, 400)}/{filed_on.year + 1}" if in_court else None
                    ),
                    sections_of_law=_sections(case, filed_on),
                    lawyer="District Legal Services Authority panel lawyer (demo)",
                ),
                witness_protection_needed=case.high_risk or rng.random() < 0.1,
            ),
        )
        version = proceeding.version
        ctx.counts["legal proceedings"] += 1
        ctx.counts["compensation awarded"] += int(awarded is not None)
        # What happened after it was recorded, each on its day (the days lie before the end).
        steps: list[tuple[date, dict[str, object]]] = []
        if status is not first_status:
            moved_on = filed_on + timedelta(days=rng.randint(120, 190))
            steps.append((max(min(moved_on, end), recorded_on), {"status": status}))
        if applied_on is not None:
            steps.append((applied_on, {"compensation_applied_on": applied_on}))
        if awarded_on is not None:
            steps.append(
                (
                    awarded_on,
                    {
                        "compensation_awarded_on": awarded_on,
                        "compensation_awarded_paise": awarded,
                    },
                )
            )
        if paid_on is not None:
            steps.append(
                (paid_on, {"compensation_paid_on": paid_on, "compensation_paid_paise": paid})
            )
        for day, change in steps:
            ctx.at(max(day, recorded_on))
            updated = await service.update(
                principal,
                case.id,
                proceeding.id,
                LegalProceedingUpdate.model_validate(change),
                version,
            )
            version = updated.version
        if not in_court:
            continue
        held_on = filed_on + timedelta(days=rng.randint(200, 400))
        for _ in range(rng.randint(1, 3)):
            if held_on > end:
                break
            next_on = held_on + timedelta(days=rng.randint(30, 90))
            ctx.at(max(held_on, recorded_on))
            await service.add_hearing(
                principal,
                case.id,
                proceeding.id,
                HearingCreate(
                    held_on=held_on,
                    next_hearing_on=next_on,
                    outcome=told(rng.choice(HEARING_OUTCOMES), case.survivor.sex),
                ),
            )
            ctx.counts["hearings"] += 1
            held_on = next_on
