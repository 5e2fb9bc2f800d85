"""Follow-up visits: planning, recording done / missed / cancelled, the next visit, each
worker's list of visits due, sealing, audit, and who may do what."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Role
from domain.follow_ups.schemas import VisitCreate, VisitUpdate
from domain.follow_ups.visits import next_visit_id, visit_event_detail
from persistence import clock
from persistence.models.case_visit import CaseVisit
from persistence.models.case_vocabulary import CaseStatus, VisitKind, VisitStatus
from tests.factories import NORTH_24, SOUTH_24, Actor, Factory
from tests.helpers import audit_of, today, without_request
from tests.worlds import CASE_PEOPLE, CaseWorld, Client, person, with_people, world_fixture

API = "/api/v1"
SURVIVOR_NAME = "Mitali Sardar"
FINDINGS = "Her uncle from Basanti came asking where she works"


def year_ahead() -> str:
    """The latest day a date parameter takes: far enough for every visit planned here."""
    return (today() + timedelta(days=365)).isoformat()


def visits_url(case_id: UUID) -> str:
    return f"{API}/cases/{case_id}/visits"


class World(CaseWorld):
    """Two organisations; in A a program manager, the social worker the case is assigned to,
    another of the same district, one of another district; B's people; the roles that see no
    case; integration clients with and without the scopes."""

    people = with_people(
        CASE_PEOPLE, sw_a=person("org_a", Role.social_worker, SOUTH_24, name="Rupa Das")
    )
    clients = {
        "client_a": Client("org_a", Role.program_manager),
        "client_pm_a": Client(
            "org_a", Role.program_manager, ("follow_ups:read", "follow_ups:manage")
        ),
        "client_pm_b": Client(
            "org_b", Role.program_manager, ("follow_ups:read", "follow_ups:manage")
        ),
    }
    survivor_name = SURVIVOR_NAME


world = world_fixture(World)


async def plan(
    client: httpx.AsyncClient, actor: Actor, case_id: UUID, **body: Any
) -> httpx.Response:
    payload: dict[str, Any] = {"kind": "home", **body}
    if body.get("status") != "done":
        payload.setdefault("planned_on", (today() + timedelta(days=7)).isoformat())
    return await client.post(visits_url(case_id), json=payload, headers=actor.headers)


async def planned(
    client: httpx.AsyncClient, actor: Actor, case_id: UUID, **body: Any
) -> dict[str, Any]:
    response = await plan(client, actor, case_id, **body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def patch(
    client: httpx.AsyncClient, actor: Actor, visit: dict[str, Any], body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(
        f"{visits_url(UUID(visit['case_id']))}/{visit['id']}",
        json=body,
        headers={**actor.headers, "If-Match": f'"v{visit["version"]}"'},
    )


async def count(connection: AsyncConnection, sql: str, **params: Any) -> int:
    return int(await connection.scalar(sa.text(sql), params) or 0)


async def visit_events(connection: AsyncConnection, case_id: UUID) -> list[Any]:
    return list(
        (
            await connection.execute(
                sa.text(
                    "SELECT subject_id, detail FROM case_event "
                    "WHERE case_id = :c AND kind = 'visit' ORDER BY occurred_at, id"
                ),
                {"c": case_id},
            )
        ).all()
    )


# -- pure rules -----------------------------------------------------------------------------
def test_the_next_visit_id_is_derived_from_the_visit_it_follows() -> None:
    visit = CaseVisit(
        organization_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        kind=VisitKind.home,
        status=VisitStatus.done,
        planned_on=date(2026, 12, 1),
        next_visit_on=date(2026, 12, 8),
        done_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
    )
    assert next_visit_id(visit) == next_visit_id(visit) is not None
    assert next_visit_id(visit) != visit.id
    detail = visit_event_detail(visit)
    assert detail == {
        "kind": "home",
        "status": "done",
        "planned_on": "2026-12-01",
        "done_on": "2026-12-01",
        "next_visit_on": "2026-12-08",
        "next_visit_id": str(next_visit_id(visit)),
    }
    visit.status = VisitStatus.planned
    assert next_visit_id(visit) is None


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "home"},  # a plan needs its day
        {"kind": "home", "planned_on": "2026-12-01", "findings": "x"},
        {"kind": "home", "planned_on": "2026-12-01", "next_visit_on": "2026-12-09"},
        {"kind": "home", "status": "missed", "planned_on": "2026-12-01"},
        {"kind": "home", "status": "done", "done_at": "2999-01-01T00:00:00+00:00"},
        {"kind": "home", "status": "done", "done_at": "2026-01-01T10:00:00"},  # naive time
        {
            "kind": "home",
            "status": "done",
            "done_at": "2026-11-01T10:00:00+00:00",
            "next_visit_on": "2026-11-01",
        },
        {"kind": "visit"},
    ],
)
def test_visit_bodies_that_do_not_fit_their_status(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="validation error"):
        VisitCreate.model_validate(body)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"findings": "x"},
        {"status": "missed", "done_at": "2026-11-01T10:00:00+00:00"},
        {"status": "cancelled", "findings": "x"},
        {"status": "done", "planned_on": "2026-12-01"},
        {"status": "planned"},
        {"kind": None},
    ],
)
def test_visit_updates_that_do_not_fit(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="validation error"):
        VisitUpdate.model_validate(body)


# -- planning -------------------------------------------------------------------------------
async def test_a_social_worker_plans_a_visit_for_herself(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    response = await plan(client, world.sw_a, world.case, kind="phone")
    assert response.status_code == 201, response.text
    visit = response.json()
    assert response.headers["location"] == f"{visits_url(world.case)}/{visit['id']}"
    assert response.headers["etag"] == '"v1"'
    assert visit["status"] == "planned"
    assert visit["kind"] == "phone"
    assert visit["visited_by"] == str(world.sw_a.id)
    assert visit["findings"] is None
    assert visit["next_visit_id"] is None
    assert visit["overdue"] is False
    row = (
        await connection.execute(
            sa.text("SELECT organization_id, district_id FROM case_visit WHERE id = :id"),
            {"id": visit["id"]},
        )
    ).one()
    assert (row.organization_id, row.district_id) == (world.org_a, SOUTH_24)
    # planning is not a step of the case's history; it is audited
    assert await visit_events(connection, world.case) == []
    audit = [(a.action, a.entity_type, a.entity_id) for a in await audit_of(connection, response)]
    assert ("create", "case_visit", UUID(visit["id"])) in audit


async def test_a_manager_plans_a_visit_for_a_worker_of_the_organisation_only(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    made = await plan(client, world.pm_a, world.case, visited_by=str(world.sw_a2.id))
    assert made.status_code == 201, made.text
    assert made.json()["visited_by"] == str(world.sw_a2.id)
    before = await count(connection, "SELECT count(*) FROM case_visit")
    for visitor in (world.sw_b, world.analyst_a, world.leader_a):
        refused = await plan(client, world.pm_a, world.case, visited_by=str(visitor.id))
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["loc"] == ["body", "visited_by"]
    unknown = await plan(client, world.pm_a, world.case, visited_by=str(uuid.uuid4()))
    assert unknown.status_code == 422
    assert await count(connection, "SELECT count(*) FROM case_visit") == before


async def test_a_client_must_name_the_visitor(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    nameless = await plan(client, world.client_pm_a, world.case)
    assert nameless.status_code == 422
    assert await count(connection, "SELECT count(*) FROM case_visit") == 0
    named = await plan(client, world.client_pm_a, world.case, visited_by=str(world.sw_a.id))
    assert named.status_code == 201, named.text


@pytest.mark.parametrize(
    "body",
    [
        {"planned_on": None},
        {"findings": FINDINGS},
        {"status": "cancelled"},
        {"kind": "video"},
        {"visited_by": "someone"},
        {"version": 3},
        {"organization_id": str(uuid.uuid4())},
        {"status": "done", "done_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
    ],
)
async def test_invalid_plans_are_422_and_change_nothing(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, body: dict[str, Any]
) -> None:
    response = await plan(client, world.sw_a, world.case, **body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await count(connection, "SELECT count(*) FROM case_visit") == 0
    assert await count(connection, "SELECT count(*) FROM case_event") == 0


async def test_a_closed_case_takes_no_new_visits(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    closed = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id, status=CaseStatus.closed
    )
    for body in ({}, {"status": "done", "findings": FINDINGS}):
        response = await plan(client, world.sw_a, closed, **body)
        assert response.status_code == 409, response.text
    assert await count(connection, "SELECT count(*) FROM case_visit") == 0
    # a reopened case takes them again
    reopened = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id, status=CaseStatus.reopened
    )
    assert (await plan(client, world.sw_a, reopened)).status_code == 201


async def test_creates_are_idempotent_and_honour_a_client_id(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    body = {"kind": "office", "planned_on": (today() + timedelta(days=3)).isoformat()}
    headers = {**world.sw_a.headers, "Idempotency-Key": "visit-plan-1"}
    first = await client.post(visits_url(world.case), json=body, headers=headers)
    again = await client.post(visits_url(world.case), json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert await count(connection, "SELECT count(*) FROM case_visit") == 1
    other = await client.post(
        visits_url(world.case), json={**body, "kind": "home"}, headers=headers
    )
    assert other.status_code == 422
    assert await count(connection, "SELECT count(*) FROM case_visit") == 1

    chosen = str(uuid.uuid4())
    made = await plan(client, world.sw_a, world.case, id=chosen)
    assert made.status_code == 201
    assert made.json()["id"] == chosen
    duplicate = await plan(client, world.pm_a, world.case, id=chosen)
    assert duplicate.status_code == 409


# -- recording ------------------------------------------------------------------------------
async def test_a_done_visit_recorded_directly_is_sealed_and_in_the_history(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    done_at = datetime.now(UTC) - timedelta(hours=2)
    next_on = today() + timedelta(days=14)
    response = await plan(
        client,
        world.sw_a,
        world.case,
        status="done",
        done_at=done_at.isoformat(),
        findings=FINDINGS,
        next_visit_on=next_on.isoformat(),
    )
    assert response.status_code == 201, response.text
    visit = response.json()
    assert visit["status"] == "done"
    assert visit["planned_on"] == clock.business_date(done_at).isoformat()
    assert visit["findings"] == FINDINGS
    assert visit["next_visit_on"] == next_on.isoformat()
    # the next visit is planned at once, linked by its id
    following = await client.get(
        f"{visits_url(world.case)}/{visit['next_visit_id']}", headers=world.sw_a.headers
    )
    assert following.status_code == 200, following.text
    assert following.json()["status"] == "planned"
    assert following.json()["planned_on"] == next_on.isoformat()
    assert following.json()["kind"] == "home"
    assert following.json()["visited_by"] == str(world.sw_a.id)
    # sealed at rest, and never in the history
    sealed = await connection.scalar(
        sa.text("SELECT findings_enc FROM case_visit WHERE id = :id"), {"id": visit["id"]}
    )
    assert b"Basanti" not in bytes(sealed)
    dump = await connection.scalar(
        sa.text("SELECT string_agg(t::text, ' ') FROM case_visit t WHERE case_id = :c"),
        {"c": world.case},
    )
    assert "Basanti" not in dump
    events = await visit_events(connection, world.case)
    assert len(events) == 1
    assert events[0].subject_id == UUID(visit["id"])
    assert events[0].detail == {
        "kind": "home",
        "status": "done",
        "planned_on": clock.business_date(done_at).isoformat(),
        "done_on": clock.business_date(done_at).isoformat(),
        "next_visit_on": next_on.isoformat(),
        "next_visit_id": visit["next_visit_id"],
    }


async def test_recording_a_planned_visit_done_needs_the_current_version(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    visit = await planned(client, world.sw_a, world.case)
    url = f"{visits_url(world.case)}/{visit['id']}"
    body = {"status": "done", "findings": FINDINGS}
    missing = await client.patch(url, json=body, headers=world.sw_a.headers)
    assert missing.status_code == 428
    stale = await client.patch(url, json=body, headers={**world.sw_a.headers, "If-Match": '"v7"'})
    assert stale.status_code == 412
    assert await visit_events(connection, world.case) == []

    done = await patch(client, world.sw_a, visit, body)
    assert done.status_code == 200, done.text
    assert done.headers["etag"] == '"v2"'
    assert done.json()["status"] == "done"
    assert done.json()["findings"] == FINDINGS
    assert done.json()["done_at"] is not None
    assert done.json()["next_visit_id"] is None
    assert [e.detail["status"] for e in await visit_events(connection, world.case)] == ["done"]
    read = await client.get(url, headers=world.pm_a.headers)
    assert read.json() == done.json()
    assert read.headers["etag"] == '"v2"'
    # a visit once done is final
    again = await patch(client, world.sw_a, done.json(), {"status": "cancelled"})
    assert again.status_code == 409
    assert len(await visit_events(connection, world.case)) == 1


async def test_a_missed_visit_plans_the_next_and_a_cancelled_one_leaves_no_step(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    visit = await planned(
        client, world.sw_a, world.case, planned_on=(today() - timedelta(days=2)).isoformat()
    )
    assert visit["overdue"] is True
    next_on = today() + timedelta(days=1)
    missed = await patch(
        client,
        world.sw_a,
        visit,
        {"status": "missed", "findings": "Not at home", "next_visit_on": next_on.isoformat()},
    )
    assert missed.status_code == 200, missed.text
    assert missed.json()["done_at"] is None
    assert missed.json()["overdue"] is False
    following = await client.get(
        f"{visits_url(world.case)}/{missed.json()['next_visit_id']}", headers=world.sw_a.headers
    )
    assert following.json()["planned_on"] == next_on.isoformat()
    cancelled = await patch(client, world.sw_a, following.json(), {"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    events = await visit_events(connection, world.case)
    assert [(e.detail["status"], e.detail.get("done_on")) for e in events] == [("missed", None)]


async def test_the_next_visit_must_come_after_the_visit(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    visit = await planned(client, world.sw_a, world.case, planned_on=today().isoformat())
    for body in (
        {"status": "done", "next_visit_on": today().isoformat()},
        {"status": "missed", "next_visit_on": (today() - timedelta(days=1)).isoformat()},
    ):
        response = await patch(client, world.sw_a, visit, body)
        assert response.status_code == 422, response.text
    current = await client.get(
        f"{visits_url(world.case)}/{visit['id']}", headers=world.sw_a.headers
    )
    assert current.json() == visit
    assert await count(connection, "SELECT count(*) FROM case_visit") == 1


async def test_a_planned_visit_is_moved_to_another_day_kind_or_visitor(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    visit = await planned(client, world.sw_a, world.case)
    moved = await patch(
        client,
        world.sw_a,
        visit,
        {"planned_on": "2027-01-05", "kind": "group", "visited_by": str(world.sw_a2.id)},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["planned_on"], moved.json()["kind"]) == ("2027-01-05", "group")
    assert moved.json()["visited_by"] == str(world.sw_a2.id)
    foreign = await patch(client, world.sw_a, moved.json(), {"visited_by": str(world.sw_b.id)})
    assert foreign.status_code == 422
    assert await visit_events(connection, world.case) == []


async def test_on_a_closed_case_planned_visits_are_recorded_but_no_next_one_is_planned(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, factory: Factory
) -> None:
    visit = await planned(client, world.sw_a, world.case)
    async with factory.uow() as uow:
        await uow.session.execute(
            sa.text("UPDATE survivor_case SET status = 'closed' WHERE id = :id"),
            {"id": world.case},
        )
    refused = await patch(
        client,
        world.sw_a,
        visit,
        {"status": "done", "next_visit_on": (today() + timedelta(days=9)).isoformat()},
    )
    assert refused.status_code == 409, refused.text
    assert await count(connection, "SELECT count(*) FROM case_visit") == 1
    assert await visit_events(connection, world.case) == []
    done = await patch(client, world.sw_a, visit, {"status": "done", "findings": FINDINGS})
    assert done.status_code == 200, done.text


# -- reading --------------------------------------------------------------------------------
async def test_the_case_list_pages_by_day_and_audits_each_visit(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    days = [today() + timedelta(days=n) for n in (5, -3, 1, 1)]
    made = [await planned(client, world.sw_a, world.case, planned_on=d.isoformat()) for d in days]
    other_case = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id
    )
    await planned(client, world.sw_a, other_case)
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = await client.get(visits_url(world.case), params=params, headers=world.sw_a.headers)
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor:
            assert 'rel="next"' in page.headers["link"]
        else:
            break
    assert [v["planned_on"] for v in seen] == sorted(d.isoformat() for d in days)
    assert {v["id"] for v in seen} == {v["id"] for v in made}
    assert {v["visited_by_name"] for v in seen} == {"Rupa Das"}  # who makes it, by name
    audit = await audit_of(connection, page)
    assert sorted((a.action, a.entity_id) for a in audit) == [
        ("read", UUID(seen[-1]["id"])),
        ("search", None),
    ]
    done = await patch(client, world.sw_a, made[0], {"status": "done"})
    assert done.status_code == 200
    only_done = await client.get(
        visits_url(world.case),
        params={"status": "done", "include_total": "true"},
        headers=world.sw_a.headers,
    )
    assert [v["id"] for v in only_done.json()["items"]] == [made[0]["id"]]
    assert only_done.json()["total"] == 1
    bad = await client.get(
        visits_url(world.case), params={"cursor": "bm9wZQ"}, headers=world.sw_a.headers
    )
    assert bad.status_code == 400


async def test_a_read_is_audited(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    visit = await planned(client, world.sw_a, world.case)
    read = await client.get(f"{visits_url(world.case)}/{visit['id']}", headers=world.pm_a.headers)
    assert read.status_code == 200
    audit = await audit_of(connection, read)
    assert [(a.action, a.entity_type, a.entity_id, a.organization_id) for a in audit] == [
        ("read", "case_visit", UUID(visit["id"]), world.org_a)
    ]
    # a visit of another case is not found through this one
    other_case = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id
    )
    wrong_case = await client.get(
        f"{visits_url(other_case)}/{visit['id']}", headers=world.pm_a.headers
    )
    assert wrong_case.status_code == 404


# -- the list of visits due -----------------------------------------------------------------
async def due(client: httpx.AsyncClient, actor: Actor, **params: Any) -> httpx.Response:
    return await client.get(f"{API}/visits", params=params, headers=actor.headers)


async def test_the_due_list_by_date_oldest_first_without_names(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    by_day = {}
    for offset in (-10, -1, 0, 1, 6):
        day = today() + timedelta(days=offset)
        by_day[offset] = await planned(client, world.sw_a, world.case, planned_on=day.isoformat())
    # done visits are no longer due
    await patch(client, world.sw_a, by_day[-10], {"status": "done"})
    default = await due(client, world.sw_a)
    assert default.status_code == 200, default.text
    items = default.json()["items"]
    assert [i["id"] for i in items] == [by_day[-1]["id"], by_day[0]["id"]]
    assert [i["days_overdue"] for i in items] == [1, 0]
    case_number = await connection.scalar(
        sa.text("SELECT case_number FROM survivor_case WHERE id = :id"), {"id": world.case}
    )
    assert items[0]["case_id"] == str(world.case)
    assert items[0]["case_number"] == case_number
    assert set(items[0]) == {
        "id",
        "case_id",
        "case_number",
        "kind",
        "planned_on",
        "visited_by",
        "visited_by_name",
        "days_overdue",
        "version",
    }
    # who makes the visit, by name (her colleague's name is what a manager acts on)
    assert items[0]["visited_by"] == str(world.sw_a.id)
    assert items[0]["visited_by_name"] == "Rupa Das"
    assert SURVIVOR_NAME not in default.text
    # strictly before the day asked
    week = await due(client, world.sw_a, due_before=(today() + timedelta(days=6)).isoformat())
    assert [i["id"] for i in week.json()["items"]] == [
        by_day[-1]["id"],
        by_day[0]["id"],
        by_day[1]["id"],
    ]
    # pages
    first = await due(client, world.sw_a, due_before=year_ahead(), limit=2)
    assert len(first.json()["items"]) == 2
    rest = await due(
        client, world.sw_a, due_before=year_ahead(), limit=2, cursor=first.json()["next_cursor"]
    )
    assert [i["id"] for i in first.json()["items"] + rest.json()["items"]] == [
        by_day[n]["id"] for n in (-1, 0, 1, 6)
    ]
    assert rest.json()["next_cursor"] is None
    total = await due(client, world.sw_a, due_before=year_ahead(), include_total="true")
    assert total.json()["total"] == 4
    # the search is audited once, without data
    assert [(a.action, a.entity_type) for a in await audit_of(connection, default)] == [
        ("search", "case_visit")
    ]
    assert (await due(client, world.sw_a, due_before="tomorrow")).status_code == 422
    assert (await due(client, world.sw_a, cursor="garbage!")).status_code == 400


async def test_the_due_list_is_a_workers_own_and_a_managers_organisations_by_default(
    client: httpx.AsyncClient, world: World
) -> None:
    """A social worker's default is her own visits (``mine=false`` for her whole scope); a
    program manager's default is her organisation's (``mine=true`` for her own only)."""
    yesterday = (today() - timedelta(days=1)).isoformat()
    # a case of sw_a2's in the same district, and one of the north
    case_a2 = await world.cases.case(world.org_a, world.survivor, assigned_worker_id=world.sw_a2.id)
    case_north = await world.cases.case(
        world.org_a, world.survivor, district_id=NORTH_24, assigned_worker_id=world.sw_north.id
    )
    hers = await planned(client, world.sw_a, world.case, planned_on=yesterday)
    # a visit on her case that a colleague makes: still on her list (the case is hers)
    colleagues = await planned(
        client, world.pm_a, world.case, planned_on=yesterday, visited_by=str(world.sw_a2.id)
    )
    # a visit she makes on a colleague's case she cannot see: not on her list
    on_a2 = await planned(
        client, world.pm_a, case_a2, planned_on=yesterday, visited_by=str(world.sw_a.id)
    )
    north = await planned(client, world.pm_a, case_north, planned_on=yesterday)
    other_org = await world.cases.case(world.org_b, await world.cases.survivor(world.org_b))
    await planned(client, world.pm_b, other_org, planned_on=yesterday)

    def ids(response: httpx.Response) -> set[str]:
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()["items"]}

    assert ids(await due(client, world.sw_a)) == {hers["id"], colleagues["id"]}
    # the colleague's visit is on a case she cannot see; her own case's visit is hers
    assert ids(await due(client, world.sw_a2)) == {on_a2["id"]}
    assert ids(await due(client, world.sw_a, mine="false")) == {hers["id"], colleagues["id"]}
    organisation = {hers["id"], colleagues["id"], on_a2["id"], north["id"]}
    assert ids(await due(client, world.pm_a)) == organisation
    assert ids(await due(client, world.pm_a, mine="false")) == organisation
    assert ids(await due(client, world.pm_a, mine="true")) == {north["id"]}  # she makes it
    assert ids(await due(client, world.sw_a, mine="true")) == {hers["id"], colleagues["id"]}
    # where the organisation shares districts, a worker's whole scope grows with it
    await world.cases.allow_district_visibility(world.org_a)
    assert ids(await due(client, world.sw_a)) == {hers["id"], colleagues["id"], on_a2["id"]}
    assert ids(await due(client, world.sw_a2, mine="false")) == {
        hers["id"],
        colleagues["id"],
        on_a2["id"],
    }
    assert ids(await due(client, world.sw_north, mine="false")) == {north["id"]}
    # another organisation never shows
    assert ids(await due(client, world.pm_b)) == ids(await due(client, world.pm_b, mine="false"))
    assert ids(await due(client, world.pm_b, mine="false")) != set()
    assert ids(await due(client, world.pm_b, mine="false")).isdisjoint(
        {hers["id"], colleagues["id"], on_a2["id"], north["id"]}
    )
    assert ids(await due(client, world.sw_b, mine="false")) == set()


# -- who may do what ------------------------------------------------------------------------
# Columns: list the case's visits, read one, plan one, record one (If-Match), the due list
# over the whole scope. 404 = the case is outside the caller's scope, answered as if absent.
MATRIX = """
actor          list  read  plan  record  due
pm_a            200   200   201     200  200
sw_a            200   200   201     200  200
sw_a2           404   404   404     404  200
sw_a2_shared    200   200   201     200  200
sw_north        404   404   404     404  200
pm_b            404   404   404     404  200
sw_b            404   404   404     404  200
partner_b       403   403   403     403  403
analyst_a       403   403   403     403  403
leader_a        403   403   403     403  403
auditor_a       403   403   403     403  403
admin           403   403   403     403  403
client_a        403   403   403     403  403
client_pm_a     200   200   201     200  200
client_pm_b     404   404   404     404  200
"""
ROWS = [line.split() for line in MATRIX.strip().splitlines()[1:]]


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
async def test_who_may_do_what(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, row: list[str]
) -> None:
    name, *cells = row
    want = dict(zip(("list", "read", "plan", "record", "due"), map(int, cells), strict=True))
    if name == "sw_a2_shared":
        await world.cases.allow_district_visibility(world.org_a)
        name = "sw_a2"
    actor: Actor = getattr(world, name)
    visit = await planned(
        client, world.pm_a, world.case, planned_on=(today() - timedelta(days=1)).isoformat()
    )
    url = f"{visits_url(world.case)}/{visit['id']}"
    rows_before = await count(connection, "SELECT count(*) FROM case_visit")

    listed = await client.get(visits_url(world.case), headers=actor.headers)
    read = await client.get(url, headers=actor.headers)
    made = await plan(client, actor, world.case, visited_by=str(world.sw_a.id))
    recorded = await patch(client, actor, visit, {"status": "done", "findings": FINDINGS})
    due_list = await due(client, actor, mine="false", due_before=year_ahead())
    got = {
        "list": listed.status_code,
        "read": read.status_code,
        "plan": made.status_code,
        "record": recorded.status_code,
        "due": due_list.status_code,
    }
    answers = (listed, read, made, recorded, due_list)
    assert got == want, [r.text[:200] for r in answers]

    for response in (listed, read, made, recorded):
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert FINDINGS not in response.text
            assert SURVIVOR_NAME not in response.text
    if want["read"] == 404:
        # exactly like a visit that does not exist
        twin = await client.get(f"{visits_url(world.case)}/{uuid.uuid4()}", headers=actor.headers)
        missing = await client.get(
            f"{visits_url(uuid.uuid4())}/{uuid.uuid4()}", headers=actor.headers
        )
        assert without_request(read.json()) == without_request(missing.json())
        assert twin.status_code == 404
    if want["plan"] != 201:
        assert await count(connection, "SELECT count(*) FROM case_visit") == rows_before
    if want["record"] != 200:
        assert await visit_events(connection, world.case) == []
        current = await client.get(url, headers=world.pm_a.headers)
        assert current.json()["status"] == "planned"
    else:
        # An integration client is answered without the findings it wrote (issue 9).
        machine = name.startswith("client_")
        assert recorded.json()["findings"] == (None if machine else FINDINGS)
        if machine:
            for answer in (listed, read, recorded):
                assert FINDINGS not in answer.text
    if want["list"] == 200:
        assert visit["id"] in {v["id"] for v in listed.json()["items"]}
    if want["due"] == 200:
        shown = {v["id"] for v in due_list.json()["items"]}
        # a done visit leaves the list; a planned one shows to those who see the case
        if want["list"] == 200:
            assert (visit["id"] in shown) == (want["record"] != 200)
            assert made.json()["id"] in shown
        else:
            assert visit["id"] not in shown
            assert all(v["case_id"] != str(world.case) for v in due_list.json()["items"])
