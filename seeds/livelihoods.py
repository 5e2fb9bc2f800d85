"""Livelihoods: a plan for most survivors (her aspirations, skills, the options she explores),
jobs and enterprises for some of those whose cases are under way, their monthly income over the
months since, and where each stands with a bank account, insurance, a pension and digital
payments. Everything is dated from her case: nothing starts before she came to the
organisation, nothing lies after today."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from domain.livelihoods.schemas import (
    ActivityCreate,
    FinancialInclusionPut,
    IncomeCreate,
    IncomeSource,
    LivelihoodPlanPut,
    month_start,
)
from domain.livelihoods.service import LivelihoodService, add_months
from persistence.models.case_vocabulary import CaseStatus
from persistence.models.livelihood_vocabulary import (
    ActivityKind,
    FinancialProduct,
    LivelihoodOption,
    ProductStatus,
)
from seeds.context import DemoCase, DemoContext, DemoSurvivor
from seeds.vocabulary import told

ADULT = 18
YOUNGEST_WITH_A_PLAN = 15
INCOME_MONTHS = 12  # at most this many months of income, the latest first


@dataclass(frozen=True)
class Trade:
    """A line of work: her skills, what she hopes for, and the job or enterprise it becomes."""

    sector: str
    skills: tuple[str, ...]
    aspiration: str
    kind: ActivityKind
    description: str
    monthly_rupees: tuple[int, int]  # what it brings in a month
    investment_rupees: tuple[int, int] | None = None


TRADES = (
    Trade(
        "tailoring",
        ("tailoring", "embroidery", "basic accounts"),
        "A tailoring unit of her own near her mother's house (demo aspiration)",
        ActivityKind.enterprise,
        "Blouse and salwar stitching for the weekly haat (demo)",
        (2500, 6000),
        (8000, 20000),
    ),
    Trade(
        "beauty",
        ("beautician", "mehendi"),
        "To run a small beauty parlour in the bazaar (demo aspiration)",
        ActivityKind.self_employment,
        "Home visits as a beautician before weddings (demo)",
        (2000, 5500),
        (3000, 9000),
    ),
    Trade(
        "food",
        ("cooking", "food hygiene"),
        "A snacks stall at the bus stand with her sister (demo aspiration)",
        ActivityKind.enterprise,
        "Tea and telebhaja stall, evenings (demo)",
        (3000, 7000),
        (5000, 15000),
    ),
    Trade(
        "retail",
        ("shopkeeping", "basic accounts", "digital payments"),
        "A grocery corner in the front room of the house (demo aspiration)",
        ActivityKind.enterprise,
        "Small grocery corner, UPI payments taken (demo)",
        (2500, 6500),
        (10000, 25000),
    ),
    Trade(
        "animal husbandry",
        ("goat rearing", "poultry"),
        "Goats and ducks enough to pay for her son's schooling (demo aspiration)",
        ActivityKind.self_employment,
        "Goat rearing, four goats from the livelihood grant (demo)",
        (1200, 3500),
        (6000, 16000),
    ),
    Trade(
        "garments",
        ("machine operation", "quality checking"),
        "A steady wage job close enough to come home every night (demo aspiration)",
        ActivityKind.wage_employment,
        "Machine operator at a garment unit in the block town (demo)",
        (6000, 9500),
    ),
    Trade(
        "care work",
        ("caregiving", "first aid"),
        "Work as a trained caregiver in Kolkata, returning weekly (demo aspiration)",
        ActivityKind.wage_employment,
        "Day caregiver for an elderly couple (demo)",
        (5500, 9000),
    ),
    Trade(
        "handicrafts",
        ("kantha stitch", "jute craft"),
        "To sell kantha work at the district fair (demo aspiration)",
        ActivityKind.self_employment,
        "Kantha stitching on order from a producer group (demo)",
        (1500, 4000),
        (1000, 4000),
    ),
)
YOUNG_ASPIRATIONS = (
    "To finish school first, then learn computers (demo aspiration)",
    "To become a nurse like {her} cousin (demo aspiration)",
    "To learn tailoring after {her} board exams (demo aspiration)",
)
BANKS = (
    "State Bank of India",
    "Bangiya Gramin Vikash Bank",
    "Punjab National Bank",
    "India Post Payments Bank",
)
INSURANCE = (
    ("PMSBY (accident cover)", "Demo policy, premium auto-debited each June"),
    ("PMJJBY (life cover)", "Demo policy, nominee her mother"),
)
PAYMENT_APPS = ("BHIM UPI", "PhonePe", "Google Pay")
_SOURCE_OF = {
    ActivityKind.wage_employment: IncomeSource.wage_employment,
    ActivityKind.self_employment: IncomeSource.self_employment,
    ActivityKind.enterprise: IncomeSource.enterprise,
}


def latest_cases(ctx: DemoContext) -> dict[UUID, DemoCase]:
    """Each survivor's latest case (by the day it opened), by survivor id."""
    latest: dict[UUID, DemoCase] = {}
    for case in ctx.cases:
        current = latest.get(case.survivor.id)
        if current is None or case.opened_on >= current.opened_on:
            latest[case.survivor.id] = case
    return latest


