"""Outcome 1's case-progress indicators and outcome 3's data quality, each counted against the
hand-counted story below, and the case-progress dashboard end to end."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.evidence_world import EvidenceWorld, cells, evidence_fixtures, ist, totals
from tests.factories import NORTH_24

Q1 = {"from": "2026-04-01", "to": "2026-06-30"}
MONTHS = {**Q1, "period": "month"}
QUARTER = {**Q1, "period": "fy_quarter"}
FYQ1 = "FY2026-27 Q1"


clock, world = evidence_fixtures()


@pytest.fixture
async def story(world: EvidenceWorld) -> dict[str, Any]:
    """The first quarter of FY2026-27 (April-June 2026), read on 15 July. Times are IST.

    Survivors, all registered 1 March (female, 25) with consent to case management:
      a1, a2  consent to reporting throughout (a2 withdraws her consent to CASE MANAGEMENT
              on 20 Jun)
      a3      consents to reporting; WITHDRAWS it on 10 Jun (counts at the end of April and
              May, not at the end of June nor in the quarter)
      a4      never consents to reporting (never counts)
      a5      consent to reporting EXPIRES 31 May 23:30 (counts at the end of April only)

    Cases, all opened 1 Apr (key fields: identified_on, recruitment_method, exploitation):
      C1 (a1) complete. intake -> assessment 5 Apr -> planning 20 Apr -> active 30 Apr 23:30
              -> closed 20 Jun (goals achieved)
      C2 (a2) complete. intake -> assessment 1 May 00:30 -> closed 31 May 23:00
              (relocated) -> reopened 10 Jun
      C3 (a3) no recruitment_method. intake -> assessment 11 Apr -> planning 1 Jun
      C4 (a4) North 24 Parganas. intake -> assessment 3 Apr
      C5 (a5) no identified_on, no exploitation types. intake throughout

    Care plans:
      C1 goals g1 livelihood, g2 health, g3 education (20 Apr), in progress 25 Apr;
         agreed 25 Apr; g1 achieved 30 Apr 23:31; g2 achieved 1 May 00:35; g3 dropped 10 May
      C2 goal g4 livelihood (2 May); agreed on 3 May, recorded 5 May; g4 achieved on
         12 Jun, recorded 14 Jun
      C3 goals g5 health, g6 social (10 May); g5 achieved 20 May; agreed 31 May 23:30

    Follow-up visits (planned day -> what happened; done day / recorded day):
      v1  C1 10 Apr -> done 13 Apr 23:30 (the last day of grace), recorded 16 Apr
      v12 C5 recorded as made 20 Apr (planned 20 Apr)
      v5  C2 recorded as made 1 May 00:40 (no plan: planned for its own day)
      v9  C3  5 May -> done 6 May
      v2  C1 15 May -> done 19 May (late), recorded 20 May
      v3  C1 25 May -> done 31 May 23:30 (late), recorded 2 Jun
      v4  C1  1 Jun -> missed, recorded 5 Jun
      v11 C3  1 Jun -> still planned
      v6  C2 20 May -> still planned (on a case closed 31 May, reopened 10 Jun)
      v10 C1 10 Jun -> done 10 Jun, recorded 12 Jun
      v8  C2 29 Jun -> cancelled 1 Jul
      v7  C2 30 Jun -> still planned

    CBR matrix assessments (section means: health, education, livelihood, social,
    empowerment):
      B1 C1 6 Apr: 2 2 2 2 2 (baseline)
      F1 C1 30 Apr (23:35): 3 2 2.8 1.6 2       -> +1 0 +0.8 -0.4 0
      F2 C1 15 Jun, recorded 18 Jun: 4 3 3 2 3  -> +2 +1 +1 0 +1
      F3 C2 20 May: 2 3 4 3 3.2; recorded first, yet not the baseline:
      B2 C2 conducted 1 May, recorded 22 May: 3 3 3 3 3 (baseline, conducted first)
                                                -> F3: -1 0 +1 0 +0.2
      B3 C3 12 Apr: 1 1 1 1 1; F4 C3 20 May: 2 2 2 2 2 -> +1 each
    Wellbeing: W1 C1 6 Apr all 2; W2 C1 15 Jun (recorded 18 Jun): safety 3, legal 2,
      mental 2.5, economic 2, social support 1.75, physical 3 -> +1 0 +0.5 0 -0.25 +1

    Legal proceedings:
      P1 C1 FIR filed 15 Mar (recorded 2 Apr), investigation; trial 10 May; closed
         20 Jun 23:30. Awarded Rs 1,00,000 on 30 Apr; paid Rs 60,000 on 1 May, corrected to
         Rs 50,000 on 3 May
      P2 C2 complaint recorded 5 May (no filing day), filed; closed 1 Jun; trial again
         12 Jun. Awarded Rs 2,00,000 on 15 Jun; paid Rs 2,00,000 on 30 Jun (23:30)
      P3 C3 FIR filed 20 Apr, investigation. Awarded Rs 50,000 on 20 May
    """
    w = world
    survivors = {}
    for name in ("a1", "a2", "a3"):
        survivors[name] = await w.register(ist(2026, 3, 1, 10))
    survivors["a4"] = await w.register(ist(2026, 3, 1, 10), reporting=False)
    a5 = survivors["a5"] = await w.register(ist(2026, 3, 1, 10), reporting=False)
    await w.consent(a5, "aggregate_reporting", expires_at=ist(2026, 5, 31, 23, 30).isoformat())
    a1, a2, a3, a4 = (survivors[n] for n in ("a1", "a2", "a3", "a4"))

    complete = {"identified_on": "2026-03-20", "recruitment_method": "job_offer"}
    c1 = await w.open_case(a1, ist(2026, 4, 1, 10), **complete)
    c2 = await w.open_case(a2, ist(2026, 4, 1, 10, 5), **complete)
    c3 = await w.open_case(a3, ist(2026, 4, 1, 10, 10), identified_on="2026-03-28")
    c4 = await w.open_case(a4, ist(2026, 4, 1, 10, 15), district=NORTH_24, **complete)
    c5 = await w.open_case(
        a5, ist(2026, 4, 1, 10, 20), recruitment_method="debt", exploitation_types=[]
    )
    v1 = await w.plan_visit(c1, date(2026, 4, 10), ist(2026, 4, 1, 11))
    p1 = await w.proceeding(
        c1,
        ist(2026, 4, 2),
        status="investigation",
        filed_on=date(2026, 3, 15),
        compensation_applied_on=date(2026, 4, 2),
    )
    await w.move(c4, "assessment", ist(2026, 4, 3))
    await w.move(c1, "assessment", ist(2026, 4, 5))
    await w.assess(c1, "cbr_matrix", date(2026, 4, 6), ist(2026, 4, 6), {}, 2)
    await w.assess(c1, "reintegration_wellbeing", date(2026, 4, 6), ist(2026, 4, 6, 13), {}, 2)
    await w.move(c3, "assessment", ist(2026, 4, 11))
    await w.assess(c3, "cbr_matrix", date(2026, 4, 12), ist(2026, 4, 12), {}, 1)
    await w.visit_outcome(c1, v1, "done", ist(2026, 4, 16), done_at=ist(2026, 4, 13, 23, 30))
    await w.move(c1, "planning", ist(2026, 4, 20, 10))
    g1 = await w.goal(c1, "livelihood", ist(2026, 4, 20, 11))
    g2 = await w.goal(c1, "health", ist(2026, 4, 20, 11))
    g3 = await w.goal(c1, "education", ist(2026, 4, 20, 11))
    p3 = await w.proceeding(
        c3, ist(2026, 4, 20), status="investigation", filed_on=date(2026, 4, 20)
    )
    await w.visit_made(c5, ist(2026, 4, 20, 11), planned_on=date(2026, 4, 20))
    await w.agree_plan(c1, ist(2026, 4, 25))
    for goal in (g1, g2, g3):
        await w.goal_moves(c1, goal, ist(2026, 4, 25), status="in_progress")

    # The last minutes of April and the first of May (IST).
    await w.move(c1, "active", ist(2026, 4, 30, 23, 30))
    await w.goal_moves(c1, g1, ist(2026, 4, 30, 23, 31), status="achieved")
    await w.assess(
        c1,
        "cbr_matrix",
        date(2026, 4, 30),
        ist(2026, 4, 30, 23, 35),
        {"health": [3] * 5, "livelihood": [3, 3, 3, 3, 2], "social": [2, 2, 2, 1, 1]},
        2,
    )
    await w.proceeding_changes(
        c1,
        p1,
        ist(2026, 4, 30, 23, 40),
        compensation_awarded_paise=1_00_00_000,
        compensation_awarded_on=date(2026, 4, 30),
    )
    await w.move(c2, "assessment", ist(2026, 5, 1, 0, 30))
    await w.goal_moves(c1, g2, ist(2026, 5, 1, 0, 35), status="achieved")
    await w.visit_made(c2, ist(2026, 5, 1, 0, 40))
    v2 = await w.plan_visit(c1, date(2026, 5, 15), ist(2026, 5, 1, 10))
    await w.proceeding_changes(
        c1,
        p1,
        ist(2026, 5, 1, 11),
        compensation_paid_paise=60_00_000,
        compensation_paid_on=date(2026, 5, 1),
    )

    g4 = await w.goal(c2, "livelihood", ist(2026, 5, 2))
    await w.goal_moves(c2, g4, ist(2026, 5, 2, 13), status="in_progress")
    await w.proceeding_changes(c1, p1, ist(2026, 5, 3), compensation_paid_paise=50_00_000)
    await w.agree_plan(c2, ist(2026, 5, 5), agreed_on=date(2026, 5, 3))
    p2 = await w.proceeding(c2, ist(2026, 5, 5), kind="complaint")
    v9 = await w.plan_visit(c3, date(2026, 5, 5), ist(2026, 5, 5, 9))
    await w.visit_outcome(c3, v9, "done", ist(2026, 5, 6))
    await w.goal_moves(c1, g3, ist(2026, 5, 10), status="dropped", drop_reason="Changed mind.")
    await w.proceeding_changes(c1, p1, ist(2026, 5, 10), status="trial")
    g5 = await w.goal(c3, "health", ist(2026, 5, 10))
    await w.goal(c3, "social", ist(2026, 5, 10))
    await w.goal_moves(c3, g5, ist(2026, 5, 10, 13), status="in_progress")
    await w.plan_visit(c2, date(2026, 5, 20), ist(2026, 5, 12))  # v6
    v3 = await w.plan_visit(c1, date(2026, 5, 25), ist(2026, 5, 12))

    await w.visit_outcome(c1, v2, "done", ist(2026, 5, 20, 10), done_at=ist(2026, 5, 19, 18))
    await w.goal_moves(c3, g5, ist(2026, 5, 20), status="achieved")
    await w.assess(
        c2,
        "cbr_matrix",
        date(2026, 5, 20),
        ist(2026, 5, 20),
        {"health": [2] * 5, "livelihood": [4] * 5, "empowerment": [3, 3, 3, 3, 4]},
        3,
    )
    await w.assess(c3, "cbr_matrix", date(2026, 5, 20), ist(2026, 5, 20), {}, 2)
    await w.proceeding_changes(
        c3,
        p3,
        ist(2026, 5, 20),
        compensation_awarded_paise=50_00_000,
        compensation_awarded_on=date(2026, 5, 20),
    )
    v4 = await w.plan_visit(c1, date(2026, 6, 1), ist(2026, 5, 20, 14))
    await w.plan_visit(c3, date(2026, 6, 1), ist(2026, 5, 20, 14))  # v11
    await w.assess(c2, "cbr_matrix", date(2026, 5, 1), ist(2026, 5, 22), {}, 3)

    await w.move(c2, "closed", ist(2026, 5, 31, 23), closure_reason="relocated")
    await w.agree_plan(c3, ist(2026, 5, 31, 23, 30))
    await w.move(c3, "planning", ist(2026, 6, 1, 10))
    await w.proceeding_changes(c2, p2, ist(2026, 6, 1, 10), status="closed")
    await w.visit_outcome(c1, v3, "done", ist(2026, 6, 2, 10), done_at=ist(2026, 5, 31, 23, 30))
    v10 = await w.plan_visit(c1, date(2026, 6, 10), ist(2026, 6, 2, 10, 5))
    await w.visit_outcome(c1, v4, "missed", ist(2026, 6, 5))
    await w.move(c2, "reopened", ist(2026, 6, 10, 10))
    await w.withdraw_reporting(a3, ist(2026, 6, 10, 11))
    await w.visit_outcome(c1, v10, "done", ist(2026, 6, 12), done_at=ist(2026, 6, 10, 11))
    await w.proceeding_changes(c2, p2, ist(2026, 6, 12), status="trial")
    await w.goal_moves(c2, g4, ist(2026, 6, 14), status="achieved", achieved_on=date(2026, 6, 12))
    await w.proceeding_changes(
        c2,
        p2,
        ist(2026, 6, 15),
        compensation_awarded_paise=2_00_00_000,
        compensation_awarded_on=date(2026, 6, 15),
    )
    await w.assess(
        c1,
        "cbr_matrix",
        date(2026, 6, 15),
        ist(2026, 6, 18),
        {
            "health": [4] * 5,
            "education": [3] * 5,
            "livelihood": [3] * 5,
            "empowerment": [3] * 5,
        },
        2,
    )
    await w.assess(
        c1,
        "reintegration_wellbeing",
        date(2026, 6, 15),
        ist(2026, 6, 18, 13),
        {
            "safety": [3, 3, 3],
            "mental_wellbeing": [3, 3, 2, 2],
            "social_support": [2, 2, 2, 1],
            "physical_wellbeing": [3, 3, 3, 3],
        },
        2,
    )
    await w.move(c1, "closed", ist(2026, 6, 20, 12), closure_reason="goals_achieved")
    await w.withdraw(a2, "case_management", ist(2026, 6, 20, 13))
    await w.proceeding_changes(c1, p1, ist(2026, 6, 20, 23, 30), status="closed")
    await w.plan_visit(c2, date(2026, 6, 30), ist(2026, 6, 25))  # v7
    v8 = await w.plan_visit(c2, date(2026, 6, 29), ist(2026, 6, 25))
    await w.proceeding_changes(
        c2,
        p2,
        ist(2026, 6, 30, 23, 30),
        compensation_paid_paise=2_00_00_000,
        compensation_paid_on=date(2026, 6, 30),
    )
    await w.visit_outcome(c2, v8, "cancelled", ist(2026, 7, 1, 10))
    w.at(ist(2026, 7, 15))
    return {**survivors, "c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5}


def by(answer: dict[str, Any], period: str, name: str) -> dict[str | None, Any]:
    """One period's cells broken down by ``name``: value per key."""
    return {
        dict(key)[name]: value
        for (label, key), value in cells(answer).items()
        if label == period and len(key) == 1 and key[0][0] == name
    }


