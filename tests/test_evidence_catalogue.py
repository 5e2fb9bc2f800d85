"""The indicator catalogue as seeded: every row can be evaluated, and the catalogue is served."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from domain.evidence.catalogue import IndicatorDefinition, problems
from persistence.evidence.measures import MEASURES
from persistence.models.indicator import Indicator
from tests.factories import Factory


async def rows(factory: Factory) -> list[Indicator]:
    async with factory.uow() as uow:
        return list((await uow.session.scalars(sa.select(Indicator))).all())


async def test_every_catalogue_row_names_measures_filters_and_breakdowns_that_exist(
    factory: Factory,
) -> None:
    found = await rows(factory)
    assert found
    wrong = {
        row.code: trouble for row in found if (trouble := problems(IndicatorDefinition.of(row)))
    }
    assert wrong == {}
    codes = [row.code for row in found]
    assert len(codes) == len(set(codes))
    # Every measure is used by some indicator (a measure nothing reads is dead code).
    used = {use.measure for row in found for use in IndicatorDefinition.of(row).uses}
    assert set(MEASURES) <= used


async def test_the_catalogue_is_served_with_its_definitions(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    from domain.common.principal import Role

    organization = await factory.organization()
    analyst = await factory.user(organization, Role.analyst)
    response = await client.get("/api/v1/indicators", headers=analyst.headers)
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    assert len(items) == len(await rows(factory))
    assert [i["outcome"] for i in items] == sorted(i["outcome"] for i in items)
    one = await client.get("/api/v1/indicators/active_cases", headers=analyst.headers)
    assert one.status_code == 200
    active = one.json()
    assert active["temporal"] == "stock"
    assert active["numerator"]["filters"]["stage"][0] == "intake"
    assert "stage" in active["breakdowns"]
    assert active["filters"] == ["stage"]
    outcome_one = await client.get(
        "/api/v1/indicators", params={"outcome": 1}, headers=analyst.headers
    )
    assert {i["outcome"] for i in outcome_one.json()["items"]} == {1}
