"""Assessments with the shared instruments (seeded by migration 0005): a baseline of the CBR
matrix, the reintegration wellbeing and the re-trafficking risk, then follow-ups whose scores
rise as the work goes on (so the change from baseline shows)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from uuid import UUID

from domain.assessments.schemas import AssessmentCreate, InstrumentRead
from domain.assessments.service import AssessmentService
from persistence.models.case_vocabulary import CaseStatus, ResponseType
from seeds.context import DemoCase, DemoContext
from seeds.vocabulary import told

_INSTRUMENTS = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/instruments")
CBR_MATRIX = uuid.uuid5(_INSTRUMENTS, "instrument:cbr_matrix")
WELLBEING = uuid.uuid5(_INSTRUMENTS, "instrument:reintegration_wellbeing")
RISK = uuid.uuid5(_INSTRUMENTS, "instrument:retrafficking_risk")
MAX_FOLLOW_UPS = 3


def responses(
    rng: random.Random, instrument: InstrumentRead, level: float, yes_chance: float
) -> dict[str, int]:
    """Answers to every item: scores around ``level``; a CBR need where her situation is
    poor; other yes/no items yes with ``yes_chance``; up to three ranked priorities."""
    items = [item for section in instrument.sections for item in section.items]
    answers: dict[str, int] = {}
    for item in items:
        if item.response_type is ResponseType.score:
            value = round(rng.gauss(level, 0.6))
            answers[item.code] = min(max(value, item.min_value), item.max_value)
    ranks = [item.code for item in items if item.response_type is ResponseType.rank]
    chosen = rng.sample(ranks, k=min(len(ranks), rng.randint(1, 3)))
    for item in items:
        if item.response_type is ResponseType.yes_no:
            element = item.code.rsplit(".", 1)[0]
            status = answers.get(f"{element}.status")
            yes = status <= 2 if status is not None else rng.random() < yes_chance
            answers[item.code] = int(yes)
        elif item.response_type is ResponseType.rank:
            answers[item.code] = chosen.index(item.code) + 1 if item.code in chosen else 0
    return answers


async def seed_assessments(ctx: DemoContext) -> None:
    rng = ctx.rng("assessments")
    service = AssessmentService(ctx.uow)
    manager = ctx.manager.principal
    instruments = {
        instrument_id: await service.get_instrument(manager, instrument_id)
        for instrument_id in (CBR_MATRIX, WELLBEING, RISK)
    }
    for case in ctx.cases:
        if not case.assessed:
            continue
        case.high_risk = rng.random() < 0.15
        level = rng.uniform(1.5, 2.3)
        risk_chance = 0.6 if case.high_risk else 0.15
        # The baselines fall in the assessment stage, before the case moved to planning.
        started = case.entered(CaseStatus.assessment)
        last = case.entered(CaseStatus.planning) - timedelta(days=1) if case.planned else case.until
        baseline_on = started + timedelta(days=rng.randint(0, max(0, (last - started).days)))
        baseline = [WELLBEING, RISK] if not case.planned else [CBR_MATRIX, WELLBEING, RISK]
        for instrument_id in baseline:
            await _assess(
                ctx, service, case, instruments[instrument_id], baseline_on, level, risk_chance, rng
            )
        if not case.under_way:
            continue
        day = latest = baseline_on
        for _ in range(MAX_FOLLOW_UPS):
            day += timedelta(days=rng.randint(90, 150))
            if day > case.until:
                break
            latest = day
            level = min(level + rng.uniform(0.2, 0.6), 3.8)
            risk_chance = max(risk_chance - 0.15, 0.05)
            await _assess(ctx, service, case, instruments[WELLBEING], day, level, risk_chance, rng)
        if latest > baseline_on:
            await _assess(ctx, service, case, instruments[RISK], latest, level, risk_chance, rng)
            if case.working_stage.value == "monitoring":
                await _assess(ctx, service, case, instruments[CBR_MATRIX], latest, level, 0, rng)


async def _assess(
    ctx: DemoContext,
    service: AssessmentService,
    case: DemoCase,
    instrument: InstrumentRead,
    day: date,
    level: float,
    yes_chance: float,
    rng: random.Random,
) -> UUID:
    ctx.at(day)
    created = await service.create(
        case.worker.principal,
        case.id,
        AssessmentCreate(
            instrument_id=instrument.id,
            conducted_on=day,
            responses=responses(rng, instrument, level, yes_chance),
            notes=told("Synthetic demo assessment, held at {her} home.", case.survivor.sex)
            if rng.random() < 0.3
            else None,
        ),
    )
    ctx.counts[f"assessments ({instrument.code})"] += 1
    return created.id