def _rupees(rng: random.Random, low_high: tuple[int, int], step: int = 100) -> int:
    """Paise of a round amount of rupees in the range."""
    low, high = low_high
    return rng.randrange(low, high + 1, step) * 100


def _day_after(rng: random.Random, start: date, low: int, high: int, today: date) -> date:
    return min(start + timedelta(days=rng.randint(low, high)), today)


async def seed_livelihoods(ctx: DemoContext) -> None:
    rng = ctx.rng("livelihoods")
    service = LivelihoodService(ctx.uow)
    latest = latest_cases(ctx)
    for survivor in ctx.survivors:
        case = latest.get(survivor.id)
        if case is None or survivor.age < YOUNGEST_WITH_A_PLAN:
            continue
        if case.working_stage is CaseStatus.intake or rng.random() < 0.05:
            continue  # not yet, or she did not want one
        principal = survivor.worker.principal
        trade = rng.choice(TRADES)
        adult = survivor.age >= ADULT
        if adult:
            options = [LivelihoodOption(trade.kind.value)]
            if rng.random() < 0.6:
                options.append(LivelihoodOption.skills_training)
            skills = list(trade.skills[: rng.randint(1, len(trade.skills))])
            aspirations = trade.aspiration
        else:
            options = [LivelihoodOption.skills_training]
            skills = [rng.choice(("reading and writing", "drawing", "stitching", "computers"))]
            aspirations = told(rng.choice(YOUNG_ASPIRATIONS), survivor.sex)
        ctx.at(_day_after(rng, case.entered(CaseStatus.assessment), 5, 30, case.until))
        await service.put_plan(
            principal,
            survivor.id,
            LivelihoodPlanPut(aspirations=aspirations, skills=skills, options=options),
            None,
        )
        ctx.counts["livelihood plans"] += 1
        await _financial_inclusion(ctx, rng, service, survivor, case)
        working = adult and case.under_way and rng.random() < 0.6
        if working:
            await _work(ctx, rng, service, survivor, case, trade)


