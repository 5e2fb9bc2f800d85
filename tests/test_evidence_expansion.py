"""Outcome 5 (expansion and policy): every indicator counted against a hand-counted story:
partners by onboarding stage (from the stage history, read at the period's end), the states
where a partner implements (a state counts once), advocacy actions by level and outcome."""

from __future__ import annotations

from typing import Any

import pytest

from persistence.models.enums import OrganizationKind
from tests.evidence_world import EvidenceWorld, cells, evidence_fixtures, ist, totals
from tests.factories import Factory

clock, world = evidence_fixtures()


Q1 = {"from": "2026-04-01", "to": "2026-06-30"}
MONTHS = {"from": "2026-03-01", "to": "2026-06-30", "period": "month"}
QUARTER = {**Q1, "period": "fy_quarter"}
WHOLE = "FY2026-27 Q1"


@pytest.fixture
async def story(world: EvidenceWorld, factory: Factory) -> dict[str, Any]:
    """The hand-counted story of expansion in April-June 2026 (FY2026-27 Q1), by the lead.

    Onboardings (state; each move on its day):
      the world's partner (West Bengal): implementing since 1 Apr 2025, throughout;
      P2 (Odisha): explored 1 Apr, scoping 15 Apr, agreement signed 31 May, implementing
        30 Jun;
      P3 (Odisha): implementing 1 May, paused 5 Jul;
      P4 (Jharkhand): explored 10 May, scoping and paused both on 1 Jun;
      another lead organisation's partner (Jharkhand, implementing 1 Apr): not the lead's.
    By stage at the month's end: Mar implementing 1; Apr implementing 1, scoping 1; May
      implementing 2 (WB, P3), agreement signed 1, explored 1; Jun implementing 3, paused 1.
      The quarter is June's end: 4 partners, never the months' 11.
    States with a partner implementing: Mar 1, Apr 1, May 2, Jun 2 (Odisha has two: once).
    Advocacy actions: 31 Mar state (March); 1 Apr district, outcome recorded; 15 May state
      (Odisha), its outcome recorded on 15 Jul; 30 Jun national, no outcome; the other
      organisation's on 10 Apr.
      actions: Mar 1, Apr 1, May 1, Jun 1; the quarter 3 (district 1, state 1, national 1;
      with an outcome 2, without 1).
    """
    w = world
    odisha = await w.state("Odisha", "OD")
    jharkhand = await w.state("Jharkhand", "JH")
    p2, p3, p4, p5 = [
        await factory.organization(f"P{n}", kind=OrganizationKind.partner_ngo) for n in range(2, 6)
    ]
    w.at(ist(2026, 3, 31))
    await w.advocacy("2026-03-31", "state", state=odisha)
    w.at(ist(2026, 4, 1))
    o2 = await w.onboarding(p2, odisha, "explored", "2026-04-01")
    await w.onboarding(p5, jharkhand, "implementing", "2026-04-01", lead=w.pm_other)
    await w.advocacy("2026-04-01", "district", outcome="The secretary agreed.")
    w.at(ist(2026, 4, 10))
    await w.call(
        w.pm_other,
        "POST",
        "/advocacy-actions",
        {
            "level": "national",
            "body": "A ministry",
            "kind": "meeting",
            "acted_on": "2026-04-10",
            "ask": "Someone else's ask.",
        },
    )
    w.at(ist(2026, 4, 15))
    await w.stage(o2, "scoping", "2026-04-15")
    w.at(ist(2026, 5, 1))
    o3 = await w.onboarding(p3, odisha, "implementing", "2026-05-01")
    w.at(ist(2026, 5, 10))
    o4 = await w.onboarding(p4, jharkhand, "explored", "2026-05-10")
    w.at(ist(2026, 5, 15))
    pending = await w.advocacy("2026-05-15", "state", state=odisha)
    w.at(ist(2026, 5, 31, 23, 30))
    await w.stage(o2, "agreement_signed", "2026-05-31")
    w.at(ist(2026, 6, 1, 11))
    await w.stage(o4, "scoping", "2026-06-01")
    w.at(ist(2026, 6, 1, 12))
    await w.stage(o4, "paused", "2026-06-01")
    w.at(ist(2026, 6, 30, 23, 30))
    await w.stage(o2, "implementing", "2026-06-30")
    await w.advocacy("2026-06-30", "national")
    w.at(ist(2026, 7, 5))
    await w.stage(o3, "paused", "2026-07-05")
    w.at(ist(2026, 7, 15))
    await w.change(w.pm, f"/advocacy-actions/{pending}", {"outcome": "Invited to a review."})
    return {"odisha": odisha}


