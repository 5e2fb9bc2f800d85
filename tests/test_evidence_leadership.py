"""Outcome 4 (survivor leadership): every indicator counted against a hand-counted story, and
survivor leaders seeing their own groups' figures (suppressed), never another group's, never
case figures."""

from __future__ import annotations

from typing import Any

import pytest

from domain.common.principal import Role
from tests.evidence_world import EvidenceWorld, cells, evidence_fixtures, ist, totals
from tests.factories import NORTH_24, Factory

clock, world = evidence_fixtures()


Q1 = {"from": "2026-04-01", "to": "2026-06-30"}
MONTHS = {"from": "2026-03-01", "to": "2026-06-30", "period": "month"}
QUARTER = {**Q1, "period": "fy_quarter"}
WHOLE = "FY2026-27 Q1"


@pytest.fixture
async def story(world: EvidenceWorld, factory: Factory) -> dict[str, Any]:
    """The hand-counted story of survivor leadership in April-June 2026 (FY2026-27 Q1).

    People: Asha (``world.leader``), Bina, Champa and Dipa are survivor leaders (accounts with
    that role); Mala is a survivor (a record, no account). The social worker and the program
    manager are staff.
    Groups (formed 1 Jan): A (South 24) - Asha and Bina from 1 Feb, Bina leaves on 15 May;
    B (North 24) - Champa and Mala (by her survivor record) from 1 Feb; C never meets.

    Meetings: B 31 Mar; A 1 Apr, 15 Apr, 10 Jun; B 30 Jun.
      functional: Mar 1 (B), Apr 1 (A), May 0, Jun 2 (A, B); the quarter 2 (A, B), not 3.
    Trainings completed: Dipa leadership 1 Apr; the social worker leadership 10 Apr (not a
      leader); Champa vocational 5 May (not a leadership topic); Bina leadership 20 May (no
      group then); Asha public speaking 2 Jun and leadership 30 Jun (once); Champa
      leadership 12 Jun, completion withdrawn on 15 Jun; Mala leadership 15 Jun (member of B).
      leaders trained: Apr 1, May 1, Jun 2 (Asha, Mala); the quarter 4.
    Campaigns (reached women/men/youth/children): 31 Mar school session, no group, 0/0/0/100;
      1 Apr rally, A, 40/10/0/5; 15 May awareness meeting, B, 30/0/12/0; 30 Jun street play,
      A, 20/20/0/0; a school session of B recorded for 30 Jun, corrected to 1 Jul, 0/0/0/50.
      held: Apr 1, May 1, Jun 1, the quarter 3; reach: the quarter 137 = women 90, men 30,
      youth 12, children 5.
    Duty bearers: E0 (no group, district administration, 20 Mar) C5 due 31 Mar; E1 (A,
      police, 1 Apr) C1 due 30 Apr, C2 due 15 May, C3 undated, C6 due 20 Apr; E2 (B, gram
      panchayat, 30 Jun) C4 due 30 Jun. Follow-ups: C6 fulfilled 20 Apr (its date: never
      overdue); C5 partly fulfilled 20 Apr; C1 fulfilled 30 Apr, set back to open 20 May;
      C2 fulfilled 10 Jun.
      made: Mar 1, Apr 4, Jun 1, the quarter 5. fulfilled: Apr 1 (C6), Jun 1 (C2), the
      quarter 2. overdue at the month's end: Mar 0 (C5 is due that day), Apr 1 (C5), May 3
      (C5, C1, C2), Jun 2 (C5, C1; C4 is due that day); the quarter 2, not 6; on 15 July 3.
    Referrals by leaders: Bina 31 Mar 23:30 IST (March; A); Asha 1 Apr 00:30 IST (April,
      still 31 Mar in UTC; A); Asha 15 May at risk (A); Bina 20 May (no group); Dipa 10 Jun
      at risk (no group; declined); Champa 30 Jun 23:30 IST (June; B).
      identified: Mar 1, Apr 1, May 2, Jun 2; the quarter 5, by 4 leaders.
      Became cases: Bina's of 31 Mar on 2 Apr (Yamini, who withdraws her consent to
      reporting on 15 Jun); Asha's of 1 Apr on 30 Jun 23:30 IST (Xena); Champa's on 1 Jul.
      became cases: Apr 1 (Yamini, consent still in force at April's end), Jun 1 (Xena);
      the quarter 1 (Xena), 1 left out for consent.
    Safety reports: the manager 31 Mar 23:30 IST (March); Asha red flag 1 Apr (A); Champa
      threat 15 May (B); the social worker missing person 10 Jun; Asha suspected recruitment
      30 Jun 23:30 IST (A).
      reports: Apr 1, May 1, Jun 2; the quarter 4 by 3 persons.
    """
    w = world
    asha = w.leader
    bina = await factory.user(w.org, Role.survivor_leader)
    champa = await factory.user(w.org, Role.survivor_leader)
    dipa = await factory.user(w.org, Role.survivor_leader)
    mala = await w.register(ist(2026, 1, 20))
    yamini = await w.register(ist(2026, 3, 25))
    w.at(ist(2026, 3, 1))
    group_a = await w.leader_group("Group A")
    group_b = await w.leader_group("Group B", district=NORTH_24)
    await w.leader_group("Group C")
    await w.join(group_a, "2026-02-01", user=asha)
    bina_in_a = await w.join(group_a, "2026-02-01", user=bina)
    await w.join(group_b, "2026-02-01", user=champa)
    await w.join(group_b, "2026-02-01", survivor=mala)

    w.at(ist(2026, 3, 20))
    e0, (c5,) = await w.engagement("2026-03-20", "district_administration", ["2026-03-31"])
    w.at(ist(2026, 3, 31))
    await w.campaign("2026-03-31", "school_session", children=100)
    await w.leader_meeting(group_b, "2026-03-31")
    referral_b1 = await w.identify(bina, ist(2026, 3, 31, 23, 30))
    await w.safety_report(w.pm, ist(2026, 3, 31, 23, 30), "other")
    referral_a1 = await w.identify(asha, ist(2026, 4, 1, 0, 30))

    w.at(ist(2026, 4, 1))
    await w.leader_meeting(group_a, "2026-04-01")
    await w.campaign("2026-04-01", "rally", group=group_a, women=40, men=10, children=5)
    e1, (c1, c2, _c3, c6) = await w.engagement(
        "2026-04-01", "police", ["2026-04-30", "2026-05-15", None, "2026-04-20"], group=group_a
    )
    await w.safety_report(asha, ist(2026, 4, 1, 12), "red_flag")
    w.at(ist(2026, 4, 1, 13))
    leadership = await w.leadership_training("leadership", "2026-04-01")
    await w.completes(leadership, "2026-04-01", user=dipa)
    case_y = await w.open_case(yamini, ist(2026, 4, 2, 9))
    await w.decide(referral_b1, ist(2026, 4, 2, 10), "became_case", case_y)
    w.at(ist(2026, 4, 10))
    await w.completes(leadership, "2026-04-10", user=w.sw)
    w.at(ist(2026, 4, 15))
    await w.leader_meeting(group_a, "2026-04-15")
    w.at(ist(2026, 4, 20))
    await w.follow_up(e1, c6, "fulfilled", "2026-04-20")
    await w.follow_up(e0, c5, "partly_fulfilled", "2026-04-20")
    w.at(ist(2026, 4, 30))
    await w.follow_up(e1, c1, "fulfilled", "2026-04-30")

    w.at(ist(2026, 5, 5))
    vocational = await w.leadership_training("vocational", "2026-05-05")
    await w.completes(vocational, "2026-05-05", user=champa)
    w.at(ist(2026, 5, 15))
    await w.campaign("2026-05-15", "awareness_meeting", group=group_b, women=30, youth=12)
    await w.identify(asha, ist(2026, 5, 15), "at_risk")
    await w.safety_report(champa, ist(2026, 5, 15), "threat")
    await w.leave(group_a, bina_in_a, "2026-05-15")
    w.at(ist(2026, 5, 20))
    await w.follow_up(e1, c1, "open")
    await w.identify(bina, ist(2026, 5, 20))
    w.at(ist(2026, 5, 20, 13))
    await w.completes(leadership, "2026-05-20", user=bina)

    xena = await w.register(ist(2026, 6, 1))
    case_x = await w.open_case(xena, ist(2026, 6, 2))
    speaking = await w.leadership_training("public_speaking", "2026-06-02")
    await w.completes(speaking, "2026-06-02", user=asha)
    w.at(ist(2026, 6, 10))
    await w.leader_meeting(group_a, "2026-06-10")
    await w.follow_up(e1, c2, "fulfilled", "2026-06-10")
    referral_d = await w.identify(dipa, ist(2026, 6, 10), "at_risk")
    await w.safety_report(w.sw, ist(2026, 6, 10, 13), "missing_person")
    await w.decide(referral_d, ist(2026, 6, 11), "declined")
    w.at(ist(2026, 6, 12))
    champa_done = await w.completes(leadership, "2026-06-12", user=champa)
    await w.withdraw_reporting(yamini, ist(2026, 6, 15))
    await w.change(
        w.pm, f"/trainings/{leadership}/participants/{champa_done}", {"completed_on": None}
    )
    await w.completes(leadership, "2026-06-15", survivor=mala)

    w.at(ist(2026, 6, 30, 12))
    await w.leader_meeting(group_b, "2026-06-30")
    await w.campaign("2026-06-30", "street_play", group=group_a, women=20, men=20)
    late = await w.campaign("2026-06-30", "school_session", group=group_b, children=50)
    await w.engagement("2026-06-30", "gram_panchayat", ["2026-06-30"], group=group_b)
    await w.completes(leadership, "2026-06-30", user=asha)
    referral_c1 = await w.identify(champa, ist(2026, 6, 30, 23, 30))
    await w.safety_report(asha, ist(2026, 6, 30, 23, 30), "suspected_recruitment")
    await w.decide(referral_a1, ist(2026, 6, 30, 23, 40), "became_case", case_x)

    zara = await w.register(ist(2026, 7, 1, 9))
    case_z = await w.open_case(zara, ist(2026, 7, 1, 9, 30))
    await w.decide(referral_c1, ist(2026, 7, 1, 10), "became_case", case_z)
    w.at(ist(2026, 7, 15))
    await w.change(w.pm, f"/campaigns/{late}", {"held_on": "2026-07-01"})
    return {"bina": bina, "champa": champa, "group_a": group_a, "group_b": group_b}


