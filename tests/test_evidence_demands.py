"""Outcome 3 (the demands and issues register): every indicator counted against a
hand-counted story: demands raised, disposed (only the disposal that stands: a reopened
demand counts when disposed again), disposed within the due date of their priority's service
level, and the median days from raised to disposed; by category and place."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from tests.evidence_world import API, EvidenceWorld, cells, evidence_fixtures, ist, totals
from tests.factories import NORTH_24, SOUTH_24, Actor

clock, world = evidence_fixtures()


Q1 = {"from": "2026-04-01", "to": "2026-06-30"}
MONTHS = {"from": "2026-03-01", "to": "2026-06-30", "period": "month"}
QUARTER = {**Q1, "period": "fy_quarter"}
WHOLE = "FY2026-27 Q1"


async def raise_demand(
    w: EvidenceWorld,
    at: datetime,
    category: str,
    priority: str,
    *,
    district: UUID = SOUTH_24,
    actor: Actor | None = None,
) -> dict[str, Any]:
    w.at(at)
    body = {
        "title": f"A {category} demand",
        "category": category,
        "priority": priority,
        "district_id": str(district),
    }
    created: dict[str, Any] = await w.call(actor or w.pm, "POST", "/demands", body)
    return created


async def move(
    w: EvidenceWorld, demand: dict[str, Any], at: datetime, to: str, **body: Any
) -> None:
    w.at(at)
    actor = w.pm_other if demand["organization_id"] == str(w.other) else w.pm
    current = await w.call(actor, "GET", f"/demands/{demand['id']}")
    response = await w.client.post(
        f"{API}/demands/{demand['id']}/transitions",
        json={"to": to, **body},
        headers={**actor.headers, "If-Match": f'"v{current["version"]}"'},
    )
    assert response.status_code == 200, response.text


async def dispose(w: EvidenceWorld, demand: dict[str, Any], at: datetime, resolution: str) -> None:
    await move(w, demand, at, "acknowledged")
    await move(w, demand, at, "disposed", resolution=resolution)


@pytest.fixture
async def story(world: EvidenceWorld) -> dict[str, Any]:
    """The hand-counted story of the lead's register, March to June 2026 (service levels:
    urgent 7 days, high 15, medium 30, low 60).

      D1 education, high, South: raised 20 Mar (due 4 Apr), disposed 2 Apr, resolved
         (13 days, within);
      D2 entitlement, medium, South: raised 1 Apr 00:30 IST (31 Mar in UTC; due 1 May),
         disposed 10 May, not resolvable (39 days, late);
      D3 entitlement, urgent, North: raised 15 Apr (due 22 Apr), disposed 20 Apr, resolved
         (5 days, within);
      D4 health and mental health, low, South: raised 5 May, open throughout;
      D5 entitlement, high, South: raised 10 May (due 25 May), disposed 20 May, reopened
         1 Jun (due 16 Jun), disposed again 30 Jun, partly resolved (51 days, late): its May
         disposal no longer counts;
      D6 safety, medium, North: raised 1 Jun, withdrawn 5 Jun (never disposed);
      D7 other, medium, South: raised 30 Jun 23:30 IST (June);
      the other organisation's demand, raised 2 Apr and disposed 5 Apr: never counted.

    Raised: Mar 1, Apr 2, May 2, Jun 2; the quarter 6 (entitlement 3, health 1, safety 1,
      other 1).
    Disposed: Apr 2 (D1, D3), May 1 (D2), Jun 1 (D5); the quarter 4 (South 3, North 1;
      resolved 2, not resolvable 1, partly resolved 1); within the due date: Apr 2, the
      quarter 2.
    Days to disposal: April 5 and 13 (median 9); the quarter 5, 13, 39, 51 (median 26).
    """
    w = world
    d1 = await raise_demand(w, ist(2026, 3, 20), "education", "high")
    d2 = await raise_demand(w, ist(2026, 4, 1, 0, 30), "entitlement", "medium")
    await dispose(w, d1, ist(2026, 4, 2), "resolved")
    other = await raise_demand(w, ist(2026, 4, 2), "entitlement", "urgent", actor=w.pm_other)
    await dispose(w, other, ist(2026, 4, 5), "resolved")
    d3 = await raise_demand(w, ist(2026, 4, 15), "entitlement", "urgent", district=NORTH_24)
    await dispose(w, d3, ist(2026, 4, 20), "resolved")
    await raise_demand(w, ist(2026, 5, 5), "health_mental_health", "low")
    d5 = await raise_demand(w, ist(2026, 5, 10), "entitlement", "high")
    await dispose(w, d2, ist(2026, 5, 10, 15), "not_resolvable")
    await dispose(w, d5, ist(2026, 5, 20), "resolved")
    await move(w, d5, ist(2026, 6, 1), "open", note="Only half the cards came.")
    d6 = await raise_demand(w, ist(2026, 6, 1), "safety", "medium", district=NORTH_24)
    await move(w, d6, ist(2026, 6, 5), "withdrawn", note="The family moved away.")
    await move(w, d5, ist(2026, 6, 30), "acknowledged")
    await move(w, d5, ist(2026, 6, 30), "disposed", resolution="partly_resolved")
    await raise_demand(w, ist(2026, 6, 30, 23, 30), "other", "medium")
    w.at(ist(2026, 7, 10))
    return {"d5": d5}


async def test_demands_raised_by_month_category_and_place(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    months = await world.values("demands_raised", **MONTHS)
    assert months["temporal"] == "flow"
    assert totals(months) == {"2026-03": 1, "2026-04": 2, "2026-05": 2, "2026-06": 2}
    quarter = cells(await world.values("demands_raised", by="category", **QUARTER))
    assert quarter[(WHOLE, ())] == 6  # not the other organisation's
    assert quarter[(WHOLE, (("category", "entitlement"),))] == 3
    assert quarter[(WHOLE, (("category", "health_mental_health"),))] == 1
    assert quarter[(WHOLE, (("category", "safety"),))] == 1
    assert quarter[(WHOLE, (("category", "other"),))] == 1
    places = cells(await world.values("demands_raised", by="district", **QUARTER))
    assert places[(WHOLE, (("district", str(SOUTH_24)),))] == 4
    assert places[(WHOLE, (("district", str(NORTH_24)),))] == 2
    # Issues of the programme, not persons: the analyst reads the same small figures.
    analyst = cells(await world.values("demands_raised", world.analyst, by="category", **QUARTER))
    assert analyst[(WHOLE, (("category", "safety"),))] == 1


async def test_demands_disposed_count_the_disposal_that_stands(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    months = await world.values("demands_disposed", **MONTHS)
    assert totals(months) == {"2026-03": 0, "2026-04": 2, "2026-05": 1, "2026-06": 1}
    quarter = cells(await world.values("demands_disposed", by="district,resolution", **QUARTER))
    assert quarter[(WHOLE, ())] == 4
    assert quarter[(WHOLE, (("district", str(SOUTH_24)),))] == 3
    assert quarter[(WHOLE, (("district", str(NORTH_24)),))] == 1
    assert quarter[(WHOLE, (("resolution", "resolved"),))] == 2
    assert quarter[(WHOLE, (("resolution", "not_resolvable"),))] == 1
    assert quarter[(WHOLE, (("resolution", "partly_resolved"),))] == 1
    within = await world.values("demands_disposed_within_due_date", **MONTHS)
    assert totals(within) == {"2026-03": 0, "2026-04": 2, "2026-05": 0, "2026-06": 0}
    by_category = cells(
        await world.values("demands_disposed_within_due_date", by="category", **QUARTER)
    )
    assert by_category[(WHOLE, (("category", "entitlement"),))] == 1  # D3 (D2, D5 were late)
    assert by_category[(WHOLE, (("category", "education"),))] == 1


async def test_median_days_from_raised_to_disposed(
    world: EvidenceWorld, story: dict[str, Any]
) -> None:
    months = await world.values("demand_disposal_days_median", **MONTHS)
    assert months["unit"] == "days"
    found = totals(months)
    assert found["2026-04"] == 9  # 5 and 13
    assert found["2026-05"] == 39
    assert found["2026-06"] == 51  # from 10 May, through its reopening
    assert totals(await world.values("demand_disposal_days_median", **QUARTER)) == {WHOLE: 26}
    late = cells(await world.values("demand_disposal_days_median", by="within_due_date", **QUARTER))
    assert late[(WHOLE, (("within_due_date", "no"),))] == 45  # 39 and 51
    assert late[(WHOLE, (("within_due_date", "yes"),))] == 9