async def test_partners_by_stage_are_read_at_each_period_end(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    months = await world.values("partners_by_stage", by="stage", **MONTHS)
    assert months["temporal"] == "stock"
    assert totals(months) == {"2026-03": 1, "2026-04": 2, "2026-05": 4, "2026-06": 4}
    found = cells(months)
    assert found[("2026-04", (("stage", "scoping"),))] == 1
    assert found[("2026-05", (("stage", "agreement_signed"),))] == 1
    assert found[("2026-05", (("stage", "explored"),))] == 1
    assert found[("2026-05", (("stage", "implementing"),))] == 2
    assert found[("2026-06", (("stage", "implementing"),))] == 3
    assert found[("2026-06", (("stage", "paused"),))] == 1
    assert ("2026-06", (("stage", "explored"),)) not in found
    quarter = await world.values("partners_by_stage", **QUARTER)
    assert totals(quarter) == {WHOLE: 4}  # June's end, not the months' sum
    # Two moves on 1 June: at that day's end P4 stands paused, never scoping.
    first_june = cells(
        await world.values(
            "partners_by_stage", by="stage", **{"from": "2026-06-01", "to": "2026-06-01"}
        )
    )
    assert first_june[("2026-06-01/2026-06-01", (("stage", "paused"),))] == 1
    assert ("2026-06-01/2026-06-01", (("stage", "scoping"),)) not in first_june
    implementing = await world.values("partners_implementing", **MONTHS)
    assert totals(implementing) == {"2026-03": 1, "2026-04": 1, "2026-05": 2, "2026-06": 3}
    # About organisations: the analyst reads the same small figures.
    analyst = cells(await world.values("partners_by_stage", world.analyst, by="stage", **QUARTER))
    assert analyst[(WHOLE, (("stage", "paused"),))] == 1


async def test_states_with_partners_count_each_state_once(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    months = await world.values("states_with_partners", **MONTHS)
    assert totals(months) == {"2026-03": 1, "2026-04": 1, "2026-05": 2, "2026-06": 2}
    quarter = await world.values("states_with_partners", **QUARTER)
    assert totals(quarter) == {WHOLE: 2}  # West Bengal and Odisha (two partners there)
    # Today P3 has paused, P2 still implements: Odisha still counts.
    today = await world.values("states_with_partners", **{"from": "2026-07-01", "to": "2026-07-15"})
    assert totals(today) == {"2026-07-01/2026-07-15": 2}


async def test_advocacy_actions_by_level_and_outcome(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    months = await world.values("advocacy_actions", **MONTHS)
    assert totals(months) == {"2026-03": 1, "2026-04": 1, "2026-05": 1, "2026-06": 1}
    quarter = cells(await world.values("advocacy_actions", by="level,outcome_recorded", **QUARTER))
    assert quarter[(WHOLE, ())] == 3  # not the other organisation's
    assert quarter[(WHOLE, (("level", "district"),))] == 1
    assert quarter[(WHOLE, (("level", "state"),))] == 1
    assert quarter[(WHOLE, (("level", "national"),))] == 1
    assert quarter[(WHOLE, (("outcome_recorded", "yes"),))] == 2
    assert quarter[(WHOLE, (("outcome_recorded", "no"),))] == 1
    assert quarter[(WHOLE, (("level", "national"), ("outcome_recorded", "no")))] == 1
    outcomes = cells(await world.values("advocacy_outcomes", world.analyst, by="level", **QUARTER))
    assert outcomes[(WHOLE, ())] == 2
    assert outcomes[(WHOLE, (("level", "state"),))] == 1