def span(start: str, end: str) -> dict[str, str]:
    return {"from": start, "to": end}


async def total(world: EvidenceWorld, code: str, **params: Any) -> Any:
    """The single total of a whole range (period "whole")."""
    (value,) = totals(await world.values(code, **params)).values()
    return value


# -- stage spells -------------------------------------------------------------------------


async def test_days_in_each_stage_median_and_90th_percentile(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    """Spells that ended in the quarter, of a1's and a2's cases (a3, a4 do not count then):
    intake C1 4 (5 Apr), C2 30 (1 May 00:30: May); assessment C1 15, C2 30; planning C1 10
    (30 Apr 23:30: April); active C1 51; closed C2 10 (reopened). Medians: intake 17,
    assessment 22.5; all 4 10 10 15 30 30 51 -> 15. 90th percentile (interpolated): intake
    4 + 0.9 x 26 = 27.4, assessment 28.5, all 30 + 0.4 x 21 = 38.4."""
    median = await world.values("case_stage_days_median", by="stage", **QUARTER)
    assert totals(median) == {FYQ1: 15}
    assert by(median, FYQ1, "stage") == {
        "intake": 17,
        "assessment": 22.5,
        "planning": 10,
        "active": 51,
        "closed": 10,
    }
    # C3's two spells and C4's intake: consent not in force at the quarter's end.
    assert median["excluded_for_consent"] == 3
    p90 = await world.values("case_stage_days_p90", by="stage", **QUARTER)
    assert totals(p90) == {FYQ1: 38.4}
    assert by(p90, FYQ1, "stage")["intake"] == 27.4
    assert by(p90, FYQ1, "stage")["assessment"] == 28.5
    # By month: April holds C1's intake, assessment and planning (left at 23:30 on 30 April)
    # and C3's intake (10 days; a3 still consented at the end of April); May C2's two.
    months = await world.values("case_stage_days_median", by="stage", **MONTHS)
    assert totals(months) == {"2026-04": 10, "2026-05": 30, "2026-06": 30.5}
    assert by(months, "2026-04", "stage") == {"intake": 7, "assessment": 15, "planning": 10}
    assert by(months, "2026-05", "stage") == {"intake": 30, "assessment": 30}
    # Medians are about fewer than 5 survivors: hidden from an analyst.
    public = await world.values("case_stage_days_median", world.analyst, **QUARTER)
    assert [c["suppressed"] for c in public["cells"]] == [True]


# -- care plans ---------------------------------------------------------------------------


async def test_open_cases_with_a_plan_she_agreed_read_at_each_period_end(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    """End of April: open C1 (agreed 25 Apr), C2, C3, C5 -> 1 of 4. End of May: open C1 and
    C3 (agreed 31 May 23:30: that day counts); C2 closed 31 May, a5's consent expired -> 2 of
    2. End of June: C1 closed, a3 withdrew; C2 reopened, agreed 3 May -> 1 of 1. The quarter
    is its last day, not the sum of the months."""
    count = await world.values("cases_with_agreed_plan", by="stage", **MONTHS)
    assert totals(count) == {"2026-04": 1, "2026-05": 2, "2026-06": 1}
    assert by(count, "2026-05", "stage") == {"active": 1, "assessment": 1}
    assert by(count, "2026-06", "stage") == {"reopened": 1}
    share = await world.values("cases_with_agreed_plan_share", **MONTHS)
    assert totals(share) == {"2026-04": 25, "2026-05": 100, "2026-06": 100}
    (april,) = [c for c in share["cells"] if c["period"] == "2026-04"]
    assert (april["numerator"], april["denominator"]) == (1, 4)
    assert totals(await world.values("cases_with_agreed_plan", **QUARTER)) == {FYQ1: 1}
    # Agreed on 3 May, recorded on 5 May: counts at the end of 3 May, not of 2 May.
    assert await total(world, "cases_with_agreed_plan", **span("2026-05-03", "2026-05-03")) == 2
    assert await total(world, "cases_with_agreed_plan", **span("2026-05-02", "2026-05-02")) == 1


async def test_goals_achieved_by_cbr_component(world: EvidenceWorld, story: dict[str, Any]) -> None:
    """g1 livelihood 30 Apr 23:31 (April); g2 health 1 May 00:35 (May); g5 health 20 May
    (a3: May only); g4 livelihood on 12 Jun though recorded 14 Jun; g3 dropped (never)."""
    months = await world.values("goals_achieved", by="component", **MONTHS)
    assert totals(months) == {"2026-04": 1, "2026-05": 2, "2026-06": 1}
    assert by(months, "2026-05", "component") == {"health": 2}
    quarter = await world.values("goals_achieved", by="component", **QUARTER)
    assert totals(quarter) == {FYQ1: 3}
    assert by(quarter, FYQ1, "component") == {"livelihood": 2, "health": 1}
    assert quarter["excluded_for_consent"] == 1


# -- follow-up visits ---------------------------------------------------------------------


async def test_follow_ups_done_and_on_time(world: EvidenceWorld, story: dict[str, Any]) -> None:
    """Done: April v1 (13 Apr 23:30), v12 (a5); May v5 (1 May 00:40), v9 (a3), v2, v3
    (31 May 23:30); June v10. On time (at most 3 days after the day planned): v1 (the
    third day), v12, v5, v9, v10; late: v2 (4 days), v3 (6 days). Quarter: v1 v5 v2 v3 v10,
    3 of 5 on time."""
    done = await world.values("followups_done", **MONTHS)
    assert totals(done) == {"2026-04": 2, "2026-05": 4, "2026-06": 1}
    quarter = await world.values("followups_done", by="visit_kind", **QUARTER)
    assert totals(quarter) == {FYQ1: 5}
    assert by(quarter, FYQ1, "visit_kind") == {"home": 4, "phone": 1}
    assert quarter["excluded_for_consent"] == 2  # v9 (a3 withdrew), v12 (a5's expired)
    on_time = await world.values("followups_on_time_share", **MONTHS)
    assert totals(on_time) == {"2026-04": 100, "2026-05": 50, "2026-06": 100}
    (share,) = (await world.values("followups_on_time_share", **QUARTER))["cells"]
    assert (share["value"], share["numerator"], share["denominator"]) == (60, 3, 5)


async def test_overdue_follow_ups_stand_until_done_missed_or_cancelled(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    """Overdue from the day after the day planned until done (done_at), or recorded missed
    or cancelled (updated_at). End of April: none (v1 done 13 Apr). End of May: v6 (v3 was
    done on 31 May though recorded 2 Jun). End of June: v6, v8 (planned 29 Jun, cancelled
    1 Jul); not v7 (planned 30 Jun), nor v11 (a3 withdrew). The quarter: 2, not 0+1+2."""
    assert totals(await world.values("followups_overdue", **MONTHS)) == {
        "2026-04": 0,
        "2026-05": 1,
        "2026-06": 2,
    }
    assert totals(await world.values("followups_overdue", **QUARTER)) == {FYQ1: 2}
    # v1 (planned 10 Apr) is overdue at the end of 12 April, done on 13 April.
    assert await total(world, "followups_overdue", **span("2026-04-01", "2026-04-12")) == 1
    assert await total(world, "followups_overdue", **span("2026-04-01", "2026-04-13")) == 0
    # 3 June: v4 (missed, recorded 5 Jun), v6, v11 (a3 still consented then).
    assert await total(world, "followups_overdue", **span("2026-06-01", "2026-06-03")) == 3
    assert await total(world, "followups_overdue", **span("2026-06-01", "2026-06-05")) == 2


# -- assessments --------------------------------------------------------------------------


async def test_assessment_change_from_baseline_by_component(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    """Quarter (F1, F2, F3; F4 is a3's): health +1 +2 -1, education 0 +1 0, livelihood
    +0.8 +1 +1, social -0.4 0 0, empowerment 0 +1 +0.2. F3 is compared with B2, conducted
    1 May though recorded after it. Improved: 2, 1, 3, 0, 2 of 3 each; 8 of 15 in all."""
    median = await world.values("assessment_change_median", by="component", **QUARTER)
    assert totals(median) == {FYQ1: 0.2}
    assert by(median, FYQ1, "component") == {
        "health": 1,
        "education": 0,
        "livelihood": 1,
        "social": 0,
        "empowerment": 0.2,
    }
    assert median["excluded_for_consent"] == 5  # F4's five components
    improved = await world.values("assessment_improved_share", by="component", **QUARTER)
    assert totals(improved) == {FYQ1: 53.3}
    assert by(improved, FYQ1, "component") == {
        "health": 66.7,
        "education": 33.3,
        "livelihood": 100,
        "social": 0,
        "empowerment": 66.7,
    }
    # April F1 (median 0; 2 of 5 up); May F3 and F4 (a3 still consented; median 1, 7 of 10);
    # June F2 (median 1, 4 of 5). Baselines themselves never count.
    assert totals(await world.values("assessment_change_median", **MONTHS)) == {
        "2026-04": 0,
        "2026-05": 1,
        "2026-06": 1,
    }
    assert totals(await world.values("assessment_improved_share", **MONTHS)) == {
        "2026-04": 40,
        "2026-05": 70,
        "2026-06": 80,
    }


async def test_wellbeing_change_from_baseline_by_domain(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    """W2 against W1: +1 0 +0.5 0 -0.25 +1: median 0.25 (shown 0.3), 3 of 6 improved; the
    wellbeing domains never mix into the CBR figures, nor the CBR components here."""
    median = await world.values("wellbeing_change_median", by="component", **QUARTER)
    assert totals(median) == {FYQ1: 0.3}
    assert by(median, FYQ1, "component") == {
        "safety": 1,
        "legal_protection": 0,
        "mental_wellbeing": 0.5,
        "economic_empowerment": 0,
        "social_support": -0.3,
        "physical_wellbeing": 1,
    }
    assert totals(await world.values("wellbeing_improved_share", **QUARTER)) == {FYQ1: 50}


# -- legal proceedings and victim compensation --------------------------------------------


async def test_legal_proceedings_open_at_each_period_end(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    """Open from the day filed (P1: 15 Mar, recorded 2 Apr; P2: the day recorded, 5 May).
    End of March: P1. April: P1, P3. May: P1 (trial), P2 (filed), P3 (investigation). June:
    P1 closed 20 Jun 23:30; P2 closed 1 Jun and taken up again 12 Jun; P3 left out (a3)."""
    months = await world.values(
        "legal_proceedings_open",
        by="proceeding_status",
        **{"from": "2026-03-01", "to": "2026-06-30", "period": "month"},
    )
    assert totals(months) == {"2026-03": 1, "2026-04": 2, "2026-05": 3, "2026-06": 1}
    assert by(months, "2026-05", "proceeding_status") == {
        "trial": 1,
        "filed": 1,
        "investigation": 1,
    }
    assert by(months, "2026-06", "proceeding_status") == {"trial": 1}
    assert totals(await world.values("legal_proceedings_open", **QUARTER)) == {FYQ1: 1}
    # P2 between its closing (1 Jun) and its taking up again (12 Jun): not open.
    assert await total(world, "legal_proceedings_open", **span("2026-06-01", "2026-06-11")) == 1
    assert await total(world, "legal_proceedings_open", **span("2026-06-01", "2026-06-12")) == 2


async def test_victim_compensation_awarded_and_paid_in_paise(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    """Awarded: April P1 1,00,00,000 paise (30 Apr); May P3 50,00,000 (a3: May only); June
    P2 2,00,00,000. Paid: May P1 50,00,000 (the 60,00,000 first entered was corrected); June
    P2 2,00,00,000 (30 Jun 23:30)."""
    awarded = await world.values("compensation_awarded", **MONTHS)
    assert totals(awarded) == {"2026-04": 1_00_00_000, "2026-05": 50_00_000, "2026-06": 2_00_00_000}
    assert totals(await world.values("compensation_awarded", **QUARTER)) == {FYQ1: 3_00_00_000}
    paid = await world.values("compensation_paid", **MONTHS)
    assert totals(paid) == {"2026-04": 0, "2026-05": 50_00_000, "2026-06": 2_00_00_000}
    quarter = await world.values("compensation_paid", **QUARTER)
    assert totals(quarter) == {FYQ1: 2_50_00_000}
    assert quarter["unit"] == "paise"
    # A sum over fewer than 5 survivors is hidden from an analyst and a dashboard client.
    for actor in (world.analyst, world.dashboard):
        public = await world.values("compensation_paid", actor, **QUARTER)
        assert public["cells"] == [
            {
                "period": FYQ1,
                "breakdown": {},
                "value": None,
                "numerator": None,
                "denominator": None,
                "suppressed": True,
            }
        ]


# -- data quality (outcome 3) -------------------------------------------------------------


async def test_open_case_records_complete_in_their_key_fields(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    """Complete: C1, C2 (until a2 withdrew her consent to case management, 20 Jun); not C3
    (no recruitment method), nor C5 (no identification day, no exploitation type). End of
    April: C1 C2 of C1 C2 C3 C5 -> 50%. May: C1 of C1 C3 -> 50%. June: C2 is the one open
    case, without consent -> 0%. On 19 June: C1 and C2 of C1 and C2 (a3 withdrew) -> 100%."""
    share = await world.values("case_records_complete_share", **MONTHS)
    assert totals(share) == {"2026-04": 50, "2026-05": 50, "2026-06": 0}
    (june,) = [c for c in share["cells"] if c["period"] == "2026-06"]
    assert (june["numerator"], june["denominator"]) == (0, 1)
    assert totals(await world.values("case_records_complete_share", **QUARTER)) == {FYQ1: 0}
    assert (
        await total(world, "case_records_complete_share", **span("2026-06-01", "2026-06-19")) == 100
    )
    gaps = await world.values("case_record_gaps", by="field", **MONTHS)
    # A case counts once per field it lacks: April C5 twice, C3 once.
    assert totals(gaps) == {"2026-04": 3, "2026-05": 1, "2026-06": 1}
    assert by(gaps, "2026-04", "field") == {
        "identified_on": 1,
        "exploitation_types": 1,
        "recruitment_method": 1,
    }
    assert by(gaps, "2026-06", "field") == {"case_management_consent": 1}


async def test_days_from_event_to_record(world: EvidenceWorld, story: dict[str, Any]) -> None:
    """Counted on the day recorded. Quarter (a1, a2): visits v1 3, v5 0, v2 1, v3 2, v10 2
    (median 2); assessments B1 W1 F1 F3 0, B2 21, F2 W2 3 (median 0); agreements C1 0, C2 2
    (median 1); all fourteen: six 0s, 1, 2 2 2, 3 3 3, 21 -> 1.5. April: v1 3 and six 0s
    (v12, B1, W1, B3, F1, C1's agreement) -> 0. May: v5 v9 F3 F4 C3's 0, v2 1, C2's 2, B2 21
    -> 0. June: v3 2, v10 2, F2 3, W2 3 -> 2.5."""
    quarter = await world.values("recording_delay_median_days", by="record", **QUARTER)
    assert totals(quarter) == {FYQ1: 1.5}
    assert by(quarter, FYQ1, "record") == {"visit": 2, "assessment": 0, "plan_agreement": 1}
    months = await world.values("recording_delay_median_days", by="record", **MONTHS)
    assert totals(months) == {"2026-04": 0, "2026-05": 0, "2026-06": 2.5}
    assert by(months, "2026-04", "record")["visit"] == 1.5  # v1 3, v12 0
    public = await world.values("recording_delay_median_days", world.analyst, **QUARTER)
    assert all(c["suppressed"] for c in public["cells"])


# -- the case-progress dashboard ----------------------------------------------------------


async def test_case_progress_dashboard_end_to_end(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    """Every panel of the quarter, beside January-March (no cases then: counts 0, medians
    and shares nothing); suppressed cell by cell for an analyst."""
    dashboard = await world.read_dashboard("case-progress", **Q1)
    assert dashboard["internal"] is True
    assert (dashboard["previous_starts_on"], dashboard["previous_ends_on"]) == (
        "2026-01-01",
        "2026-03-31",
    )
    panels = {p["indicator"]: p for p in dashboard["panels"]}
    assert [(p["indicator"], p["breakdown"]) for p in dashboard["panels"]] == [
        ("assessment_change_median", "component"),
        ("assessment_improved_share", "component"),
        ("case_stage_days_median", "stage"),
        ("case_stage_days_p90", "stage"),
        ("cases_closed", "closure_reason"),
        ("goals_achieved", "component"),
    ]

    def values(code: str) -> dict[str | None, Any]:
        return {v["key"]: v["value"] for v in panels[code]["values"]}

    expected_totals = {
        "assessment_change_median": (0.2, None),
        "assessment_improved_share": (53.3, None),
        "case_stage_days_median": (15, None),
        "case_stage_days_p90": (38.4, None),
        "cases_closed": (2, 0),
        "goals_achieved": (3, 0),
    }
    for code, (value, previous) in expected_totals.items():
        headline = panels[code]["total"]
        assert (headline["value"], headline["previous_value"]) == (value, previous), code
    assert values("assessment_change_median") == {
        "health": 1,
        "education": 0,
        "livelihood": 1,
        "social": 0,
        "empowerment": 0.2,
    }
    assert values("assessment_improved_share")["livelihood"] == 100
    assert values("case_stage_days_median") == {
        "intake": 17,
        "assessment": 22.5,
        "planning": 10,
        "active": 51,
        "closed": 10,
    }
    assert values("case_stage_days_p90")["intake"] == 27.4
    assert values("cases_closed") == {"goals_achieved": 1, "relocated": 1}
    assert values("goals_achieved") == {"livelihood": 2, "health": 1}
    assert panels["cases_closed"]["total"]["change"] == 2

    public = await world.read_dashboard("case-progress", world.analyst, **Q1)
    assert public["internal"] is False
    assert len(public["panels"]) == 6
    for panel in public["panels"]:
        assert panel["total"]["suppressed"] is True, panel["indicator"]
        assert panel["total"]["value"] is None
        assert panel["values"]
        assert all(v["suppressed"] and v["value"] is None for v in panel["values"])


async def test_the_report_has_no_false_line_for_a_hidden_sum(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    """Compensation paid reads as a line of the report when shown; hidden (fewer than 5
    survivors) it gets no line, never "fewer than 5 of victim compensation paid"."""
    internal = await world.client.get(
        "/api/v1/reports/outcomes", params={**Q1, "internal": "true"}, headers=world.pm.headers
    )
    assert internal.status_code == 200, internal.text
    lines = internal.json()["outcomes"][0]["sentences"]
    assert "₹2,50,000.00 of victim compensation paid to survivors" in lines
    assert "3 care-plan goals achieved by survivors" in lines
    public = await world.client.get(
        "/api/v1/reports/outcomes", params=Q1, headers=world.analyst.headers
    )
    lines = public.json()["outcomes"][0]["sentences"]
    assert not [line for line in lines if "compensation" in line]
    assert "fewer than 5 care-plan goals achieved by survivors" in lines


async def test_a_visit_made_just_after_midnight_in_india_belongs_to_that_day(
    world: EvidenceWorld,
) -> None:
    """Recorded as made at 00:30 IST on 1 May (still 30 April in UTC) without a day planned:
    planned for 1 May, made on 1 May (its step in the case's history too), so counted done
    in May; and its next visit may not be set for that same day."""
    survivor = await world.register(ist(2026, 4, 1))
    case = await world.open_case(survivor, ist(2026, 4, 1))
    world.at(ist(2026, 5, 1, 0, 30))
    made = await world.call(
        world.sw, "POST", f"/cases/{case}/visits", {"kind": "phone", "status": "done"}
    )
    assert made["planned_on"] == "2026-05-01"
    timeline = await world.call(world.sw, "GET", f"/cases/{case}/timeline")
    (step,) = [e for e in timeline["items"] if e["kind"] == "visit"]
    assert step["detail"]["done_on"] == "2026-05-01"
    same_day = await world.client.post(
        f"/api/v1/cases/{case}/visits",
        json={"kind": "phone", "status": "done", "next_visit_on": "2026-05-01"},
        headers=world.sw.headers,
    )
    assert same_day.status_code == 422
    world.at(ist(2026, 7, 15))
    done = await world.values(
        "followups_done", **{"from": "2026-04-01", "to": "2026-05-31", "period": "month"}
    )
    assert totals(done) == {"2026-04": 0, "2026-05": 1}
