"""A survivor's livelihood records: her plan, her jobs and enterprises, her monthly income over
time and her financial inclusion; what stays sealed, and who may see and shape them."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from functools import partial
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Role
from domain.livelihoods.service import add_months, monthly_totals, three_month_average
from tests import helpers
from tests.factories import Actor
from tests.helpers import if_match, today
from tests.worlds import CaseWorld, Client, world_fixture

ASPIRATIONS = "A tailoring unit of her own near her mother's house in Basanti"
DESCRIPTION = "Blouse stitching for the Canning weekly haat"
DETAILS = "PMJDY account 3791 0045 2231, RuPay card received"
TABLES = ("livelihood_plan", "livelihood_activity", "income_record", "financial_inclusion")


def base(survivor_id: UUID) -> str:
    return f"/api/v1/survivors/{survivor_id}"


PLAN = {
    "aspirations": ASPIRATIONS,
    "skills": ["tailoring", "embroidery"],
    "options": ["self_employment", "skills_training"],
}
ACTIVITY = {
    "kind": "enterprise",
    "sector": "tailoring",
    "description": DESCRIPTION,
    "started_on": "2026-08-01",
    "investment_paise": 1_500_000,
}


class World(CaseWorld):
    """Two organisations, their people and clients; a survivor of A held by ``sw_a``."""

    clients = {
        "client_a": Client(
            "org_a", Role.program_manager, ("livelihoods:read", "livelihoods:manage")
        ),
        "client_partner_b": Client("org_b", Role.partner_staff),
    }
    survivor_of_b = True


world = world_fixture(World)


table_counts = partial(helpers.table_counts, tables=TABLES)


async def raw_row(connection: AsyncConnection, table: str, row_id: str) -> str:
    text = await connection.scalar(
        sa.text(f"SELECT t::text FROM {table} t WHERE id = :id"), {"id": row_id}
    )
    assert text is not None
    return str(text)


async def put_plan(
    client: httpx.AsyncClient, actor: Actor, survivor_id: UUID, **extra: Any
) -> dict[str, Any]:
    response = await client.put(
        f"{base(survivor_id)}/livelihood-plan", json={**PLAN, **extra}, headers=actor.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def add_activity(
    client: httpx.AsyncClient, actor: Actor, survivor_id: UUID, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{base(survivor_id)}/livelihood-activities",
        json={**ACTIVITY, **extra},
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def add_income(
    client: httpx.AsyncClient, actor: Actor, survivor_id: UUID, month: str, paise: int, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{base(survivor_id)}/income",
        json={"month": month, "source": "enterprise", "amount_paise": paise, **extra},
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# -- pure rules -----------------------------------------------------------------------------
def test_months_and_the_three_month_average() -> None:
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    totals = monthly_totals(
        [
            (date(2026, 8, 1), 300),
            (date(2026, 10, 1), 500),
            (date(2026, 8, 1), 100),
            (date(2026, 6, 1), 9000),
        ]
    )
    assert totals == [(date(2026, 6, 1), 9000), (date(2026, 8, 1), 400), (date(2026, 10, 1), 500)]
    # August to October: September is unknown, not zero
    assert three_month_average(totals, None) == (date(2026, 8, 1), date(2026, 10, 1), 2, 450)
    assert three_month_average(totals, date(2026, 7, 1)) == (
        date(2026, 5, 1),
        date(2026, 7, 1),
        1,
        9000,
    )
    assert three_month_average(totals, date(2027, 6, 1))[2:] == (0, None)
    assert three_month_average([], None) == (None, None, 0, None)


# -- the plan -------------------------------------------------------------------------------
async def test_her_plan_is_recorded_sealed_and_replaced_whole(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    url = f"{base(world.survivor)}/livelihood-plan"
    assert (await client.get(url, headers=world.sw_a.headers)).status_code == 404
    response = await client.put(url, json=PLAN, headers=world.sw_a.headers)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == url
    assert response.headers["etag"] == '"v1"'
    plan = response.json()
    assert plan["aspirations"] == ASPIRATIONS
    assert plan["skills"] == ["tailoring", "embroidery"]
    assert plan["options"] == ["self_employment", "skills_training"]
    assert plan["created_by"] == str(world.sw_a.id)
    raw = await raw_row(connection, "livelihood_plan", plan["id"])
    assert "Basanti" not in raw
    assert "tailoring unit" not in raw

    read = await client.get(url, headers=world.pm_a.headers)
    assert read.status_code == 200
    assert read.json()["aspirations"] == ASPIRATIONS
    assert read.headers["etag"] == '"v1"'

    # once she has a plan: If-Match is needed, and must be current
    assert (await client.put(url, json=PLAN, headers=world.sw_a.headers)).status_code == 428
    assert (await client.put(url, json=PLAN, headers=if_match(world.sw_a, 7))).status_code == 412
    # the same plan again changes nothing
    same = await client.put(url, json=PLAN, headers=if_match(world.sw_a, 1))
    assert same.status_code == 200
    assert same.json()["version"] == 1
    replaced = await client.put(
        url,
        json={"skills": ["poultry"], "options": ["wage_employment"]},
        headers=if_match(world.sw_a, 1),
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["etag"] == '"v2"'
    assert replaced.json()["aspirations"] is None  # not sent: emptied
    assert replaced.json()["skills"] == ["poultry"]

    audit = await connection.execute(
        sa.text(
            "SELECT action FROM audit_event WHERE entity_type = 'livelihood_plan' "
            "AND entity_id = :id ORDER BY seq"
        ),
        {"id": plan["id"]},
    )
    actions = [row.action for row in audit]
    assert actions[0] == "create"
    assert "read" in actions
    assert actions[-1] == "update"


async def test_a_bad_plan_is_refused_with_nothing_written(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    url = f"{base(world.survivor)}/livelihood-plan"
    before = await table_counts(connection)
    for bad in (
        {**PLAN, "skills": ["tailoring", "tailoring"]},
        {**PLAN, "options": ["astrology"]},
        {**PLAN, "aspirations": ""},
        {**PLAN, "skills": ["x" * 81]},
        {**PLAN, "hobby": "singing"},
        {**PLAN, "options": "enterprise"},
    ):
        refused = await client.put(url, json=bad, headers=world.sw_a.headers)
        assert refused.status_code == 422, (bad, refused.text)
        assert "Basanti" not in refused.text
    assert await table_counts(connection) == before


# -- jobs and enterprises ---------------------------------------------------------------------
async def test_jobs_and_enterprises(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    url = f"{base(world.survivor)}/livelihood-activities"
    enterprise = await add_activity(client, world.sw_a, world.survivor)
    assert enterprise["investment_paise"] == 1_500_000
    assert enterprise["description"] == DESCRIPTION
    raw = await raw_row(connection, "livelihood_activity", enterprise["id"])
    assert "Canning" not in raw
    job = await add_activity(
        client,
        world.pm_a,
        world.survivor,
        kind="wage_employment",
        sector="garments",
        description=None,
        investment_paise=None,
        started_on="2025-01-10",
        ended_on="2025-12-31",
    )
    listed = await client.get(url, headers=world.sw_a.headers)
    assert [a["id"] for a in listed.json()["items"]] == [enterprise["id"], job["id"]]
    only = await client.get(url, params={"kind": "wage_employment"}, headers=world.sw_a.headers)
    assert [a["id"] for a in only.json()["items"]] == [job["id"]]
    paged = await client.get(
        url, params={"limit": 1, "include_total": "true"}, headers=world.sw_a.headers
    )
    assert paged.json()["total"] == 2
    assert paged.json()["next_cursor"]

    one_url = f"{url}/{enterprise['id']}"
    read = await client.get(one_url, headers=world.pm_a.headers)
    assert read.status_code == 200
    assert read.headers["etag"] == '"v1"'
    ended = await client.patch(
        one_url, json={"ended_on": "2026-10-31"}, headers=if_match(world.sw_a, 1)
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["ended_on"] == "2026-10-31"
    assert ended.json()["description"] == DESCRIPTION

    # bad corrections: 422 and nothing changes
    before = await table_counts(connection)
    bad: dict[str, Any]
    for bad in (
        {"started_on": "2026-11-15"},  # after it ended
        {"ended_on": "2026-01-01"},
        {"ended_on": (today() + timedelta(days=3)).isoformat()},
        {"kind": None},
        {"investment_paise": -5},
        {"colour": "red"},
    ):
        refused = await client.patch(one_url, json=bad, headers=if_match(world.sw_a, 2))
        assert refused.status_code == 422, (bad, refused.text)
    for bad in (
        {**ACTIVITY, "kind": "begging"},
        {**ACTIVITY, "ended_on": "2026-07-01"},
        {**ACTIVITY, "investment_paise": 1.5},
        {key: value for key, value in ACTIVITY.items() if key != "started_on"},
    ):
        refused = await client.post(url, json=bad, headers=world.sw_a.headers)
        assert refused.status_code == 422, (bad, refused.text)
    assert await table_counts(connection) == before
    stale = await client.patch(one_url, json={"sector": "x"}, headers=if_match(world.sw_a, 1))
    assert stale.status_code == 412

    # idempotent creates
    headers = {**world.sw_a.headers, "Idempotency-Key": "activity-1"}
    first = await client.post(url, json=ACTIVITY, headers=headers)
    again = await client.post(url, json=ACTIVITY, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert (await table_counts(connection))["livelihood_activity"] == before[
        "livelihood_activity"
    ] + 1


# -- income ---------------------------------------------------------------------------------
async def test_monthly_income_over_time(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    url = f"{base(world.survivor)}/income"
    await add_income(client, world.sw_a, world.survivor, "2026-06-01", 200_000)
    await add_income(client, world.sw_a, world.survivor, "2026-08-01", 300_000)
    wage = await add_income(
        client, world.sw_a, world.survivor, "2026-08-01", 100_000, source="wage_employment"
    )
    await add_income(client, world.sw_a, world.survivor, "2026-10-01", 450_000)

    series = (await client.get(url, headers=world.pm_a.headers)).json()
    assert [(r["month"], r["source"]) for r in series["records"]] == [
        ("2026-06-01", "enterprise"),
        ("2026-08-01", "enterprise"),
        ("2026-08-01", "wage_employment"),
        ("2026-10-01", "enterprise"),
    ]
    assert series["monthly"] == [
        {"month": "2026-06-01", "total_paise": 200_000},
        {"month": "2026-08-01", "total_paise": 400_000},
        {"month": "2026-10-01", "total_paise": 450_000},
    ]
    assert series["average_3_months"] == {
        "from_month": "2026-08-01",
        "to_month": "2026-10-01",
        "months_recorded": 2,
        "average_paise": 425_000,
    }
    window = await client.get(
        url,
        params={"from_month": "2026-06-15", "to_month": "2026-08-20"},
        headers=world.pm_a.headers,
    )
    assert [m["month"] for m in window.json()["monthly"]] == ["2026-06-01", "2026-08-01"]
    assert window.json()["average_3_months"]["average_paise"] == 300_000
    backwards = await client.get(
        url,
        params={"from_month": "2026-09-01", "to_month": "2026-08-01"},
        headers=world.pm_a.headers,
    )
    assert backwards.status_code == 422

    # the month and source once; corrections through PATCH
    before = await table_counts(connection)
    duplicate = await client.post(
        url,
        json={"month": "2026-08-01", "source": "enterprise", "amount_paise": 1},
        headers=world.sw_a.headers,
    )
    assert duplicate.status_code == 409
    future = (today().replace(day=1) + timedelta(days=62)).replace(day=1)
    for bad in (
        {"month": "2026-08-15", "source": "enterprise", "amount_paise": 1},
        {"month": future.isoformat(), "source": "enterprise", "amount_paise": 1},
        {"month": "2026-07-01", "source": "lottery", "amount_paise": 1},
        {"month": "2026-07-01", "source": "enterprise", "amount_paise": -100},
        {"month": "2026-07-01", "source": "enterprise", "amount_paise": "lots"},
        {"month": "2026-07-01", "source": "enterprise"},
    ):
        refused = await client.post(url, json=bad, headers=world.sw_a.headers)
        assert refused.status_code == 422, (bad, refused.text)
    assert await table_counts(connection) == before

    corrected = await client.patch(
        f"{url}/{wage['id']}", json={"amount_paise": 120_000}, headers=if_match(world.sw_a, 1)
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["amount_paise"] == 120_000
    assert corrected.headers["etag"] == '"v2"'
    refused = await client.patch(
        f"{url}/{wage['id']}", json={"amount_paise": -1}, headers=if_match(world.sw_a, 2)
    )
    assert refused.status_code == 422


# -- financial inclusion ----------------------------------------------------------------------
async def test_financial_inclusion_with_dates(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    url = f"{base(world.survivor)}/financial-inclusion"
    overview = (await client.get(url, headers=world.sw_a.headers)).json()
    assert [(p["product"], p["recorded"], p["status"]) for p in overview["products"]] == [
        ("bank_account", False, "none"),
        ("insurance", False, "none"),
        ("pension", False, "none"),
        ("digital_payment", False, "none"),
    ]
    assert (await client.get(f"{url}/bank_account", headers=world.sw_a.headers)).status_code == 404

    body = {
        "status": "active",
        "since": "2026-09-12",
        "provider": "State Bank of India",
        "details": DETAILS,
    }
    created = await client.put(f"{url}/bank_account", json=body, headers=world.sw_a.headers)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{url}/bank_account"
    assert created.json()["details"] == DETAILS
    raw = await raw_row(connection, "financial_inclusion", created.json()["id"])
    assert "3791" not in raw
    applied = await client.put(
        f"{url}/insurance",
        json={"status": "applied", "since": "2026-10-01", "provider": "PMSBY"},
        headers=world.pm_a.headers,
    )
    assert applied.status_code == 201

    overview = (await client.get(url, headers=world.pm_a.headers)).json()
    states = {p["product"]: (p["recorded"], p["status"], p["since"]) for p in overview["products"]}
    assert states == {
        "bank_account": (True, "active", "2026-09-12"),
        "insurance": (True, "applied", "2026-10-01"),
        "pension": (False, "none", None),
        "digital_payment": (False, "none", None),
    }
    again = await client.put(f"{url}/bank_account", json=body, headers=world.sw_a.headers)
    assert again.status_code == 428
    closed = await client.put(
        f"{url}/bank_account",
        json={"status": "closed", "since": "2026-11-01"},
        headers=if_match(world.sw_a, 1),
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["details"], closed.json()["version"]) == (
        "closed",
        None,
        2,
    )

    before = await table_counts(connection)
    for path, bad in (
        ("pension", {"status": "active", "since": (today() + timedelta(days=3)).isoformat()}),
        ("pension", {"status": "dormant"}),
        ("pension", {"since": "2026-01-01"}),
        ("pension", {"status": "active", "details": ""}),
        ("crypto", {"status": "active"}),
    ):
        refused = await client.put(f"{url}/{path}", json=bad, headers=world.sw_a.headers)
        assert refused.status_code == 422, (path, bad, refused.text)
    assert await table_counts(connection) == before


# -- who sees and shapes which records ----------------------------------------------------------
MATRIX = [
    # actor, reads, writes
    ("pm_a", 200, 200),
    ("sw_a", 200, 200),  # her own survivor
    ("sw_a2", 404, 404),  # same district, not hers, organisation does not share districts
    ("sw_north", 404, 404),
    ("pm_b", 404, 404),
    ("sw_b", 404, 404),
    ("partner_b", 403, 403),
    ("analyst_a", 403, 403),
    ("leader_a", 403, 403),
    ("auditor_a", 403, 403),
    ("admin", 403, 403),
    ("client_a", 403, 403),  # never survivors' records, whatever the scope
    ("client_partner_b", 403, 403),
]
READS = ("plan", "activities", "activity", "income", "inclusion", "product")
WRITE_STATUS = {
    "put_plan": 200,
    "create_activity": 201,
    "update_activity": 200,
    "create_income": 201,
    "put_product": 200,
}


async def _every_call(
    client: httpx.AsyncClient, world: World, actor: Actor, records: dict[str, Any]
) -> dict[str, httpx.Response]:
    root = base(world.survivor)
    activity_url = f"{root}/livelihood-activities/{records['activity']['id']}"
    return {
        "plan": await client.get(f"{root}/livelihood-plan", headers=actor.headers),
        "activities": await client.get(f"{root}/livelihood-activities", headers=actor.headers),
        "activity": await client.get(activity_url, headers=actor.headers),
        "income": await client.get(f"{root}/income", headers=actor.headers),
        "inclusion": await client.get(f"{root}/financial-inclusion", headers=actor.headers),
        "product": await client.get(
            f"{root}/financial-inclusion/bank_account", headers=actor.headers
        ),
        "put_plan": await client.put(
            f"{root}/livelihood-plan",
            json={**PLAN, "skills": ["poultry"]},
            headers=if_match(actor, 1),
        ),
        "create_activity": await client.post(
            f"{root}/livelihood-activities", json=ACTIVITY, headers=actor.headers
        ),
        "update_activity": await client.patch(
            activity_url, json={"sector": "garments"}, headers=if_match(actor, 1)
        ),
        "create_income": await client.post(
            f"{root}/income",
            json={"month": "2026-09-01", "source": "other", "amount_paise": 5},
            headers=actor.headers,
        ),
        "put_product": await client.put(
            f"{root}/financial-inclusion/bank_account",
            json={"status": "closed"},
            headers=if_match(actor, 1),
        ),
    }


@pytest.mark.parametrize(("who", "reads", "writes"), MATRIX)
async def test_matrix(
    client: httpx.AsyncClient,
    world: World,
    connection: AsyncConnection,
    who: str,
    reads: int,
    writes: int,
) -> None:
    records = {
        "plan": await put_plan(client, world.pm_a, world.survivor),
        "activity": await add_activity(client, world.pm_a, world.survivor),
        "income": await add_income(client, world.pm_a, world.survivor, "2026-08-01", 100_000),
    }
    product = await client.put(
        f"{base(world.survivor)}/financial-inclusion/bank_account",
        json={"status": "active", "details": DETAILS},
        headers=world.pm_a.headers,
    )
    assert product.status_code == 201
    actor: Actor = getattr(world, who)
    before = await table_counts(connection)
    calls = await _every_call(client, world, actor, records)
    for name in READS:
        assert calls[name].status_code == reads, (who, name, calls[name].text)
    for name, ok in WRITE_STATUS.items():
        expected = ok if writes == 200 else writes
        assert calls[name].status_code == expected, (who, name, calls[name].text)
    if reads == 200:
        assert calls["plan"].json()["aspirations"] == ASPIRATIONS
        assert calls["activity"].json()["description"] == DESCRIPTION
    for name, response in calls.items():
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            # (Less the URL and the random request id: a hex id may hold "3791" by chance.)
            problem = {
                k: v for k, v in response.json().items() if k not in ("instance", "request_id")
            }
            for record in records.values():
                assert record["id"] not in str(problem), (who, name)
            for secret in ("Basanti", "Canning", "3791"):
                assert secret not in str(problem), (who, name)
    if writes != 200:
        assert await table_counts(connection) == before
        versions = await connection.execute(
            sa.text(
                "SELECT version FROM livelihood_plan UNION ALL SELECT version FROM "
                "livelihood_activity UNION ALL SELECT version FROM financial_inclusion"
            )
        )
        assert {row.version for row in versions} == {1}


async def test_district_visibility_opens_her_records_to_the_districts_workers(
    client: httpx.AsyncClient, world: World
) -> None:
    await put_plan(client, world.sw_a, world.survivor)
    url = f"{base(world.survivor)}/livelihood-plan"
    assert (await client.get(url, headers=world.sw_a2.headers)).status_code == 404
    await world.cases.allow_district_visibility(world.org_a)
    assert (await client.get(url, headers=world.sw_a2.headers)).status_code == 200
    assert (await client.get(url, headers=world.sw_north.headers)).status_code == 404
    assert (await client.get(url, headers=world.sw_b.headers)).status_code == 404


async def test_a_record_answers_only_under_its_own_survivor(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    activity = await add_activity(client, world.pm_a, world.survivor)
    income = await add_income(client, world.pm_a, world.survivor, "2026-08-01", 100_000)
    other_a = await world.cases.survivor(world.org_a)
    for actor, survivor_id in ((world.pm_a, other_a), (world.pm_b, world.survivor_b)):
        root = base(survivor_id)
        foreign = await client.get(
            f"{root}/livelihood-activities/{activity['id']}", headers=actor.headers
        )
        missing = await client.get(
            f"{root}/livelihood-activities/{uuid.uuid4()}", headers=actor.headers
        )
        assert foreign.status_code == missing.status_code == 404
        assert {k: v for k, v in foreign.json().items() if k not in ("instance", "request_id")} == {
            k: v for k, v in missing.json().items() if k not in ("instance", "request_id")
        }
        patched = await client.patch(
            f"{root}/livelihood-activities/{activity['id']}",
            json={"sector": "x"},
            headers=if_match(actor, 1),
        )
        assert patched.status_code == 404
        corrected = await client.patch(
            f"{root}/income/{income['id']}", json={"amount_paise": 1}, headers=if_match(actor, 1)
        )
        assert corrected.status_code == 404
        listed = await client.get(f"{root}/livelihood-activities", headers=actor.headers)
        assert listed.json()["items"] == []
        assert (await client.get(f"{root}/income", headers=actor.headers)).json()["records"] == []
    # B's manager cannot reach A's survivor at all
    for path in ("livelihood-plan", "livelihood-activities", "income", "financial-inclusion"):
        foreign = await client.get(f"{base(world.survivor)}/{path}", headers=world.pm_b.headers)
        unknown = await client.get(f"{base(uuid.uuid4())}/{path}", headers=world.pm_b.headers)
        assert foreign.status_code == unknown.status_code == 404, path
    row = await connection.execute(
        sa.text("SELECT version FROM livelihood_activity WHERE id = :id"), {"id": activity["id"]}
    )
    assert row.scalar_one() == 1
