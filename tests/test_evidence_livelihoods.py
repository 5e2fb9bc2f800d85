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

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from persistence.clock import FixedClock, using
from tests.evidence_world import EvidenceWorld, cells, ist, totals
from tests.factories import NORTH_24, SOUTH_24, Factory

MONTHS = {"from": "2026-03-01", "to": "2026-06-30", "period": "month"}
Q1 = {"from": "2026-04-01", "to": "2026-06-30", "period": "fy_quarter"}
QUARTER = "FY2026-27 Q1"


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    fixed = FixedClock(ist(2026, 3, 1))
    with using(fixed):
        yield fixed


@pytest.fixture
async def world(client: httpx.AsyncClient, factory: Factory, clock: FixedClock) -> EvidenceWorld:
    return await EvidenceWorld(client, factory, clock).build()


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
    july = await world.values(
        "loan_repayment_rate", **{"from": "2026-07-01", "to": "2026-07-31"}
    )
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
    for shg, day, grade in [
        (groups["g0"], "2026-04-30", "B"),
        (groups["g1"], "2026-04-30", None),
        (groups["g0"], "2026-05-31", "C"),
        (groups["g1"], "2026-05-31", "A"),
        (groups["g1"], "2026-06-30", "B"),
        (groups["g2"], "2026-06-30", None),
    ]:
        graded = await world.call(world.pm, "GET", f"/shgs/{shg}/grading?as_of={day}")
        assert graded["grade"] == grade, (shg, day)


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
