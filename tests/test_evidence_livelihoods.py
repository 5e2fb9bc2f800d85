"""Outcome 2's indicators (livelihoods, self-help groups and their money, financial inclusion,
entitlements, trainings), each counted against a hand-counted story told through the API with
the clock moved to each event; and the SHG grade the evidence engine computes in SQL checked
against the one Python definition (domain/shgs/grading.py) on generated groups.

The stories run over the first quarter of FY2026-27 (April-June 2026) and the month before.
Survivors (all registered 1 March 2026 in South 24 Parganas):
  s1, s2  consent to aggregate reporting throughout;
  s3      consents, and withdraws on 15 June (she counts in May, not in June nor the quarter);
  s4      never consents (she never counts; she is among those left out for consent).
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Role
from domain.evidence.parameters import measure_parameters
from domain.shgs.grading import GradingFacts, GradingRules, Norm, grade
from persistence.clock import IST, FixedClock
from persistence.evidence.measures.livelihoods import SHG_GRADES, SHG_GRADES_PER_ROW_SQL
from persistence.evidence.shg_grading import grade_sql
from persistence.models.livelihood_vocabulary import MeetingFrequency
from tests.evidence_world import EvidenceWorld, cells, evidence_fixtures, ist, totals
from tests.factories import NORTH_24, SOUTH_24, Factory

MONTHS = {"from": "2026-03-01", "to": "2026-06-30", "period": "month"}
Q1 = {"from": "2026-04-01", "to": "2026-06-30", "period": "fy_quarter"}
QUARTER = "FY2026-27 Q1"


clock, world = evidence_fixtures()


@pytest.fixture
async def people(world: EvidenceWorld) -> dict[str, UUID]:
    at = ist(2026, 3, 1, 10)
    return {
        "s1": await world.register(at),
        "s2": await world.register(at),
        "s3": await world.register(at),
        "s4": await world.register(at, reporting=False),
    }


def months(answer: dict[str, Any]) -> dict[str, Any]:
    """The monthly totals of an answer (March to June 2026)."""
    found = totals(answer)
    return {label: found[label] for label in ("2026-03", "2026-04", "2026-05", "2026-06")}


def d(month: int, day: int) -> date:
    return date(2026, month, day)


# -- self-help groups -----------------------------------------------------------------------


@pytest.fixture
async def groups(world: EvidenceWorld, people: dict[str, UUID]) -> dict[str, Any]:
    """Groups (monthly meetings, saving 2000 paise a meeting) and their books.

    G0  formed 15 Mar, North 24; meets 20 Mar (s1 saves 3000).
    G1  formed 10 Apr, South 24, block Canning I; meets 15 Apr, 15 May, 15 Jun (minutes kept;
        everyone recorded present saves 2000); RF of 15,00,000 paise received 10 Apr,
        5,00,000 drawn from the bank 14 Apr.
    G2  formed 30 Jun, created at 23:30 IST that day, North 24; meets 30 Jun (w2 saves 2000).
    G3  formed 1 Jul, created at 00:30 IST that day (still 30 June in UTC); South 24.

    Members: s1 in G0 from 15 Mar (never leaves) and in G1 from 10 Apr to 20 May (she counts
    once, placed in G0, the group she joined first); s2 in G1 from 12 Apr, leaves 31 May
    (not a member at the end of May); s3 and s4 in G1 from 1 May; w, a community woman, in
    G1 from 10 Apr; w2 in G2 from 30 Jun.

    Savings in G1: 15 Apr s1, s2, w 2000 each (6000); 15 May s1, s3, w 2000 each (6000; s2
    and s4 absent); 20 May w withdraws 1000; 25 May s2 deposits 500, reversed 25 May (nets to
    0 in May); 28 May w deposits 700, reversed 2 Jun (May +700, June -700); 31 May s2 takes
    out her 2000 as she leaves; 15 Jun s3, w, s4 2000 each (6000). April 6000, May 3700, June
    5300 (and G2's 2000): the quarter 17,000; March 3000 (G0).

    Internal loans in G1 (flat 24 %): L1 to w, 3,00,000 over 3 months, disbursed 15 Apr (due
    15 May, 15 Jun, 15 Jul: 1,00,000 principal + 6000 interest each); L2 to s1, 1,20,000 over
    2 months, disbursed 15 May (due 15 Jun, 15 Jul: 60,000 + 2400). Repaid: 15 May L1
    1,00,000 (+6000); 15 Jun L1 50,000 (+6000) and L2 1,20,000 (+2400: L2 closes early on
    15 Jun, its July instalment no longer due); 20 Jun L1 20,000 reversed 22 Jun.
    """
    w = world
    s1, s2, s3, s4 = (people[k] for k in ("s1", "s2", "s3", "s4"))
    canning = await w.block("Canning I")
    g0 = await w.shg(ist(2026, 3, 15), district=NORTH_24)
    g0_s1 = await w.member(g0, d(3, 15), survivor=s1)
    await w.meeting(g0, d(3, 20), {g0_s1: 3000})
    g1 = await w.shg(ist(2026, 4, 10), block=canning)
    await w.entry(g1, "revolving_fund_receipt", 1_500_000, d(4, 10))
    g1_s1 = await w.member(g1, d(4, 10), survivor=s1)
    g1_w = await w.member(g1, d(4, 10), name="Wahida")
    g1_s2 = await w.member(g1, d(4, 12), survivor=s2)
    await w.entry(g1, "bank_withdrawal", 500_000, d(4, 14))
    l1 = await w.loan(g1, g1_w, 300_000, 3, d(4, 14))
    await w.meeting(g1, d(4, 15), {g1_s1: 2000, g1_s2: 2000, g1_w: 2000}, disbursals=[l1])
    g1_s3 = await w.member(g1, d(5, 1), survivor=s3)
    g1_s4 = await w.member(g1, d(5, 1), survivor=s4)
    l2 = await w.loan(g1, g1_s1, 120_000, 2, d(5, 14))
    await w.meeting(
        g1,
        d(5, 15),
        {g1_s1: 2000, g1_s3: 2000, g1_w: 2000},
        absent=[g1_s2, g1_s4],
        repayments=[(l1, 100_000, 6000)],
        disbursals=[l2],
    )
    await w.entry(g1, "savings_withdrawal", 1000, d(5, 20), member=g1_w)
    await w.exit_member(g1, g1_s1, d(5, 20))
    mistake = await w.entry(g1, "savings_deposit", 500, d(5, 25), member=g1_s2)
    await w.reverse(g1, mistake, d(5, 25))
    late = await w.entry(g1, "savings_deposit", 700, d(5, 28), member=g1_w)
    await w.entry(g1, "savings_withdrawal", 2000, d(5, 31), member=g1_s2)
    await w.exit_member(g1, g1_s2, d(5, 31))
    await w.reverse(g1, late, d(6, 2))
    await w.meeting(
        g1,
        d(6, 15),
        {g1_s3: 2000, g1_w: 2000, g1_s4: 2000},
        repayments=[(l1, 50_000, 6000), (l2, 120_000, 2400)],
    )
    await w.withdraw_reporting(s3, ist(2026, 6, 15, 20))
    wrong = await w.entry(g1, "principal_repayment", 20_000, d(6, 20), loan=l1)
    await w.reverse(g1, wrong, d(6, 22))
    g2 = await w.shg(ist(2026, 6, 30, 23, 30), district=NORTH_24)
    g2_w2 = await w.member(g2, d(6, 30), name="Rekha")
    await w.meeting(g2, d(6, 30), {g2_w2: 2000})
    w.at(ist(2026, 6, 30, 23, 45))
    g3 = await w.shg(ist(2026, 7, 1, 0, 30))
    w.at(ist(2026, 7, 10))
    return {"g0": g0, "g1": g1, "g2": g2, "g3": g3, "canning": canning, "l1": l1, "l2": l2}


async def test_shgs_formed_count_each_group_on_its_day_in_india(
    world: EvidenceWorld, groups: dict[str, Any]
) -> None:
    answer = await world.values(
        "shgs_formed", **{"from": "2026-03-01", "to": "2026-07-31", "period": "month"}
    )
    # G2 was formed on 30 June (recorded at 23:30 IST); G3 on 1 July (recorded at 00:30 IST,
    # still 30 June in UTC): the day is India's.
    assert totals(answer) == {
        "2026-03": 1,
        "2026-04": 1,
        "2026-05": 0,
        "2026-06": 1,
        "2026-07": 1,
    }
    quarter = await world.values("shgs_formed", **Q1)
    assert totals(quarter) == {QUARTER: 2}
    by_place = cells(await world.values("shgs_formed", by="district,block", **Q1))
    assert by_place[(QUARTER, (("district", str(SOUTH_24)),))] == 1
    assert by_place[(QUARTER, (("district", str(NORTH_24)),))] == 1
    assert by_place[(QUARTER, (("block", str(groups["canning"])),))] == 1


async def test_shgs_active_met_at_least_once_in_the_period(
    world: EvidenceWorld, groups: dict[str, Any]
) -> None:
    # March: G0. April, May: G1. June: G1 and G2. The quarter: G1 and G2 (not 1 + 1 + 2).
    answer = await world.values("shgs_active", **MONTHS)
    assert months(answer) == {"2026-03": 1, "2026-04": 1, "2026-05": 1, "2026-06": 2}
    assert totals(await world.values("shgs_active", **Q1)) == {QUARTER: 2}


async def test_survivors_in_shgs_count_each_survivor_once_at_the_period_end(
    world: EvidenceWorld, groups: dict[str, Any]
) -> None:
    answer = await world.values("survivors_in_shgs", **MONTHS)
    # End of March: s1 (G0). April: s1 (in G0 and G1: once), s2. May: s1, s3 (s2 left on 31
    # May; s4 never consented). June: s1 (s3 withdrew her consent on 15 June).
    assert months(answer) == {"2026-03": 1, "2026-04": 2, "2026-05": 2, "2026-06": 1}
    quarter = await world.values("survivors_in_shgs", **Q1)
    assert totals(quarter) == {QUARTER: 1}  # read at the end of June, not summed
    assert quarter["excluded_for_consent"] == 2  # s3 and s4
    april = cells(
        await world.values(
            "survivors_in_shgs",
            by="district",
            **{"from": "2026-04-01", "to": "2026-04-30", "period": "month"},
        )
    )
    # s1 is placed in G0 (North 24), the group she joined first; s2 in G1 (South 24).
    assert april[("2026-04", (("district", str(NORTH_24)),))] == 1
    assert april[("2026-04", (("district", str(SOUTH_24)),))] == 1
    # Small counts of survivors are hidden from an analyst; counts of groups are not.
    for_analyst = await world.values("survivors_in_shgs", world.analyst, **Q1)
    assert [c["suppressed"] for c in for_analyst["cells"]] == [True]
    formed = await world.values("shgs_formed", world.analyst, **Q1)
    assert [(c["value"], c["suppressed"]) for c in formed["cells"]] == [(2, False)]


async def test_savings_mobilised_nets_withdrawals_and_reversals_by_their_dates(
    world: EvidenceWorld, groups: dict[str, Any]
) -> None:
    answer = await world.values("savings_mobilised", **MONTHS)
    assert months(answer) == {
        "2026-03": 3000,
        "2026-04": 6000,
        # 6000 saved, 1000 withdrawn (w), 500 deposited and reversed the same day, 700
        # deposited (reversed in June), 2000 withdrawn by s2 as she left.
        "2026-05": 3700,
        "2026-06": 5300 + 2000,  # G1: 6000 less the reversal of 700; G2: 2000
    }
    assert answer["unit"] == "paise"
    quarter = await world.values("savings_mobilised", **Q1)
    assert totals(quarter) == {QUARTER: 6000 + 3700 + 7300}
    # The same as the change in the groups' savings balances over the quarter.
    moved = 0
    for shg in (groups["g1"], groups["g2"]):
        end = await world.call(world.pm, "GET", f"/shgs/{shg}/ledger/balances?as_of=2026-06-30")
        start = await world.call(world.pm, "GET", f"/shgs/{shg}/ledger/balances?as_of=2026-03-31")
        moved += end["savings_paise"] - start["savings_paise"]
    assert moved == 17_000
    # A sum over fewer than k members is hidden from an analyst: April's three savers (s1,
    # s2, w); the quarter's six (s1 to s4, w, w2) are enough.
    april = {"from": "2026-04-01", "to": "2026-04-30"}
    for_analyst = await world.values("savings_mobilised", world.analyst, **april)
    assert [(c["value"], c["suppressed"]) for c in for_analyst["cells"]] == [(None, True)]
    for_analyst = await world.values("savings_mobilised", world.analyst, **Q1)
    assert [(c["value"], c["suppressed"]) for c in for_analyst["cells"]] == [(17_000, False)]


async def test_internal_loans_outstanding_is_read_from_the_books_at_the_period_end(
    world: EvidenceWorld, groups: dict[str, Any]
) -> None:
    answer = await world.values("internal_loans_outstanding", **MONTHS)
    # End of April: L1 3,00,000. May: L1 2,00,000 and L2 1,20,000. June: L1 1,50,000 (the
    # 20,000 repaid on 20 June was reversed on 22 June); L2 repaid.
    assert months(answer) == {
        "2026-03": 0,
        "2026-04": 300_000,
        "2026-05": 320_000,
        "2026-06": 150_000,
    }
    assert totals(await world.values("internal_loans_outstanding", **Q1)) == {QUARTER: 150_000}
    balances = await world.call(
        world.pm, "GET", f"/shgs/{groups['g1']}/ledger/balances?as_of=2026-05-31"
    )
    assert balances["internal_loans_outstanding_paise"] == 320_000
    mid_june = await world.values(
        "internal_loans_outstanding", **{"from": "2026-06-01", "to": "2026-06-21"}
    )
    assert totals(mid_june) == {"2026-06-01/2026-06-21": 130_000}  # before the reversal


async def test_loan_repayment_rate_is_principal_repaid_over_principal_due(
    world: EvidenceWorld, groups: dict[str, Any]
) -> None:
    answer = await world.values("loan_repayment_rate", **MONTHS)
    found = {c["period"]: c for c in answer["cells"] if not c["breakdown"]}
    # May: 1,00,000 repaid of 1,00,000 due. June: 50,000 + 1,20,000 (+20,000 reversed)
    # repaid of 1,00,000 (L1) + 60,000 (L2) due. L2's July instalment is not due: it closed.
    assert (found["2026-05"]["numerator"], found["2026-05"]["denominator"]) == (100_000, 100_000)
    assert found["2026-05"]["value"] == 100
    assert (found["2026-06"]["numerator"], found["2026-06"]["denominator"]) == (170_000, 160_000)
    assert found["2026-06"]["value"] == 106.3
    assert "2026-04" not in found or found["2026-04"]["value"] is None  # nothing due
    quarter = await world.values("loan_repayment_rate", **Q1)
    (total,) = [c for c in quarter["cells"] if not c["breakdown"]]
    assert (total["numerator"], total["denominator"], total["value"]) == (270_000, 260_000, 103.8)
    july = await world.values("loan_repayment_rate", **{"from": "2026-07-01", "to": "2026-07-31"})
    # Today is 10 July: L1's instalment of 15 July is not due yet.
    assert july["cells"] == []


async def test_shgs_by_grade_are_the_grades_the_grading_endpoint_gives(
    world: EvidenceWorld, groups: dict[str, Any]
) -> None:
    """By the default rules (window 6 months; a norm is A from its a, B from its b; 2 points
    an A, 1 a B; the group A from 80 of 100, B from 50):

    End of April: G0 (1 meeting expected, 1 held, all present and saving, no lending, books
    kept: A, A, C, -, A) scores 75: B; G1 (10 to 30 April: no meeting due yet) is not graded.
    End of May: G0 (2 expected, 1 held: meetings 50 C, savings A, lending C, books 50 C)
    scores 25: C. G1 (1 expected, 2 held; 6 of 8 present: 75 B; 6 of 8 saved: 75 B; loans
    3,20,000 against 9700 of savings: A; L1's May instalment paid on time: A; books A)
    scores 80: A.
    End of June: G0 C. G1 (2 expected, 3 held; 9 of 11 present and saving: 81.8 B, B;
    lending A; of the three instalments due, L1's of 15 June was short: 2 of 3 on time,
    66.7 B; books A) scores 70: B. G2, formed that day, is not graded.
    """
    answer = await world.values("shgs_by_grade", by="grade", **MONTHS)
    found = cells(answer)
    assert months(answer) == {"2026-03": 0, "2026-04": 1, "2026-05": 2, "2026-06": 2}
    assert found[("2026-04", (("grade", "B"),))] == 1
    assert found[("2026-05", (("grade", "A"),))] == 1
    assert found[("2026-05", (("grade", "C"),))] == 1
    assert found[("2026-06", (("grade", "B"),))] == 1
    assert found[("2026-06", (("grade", "C"),))] == 1
    assert ("2026-06", (("grade", "A"),)) not in found
    quarter = cells(await world.values("shgs_by_grade", by="grade", **Q1))
    assert quarter[(QUARTER, (("grade", "B"),))] == 1
    assert quarter[(QUARTER, ())] == 2  # read on 30 June, not the months' 5
    for shg, day, expected in [
        (groups["g0"], "2026-04-30", "B"),
        (groups["g1"], "2026-04-30", None),
        (groups["g0"], "2026-05-31", "C"),
        (groups["g1"], "2026-05-31", "A"),
        (groups["g1"], "2026-06-30", "B"),
        (groups["g2"], "2026-06-30", None),
    ]:
        graded = await world.call(world.pm, "GET", f"/shgs/{shg}/grading?as_of={day}")
        assert graded["grade"] == expected, (shg, day)


async def test_shg_grades_follow_the_organisations_rules(
    world: EvidenceWorld, groups: dict[str, Any]
) -> None:
    rules = await world.call(world.pm, "GET", "/shgs/grading-rules")
    lenient = {**rules["rules"], "grade_a_min_score": 60, "grade_b_min_score": 20}
    response = await world.client.put(
        "/api/v1/shgs/grading-rules",
        json=lenient,
        headers={**world.pm.headers, "If-Match": '"v0"'},
    )
    assert response.status_code == 200, response.text
    found = cells(await world.values("shgs_by_grade", by="grade", **Q1))
    # On 30 June G1's 70 points are now an A and G0's 25 a B, as the grading endpoint says.
    assert found[(QUARTER, (("grade", "A"),))] == 1
    assert found[(QUARTER, (("grade", "B"),))] == 1
    graded = await world.call(world.pm, "GET", f"/shgs/{groups['g0']}/grading?as_of=2026-06-30")
    assert graded["grade"] == "B"


# -- her livelihood -------------------------------------------------------------------------


@pytest.fixture
async def livelihoods(world: EvidenceWorld, people: dict[str, UUID]) -> dict[str, Any]:
    """Plans, jobs and enterprises, income, bank accounts.

    Exploring a livelihood: s2's enterprise started 15 Mar (recorded 20 Apr), ended 20 May;
    s1's plan recorded 30 Apr at 23:30 IST (April's); s3's job from 1 May and her plan of
    2 May (once); s4's plan of 1 Apr (no consent).
    Income by month (all sources): s1 April 3,00,000 wages + 2,00,000 enterprise, May 0
    (recorded as none), June 4,00,000; s2 April 1,00,000, June 7,00,000; s3 May 2,50,000;
    s4 April 9,99,999.
    Bank accounts: s1 active since 31 Mar (recorded 2 Apr); s2 since 30 Jun; s3 applied for
    one (not open); s4 since 10 Apr.
    """
    w = world
    s1, s2, s3, s4 = (people[k] for k in ("s1", "s2", "s3", "s4"))
    await w.plan(s4, ist(2026, 4, 1))
    await w.bank_account(s1, ist(2026, 4, 2), d(3, 31))
    await w.bank_account(s4, ist(2026, 4, 10), d(4, 10))
    enterprise = await w.activity(s2, ist(2026, 4, 20), d(3, 15))
    await w.plan(s1, ist(2026, 4, 30, 23, 30))
    await w.activity(s3, ist(2026, 5, 1), d(5, 1))
    await w.plan(s3, ist(2026, 5, 2))
    await w.income(s1, d(4, 1), 300_000)
    await w.income(s1, d(4, 1), 200_000, "enterprise")
    await w.income(s2, d(4, 1), 100_000)
    await w.income(s4, d(4, 1), 999_999)
    await w.bank_account(s3, ist(2026, 5, 10), d(5, 10), status="applied")
    w.at(ist(2026, 5, 21))
    path = f"/api/v1/survivors/{s2}/livelihood-activities/{enterprise}"
    current = await w.client.get(path, headers=w.sw.headers)
    ended = await w.client.patch(
        path,
        json={"ended_on": "2026-05-20"},
        headers={**w.sw.headers, "If-Match": f'"v{current.json()["version"]}"'},
    )
    assert ended.status_code == 200, ended.text
    await w.income(s1, d(5, 1), 0)
    await w.income(s3, d(5, 1), 250_000)
    await w.withdraw_reporting(s3, ist(2026, 6, 15))
    await w.bank_account(s2, ist(2026, 6, 30, 23, 30), d(6, 30))
    await w.income(s1, d(6, 1), 400_000)
    await w.income(s2, d(6, 1), 700_000)
    w.at(ist(2026, 7, 10))
    return {}


async def test_survivors_exploring_livelihoods_stand_at_the_period_end(
    world: EvidenceWorld, livelihoods: dict[str, Any]
) -> None:
    answer = await world.values("survivors_exploring_livelihoods", **MONTHS)
    # End of March: s2 (her enterprise started 15 March, recorded later). April: s2, s1 (plan
    # at 23:30 IST on 30 April). May: s1, s3 (job and plan: once); s2's enterprise ended 20
    # May. June: s1 (s3 withdrew her consent).
    assert months(answer) == {"2026-03": 1, "2026-04": 2, "2026-05": 2, "2026-06": 1}
    quarter = await world.values("survivors_exploring_livelihoods", **Q1)
    assert totals(quarter) == {QUARTER: 1}
    assert quarter["excluded_for_consent"] == 2  # s3 and s4
    for_analyst = await world.values("survivors_exploring_livelihoods", world.analyst, **Q1)
    assert [c["suppressed"] for c in for_analyst["cells"]] == [True]


async def test_survivors_with_income_and_their_median_monthly_income(
    world: EvidenceWorld, livelihoods: dict[str, Any]
) -> None:
    earning = await world.values("survivors_with_income", **MONTHS)
    # April: s1, s2 (s4 without consent). May: s3 (s1's May was recorded as none). June: s1,
    # s2. The quarter: s1, s2 (s3 had withdrawn by its end), each once.
    assert months(earning) == {"2026-03": 0, "2026-04": 2, "2026-05": 1, "2026-06": 2}
    assert totals(await world.values("survivors_with_income", **Q1)) == {QUARTER: 2}
    median = await world.values("median_monthly_income", **MONTHS)
    assert median["unit"] == "paise"
    # April: 5,00,000 (s1's two sources) and 1,00,000. May: 0 and 2,50,000. June: 4,00,000
    # and 7,00,000. The quarter: s1's 5,00,000, 0, 4,00,000 and s2's 1,00,000, 7,00,000.
    found = totals(median)
    assert found["2026-04"] == 300_000
    assert found["2026-05"] == 125_000
    assert found["2026-06"] == 550_000
    assert totals(await world.values("median_monthly_income", **Q1)) == {QUARTER: 400_000}
    for_analyst = await world.values("median_monthly_income", world.analyst, **Q1)
    assert [c["suppressed"] for c in for_analyst["cells"]] == [True]


async def test_bank_accounts_opened_on_the_day_they_were_opened(
    world: EvidenceWorld, livelihoods: dict[str, Any]
) -> None:
    answer = await world.values("bank_accounts_opened", **MONTHS)
    # March: s1 (opened 31 March, recorded in April). June: s2 (30 June, recorded 23:30 IST).
    # s3's is only applied for; s4 never consented.
    assert months(answer) == {"2026-03": 1, "2026-04": 0, "2026-05": 0, "2026-06": 1}
    quarter = await world.values("bank_accounts_opened", **Q1)
    assert totals(quarter) == {QUARTER: 1}
    assert quarter["excluded_for_consent"] == 1  # s4


# -- entitlements ---------------------------------------------------------------------------


@pytest.fixture
async def entitlements(world: EvidenceWorld, people: dict[str, UUID]) -> dict[str, Any]:
    """Applications (the stall threshold is the default 45 days).

    a1  s1 Lakshmir Bhandar: applied 2 Apr; under process, then sanctioned 3 Apr; part
        received 5 May and 5 Jun.
    a2  s1 PM Jan Dhan: recorded as applied on 10 Apr; under process 20 Apr; sanctioned 1 May
        (no move for 45 days: stalled from the end of 15 Jun); received 30 Jun at 23:30 IST.
    a3  s2 Swasthya Sathi: gathering documents from 1 Apr; applied 5 May (stalled from the
        end of 19 Jun).
    a4  s3 Voter ID: applied 1 Jun; rejected 10 Jun (closed); s3 withdraws on 15 Jun.
    a5  s4 PM Jan Dhan: applied 3 Apr (no consent).
    """
    w = world
    s1, s2, s3, s4 = (people[k] for k in ("s1", "s2", "s3", "s4"))
    a3 = await w.apply(s2, "swasthya_sathi", ist(2026, 4, 1))
    a1 = await w.apply(s1, "lakshmir_bhandar", ist(2026, 4, 2), applied_on=d(4, 2))
    a5 = await w.apply(s4, "pm_jan_dhan", ist(2026, 4, 3), applied_on=d(4, 3))
    a1 = await w.advance(a1, ist(2026, 4, 3, 11), to="under_process")
    a1 = await w.advance(a1, ist(2026, 4, 3, 12), to="sanctioned")
    a2 = await w.apply(s1, "pm_jan_dhan", ist(2026, 4, 10), applied_on=d(4, 10))
    a2 = await w.advance(a2, ist(2026, 4, 20), to="under_process")
    a2 = await w.advance(a2, ist(2026, 5, 1), to="sanctioned")
    a1 = await w.advance(a1, ist(2026, 5, 5), to="partly_received", amount_paise=100_000)
    a3 = await w.advance(a3, ist(2026, 5, 5), to="applied", office="BDO Canning-I")
    a4 = await w.apply(s3, "voter_id", ist(2026, 6, 1), applied_on=d(6, 1))
    a1 = await w.advance(a1, ist(2026, 6, 5), to="partly_received", amount_paise=100_000)
    a4 = await w.advance(a4, ist(2026, 6, 10), to="rejected", reason="not_eligible")
    await w.withdraw_reporting(s3, ist(2026, 6, 15, 20))
    a2 = await w.advance(a2, ist(2026, 6, 30, 23, 30), to="received")
    w.at(ist(2026, 7, 10))
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5}


async def test_entitlement_applications_made_by_scheme(
    world: EvidenceWorld, entitlements: dict[str, Any]
) -> None:
    answer = await world.values("entitlement_applications_made", by="scheme", **MONTHS)
    # April: a1, a2 (a5 without consent). May: a3 (applied 5 May). June: a4, but s3 had
    # withdrawn by the end of June. The quarter: a1, a2, a3.
    assert months(answer) == {"2026-03": 0, "2026-04": 2, "2026-05": 1, "2026-06": 0}
    found = cells(answer)
    assert found[("2026-04", (("scheme", "lakshmir_bhandar"),))] == 1
    assert found[("2026-04", (("scheme", "pm_jan_dhan"),))] == 1
    assert found[("2026-05", (("scheme", "swasthya_sathi"),))] == 1
    quarter = await world.values("entitlement_applications_made", **Q1)
    assert totals(quarter) == {QUARTER: 3}
    assert quarter["excluded_for_consent"] == 2  # a4 (s3), a5 (s4)


async def test_entitlements_received_count_each_application_once_per_period(
    world: EvidenceWorld, entitlements: dict[str, Any]
) -> None:
    answer = await world.values("entitlements_received", by="scheme", **MONTHS)
    # May: a1's first part. June: a1's second part, a2 (30 June, 23:30 IST). The quarter: a1
    # and a2, a1 once.
    assert months(answer) == {"2026-03": 0, "2026-04": 0, "2026-05": 1, "2026-06": 2}
    found = cells(await world.values("entitlements_received", by="scheme", **Q1))
    assert found[(QUARTER, ())] == 2
    assert found[(QUARTER, (("scheme", "lakshmir_bhandar"),))] == 1
    assert found[(QUARTER, (("scheme", "pm_jan_dhan"),))] == 1


async def test_entitlement_applications_stalled_as_the_list_flags_them(
    world: EvidenceWorld, entitlements: dict[str, Any]
) -> None:
    answer = await world.values("entitlement_applications_stalled", by="scheme", **MONTHS)
    # End of May: none has been still for 45 days. End of June: a3 (applied 5 May); a2 had
    # stalled from 15 June but moved on 30 June; a1 moved 5 June; a4 is closed.
    assert months(answer) == {"2026-03": 0, "2026-04": 0, "2026-05": 0, "2026-06": 1}
    assert cells(answer)[("2026-06", (("scheme", "swasthya_sathi"),))] == 1
    # Read on 20 June: a2 (still since 1 May) and a3 (since 5 May).
    mid_june = await world.values(
        "entitlement_applications_stalled", **{"from": "2026-06-01", "to": "2026-06-20"}
    )
    assert totals(mid_june) == {"2026-06-01/2026-06-20": 2}
    # The entitlements list, at the end of 30 June, flags the same applications: a3, and a5
    # (applied 3 April, never moved), which the figure leaves out for want of s4's consent.
    world.at(ist(2026, 7, 1, 0, 0))
    flagged = await world.call(world.sw, "GET", "/entitlement-applications?stalled=true")
    assert {a["id"] for a in flagged["items"]} == {
        entitlements["a3"]["id"],
        entitlements["a5"]["id"],
    }
    quarter = await world.values("entitlement_applications_stalled", **Q1)
    assert totals(quarter) == {QUARTER: 1}
    assert quarter["excluded_for_consent"] == 1  # a5


async def test_the_stall_threshold_is_the_configured_one(
    world: EvidenceWorld, entitlements: dict[str, Any]
) -> None:
    from domain.evidence.evaluator import EvidenceScope, evaluate
    from domain.evidence.parameters import measure_parameters
    from domain.evidence.periods import PeriodKind, periods
    from domain.evidence.service import EvidenceService, EvidenceSettings

    june = periods(PeriodKind.month, d(6, 1), d(6, 30))

    async def stalled(days: int) -> Any:
        async with world.factory.uow() as uow:
            definition = await EvidenceService(
                uow, EvidenceSettings(suppression_k=5, stalled_days=45)
            ).definition("entitlement_applications_stalled")
            scope = EvidenceScope(
                (world.org,), suppressed=False, parameters=measure_parameters(stalled_days=days)
            )
            evaluation = await evaluate(uow, definition, scope, june, k=5)
        return [f.value for f in evaluation.figures if not f.breakdown]

    assert await stalled(45) == [1]  # a3
    # At 20 days: a3 (applied 5 May) and a1 (part received 5 June: 25 days still).
    assert await stalled(20) == [2]
    # A measure never guesses a rule it was not given.
    async with world.factory.uow() as uow:
        definition = await EvidenceService(
            uow, EvidenceSettings(suppression_k=5, stalled_days=45)
        ).definition("entitlement_applications_stalled")
        with pytest.raises(ValueError, match="stalled_days"):
            await evaluate(uow, definition, EvidenceScope((world.org,)), june, k=5)
    # A service built with another setting passes it on.
    async with world.factory.uow() as uow:
        assert EvidenceService(
            uow, EvidenceSettings(suppression_k=5, stalled_days=20)
        ).parameters == (measure_parameters(stalled_days=20))


# -- trainings ------------------------------------------------------------------------------


@pytest.fixture
async def trainings(world: EvidenceWorld, people: dict[str, UUID]) -> dict[str, Any]:
    """Trainings (scores out of 100, pre -> post).

    T1 vocational, 5 Apr to 30 Jun, South 24: s1 40 -> 70, s2 50 -> 60, s4 10 -> 90.
    T2 financial literacy, 20 May (one day), North 24: s1 30 -> 35, s3 20 -> 80.
    T3 leadership (not a livelihood course), 10 Apr: s2.
    T4 digital literacy, from 2 Jul: not begun by the end of June.
    """
    w = world
    s1, s2, s3, s4 = (people[k] for k in ("s1", "s2", "s3", "s4"))
    t1 = await w.training("vocational", d(4, 5), d(6, 30))
    for survivor, pre, post in ((s1, 40, 70), (s2, 50, 60), (s4, 10, 90)):
        await w.enrol(t1, survivor, pre, post)
    t3 = await w.training("leadership", d(4, 10))
    await w.enrol(t3, s2, 20, 90)
    t2 = await w.training("financial_literacy", d(5, 20), d(5, 20), district=NORTH_24)
    await w.enrol(t2, s1, 30, 35)
    await w.enrol(t2, s3, 20, 80)
    await w.withdraw_reporting(s3, ist(2026, 6, 15))
    await w.training("digital_literacy", d(7, 2))
    w.at(ist(2026, 7, 10))
    return {}


async def test_livelihood_trainings_held_by_topic(
    world: EvidenceWorld, trainings: dict[str, Any]
) -> None:
    answer = await world.values("trainings_held", by="topic", **MONTHS)
    # April: T1 (T3 is a leadership course). May: T2. July's T4 is outside.
    assert months(answer) == {"2026-03": 0, "2026-04": 1, "2026-05": 1, "2026-06": 0}
    found = cells(await world.values("trainings_held", by="topic", **Q1))
    assert found[(QUARTER, ())] == 2
    assert found[(QUARTER, (("topic", "vocational"),))] == 1
    assert found[(QUARTER, (("topic", "financial_literacy"),))] == 1
    assert (QUARTER, (("topic", "leadership"),)) not in found
    # Trainings are events, not persons: an analyst sees the small figure.
    for_analyst = await world.values("trainings_held", world.analyst, **Q1)
    assert [(c["value"], c["suppressed"]) for c in for_analyst["cells"]] == [(2, False)]


async def test_training_participants_count_each_survivor_once(
    world: EvidenceWorld, trainings: dict[str, Any]
) -> None:
    answer = await world.values("training_participants", **MONTHS)
    # April (T1): s1, s2 (s4 without consent). May (T2): s1, s3 (her consent still held).
    # The quarter: s1 (in two trainings, once), s2; s3 had withdrawn by its end.
    assert months(answer) == {"2026-03": 0, "2026-04": 2, "2026-05": 2, "2026-06": 0}
    quarter = await world.values("training_participants", by="district", **Q1)
    found = cells(quarter)
    assert found[(QUARTER, ())] == 2
    assert found[(QUARTER, (("district", str(SOUTH_24)),))] == 2
    assert found[(QUARTER, (("district", str(NORTH_24)),))] == 1  # s1 in T2


async def test_training_score_gain_median_of_trainings_that_ended(
    world: EvidenceWorld, trainings: dict[str, Any]
) -> None:
    answer = await world.values("training_score_gain_median", **MONTHS)
    found = totals(answer)
    # May (T2 ended): s1 +5, s3 +60 -> 32.5. June (T1 ended): s1 +30, s2 +10 -> 20.
    assert found["2026-05"] == 32.5
    assert found["2026-06"] == 20
    assert found["2026-04"] == 0
    # The quarter: +30, +10, +5 (s3 withdrew; s4 never consented; T3 is leadership) -> 10.
    assert totals(await world.values("training_score_gain_median", **Q1)) == {QUARTER: 10}


# -- one grading rule: the SQL the evidence engine runs and domain/shgs/grading.py agree ------

# Thresholds where norms and scores often land exactly (a tie must grade the same way).
EDGES = [0.0, 25.0, 50.0, 60.0, 62.5, 100 * 2 / 3, 70.0, 75.0, 80.0, 90.0, 100.0]


@st.composite
def thresholds(draw: st.DrawFn) -> dict[str, float]:
    value = st.one_of(st.sampled_from(EDGES), st.floats(0, 100, allow_nan=False))
    a, b = draw(value), draw(value)
    return {"a": max(a, b), "b": min(a, b)}


@st.composite
def grading_cases(draw: st.DrawFn) -> tuple[GradingFacts, GradingRules, date, str, date]:
    small = st.integers(0, 60)
    rows, pairs, due = draw(small), draw(small), draw(st.integers(0, 12))
    held = draw(st.integers(0, 40))
    facts = GradingFacts(
        meetings_held=held,
        meetings_with_minutes=draw(st.integers(0, held)),
        attendance_rows=rows,
        attended_rows=draw(st.integers(0, rows)),
        saving_pairs=pairs,
        saved_pairs=draw(st.integers(0, pairs)),
        internal_outstanding_paise=draw(st.integers(0, 5_000_000)),
        savings_paise=draw(st.integers(0, 5_000_000)),
        instalments_due=due,
        instalments_on_time=draw(st.integers(0, due)),
    )
    score = st.one_of(st.sampled_from(EDGES), st.floats(0, 100, allow_nan=False))
    a_min, b_min = draw(score), draw(score)
    fund = {"min_age_months": 3, "min_grade": "B"}
    rules = GradingRules.model_validate(
        {
            "window_months": draw(st.integers(1, 36)),
            **{norm.value: draw(thresholds()) for norm in Norm},
            "grade_a_min_score": max(a_min, b_min),
            "grade_b_min_score": min(a_min, b_min),
            "revolving_fund": fund,
            "community_investment_fund": fund,
        }
    )
    # Month ends and 29-31st days stress the month arithmetic.
    formed_on = draw(st.dates(date(2023, 1, 1), date(2026, 12, 31)))
    as_of = formed_on + timedelta(days=draw(st.integers(0, 1200)))
    frequency = draw(st.sampled_from([f.value for f in MeetingFrequency]))
    return facts, rules, formed_on, frequency, as_of


FACT_COLUMNS = [f.name for f in fields(GradingFacts) if "fund" not in f.name]


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=grading_cases())
async def test_the_sql_grade_is_the_python_grade(
    connection: AsyncConnection, case: tuple[GradingFacts, GradingRules, date, str, date]
) -> None:
    facts, rules, formed_on, frequency, as_of = case
    given_facts = "SELECT " + ", ".join(
        f"CAST(:{name} AS bigint) AS {name}" for name in FACT_COLUMNS
    )
    sql = grade_sql(
        rules="CAST(:rules AS jsonb)",
        formed_on="CAST(:formed_on AS date)",
        frequency="CAST(:frequency AS text)",
        as_of="CAST(:as_of AS date)",
        facts_of=lambda _start: given_facts,
    )
    row = (
        await connection.execute(
            sa.text(sql),
            {
                "rules": json.dumps(rules.model_dump(mode="json")),
                "formed_on": formed_on,
                "frequency": frequency,
                "as_of": as_of,
                **{name: getattr(facts, name) for name in FACT_COLUMNS},
            },
        )
    ).one()
    expected = grade(
        facts, rules, formed_on=formed_on, frequency=MeetingFrequency(frequency), as_of=as_of
    )
    assert row.window_start == expected.window_start
    assert row.meetings_expected == expected.meetings_expected
    assert row.grade == expected.grade
    assert row.score == expected.score


@st.composite
def group_stories(draw: st.DrawFn) -> dict[str, Any]:
    """A young group: members, meetings by its frequency (some skipped), each with attendance,
    savings (mostly the fixed amount, sometimes too little or none), minutes mostly kept; a
    deposit reversed; an internal loan repaid in instalments, some late or missed."""
    frequency = draw(st.sampled_from(["weekly", "fortnightly", "monthly"]))
    step = {"weekly": 7, "fortnightly": 14, "monthly": 30}[frequency]
    count = draw(st.integers(0, 10))
    usually = st.sampled_from
    meetings = [
        {
            "offset": step * (k + 1) + draw(st.integers(0, 2)),
            "skip": draw(usually([False] * 6 + [True])),
            "lines": [
                draw(usually(["present"] * 6 + ["late", "absent", "leave"])) for _ in range(3)
            ],
            "saved": [draw(usually([2000] * 6 + [2500, 500, 0])) for _ in range(3)],
            "minutes": draw(usually([True] * 6 + [False])),
            "repay": draw(usually([True, True, False])),
        }
        for k in range(count)
    ]
    return {
        "formed": date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 60))),
        "frequency": frequency,
        "until": step * (count + 1) + 35,
        "meetings": meetings,
        "loan_at": draw(st.sampled_from([None, *range(count)])),
        "tenure": draw(st.integers(1, 4)),
        "reverse": draw(st.booleans()),
    }


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(story=group_stories())
async def test_shgs_by_grade_agree_with_the_grading_endpoint_on_generated_groups(
    client: httpx.AsyncClient, factory: Factory, clock: FixedClock, story: dict[str, Any]
) -> None:
    """Each generated group is graded at every month end while it meets, by the
    evidence engine (the grade in SQL, books from the bound sign table) and by the grading
    endpoint (its facts and domain/shgs/grading.py): the same grade every time."""
    organization = await factory.organization()
    pm = await factory.user(organization, Role.program_manager)
    sw = await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))
    world = EvidenceWorld(client, factory, clock)
    world.sw = sw
    world.pm = pm
    formed: date = story["formed"]
    shg = await world.shg(
        datetime.combine(formed, time(10), IST), frequency=story["frequency"], saving=2000
    )
    await world.entry(shg, "revolving_fund_receipt", 1_000_000, formed)
    await world.entry(shg, "bank_withdrawal", 500_000, formed)
    members = [await world.member(shg, formed, name=f"Member {i}") for i in range(3)]
    loan = None
    reversed_one = False
    instalment = (100_000 // story["tenure"], 2000)  # principal and flat interest, monthly
    for index, meeting in enumerate(story["meetings"]):
        if meeting["skip"]:
            continue
        held_on = formed + timedelta(days=meeting["offset"])
        disburse = []
        if story["loan_at"] == index:
            loan = await world.loan(shg, members[0], 100_000, story["tenure"], held_on)
            disburse = [loan]
        repay = []
        if loan is not None and story["loan_at"] != index and meeting["repay"]:
            repay = [(loan, *instalment)]
        world.at(datetime.combine(held_on, time(17), IST))
        body: dict[str, Any] = {
            "held_on": held_on.isoformat(),
            "attendance": [
                {"member_id": str(m), "status": s}
                for m, s in zip(members, meeting["lines"], strict=True)
            ],
            "savings": [
                {"member_id": str(m), "amount_paise": a}
                for m, a in zip(members, meeting["saved"], strict=True)
                if a
            ],
            "repayments": [
                {"loan_id": str(x), "principal_paise": p, "interest_paise": i} for x, p, i in repay
            ],
            "disbursals": [{"loan_id": str(x)} for x in disburse],
        }
        if meeting["minutes"]:
            body["minutes"] = "Held."
        url = f"/api/v1/shgs/{shg}/meetings"
        response = await client.post(url, json=body, headers=sw.headers)
        if response.status_code == 422:  # more than is outstanding or owed: no repayment
            body["repayments"] = []
            response = await client.post(url, json=body, headers=sw.headers)
        assert response.status_code == 201, response.text
        deposits = [e for e in response.json()["entries"] if e["kind"] == "savings_deposit"]
        if story["reverse"] and deposits and not reversed_one:
            await world.reverse(shg, UUID(deposits[0]["id"]), held_on + timedelta(days=3))
            reversed_one = True
    world.at(datetime.combine(formed + timedelta(days=400), time(12), IST))
    end = formed + timedelta(days=story["until"])
    answer = await world.values(
        "shgs_by_grade",
        by="grade",
        period="month",
        **{"from": formed.isoformat(), "to": end.isoformat()},
    )
    by_engine = {
        c["period"]: c["breakdown"]["grade"]
        for c in answer["cells"]
        if c["breakdown"] and c["value"] == 1
    }
    for period in answer["periods"]:
        graded = await world.call(pm, "GET", f"/shgs/{shg}/grading?as_of={period['evaluated_on']}")
        assert by_engine.get(period["label"]) == graded["grade"], (period, graded)


# -- the set-based grades against the per-(group, day) form ------------------------------


def _maybe(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> Any:
    return draw(st.one_of(st.none(), values))


@st.composite
def ledgers(draw: st.DrawFn) -> dict[str, Any]:
    """Groups with whole books, written straight to the tables: meetings (some deleted, some
    on the same day, minutes or not) with attendance lines and deposits, a deposit reversed
    before, on or after its meeting or a day read; withdrawals, fines, RF and CIF receipts
    (some reversed); internal and bank loans (one deleted) with instalments, repaid early,
    late, in part or not, a repayment reversed; the organisation's own window or the shared
    rules; days read before the group was formed, on meeting days and long after."""
    groups = []
    for _ in range(draw(st.integers(1, 3))):
        frequency = draw(st.sampled_from(["weekly", "fortnightly", "monthly"]))
        step = {"weekly": 7, "fortnightly": 14, "monthly": 30}[frequency]
        members = draw(st.integers(1, 4))
        amount = st.sampled_from([500, 1000, 2000, 2000, 2500])
        reversal = st.integers(-10, 120)
        # A quarter of the deposits reversed, before, on or after their meeting.
        undone = st.tuples(st.integers(0, 3), reversal).map(lambda p: p[1] if p[0] == 0 else None)
        meetings = [
            {
                "offset": step * (k + 1) + draw(st.integers(-3, 3)),
                "deleted": draw(st.sampled_from([False] * 9 + [True])),
                "minutes": draw(st.sampled_from([True, True, False])),
                "lines": [
                    draw(st.sampled_from(["present", "present", "late", "absent", "leave", None]))
                    for _ in range(members)
                ],
                "deposits": [
                    draw(st.lists(st.tuples(amount, undone), max_size=2)) for _ in range(members)
                ],
            }
            for k in range(draw(st.integers(0, 14)))
        ]
        others = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(
                        [
                            "revolving_fund_receipt",
                            "community_investment_fund_receipt",
                            "savings_withdrawal",
                            "fine",
                            "bank_deposit",
                        ]
                    ),
                    st.integers(100, 500_000),
                    st.integers(0, 400),
                    st.one_of(st.none(), st.integers(0, 60)),
                ),
                max_size=5,
            )
        )
        loans = [
            {
                "kind": draw(st.sampled_from(["internal", "internal", "bank"])),
                "deleted": draw(st.sampled_from([False] * 5 + [True])),
                "offset": draw(st.integers(0, 300)),
                "principal": draw(st.integers(1, 50)) * 10_000,
                "tenure": draw(st.integers(1, 5)),
                "repayments": [
                    (draw(st.sampled_from([1.0, 1.0, 0.5, 0.0, 2.0])), draw(st.integers(-15, 20)))
                    for _ in range(5)
                ],
                "reverse": _maybe(draw, st.integers(0, 4)),
            }
            for _ in range(draw(st.integers(0, 2)))
        ]
        groups.append(
            {
                "formed": date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 90))),
                "frequency": frequency,
                "saving": draw(st.sampled_from([0, 1000, 2000])),
                "members": members,
                "meetings": meetings,
                "others": others,
                "loans": loans,
            }
        )
    days = draw(st.lists(st.integers(-20, 700), min_size=5, max_size=30, unique=True))
    return {
        "groups": groups,
        "days": sorted(date(2024, 1, 1) + timedelta(days=d) for d in days),
        "window": draw(st.sampled_from([None, 1, 3, 12])),
    }


async def _write_books(
    connection: AsyncConnection, organization: UUID, story: dict[str, Any]
) -> set[date]:
    """The story's rows, as the services would have written them (all but the checks); and
    the days where a count turns (meetings, reversals, instalments due), to be read on and
    the day before."""
    rows: dict[str, list[dict[str, Any]]] = {
        "shg": [],
        "shg_member": [],
        "shg_meeting": [],
        "shg_attendance": [],
        "shg_loan": [],
        "shg_loan_instalment": [],
        "shg_ledger_entry": [],
    }
    entries = rows["shg_ledger_entry"]

    def entry(shg: UUID, kind: str, amount: int, on: date, **links: Any) -> UUID:
        key = uuid4()
        entries.append(
            {
                "id": key,
                "organization_id": organization,
                "shg_id": shg,
                "meeting_id": links.get("meeting"),
                "member_id": links.get("member"),
                "loan_id": links.get("loan"),
                "kind": kind,
                "amount_paise": amount,
                "entry_date": on,
                "reverses_id": None,
            }
        )
        return key

    def reverse(shg: UUID, of: UUID, on: date) -> None:
        original = next(e for e in entries if e["id"] == of)
        entry(shg, original["kind"], original["amount_paise"], on, loan=original["loan_id"])
        entries[-1]["reverses_id"] = of
        entries[-1]["member_id"] = original["member_id"]

    for group in story["groups"]:
        shg, formed = uuid4(), group["formed"]
        rows["shg"].append(
            {
                "id": shg,
                "organization_id": organization,
                "formed_on": formed,
                "meeting_frequency": group["frequency"],
                "saving_per_meeting_paise": group["saving"],
            }
        )
        members = [uuid4() for _ in range(group["members"])]
        rows["shg_member"] += [
            {"id": m, "organization_id": organization, "shg_id": shg, "joined_on": formed}
            for m in members
        ]
        for meeting in group["meetings"]:
            held_on = formed + timedelta(days=meeting["offset"])
            key = uuid4()
            rows["shg_meeting"].append(
                {
                    "id": key,
                    "organization_id": organization,
                    "shg_id": shg,
                    "held_on": held_on,
                    "minutes": b"minutes" if meeting["minutes"] else None,
                    "deleted": meeting["deleted"],
                }
            )
            for member, status, deposits in zip(
                members, meeting["lines"], meeting["deposits"], strict=True
            ):
                if status is not None:
                    rows["shg_attendance"].append(
                        {"meeting_id": key, "member_id": member, "status": status}
                    )
                for amount, reversed_after in deposits:
                    deposit = entry(
                        shg, "savings_deposit", amount, held_on, meeting=key, member=member
                    )
                    if reversed_after is not None:
                        reverse(shg, deposit, held_on + timedelta(days=reversed_after))
        for kind, amount, offset, reversed_after in group["others"]:
            on = formed + timedelta(days=offset)
            member = members[0] if kind == "savings_withdrawal" else None
            other = entry(shg, kind, amount, on, member=member)
            if reversed_after is not None:
                reverse(shg, other, on + timedelta(days=reversed_after))
        for loan in group["loans"]:
            key, disbursed = uuid4(), formed + timedelta(days=loan["offset"])
            rows["shg_loan"].append(
                {
                    "id": key,
                    "organization_id": organization,
                    "shg_id": shg,
                    "kind": loan["kind"],
                    "principal_paise": loan["principal"],
                    "tenure_months": loan["tenure"],
                    "applied_on": disbursed,
                    "deleted": loan["deleted"],
                }
            )
            entry(shg, "loan_disbursal", loan["principal"], disbursed, loan=key)
            principal = loan["principal"] // loan["tenure"]
            repaid = []
            for number in range(1, loan["tenure"] + 1):
                due_on = disbursed + timedelta(days=30 * number)
                rows["shg_loan_instalment"].append(
                    {
                        "loan_id": key,
                        "number": number,
                        "due_on": due_on,
                        "principal_paise": principal,
                        "interest_paise": 1000,
                    }
                )
                share, delay = loan["repayments"][number - 1]
                if share:
                    on = due_on + timedelta(days=delay)
                    kind = (
                        "principal_repayment"
                        if loan["kind"] == "internal"
                        else ("bank_loan_repayment")
                    )
                    repaid.append(entry(shg, kind, int(principal * share) or 1, on, loan=key))
                    entry(shg, "interest", 1000, on, loan=key)
            if loan["reverse"] is not None and loan["reverse"] < len(repaid):
                undone = next(e for e in entries if e["id"] == repaid[loan["reverse"]])
                reverse(shg, undone["id"], undone["entry_date"] + timedelta(days=3))
    statements = {
        "shg": "INSERT INTO shg (id, organization_id, name, formed_on, meeting_frequency,"
        " saving_per_meeting_paise, interest_rate_bps, status) VALUES (:id,"
        " :organization_id, 'Group', :formed_on, :meeting_frequency,"
        " :saving_per_meeting_paise, 2400, 'active')",
        "shg_member": "INSERT INTO shg_member (id, organization_id, shg_id, name_enc, role,"
        " joined_on) VALUES (:id, :organization_id, :shg_id, 'x'::bytea, 'member', :joined_on)",
        "shg_meeting": "INSERT INTO shg_meeting (id, organization_id, shg_id, held_on,"
        " minutes_enc, deleted_at) VALUES (:id, :organization_id, :shg_id, :held_on,"
        " :minutes, CASE WHEN :deleted THEN now() END)",
        "shg_attendance": "INSERT INTO shg_attendance (meeting_id, member_id, status)"
        " VALUES (:meeting_id, :member_id, :status)",
        "shg_loan": "INSERT INTO shg_loan (id, organization_id, shg_id, kind, principal_paise,"
        " annual_rate_bps, tenure_months, interest_method, status, applied_on, deleted_at)"
        " VALUES (:id, :organization_id, :shg_id, :kind, :principal_paise, 2400,"
        " :tenure_months, 'flat', 'disbursed', :applied_on, CASE WHEN :deleted THEN now() END)",
        "shg_loan_instalment": "INSERT INTO shg_loan_instalment (loan_id, number, due_on,"
        " principal_paise, interest_paise) VALUES (:loan_id, :number, :due_on,"
        " :principal_paise, :interest_paise)",
        "shg_ledger_entry": "INSERT INTO shg_ledger_entry (id, organization_id, shg_id,"
        " meeting_id, kind, member_id, loan_id, amount_paise, entry_date, reverses_id,"
        " created_at) VALUES (:id, :organization_id, :shg_id, :meeting_id, :kind, :member_id,"
        " :loan_id, :amount_paise, :entry_date, :reverses_id, now())",
    }
    for table, statement in statements.items():
        if rows[table]:
            await connection.execute(sa.text(statement), rows[table])
    return (
        {m["held_on"] for m in rows["shg_meeting"]}
        | {e["entry_date"] for e in entries if e["reverses_id"] is not None}
        | {i["due_on"] for i in rows["shg_loan_instalment"]}
    )


async def _grades(
    connection: AsyncConnection, sql: str, organization: UUID, days: list[date]
) -> list[tuple[Any, ...]]:
    bound = sql.format(
        orgs="CAST(:orgs AS uuid[])",
        days="CAST(:days AS date[])",
        ledger_signs="CAST(:signs AS text)",
    )
    params = {
        "orgs": [organization],
        "days": days,
        "signs": measure_parameters()["ledger_signs"],
    }
    found = await connection.execute(sa.text(bound), params)
    return sorted((r.unit_key, r.from_date, r.to_date, r.d_grade) for r in found)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(story=ledgers())
async def test_the_set_based_grades_are_the_grades_group_by_group_and_day_by_day(
    connection: AsyncConnection, factory: Factory, story: dict[str, Any]
) -> None:
    """The measure counts each meeting, attendance line, entry and instalment once and reads
    running totals at every day; the reference form (the grading endpoint's facts SQL run for
    each group on each day) must give every (group, day) the same grade."""
    organization = await factory.organization()
    if story["window"] is not None:
        shared = await connection.scalar(
            sa.text(
                "SELECT rules FROM shg_grading_rule"
                " WHERE organization_id IS NULL AND deleted_at IS NULL"
            )
        )
        await connection.execute(
            sa.text(
                "INSERT INTO shg_grading_rule (id, organization_id, rules, version)"
                " VALUES (:id, :org, CAST(:rules AS jsonb), 1)"
            ),
            {
                "id": uuid4(),
                "org": organization,
                "rules": json.dumps({**shared, "window_months": story["window"]}),
            },
        )
    turns = await _write_books(connection, organization, story)
    days = sorted(set(story["days"]) | turns | {d - timedelta(days=1) for d in turns})
    set_based = await _grades(connection, SHG_GRADES.sql, organization, days)
    per_row = await _grades(connection, SHG_GRADES_PER_ROW_SQL, organization, days)
    assert set_based == per_row