async def _work(
    ctx: DemoContext,
    rng: random.Random,
    service: LivelihoodService,
    survivor: DemoSurvivor,
    case: DemoCase,
    trade: Trade,
) -> None:
    """Her job or enterprise since some months into her case, and the income it brought."""
    principal = survivor.worker.principal
    end = case.until
    started_on = _day_after(rng, case.opened_on, 45, 240, end)
    ended_on = None
    if rng.random() < 0.15 and (end - started_on).days > 120:
        ended_on = _day_after(rng, started_on, 60, (end - started_on).days, end)
    investment = None
    if trade.investment_rupees is not None:
        investment = _rupees(rng, trade.investment_rupees, 500)
    ctx.at(ended_on or started_on)  # recorded once it started (with its end, once over)
    await service.create_activity(
        principal,
        survivor.id,
        ActivityCreate(
            kind=trade.kind,
            sector=trade.sector,
            description=trade.description,
            started_on=started_on,
            ended_on=ended_on,
            investment_paise=investment,
        ),
    )
    ctx.counts["jobs and enterprises"] += 1
    # Monthly income from the month she started to the last month over (or the month it
    # ended), the latest twelve at most; a month now and then went unrecorded.
    first = month_start(started_on)
    last = month_start(ended_on) if ended_on else add_months(month_start(end), -1)
    month = max(first, add_months(last, 1 - INCOME_MONTHS))
    base = _rupees(rng, trade.monthly_rupees)
    growth = rng.uniform(0.0, 0.04)  # a little more each month as she finds her feet
    step = 0
    while month <= last:
        if rng.random() > 0.1:
            amount = int(base * (1 + growth * step) * rng.uniform(0.8, 1.15)) // 100 * 100
            # Recorded in the first days of the next month.
            ctx.at(min(add_months(month, 1) + timedelta(days=rng.randint(0, 6)), ctx.today))
            await service.create_income(
                principal,
                survivor.id,
                IncomeCreate(month=month, source=_SOURCE_OF[trade.kind], amount_paise=amount),
            )
            ctx.counts["income records"] += 1
        month = add_months(month, 1)
        step += 1


async def _financial_inclusion(
    ctx: DemoContext,
    rng: random.Random,
    service: LivelihoodService,
    survivor: DemoSurvivor,
    case: DemoCase,
) -> None:
    """A bank account for most (opened some weeks into her case), insurance and digital
    payments for many of those, a pension for a few; some still applied for."""
    principal = survivor.worker.principal
    adult = survivor.age >= ADULT

    async def put(product: FinancialProduct, record: dict[str, Any]) -> None:
        ctx.at(record["since"])  # recorded on the day it began (the body checks that date)
        body = FinancialInclusionPut.model_validate(record)
        await service.put_product(principal, survivor.id, product, body, None)
        ctx.counts["financial inclusion records"] += 1

    if rng.random() > 0.85:
        return  # nothing recorded yet
    bank = rng.choice(BANKS)
    end = case.until
    opened_on = _day_after(rng, case.opened_on, 20, 120, end)
    if case.working_stage is CaseStatus.assessment and rng.random() < 0.5:
        await put(
            FinancialProduct.bank_account,
            {
                "status": ProductStatus.applied,
                "since": opened_on,
                "provider": bank,
                "details": "Account opening form submitted with Aadhaar (demo)",
            },
        )
        return
    await put(
        FinancialProduct.bank_account,
        {
            "status": ProductStatus.active,
            "since": opened_on,
            "provider": bank,
            "details": "PMJDY account (demo), RuPay card received" if adult else "Minor's account",
        },
    )
    if not adult:
        return
    if rng.random() < 0.55:
        policy, details = rng.choice(INSURANCE)
        await put(
            FinancialProduct.insurance,
            {
                "status": ProductStatus.active if rng.random() < 0.8 else ProductStatus.applied,
                "since": _day_after(rng, opened_on, 10, 90, end),
                "provider": policy,
                "details": details,
            },
        )
    if rng.random() < 0.5:
        closed = rng.random() < 0.1
        await put(
            FinancialProduct.digital_payment,
            {
                "status": ProductStatus.closed if closed else ProductStatus.active,
                "since": _day_after(rng, opened_on, 15, 200, end),
                "provider": rng.choice(PAYMENT_APPS),
                "details": "Phone lost; not set up again yet (demo)" if closed else None,
            },
        )
    if rng.random() < 0.15:
        await put(
            FinancialProduct.pension,
            {
                "status": ProductStatus.applied if rng.random() < 0.4 else ProductStatus.active,
                "since": _day_after(rng, opened_on, 30, 240, end),
                "provider": "Atal Pension Yojana",
                "details": "Demo subscriber, Rs 42 a month",
            },
        )