# -- outcome 4, indicator by indicator ------------------------------------------------------


async def test_leader_groups_functional_count_each_group_that_met_once_per_period(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    months = await world.values("leader_groups_functional", **MONTHS)
    assert totals(months) == {"2026-03": 1, "2026-04": 1, "2026-05": 0, "2026-06": 2}
    quarter = await world.values("leader_groups_functional", **QUARTER)
    assert totals(quarter) == {WHOLE: 2}  # A and B, each once: not the months' 3
    by_district = cells(await world.values("leader_groups_functional", by="district", **Q1))
    assert by_district[("2026-04-01/2026-06-30", (("district", str(NORTH_24)),))] == 1
    # About groups, not persons: an analyst reads the same small figures.
    analyst = await world.values("leader_groups_functional", world.analyst, **QUARTER)
    assert analyst["suppression"]["rule"] == "none"
    assert totals(analyst) == {WHOLE: 2}


async def test_leaders_trained_count_leaders_once_by_the_leadership_topics(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    months = await world.values("leaders_trained", **MONTHS)
    # Not the social worker, not Champa's vocational course nor her withdrawn completion.
    assert totals(months) == {"2026-03": 0, "2026-04": 1, "2026-05": 1, "2026-06": 2}
    quarter = await world.values("leaders_trained", by="topic", **QUARTER)
    assert totals(quarter) == {WHOLE: 4}  # Dipa, Bina, Asha (twice in June: once), Mala
    found = cells(quarter)
    assert found[(WHOLE, (("topic", "leadership"),))] == 4
    assert found[(WHOLE, (("topic", "public_speaking"),))] == 1
    assert (WHOLE, (("topic", "vocational"),)) not in found
    # Persons: suppressed for the analyst.
    analyst = await world.values("leaders_trained", world.analyst, **QUARTER)
    (total,) = analyst["cells"]
    assert total["suppressed"] is True
    assert total["value"] is None


async def test_campaigns_held_and_their_reach_by_audience(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    held = await world.values("campaigns_held", **MONTHS)
    assert totals(held) == {"2026-03": 1, "2026-04": 1, "2026-05": 1, "2026-06": 1}
    kinds = cells(await world.values("campaigns_held", by="campaign_kind", **QUARTER))
    assert kinds[(WHOLE, ())] == 3  # the school session moved to 1 July is out
    assert kinds[(WHOLE, (("campaign_kind", "rally"),))] == 1
    assert (WHOLE, (("campaign_kind", "school_session"),)) not in kinds
    reach = await world.values("campaign_reach", by="audience", **QUARTER)
    found = cells(reach)
    assert found[(WHOLE, ())] == 137  # summed over the quarter's campaigns
    assert found[(WHOLE, (("audience", "women"),))] == 90
    assert found[(WHOLE, (("audience", "men"),))] == 30
    assert found[(WHOLE, (("audience", "youth"),))] == 12
    assert found[(WHOLE, (("audience", "children"),))] == 5
    by_month = await world.values("campaign_reach", **MONTHS)
    assert totals(by_month) == {"2026-03": 100, "2026-04": 55, "2026-05": 42, "2026-06": 40}
    analyst = await world.values("campaign_reach", world.analyst, by="audience", **QUARTER)
    assert cells(analyst)[(WHOLE, (("audience", "children"),))] == 5


async def test_duty_bearer_commitments_made_fulfilled_and_overdue(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    made = await world.values("duty_bearer_commitments_made", **MONTHS)
    assert totals(made) == {"2026-03": 1, "2026-04": 4, "2026-05": 0, "2026-06": 1}
    by_bearer = cells(
        await world.values("duty_bearer_commitments_made", by="duty_bearer", **QUARTER)
    )
    assert by_bearer[(WHOLE, (("duty_bearer", "police"),))] == 4
    assert by_bearer[(WHOLE, (("duty_bearer", "gram_panchayat"),))] == 1
    fulfilled = await world.values("duty_bearer_commitments_fulfilled", **MONTHS)
    # C1's fulfilment of 30 April was set back to open: it no longer counts.
    assert totals(fulfilled) == {"2026-03": 0, "2026-04": 1, "2026-05": 0, "2026-06": 1}
    overdue = await world.values("duty_bearer_commitments_overdue", **MONTHS)
    assert overdue["temporal"] == "stock"
    assert totals(overdue) == {"2026-03": 0, "2026-04": 1, "2026-05": 3, "2026-06": 2}
    quarter = await world.values("duty_bearer_commitments_overdue", **QUARTER)
    assert totals(quarter) == {WHOLE: 2}  # read on 30 June, never the months' sum
    # Read today (15 July), the stock agrees with the live rule (is_overdue) of the summary.
    today = await world.values(
        "duty_bearer_commitments_overdue", **{"from": "2026-07-01", "to": "2026-07-15"}
    )
    summary = await world.call(world.pm, "GET", "/duty-bearer-engagements/summary")
    assert totals(today) == {"2026-07-01/2026-07-15": 3}
    assert summary["overdue"] == 3


async def test_possible_victims_identified_and_those_who_became_cases(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    identified = await world.values("possible_victims_identified", **MONTHS)
    # 23:30 IST on 31 March is March; 00:30 IST on 1 April (31 March in UTC) is April.
    assert totals(identified) == {"2026-03": 1, "2026-04": 1, "2026-05": 2, "2026-06": 2}
    quarter = await world.values("possible_victims_identified", by="concern", **QUARTER)
    found = cells(quarter)
    assert found[(WHOLE, ())] == 5
    assert found[(WHOLE, (("concern", "possible_victim"),))] == 3
    assert found[(WHOLE, (("concern", "at_risk"),))] == 2
    # Five referrals, but made by four leaders: suppressed for the analyst.
    analyst = await world.values("possible_victims_identified", world.analyst, **QUARTER)
    (total,) = analyst["cells"]
    assert total["suppressed"] is True
    cases = await world.values("identifications_became_cases", **MONTHS)
    # Yamini counts in April (her consent still held at April's end), not in the quarter.
    assert totals(cases) == {"2026-03": 0, "2026-04": 1, "2026-05": 0, "2026-06": 1}
    cases_quarter = await world.values("identifications_became_cases", **QUARTER)
    assert totals(cases_quarter) == {WHOLE: 1}  # Xena; Champa's became a case on 1 July
    assert cases_quarter["excluded_for_consent"] == 1


async def test_safety_reports_by_kind(world: EvidenceWorld, story: dict[str, Any]) -> None:
    months = await world.values("safety_reports", **MONTHS)
    assert totals(months) == {"2026-03": 1, "2026-04": 1, "2026-05": 1, "2026-06": 2}
    found = cells(await world.values("safety_reports", by="report_kind", **QUARTER))
    assert found[(WHOLE, ())] == 4
    for kind in ("red_flag", "threat", "missing_person", "suspected_recruitment"):
        assert found[(WHOLE, (("report_kind", kind),))] == 1
    analyst = await world.values("safety_reports", world.analyst, **QUARTER)
    (total,) = analyst["cells"]
    assert total["suppressed"] is True  # three reporters


# -- survivor leaders see their own groups ----------------------------------------------------


async def test_a_survivor_leader_sees_her_groups_figures_suppressed_and_no_other_groups(
    world: EvidenceWorld, story: dict[str, Any], factory: Factory
) -> None:
    asha = world.leader

    async def total(code: str, actor: Any = asha) -> dict[str, Any]:
        answer = await world.values(code, actor, **QUARTER)
        assert answer["internal"] is False
        found = [cell for cell in answer["cells"] if not cell["breakdown"]]
        return found[0] if found else {"value": 0, "suppressed": False}

    # Group A only: figures about groups and events are exact, B's are not in them.
    assert (await total("leader_groups_functional"))["value"] == 1
    assert (await total("campaigns_held"))["value"] == 2
    assert (await total("campaign_reach"))["value"] == 95
    assert (await total("duty_bearer_commitments_made"))["value"] == 4
    assert (await total("duty_bearer_commitments_overdue"))["value"] == 1  # C1; not B's C4
    # Figures about persons are suppressed for her as for anyone outside the records.
    for code in (
        "leaders_trained",
        "possible_victims_identified",
        "identifications_became_cases",
        "safety_reports",
    ):
        cell = await total(code)
        assert cell["suppressed"] is True, code
        assert cell["value"] is None, code
    # The organisation's figure holds group B's campaign too: it is not hers.
    assert totals(await world.values("campaigns_held", **QUARTER)) == {WHOLE: 3}
    # Bina left group A on 15 May: she belongs to no group, and sees nothing of A.
    bina = story["bina"]
    assert (await total("campaigns_held", bina))["value"] == 0


async def test_a_survivor_leader_is_refused_case_and_expansion_indicators(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    async def status(code: str, **params: Any) -> int:
        response = await world.client.get(
            f"/api/v1/indicators/{code}/values",
            params={**Q1, **params},
            headers=world.leader.headers,
        )
        return response.status_code

    for code in ("active_cases", "survivors_associated", "partners_by_stage", "advocacy_actions"):
        assert await status(code) == 403, code
    assert await status("campaigns_held") == 200
    assert await status("campaigns_held", internal="true") == 403
    assert await status("campaigns_held", rollup="true") == 403
    # Her dashboard holds her groups' headlines of outcome 4 and nothing else.
    response = await world.client.get(
        "/api/v1/dashboards/outcomes", params=Q1, headers=world.leader.headers
    )
    assert response.status_code == 200, response.text
    sections = {s["outcome"]: s["headlines"] for s in response.json()["outcomes"]}
    assert sections[1] == []
    assert sections[5] == []
    headlines = {h["code"]: h for h in sections[4]}
    assert headlines["leader_groups_functional"]["value"] == 1
    assert headlines["leaders_trained"]["suppressed"] is True
