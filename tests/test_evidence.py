"""The evidence engine: periods, the clock's business dates, indicators counted against a
hand-counted story, consent, stocks versus flows, and who may see which figures."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from domain.evidence.periods import PeriodKind, periods, previous
from persistence.clock import business_date
from tests.evidence_world import EvidenceWorld, cells, evidence_fixtures, ist, totals
from tests.factories import NORTH_24, SOUTH_24, Factory

# -- periods ------------------------------------------------------------------------------


def labels(kind: PeriodKind, start: date, end: date) -> list[str]:
    return [p.label for p in periods(kind, start, end)]


def test_financial_year_periods_run_april_to_march() -> None:
    assert labels(PeriodKind.fy, date(2025, 4, 1), date(2027, 3, 31)) == [
        "FY2025-26",
        "FY2026-27",
    ]
    assert labels(PeriodKind.fy_quarter, date(2026, 1, 1), date(2026, 12, 31)) == [
        "FY2025-26 Q4",
        "FY2026-27 Q1",
        "FY2026-27 Q2",
        "FY2026-27 Q3",
    ]
    assert labels(PeriodKind.quarter, date(2026, 1, 1), date(2026, 6, 30)) == [
        "2026-Q1",
        "2026-Q2",
    ]
    (fy,) = periods(PeriodKind.fy, date(2026, 4, 1), date(2027, 3, 31))
    assert (fy.starts_on, fy.ends_on) == (date(2026, 4, 1), date(2027, 3, 31))


def test_periods_are_clipped_to_the_range_and_compare_with_the_one_before() -> None:
    (may,) = periods(PeriodKind.month, date(2026, 5, 10), date(2026, 5, 20))
    assert (may.starts_on, may.ends_on) == (date(2026, 5, 10), date(2026, 5, 20))
    assert previous(date(2026, 4, 1), date(2026, 6, 30)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert previous(date(2026, 4, 1), date(2027, 3, 31)) == (date(2025, 4, 1), date(2026, 3, 31))
    assert previous(date(2026, 5, 10), date(2026, 5, 19)) == (date(2026, 4, 30), date(2026, 5, 9))


def test_a_moment_belongs_to_its_day_in_india() -> None:
    assert business_date(ist(2026, 3, 31, 23, 30)) == date(2026, 3, 31)
    assert business_date(ist(2026, 4, 1, 0, 30)) == date(2026, 4, 1)
    # 00:30 IST on 1 April is still 31 March in UTC.
    assert ist(2026, 4, 1, 0, 30).astimezone().utcoffset() is not None


# -- the world ----------------------------------------------------------------------------


clock, world = evidence_fixtures()


@pytest.fixture
async def story(world: EvidenceWorld) -> dict[str, Any]:
    """The hand-counted story of the first quarter of FY2026-27 (April-June 2026).

    Survivors (all female, 25, South 24 Parganas unless said):
      s1  registered 10 Apr;                   consents to reporting
      s2  registered 31 Mar 23:30 IST (March); consents to reporting
      s3  registered  5 May;                   consents, withdraws 15 Jun
      s4  registered 20 May, North 24;         never consents to reporting
      s5  registered 30 Jun 23:50 IST, male;   consents
    Cases:
      c1 (s1) opened 12 Apr intake; assessment 20 Apr; planning 3 May; active 10 May;
         closed 20 Jun (goals achieved)
      c2 (s2) opened 1 Apr; closed 25 Apr (relocated); reopened 15 May
      c4 (s4) opened 21 May, North 24 (not counted: no consent)
    """
    w = world
    s2 = await w.register(ist(2026, 3, 31, 23, 30))
    s1 = await w.register(ist(2026, 4, 10))
    s3 = await w.register(ist(2026, 5, 5))
    s4 = await w.register(ist(2026, 5, 20), district=NORTH_24, reporting=False)
    c1 = await w.open_case(s1, ist(2026, 4, 12))
    c2 = await w.open_case(s2, ist(2026, 4, 1, 10))
    await w.move(c1, "assessment", ist(2026, 4, 20))
    await w.move(c2, "closed", ist(2026, 4, 25), closure_reason="relocated")
    await w.move(c1, "planning", ist(2026, 5, 3))
    await w.move(c1, "active", ist(2026, 5, 10))
    await w.move(c2, "reopened", ist(2026, 5, 15))
    c4 = await w.open_case(s4, ist(2026, 5, 21), district=NORTH_24)
    await w.withdraw_reporting(s3, ist(2026, 6, 15))
    await w.move(c1, "monitoring", ist(2026, 6, 1))
    await w.move(c1, "closed", ist(2026, 6, 20), closure_reason="goals_achieved")
    s5 = await w.register(ist(2026, 6, 30, 23, 50), sex="male")
    w.at(ist(2026, 7, 15))
    return {"s1": s1, "s2": s2, "s3": s3, "s4": s4, "s5": s5, "c1": c1, "c2": c2, "c4": c4}


Q1 = {"from": "2026-04-01", "to": "2026-06-30"}


async def test_new_registrations_count_each_survivor_in_her_month_under_consent(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    months = await world.values(
        "new_registrations", **{"from": "2026-03-01", "to": "2026-06-30", "period": "month"}
    )
    # March: s2 (23:30 IST on 31 March is March). April: s1. May: s3 (her consent still held
    # at the end of May; s4 never consented). June: s5 (23:50 IST on 30 June).
    assert totals(months) == {"2026-03": 1, "2026-04": 1, "2026-05": 1, "2026-06": 1}
    quarter = await world.values("new_registrations", period="fy_quarter", **Q1)
    # At the quarter's end s3 had withdrawn: the quarter counts s1 and s5, not the months' sum.
    assert totals(quarter) == {"FY2026-27 Q1": 2}
    assert quarter["excluded_for_consent"] == 2  # s3 and s4
    assert quarter["internal"] is True
    assert quarter["temporal"] == "flow"


async def test_a_stock_is_read_at_the_period_end_never_summed(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    months = await world.values(
        "survivors_associated", **{"from": "2026-03-01", "to": "2026-06-30", "period": "month"}
    )
    # End of March: s2. April: s1, s2. May: s1, s2, s3 (s4 without consent).
    # June: s1, s2, s5 (s3 withdrew on 15 June).
    assert totals(months) == {"2026-03": 1, "2026-04": 2, "2026-05": 3, "2026-06": 3}
    quarter = await world.values("survivors_associated", period="quarter", **Q1)
    assert totals(quarter) == {"2026-Q2": 3}
    by_sex = cells(await world.values("survivors_associated", period="quarter", by="sex", **Q1))
    assert by_sex[("2026-Q2", (("sex", "female"),))] == 2
    assert by_sex[("2026-Q2", (("sex", "male"),))] == 1


async def test_active_cases_by_stage_follow_each_transition(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    answer = await world.values("active_cases", by="stage", period="month", **Q1)
    found = cells(answer)
    # End of April: c1 in assessment; c2 closed. End of May: c1 active, c2 reopened (c4
    # without consent). End of June: c1 closed; c2 reopened.
    assert totals(answer) == {"2026-04": 1, "2026-05": 2, "2026-06": 1}
    assert found[("2026-04", (("stage", "assessment"),))] == 1
    assert found[("2026-05", (("stage", "active"),))] == 1
    assert found[("2026-05", (("stage", "reopened"),))] == 1
    assert found[("2026-06", (("stage", "reopened"),))] == 1
    assert ("2026-06", (("stage", "active"),)) not in found


async def test_closures_by_reason(world: EvidenceWorld, story: dict[str, Any]) -> None:
    answer = await world.values("cases_closed", by="closure_reason", period="month", **Q1)
    found = cells(answer)
    assert found[("2026-04", (("closure_reason", "relocated"),))] == 1
    assert found[("2026-06", (("closure_reason", "goals_achieved"),))] == 1
    goals = await world.values("cases_closed_goals_achieved", period="fy_quarter", **Q1)
    assert totals(goals) == {"FY2026-27 Q1": 1}


async def test_the_answer_names_its_periods_and_when_it_was_computed(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    answer = await world.values("survivors_associated", period="month", **Q1)
    assert [p["label"] for p in answer["periods"]] == ["2026-04", "2026-05", "2026-06"]
    assert answer["periods"][0]["evaluated_on"] == "2026-04-30"
    assert answer["computed_at"].startswith("2026-07-15")
    # A period still running is read today.
    world.at(ist(2026, 6, 10))
    running = await world.values(
        "survivors_associated", period="month", **{"from": "2026-06-01", "to": "2026-06-30"}
    )
    assert running["periods"][0]["evaluated_on"] == "2026-06-10"
    assert totals(running) == {"2026-06": 3}  # s3 had not withdrawn yet on 10 June


async def test_district_breakdown_names_the_places(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    answer = await world.values("survivors_associated", by="district", period="whole", **Q1)
    assert answer["labels"]["district"][str(SOUTH_24)] == "South 24 Parganas"
    found = cells(answer)
    assert found[("2026-04-01/2026-06-30", (("district", str(SOUTH_24)),))] == 3


# -- who may see what ---------------------------------------------------------------------


async def values_status(
    world: EvidenceWorld, actor: Any, code: str = "survivors_associated", **params: Any
) -> int:
    response = await world.client.get(
        f"/api/v1/indicators/{code}/values", params=params, headers=actor.headers
    )
    return response.status_code


async def test_figures_reach_managers_analysts_and_dashboard_clients_only(
    world: EvidenceWorld, factory: Factory
) -> None:
    from domain.common.principal import Role

    allowed = [world.pm, world.analyst, world.dashboard]
    refused = [
        world.sw,
        world.auditor,
        world.dashboard_noscope,
        await factory.user(world.org, Role.partner_staff),
        await factory.platform_admin(),
    ]
    for actor in allowed:
        assert await values_status(world, actor) == 200
        listing = await world.client.get("/api/v1/indicators", headers=actor.headers)
        assert listing.status_code == 200
    for actor in refused:
        assert await values_status(world, actor) == 403
        listing = await world.client.get("/api/v1/indicators", headers=actor.headers)
        assert listing.status_code == 403
    # Survivor leaders see their groups' indicators only, never case figures.
    assert await values_status(world, world.leader) == 403


async def test_only_a_program_manager_in_person_gets_internal_figures_of_her_own_organisation(
    world: EvidenceWorld,
) -> None:
    for actor in (world.analyst, world.dashboard):
        assert await values_status(world, actor, internal="true") == 403
    assert await values_status(world, world.pm, internal="true") == 200
    assert await values_status(world, world.pm, internal="true", rollup="true") == 403
    assert (
        await values_status(world, world.pm, internal="true", organization_id=str(world.partner))
        == 403
    )


async def test_a_lead_sees_its_partners_and_the_rollup_and_no_one_else(
    world: EvidenceWorld,
) -> None:
    await world.register(ist(2026, 5, 1), worker=world.sw_partner, district=NORTH_24)
    world.at(ist(2026, 7, 15))
    partner = await world.values(
        "survivors_associated", world.pm, organization_id=str(world.partner), **Q1
    )
    assert partner["organization_ids"] == [str(world.partner)]
    # One survivor: a small cell, suppressed for the lead.
    (total,) = [c for c in partner["cells"] if not c["breakdown"]]
    assert total["suppressed"] is True
    assert total["value"] is None
    rollup = await world.values("survivors_associated", world.pm, rollup="true", **Q1)
    assert set(rollup["organization_ids"]) == {str(world.org), str(world.partner)}
    # Not a partner of the lead: as if it did not exist. Nor is the lead the partner's partner.
    assert await values_status(world, world.pm, organization_id=str(world.other)) == 404
    assert await values_status(world, world.pm_partner, organization_id=str(world.org)) == 404


async def test_small_cells_are_suppressed_by_default_and_the_left_out_count_too(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    for actor in (world.pm, world.analyst, world.dashboard):
        answer = await world.values("new_registrations", actor, period="fy_quarter", **Q1)
        assert answer["internal"] is False
        assert answer["suppression"] == {"applied": True, "k": 5, "rule": "people"}
        (total,) = answer["cells"]
        assert total == {
            "period": "FY2026-27 Q1",
            "breakdown": {},
            "value": None,
            "numerator": None,
            "denominator": None,
            "suppressed": True,
        }
        assert answer["excluded_for_consent"] is None
        assert answer["excluded_suppressed"] is True


async def test_every_request_is_kept_with_its_parameters_and_audited(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    import sqlalchemy as sa

    await world.values("active_cases", by="stage", period="month", **Q1)
    async with world.factory.uow() as uow:
        row = (
            await uow.session.execute(
                sa.text(
                    "SELECT id, kind, subject, parameters, internal FROM evidence_request"
                    " ORDER BY created_at DESC LIMIT 1"
                )
            )
        ).one()
        audited = (
            await uow.session.execute(
                sa.text(
                    "SELECT actor_id, action FROM audit_event"
                    " WHERE entity_type = 'evidence_request' AND entity_id = :id"
                ),
                {"id": row.id},
            )
        ).one()
    assert (row.kind, row.subject, row.internal) == ("values", "active_cases", True)
    assert row.parameters["by"] == ["stage"]
    assert row.parameters["from"] == "2026-04-01"
    assert row.parameters["organizations"] == [str(world.org)]
    assert audited.actor_id == world.pm.id
    assert audited.action == "read"


async def test_values_as_csv(world: EvidenceWorld, story: dict[str, Any]) -> None:
    response = await world.client.get(
        "/api/v1/indicators/survivors_associated/values",
        params={"by": "district", "period": "month", "internal": "true", **Q1},
        headers={**world.pm.headers, "Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.strip().splitlines()
    assert lines[0] == (
        "indicator,period,starts_on,ends_on,district,district_name,value,numerator,"
        "denominator,suppressed,unit,internal"
    )
    assert (
        f"survivors_associated,2026-06,2026-06-01,2026-06-30,{SOUTH_24},South 24 Parganas,"
        "3,,,false,survivors,true"
    ) in lines
    assert (
        "survivors_associated,2026-06,2026-06-01,2026-06-30,(all),(all),3,,,false,survivors,true"
        in lines
    )


async def test_a_place_name_that_would_run_as_a_formula_is_neutralised_in_csv(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    async with world.factory.uow() as uow:
        await uow.session.execute(
            sa.text("UPDATE district SET name = '=HYPERLINK(\"x\")' WHERE id = :id"),
            {"id": SOUTH_24},
        )
    response = await world.client.get(
        "/api/v1/indicators/survivors_associated/values",
        params={"by": "district", "period": "month", "internal": "true", **Q1},
        headers={**world.pm.headers, "Accept": "text/csv"},
    )
    assert response.status_code == 200
    rows = response.text.strip().splitlines()[1:]
    named = [row for row in rows if str(SOUTH_24) in row]
    assert named
    assert all(',"\'=HYPERLINK(""x"")",' in row for row in named), named[:1]


async def test_a_ratio_has_its_numerator_and_denominator(
    world: EvidenceWorld, factory: Factory
) -> None:
    answer = await world.values("referral_acceptance_rate", **Q1)
    assert answer["factor"] == 100
    assert answer["unit"] == "percent"
    # No referrals: nothing to divide.
    assert answer["cells"] == []


async def test_bad_questions_get_clear_answers(world: EvidenceWorld) -> None:
    async def problem(code: str, **params: Any) -> tuple[int, str]:
        response = await world.client.get(
            f"/api/v1/indicators/{code}/values", params=params, headers=world.pm.headers
        )
        assert response.headers["content-type"].startswith("application/problem+json")
        return response.status_code, response.json()["detail"]

    status, detail = await problem("survivors_associated", by="service_kind")
    assert status == 422
    assert "allows state, district, sex, age_band" in detail
    status, detail = await problem(
        "survivors_associated", **{"from": "2026-05-01", "to": "2026-04-01"}
    )
    assert status == 422
    assert "from" in detail
    status, _ = await problem("survivors_associated", **{"from": "2000-01-01", "to": "2026-04-01"})
    assert status == 422
    status, detail = await problem("referrals_made", filter="service_kind")
    assert status == 400
    assert "name:value" in detail
    status, detail = await problem("referrals_made", filter="service_kind:flying")
    assert status == 422
    assert "legal_aid" in detail
    status, detail = await problem("referrals_made", filter="closure_reason:relocated")
    assert status == 422
    assert "cannot be filtered" in detail
    status, _ = await problem("no_such_indicator")
    assert status == 404
    status, _ = await problem("survivors_associated", by="district,district")
    assert status == 422


# -- dashboards and the report ------------------------------------------------------------


async def test_outcomes_dashboard_sets_each_headline_beside_the_period_before(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    response = await world.client.get(
        "/api/v1/dashboards/outcomes",
        params={"from": "2026-05-01", "to": "2026-05-31", "internal": "true"},
        headers=world.pm.headers,
    )
    assert response.status_code == 200, response.text
    dashboard = response.json()
    assert [s["outcome"] for s in dashboard["outcomes"]] == [1, 2, 3, 4, 5]
    assert (dashboard["previous_starts_on"], dashboard["previous_ends_on"]) == (
        "2026-04-01",
        "2026-04-30",
    )
    headlines = {h["code"]: h for h in dashboard["outcomes"][0]["headlines"]}
    associated = headlines["survivors_associated"]
    # End of May: s1, s2, s3; end of April: s1, s2.
    assert (associated["value"], associated["previous_value"]) == (3, 2)
    assert associated["change"] == 1
    assert associated["change_percent"] == 50.0
    assert headlines["new_registrations"]["value"] == 1
    assert list(headlines)[:3] == ["survivors_associated", "new_registrations", "active_cases"]


async def test_the_report_writes_its_achievement_lines_from_the_figures(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    response = await world.client.get(
        "/api/v1/reports/outcomes",
        params={**Q1, "internal": "true"},
        headers=world.pm.headers,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["internal"] is True
    assert report["notes"][0].startswith("INTERNAL")
    assert report["summary"][0] == ("3 survivors associated with the programme across 1 district")
    case_management = report["outcomes"][0]
    figure = next(f for f in case_management["figures"] if f["code"] == "new_registrations")
    assert [p["value"] for p in figure["trend"]] == [1, 1, 1]
    assert figure["value"] == 2  # the quarter: not the months' sum (s3 withdrew)
    assert figure["by_district"][0]["label"] == "South 24 Parganas"
    # Suppressed for everyone else: the line says so without the number.
    public = (
        await world.client.get("/api/v1/reports/outcomes", params=Q1, headers=world.analyst.headers)
    ).json()
    assert public["summary"][0] == (
        "fewer than 5 survivors associated with the programme across 1 district"
    )
