"""Dashboards and reports computed side by side on several connections (the evidence pool,
``SHAKTI_EVIDENCE_CONNECTIONS``), all on the request's snapshot, give exactly the figures one
connection gives; the rolled-up stocks are brought up to date on a side connection first."""

from __future__ import annotations

from typing import Any

import httpx

from api.app import create_app
from domain.common.settings import Settings
from persistence.clock import FixedClock, using
from persistence.database import Database
from tests.evidence_world import EvidenceWorld, ist
from tests.factories import NORTH_24, Factory

REQUESTS = (
    ("/api/v1/dashboards/outcomes", {"from": "2026-05-01", "to": "2026-05-31"}),
    ("/api/v1/dashboards/case-progress", {"from": "2026-04-01", "to": "2026-06-30"}),
    ("/api/v1/reports/outcomes", {"from": "2026-04-01", "to": "2026-06-30"}),
)


def without_time(answer: Any) -> Any:
    if isinstance(answer, dict):
        return {k: without_time(v) for k, v in answer.items() if k != "computed_at"}
    if isinstance(answer, list):
        return [without_time(v) for v in answer]
    return answer


async def answers(world: EvidenceWorld) -> list[Any]:
    found = []
    for actor, internal in ((world.pm, True), (world.analyst, False)):
        for path, params in REQUESTS:
            query = {**params, "internal": "true"} if internal else params
            response = await world.client.get(path, params=query, headers=actor.headers)
            assert response.status_code == 200, response.text
            found.append(without_time(response.json()))
    return found


async def test_side_by_side_figures_are_those_of_one_connection(
    settings: Settings, committed_db: Database
) -> None:
    app = create_app(settings.model_copy(update={"evidence_connections": 3}), database=committed_db)
    clock = FixedClock(ist(2026, 3, 1))
    with using(clock):
        async with app.router.lifespan_context(app):
            pool = committed_db.evidence_pool
            assert pool is not None
            transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                factory = Factory(app.state.container, committed_db)
                w = await EvidenceWorld(client, factory, clock).build()
                survivors = [await w.register(ist(2026, 4, day)) for day in (2, 5, 9, 14, 20)]
                survivors += [
                    await w.register(ist(2026, 5, day), district=NORTH_24) for day in (3, 8, 12)
                ]
                cases = [
                    await w.open_case(s, ist(2026, 5, 15 + i)) for i, s in enumerate(survivors)
                ]
                for i, case in enumerate(cases[:6]):
                    await w.move(case, "assessment", ist(2026, 5, 25 + i))
                await w.move(cases[0], "closed", ist(2026, 6, 10), closure_reason="relocated")
                await w.withdraw_reporting(survivors[1], ist(2026, 6, 12))
                w.at(ist(2026, 7, 15))

                side_by_side = await answers(w)
                assert pool.get_size() >= 2  # the figures were computed on side connections
                await committed_db.close_evidence_pool()
                one_connection = await answers(w)
    assert side_by_side == one_connection
    outcome_one = side_by_side[0]["outcomes"][0]["headlines"]
    assert {h["code"]: h["value"] for h in outcome_one}["survivors_associated"] == 8
