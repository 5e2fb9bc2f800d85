"""The survivor's care plan: goals she sets and ranks, their progress, her agreement to the
plan, what stays sealed, and who may see and shape it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from domain.care_plans.service import MOVES, placed, rank_in_order, status_problem
from domain.common.principal import Role
from domain.common.settings import Settings
from persistence.crypto import Place
from persistence.database import Database
from persistence.models.care_plan_goal import CarePlanGoal
from persistence.models.case_vocabulary import CaseStatus, CbrComponent, GoalStatus, Responsible
from tests import helpers
from tests.factories import SOUTH_24, Actor, CaseFactory, Factory
from tests.helpers import audit_of, if_match, today
from tests.worlds import CaseWorld, Client, Org, world_fixture

CASES = "/api/v1/cases"
WORDING = "Run my own tailoring unit from the house in Canning"
ACTION = "Ask Mitali-di about the SHG sewing machine"
DROP_REASON = "Her brother-in-law in Basanti objects to the shop"
NOTES = "Agreed at the Gosaba panchayat office with her aunt present"
PLAN_TABLES = ("care_plan_goal", "care_plan_agreement", "case_event")


def plan_url(case_id: UUID) -> str:
    return f"{CASES}/{case_id}/care-plan"


def goals_url(case_id: UUID) -> str:
    return f"{plan_url(case_id)}/goals"


def goal_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "component": "livelihood",
        "goal": WORDING,
        "actions": [{"action": ACTION, "done": False}],
        "responsible": "survivor",
        "target_on": "2027-06-30",
        "review_on": (today() + timedelta(days=30)).isoformat(),
    }
    body.update(extra)
    return body


class World(CaseWorld):
    """Two organisations, their people and clients, and a case of A held by ``sw_a``."""

    organizations = {"org_a": Org(), "org_b": Org(), "service_org": Org()}
    clients = {
        "client_reader_a": Client("org_a", Role.program_manager, ("care_plans:read",)),
        "client_planner_a": Client(
            "org_a", Role.program_manager, ("care_plans:read", "care_plans:manage")
        ),
        "client_partner_b": Client("org_b", Role.partner_staff),
    }
    case_of_b = True


world = world_fixture(World)


async def add_goal(
    client: httpx.AsyncClient, actor: Actor, case_id: UUID, **extra: Any
) -> dict[str, Any]:
    response = await client.post(goals_url(case_id), json=goal_body(**extra), headers=actor.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def open_order(client: httpx.AsyncClient, actor: Actor, case_id: UUID) -> list[str]:
    """Ids of the case's open goals, by rank (asserting the ranks are 1..n)."""
    listed = await client.get(goals_url(case_id), headers=actor.headers)
    assert listed.status_code == 200, listed.text
    goals = [g for g in listed.json()["items"] if g["status"] in ("not_started", "in_progress")]
    assert [g["rank"] for g in goals] == list(range(1, len(goals) + 1))
    return [g["id"] for g in goals]


table_counts = partial(helpers.table_counts, tables=PLAN_TABLES)


async def goal_row(connection: AsyncConnection, goal_id: str) -> Any:
    return (
        await connection.execute(
            sa.text("SELECT * FROM care_plan_goal WHERE id = :id"), {"id": goal_id}
        )
    ).one()


async def goal_events(connection: AsyncConnection, case_id: UUID) -> list[Any]:
    return list(
        (
            await connection.execute(
                sa.text(
                    "SELECT kind, subject_id, detail FROM case_event WHERE case_id = :c "
                    "AND kind IN ('goal', 'plan_agreement') ORDER BY occurred_at, id"
                ),
                {"c": case_id},
            )
        ).all()
    )


# -- pure rules -----------------------------------------------------------------------------
def test_goal_moves() -> None:
    assert MOVES[GoalStatus.achieved] == MOVES[GoalStatus.dropped] == frozenset()
    allowed = {
        (GoalStatus.not_started, GoalStatus.in_progress),
        (GoalStatus.not_started, GoalStatus.dropped),
        (GoalStatus.in_progress, GoalStatus.achieved),
        (GoalStatus.in_progress, GoalStatus.dropped),
    }
    for current in GoalStatus:
        for to in GoalStatus:
            expected_ok = current is to or (current, to) in allowed
            assert (status_problem(current, to) is None) is expected_ok, (current, to)


def _goal(rank: int) -> CarePlanGoal:
    return CarePlanGoal(
        organization_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        component=CbrComponent.health,
        rank=rank,
        goal_enc=b"",
        responsible=Responsible.survivor,
        status=GoalStatus.not_started,
    )


def test_ranks_are_rewritten_one_to_n_in_the_order_given() -> None:
    a, b, c = _goal(1), _goal(2), _goal(3)
    new = _goal(99)
    order = placed([a, b, c], new, 2)
    assert order == [a, new, b, c]
    moved = rank_in_order(order)
    assert [g.rank for g in order] == [1, 2, 3, 4]
    assert moved == [(new, 99), (b, 2), (c, 3)]
    # moving an existing goal takes it out first
    assert placed([a, new, b, c], c, 1) == [c, a, new, b]
    assert placed([a, new, b, c], a, 4) == [new, b, c, a]
    assert rank_in_order([a, new, b, c]) == []


# -- goals ----------------------------------------------------------------------------------
async def test_a_goal_is_created_sealed_audited_and_on_the_progress_map(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, factory: Factory
) -> None:
    response = await client.post(
        goals_url(world.case),
        json=goal_body(responsible="organization", responsible_organization_id=str(world.org_b)),
        headers=world.sw_a.headers,
    )
    assert response.status_code == 201, response.text
    goal = response.json()
    assert response.headers["location"] == f"{goals_url(world.case)}/{goal['id']}"
    assert response.headers["etag"] == '"v1"'
    assert goal["rank"] == 1
    assert goal["status"] == "not_started"
    assert goal["goal"] == WORDING
    assert goal["actions"] == [{"action": ACTION, "done": False}]
    assert goal["responsible_organization_id"] == str(world.org_b)
    assert goal["case_id"] == str(world.case)
    assert goal["created_by"] == str(world.sw_a.id)
    assert goal["drop_reason"] is None

    # sealed at rest, bound to its row
    row = await goal_row(connection, goal["id"])
    assert row.district_id == SOUTH_24
    raw = await connection.scalar(
        sa.text("SELECT t::text FROM care_plan_goal t WHERE id = :id"), {"id": goal["id"]}
    )
    assert "tailoring" not in raw
    assert "Mitali" not in raw
    assert b"tailoring" not in bytes(row.goal_enc)
    async with factory.uow() as uow:
        document = uow.cipher.open_json(
            bytes(row.goal_enc), Place("care_plan_goal", "goal_enc", UUID(goal["id"]))
        )
    assert document["goal"] == WORDING

    events = await goal_events(connection, world.case)
    assert len(events) == 1
    assert events[0].kind == "goal"
    assert str(events[0].subject_id) == goal["id"]
    assert events[0].detail == {
        "change": "created",
        "goal_id": goal["id"],
        "component": "livelihood",
        "status": "not_started",
        "rank": 1,
    }
    audit = await audit_of(connection, response)
    assert [(a.action, a.entity_type, str(a.entity_id)) for a in audit] == [
        ("create", "care_plan_goal", goal["id"])
    ]
    assert audit[0].organization_id == world.org_a

    read = await client.get(f"{goals_url(world.case)}/{goal['id']}", headers=world.pm_a.headers)
    assert read.status_code == 200
    assert read.headers["etag"] == '"v1"'
    assert read.json() == goal
    audit = await audit_of(connection, read)
    assert [(a.action, a.entity_type, str(a.entity_id)) for a in audit] == [
        ("read", "care_plan_goal", goal["id"])
    ]


async def test_inserting_at_a_rank_shifts_the_others(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    first = await add_goal(client, world.sw_a, world.case, component="health")
    second = await add_goal(client, world.sw_a, world.case, component="education")
    assert (first["rank"], second["rank"]) == (1, 2)
    top = await add_goal(client, world.sw_a, world.case, component="social", rank=1)
    assert top["rank"] == 1
    assert await open_order(client, world.sw_a, world.case) == [
        top["id"],
        first["id"],
        second["id"],
    ]
    # the shifted goals changed: their versions moved, so stale If-Match fails
    shifted = await client.get(f"{goals_url(world.case)}/{first['id']}", headers=world.sw_a.headers)
    assert shifted.json()["rank"] == 2
    assert shifted.headers["etag"] == '"v2"'
    middle = await add_goal(client, world.sw_a, world.case, component="empowerment", rank=3)
    assert await open_order(client, world.sw_a, world.case) == [
        top["id"],
        first["id"],
        middle["id"],
        second["id"],
    ]
    # a rank past the end is refused, and nothing moves
    before = await table_counts(connection)
    too_far = await client.post(
        goals_url(world.case), json=goal_body(rank=6), headers=world.sw_a.headers
    )
    assert too_far.status_code == 422, too_far.text
    assert too_far.json()["errors"][0]["loc"] == ["body", "rank"]
    assert await table_counts(connection) == before
    assert await open_order(client, world.sw_a, world.case) == [
        top["id"],
        first["id"],
        middle["id"],
        second["id"],
    ]


async def test_concurrent_inserts_at_one_rank_keep_the_ranks_unique(
    committed_db: Database, settings: Settings
) -> None:
    app = create_app(settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    cases = CaseFactory(factory)
    org = await factory.organization()
    manager = await factory.user(org, Role.program_manager)
    case_id = await cases.case(org, await cases.survivor(org))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        responses = await asyncio.gather(
            *(
                client.post(goals_url(case_id), json=goal_body(rank=1), headers=manager.headers)
                for _ in range(6)
            )
        )
        assert [r.status_code for r in responses] == [201] * 6, [r.text for r in responses]
        order = await open_order(client, manager, case_id)
    assert sorted(order) == sorted(r.json()["id"] for r in responses)


async def test_reorder_rewrites_every_rank_at_once(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    a = await add_goal(client, world.sw_a, world.case, component="health")
    b = await add_goal(client, world.sw_a, world.case, component="education")
    c = await add_goal(client, world.sw_a, world.case, component="social")
    url = f"{goals_url(world.case)}/reorder"
    response = await client.post(
        url, json={"goal_ids": [c["id"], a["id"], b["id"]]}, headers=world.sw_a.headers
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(g["id"], g["rank"]) for g in items] == [(c["id"], 1), (a["id"], 2), (b["id"], 3)]
    assert items[0]["goal"] == WORDING
    assert await open_order(client, world.sw_a, world.case) == [c["id"], a["id"], b["id"]]
    events = [
        e for e in await goal_events(connection, world.case) if e.detail["change"] == "reordered"
    ]
    assert {str(e.subject_id): (e.detail["rank_from"], e.detail["rank"]) for e in events} == {
        c["id"]: (3, 1),
        a["id"]: (1, 2),
        b["id"]: (2, 3),
    }
    audit = await audit_of(connection, response)
    assert {(x.action, str(x.entity_id)) for x in audit} == {
        ("update", c["id"]),
        ("update", a["id"]),
        ("update", b["id"]),
    }

    # a reorder that moves nothing changes nothing
    same = await client.post(
        url, json={"goal_ids": [c["id"], a["id"], b["id"]]}, headers=world.sw_a.headers
    )
    assert same.status_code == 200
    assert [g["version"] for g in same.json()["items"]] == [g["version"] for g in items]

    before = await table_counts(connection)
    bad_lists = [
        ([c["id"], a["id"]], 409),  # one left out: the plan changed meanwhile
        ([c["id"], a["id"], b["id"], str(uuid.uuid4())], 409),  # one too many
        ([c["id"], a["id"], a["id"]], 422),  # twice
        ([], 422),
    ]
    for goal_ids, status in bad_lists:
        refused = await client.post(url, json={"goal_ids": goal_ids}, headers=world.sw_a.headers)
        assert refused.status_code == status, (goal_ids, refused.text)
    assert await table_counts(connection) == before
    assert await open_order(client, world.sw_a, world.case) == [c["id"], a["id"], b["id"]]


async def test_a_goal_moves_on_and_leaves_the_ranking_when_achieved_or_dropped(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, factory: Factory
) -> None:
    a = await add_goal(client, world.sw_a, world.case, component="health")
    b = await add_goal(client, world.sw_a, world.case, component="education")
    c = await add_goal(client, world.sw_a, world.case, component="social")
    url_a = f"{goals_url(world.case)}/{a['id']}"

    # not started -> achieved skips a step
    skipped = await client.patch(
        url_a, json={"status": "achieved"}, headers=if_match(world.sw_a, 1)
    )
    assert skipped.status_code == 409, skipped.text

    started = await client.patch(
        url_a,
        json={"status": "in_progress", "actions": [{"action": ACTION, "done": True}]},
        headers=if_match(world.sw_a, 1),
    )
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_progress"
    assert started.json()["actions"] == [{"action": ACTION, "done": True}]
    assert started.headers["etag"] == '"v2"'

    achieved = await client.patch(
        url_a, json={"status": "achieved"}, headers=if_match(world.sw_a, 2)
    )
    assert achieved.status_code == 200, achieved.text
    assert achieved.json()["achieved_on"] == today().isoformat()
    assert achieved.json()["rank"] == 1  # the rank it last held
    assert await open_order(client, world.sw_a, world.case) == [b["id"], c["id"]]

    final = await client.patch(
        url_a, json={"goal": "Something else"}, headers=if_match(world.sw_a, 3)
    )
    assert final.status_code == 409

    # dropping needs a reason, which is sealed and shown back
    url_c = f"{goals_url(world.case)}/{c['id']}"
    current_c = await client.get(url_c, headers=world.sw_a.headers)
    version_c = current_c.json()["version"]
    no_reason = await client.patch(
        url_c, json={"status": "dropped"}, headers=if_match(world.sw_a, version_c)
    )
    assert no_reason.status_code == 422
    dropped = await client.patch(
        url_c,
        json={"status": "dropped", "drop_reason": DROP_REASON},
        headers=if_match(world.sw_a, version_c),
    )
    assert dropped.status_code == 200, dropped.text
    assert dropped.json()["drop_reason"] == DROP_REASON
    assert dropped.json()["achieved_on"] is None
    assert await open_order(client, world.sw_a, world.case) == [b["id"]]
    raw = await connection.scalar(
        sa.text("SELECT t::text FROM care_plan_goal t WHERE id = :id"), {"id": c["id"]}
    )
    assert "Basanti" not in raw
    async with factory.uow() as uow:
        document = uow.cipher.open_json(
            bytes((await goal_row(connection, c["id"])).goal_enc),
            Place("care_plan_goal", "goal_enc", UUID(c["id"])),
        )
    assert document["drop_reason"] == DROP_REASON

    # the list puts open goals first, then closed ones; the status filter narrows it
    listed = await client.get(goals_url(world.case), headers=world.sw_a.headers)
    assert [g["id"] for g in listed.json()["items"]] == [b["id"], a["id"], c["id"]]
    only_achieved = await client.get(
        goals_url(world.case), params={"status": "achieved"}, headers=world.sw_a.headers
    )
    assert [g["id"] for g in only_achieved.json()["items"]] == [a["id"]]
    by_component = await client.get(
        goals_url(world.case), params={"component": "education"}, headers=world.sw_a.headers
    )
    assert [g["id"] for g in by_component.json()["items"]] == [b["id"]]

    changes = [
        (e.detail["change"], e.detail.get("status_from"), e.detail["status"])
        for e in await goal_events(connection, world.case)
        if e.detail["change"] == "updated"
    ]
    assert changes == [
        ("updated", "not_started", "in_progress"),
        ("updated", "in_progress", "achieved"),
        ("updated", "not_started", "dropped"),
    ]
    for detail in (
        await connection.execute(sa.text("SELECT detail::text FROM case_event"))
    ).scalars():
        assert "tailoring" not in detail
        assert "Basanti" not in detail
        assert "Mitali" not in detail
    for audit_row in (
        await connection.execute(sa.text("SELECT t::text FROM audit_event t"))
    ).scalars():
        assert "tailoring" not in audit_row
        assert "Basanti" not in audit_row


async def test_moving_a_goal_in_her_order_through_patch(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    a = await add_goal(client, world.sw_a, world.case)
    b = await add_goal(client, world.sw_a, world.case)
    c = await add_goal(client, world.sw_a, world.case)
    moved = await client.patch(
        f"{goals_url(world.case)}/{c['id']}", json={"rank": 1}, headers=if_match(world.sw_a, 1)
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["rank"] == 1
    assert await open_order(client, world.sw_a, world.case) == [c["id"], a["id"], b["id"]]
    event = (await goal_events(connection, world.case))[-1]
    assert event.detail["rank_from"] == 3
    assert event.detail["rank"] == 1
    assert event.detail["fields"] == ["rank"]
    beyond = await client.patch(
        f"{goals_url(world.case)}/{c['id']}", json={"rank": 4}, headers=if_match(world.sw_a, 2)
    )
    assert beyond.status_code == 422
    closing_with_rank = await client.patch(
        f"{goals_url(world.case)}/{c['id']}",
        json={"rank": 2, "status": "dropped", "drop_reason": "Not now"},
        headers=if_match(world.sw_a, 2),
    )
    assert closing_with_rank.status_code == 422
    assert await open_order(client, world.sw_a, world.case) == [c["id"], a["id"], b["id"]]


async def test_updates_need_a_current_if_match(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    goal = await add_goal(client, world.sw_a, world.case)
    url = f"{goals_url(world.case)}/{goal['id']}"
    before = await table_counts(connection)
    missing = await client.patch(url, json={"goal": "Go to school"}, headers=world.sw_a.headers)
    assert missing.status_code == 428
    stale = await client.patch(url, json={"goal": "Go to school"}, headers=if_match(world.sw_a, 7))
    assert stale.status_code == 412
    protected = await client.patch(
        url, json={"case_id": str(world.case_b)}, headers=if_match(world.sw_a, 1)
    )
    assert protected.status_code == 422
    nulled = await client.patch(url, json={"goal": None}, headers=if_match(world.sw_a, 1))
    assert nulled.status_code == 422
    assert await table_counts(connection) == before
    assert (await client.get(url, headers=world.sw_a.headers)).json() == goal

    changed = await client.patch(
        url,
        json={
            "goal": "Go back to school",
            "component": "education",
            "responsible": "government_department",
            "responsible_organization_id": str(world.service_org),
            "review_on": None,
        },
        headers=if_match(world.sw_a, 1),
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["goal"], body["component"], body["version"]) == (
        "Go back to school",
        "education",
        2,
    )
    assert body["responsible_organization_id"] == str(world.service_org)
    assert body["review_on"] is None
    event = (await goal_events(connection, world.case))[-1]
    assert event.detail["fields"] == [
        "component",
        "goal",
        "responsible",
        "responsible_organization_id",
        "review_on",
    ]
    # back to her: the organisation goes with it
    back = await client.patch(
        url, json={"responsible": "survivor"}, headers=if_match(world.sw_a, 2)
    )
    assert back.status_code == 200, back.text
    assert back.json()["responsible_organization_id"] is None
    # nothing to change: no new version, no event
    events = len(await goal_events(connection, world.case))
    same = await client.patch(
        url, json={"responsible": "survivor"}, headers=if_match(world.sw_a, 3)
    )
    assert same.status_code == 200
    assert same.json()["version"] == 3
    assert len(await goal_events(connection, world.case)) == events


def _bad_goal_bodies(world: World) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("organisation missing", goal_body(responsible="organization")),
        (
            "organisation unknown",
            goal_body(
                responsible="government_department", responsible_organization_id=str(uuid.uuid4())
            ),
        ),
        (
            "organisation for the survivor",
            goal_body(responsible="survivor", responsible_organization_id=str(world.org_b)),
        ),
        ("target before the case", goal_body(target_on="2025-12-31")),
        ("review in the past", goal_body(review_on=(today() - timedelta(days=2)).isoformat())),
        ("rank zero", goal_body(rank=0)),
        ("unknown field", goal_body(status="achieved")),
        ("empty wording", goal_body(goal="   ")),
        ("too many actions", goal_body(actions=[{"action": "x"}] * 31)),
        ("unknown component", goal_body(component="spiritual")),
        ("unknown responsible", goal_body(responsible="family")),
        ("action with extra field", goal_body(actions=[{"action": "x", "owner": "y"}])),
    ]


async def test_invalid_goals_are_refused_with_nothing_changed(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    await add_goal(client, world.sw_a, world.case)
    before = await table_counts(connection)
    for name, body in _bad_goal_bodies(world):
        response = await client.post(goals_url(world.case), json=body, headers=world.sw_a.headers)
        assert response.status_code == 422, (name, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert WORDING not in response.text, name
    assert await table_counts(connection) == before


async def test_creates_are_idempotent_and_client_ids_are_honoured(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    headers = {**world.sw_a.headers, "Idempotency-Key": "goal-retry-1"}
    first = await client.post(goals_url(world.case), json=goal_body(), headers=headers)
    second = await client.post(goals_url(world.case), json=goal_body(), headers=headers)
    assert first.status_code == second.status_code == 201, second.text
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    other = await client.post(
        goals_url(world.case), json=goal_body(component="health"), headers=headers
    )
    assert other.status_code == 422
    count = await connection.scalar(
        sa.text("SELECT count(*) FROM care_plan_goal WHERE case_id = :c"), {"c": world.case}
    )
    assert count == 1

    chosen = uuid.uuid4()
    made = await client.post(
        goals_url(world.case), json=goal_body(id=str(chosen)), headers=world.sw_a.headers
    )
    assert made.status_code == 201
    assert made.json()["id"] == str(chosen)
    again = await client.post(
        goals_url(world.case), json=goal_body(id=str(chosen)), headers=world.sw_a.headers
    )
    assert again.status_code == 409
    assert await open_order(client, world.sw_a, world.case) == [first.json()["id"], str(chosen)]

    agreement_headers = {**world.sw_a.headers, "Idempotency-Key": "agree-retry-1"}
    url = f"{plan_url(world.case)}/agreement"
    agreed = await client.post(url, json={"method": "verbal"}, headers=agreement_headers)
    replay = await client.post(url, json={"method": "verbal"}, headers=agreement_headers)
    assert agreed.status_code == replay.status_code == 201, replay.text
    assert replay.json() == agreed.json()
    assert agreed.headers["location"] == url
    assert await connection.scalar(sa.text("SELECT count(*) FROM care_plan_agreement")) == 1


async def test_a_closed_cases_plan_is_read_only(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    goal = await add_goal(client, world.sw_a, world.case)
    await connection.execute(
        sa.text("UPDATE survivor_case SET status = 'closed' WHERE id = :c"), {"c": world.case}
    )
    before = await table_counts(connection)
    writes = [
        await client.post(goals_url(world.case), json=goal_body(), headers=world.sw_a.headers),
        await client.patch(
            f"{goals_url(world.case)}/{goal['id']}",
            json={"status": "in_progress"},
            headers=if_match(world.sw_a, 1),
        ),
        await client.post(
            f"{goals_url(world.case)}/reorder",
            json={"goal_ids": [goal["id"]]},
            headers=world.sw_a.headers,
        ),
        await client.post(
            f"{plan_url(world.case)}/agreement",
            json={"method": "written"},
            headers=world.sw_a.headers,
        ),
    ]
    assert [w.status_code for w in writes] == [409, 409, 409, 409], [w.text for w in writes]
    assert await table_counts(connection) == before
    assert (await client.get(plan_url(world.case), headers=world.sw_a.headers)).status_code == 200
    reopened_case = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id, status=CaseStatus.reopened
    )
    assert (
        await client.post(goals_url(reopened_case), json=goal_body(), headers=world.sw_a.headers)
    ).status_code == 201


# -- agreement ------------------------------------------------------------------------------
async def test_her_agreement_records_the_plan_as_it_stood(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, factory: Factory
) -> None:
    url = f"{plan_url(world.case)}/agreement"
    empty = await client.get(url, headers=world.sw_a.headers)
    assert empty.status_code == 200
    assert empty.json() == {"agreement": None, "changed_since_agreement": False}
    nothing_to_agree = await client.post(url, json={"method": "verbal"}, headers=world.sw_a.headers)
    assert nothing_to_agree.status_code == 409

    a = await add_goal(client, world.sw_a, world.case)
    b = await add_goal(client, world.sw_a, world.case, rank=1)
    assert (await client.get(url, headers=world.sw_a.headers)).json()[
        "changed_since_agreement"
    ] is True

    agreed = await client.post(
        url,
        json={"method": "thumbprint", "agreed_on": today().isoformat(), "notes": NOTES},
        headers=world.sw_a.headers,
    )
    assert agreed.status_code == 201, agreed.text
    agreement = agreed.json()
    assert agreement["goal_ids"] == [b["id"], a["id"]]
    assert agreement["witnessed_by"] == str(world.sw_a.id)
    assert agreement["method"] == "thumbprint"
    assert agreement["notes"] == NOTES
    raw = await connection.scalar(
        sa.text("SELECT t::text FROM care_plan_agreement t WHERE id = :id"),
        {"id": agreement["id"]},
    )
    assert "Gosaba" not in raw
    async with factory.uow() as uow:
        sealed = await connection.scalar(
            sa.text("SELECT notes_enc FROM care_plan_agreement WHERE id = :id"),
            {"id": agreement["id"]},
        )
        assert (
            uow.cipher.open_text(
                bytes(sealed), Place("care_plan_agreement", "notes_enc", UUID(agreement["id"]))
            )
            == NOTES
        )
    event = (await goal_events(connection, world.case))[-1]
    assert event.kind == "plan_agreement"
    assert event.detail == {
        "agreement_id": agreement["id"],
        "method": "thumbprint",
        "agreed_on": today().isoformat(),
        "witnessed_by": str(world.sw_a.id),
        "goal_ids": [b["id"], a["id"]],
    }
    audit = await audit_of(connection, agreed)
    assert [(x.action, x.entity_type) for x in audit] == [("create", "care_plan_agreement")]

    state = await client.get(url, headers=world.pm_a.headers)
    assert state.json() == {"agreement": agreement, "changed_since_agreement": False}
    assert [(x.action, x.entity_type) for x in await audit_of(connection, state)] == [
        ("read", "care_plan_agreement")
    ]

    # the plan changes: she has not agreed to this version yet
    current = await client.get(f"{goals_url(world.case)}/{a['id']}", headers=world.sw_a.headers)
    started = await client.patch(
        f"{goals_url(world.case)}/{a['id']}",
        json={"status": "in_progress"},
        headers={**world.sw_a.headers, "If-Match": current.headers["etag"]},
    )
    assert started.status_code == 200, started.text
    assert (await client.get(url, headers=world.sw_a.headers)).json()[
        "changed_since_agreement"
    ] is True

    second = await client.post(
        url,
        json={"method": "written", "witnessed_by": str(world.pm_a.id)},
        headers=world.sw_a.headers,
    )
    assert second.status_code == 201, second.text
    assert second.json()["witnessed_by"] == str(world.pm_a.id)
    assert second.json()["notes"] is None
    assert second.json()["agreed_on"] == today().isoformat()
    state = await client.get(url, headers=world.sw_a.headers)
    assert state.json()["agreement"]["id"] == second.json()["id"]
    assert state.json()["changed_since_agreement"] is False

    history = await client.get(f"{url}/history", params={"limit": 1}, headers=world.sw_a.headers)
    assert history.status_code == 200
    assert [x["id"] for x in history.json()["items"]] == [second.json()["id"]]
    assert 'rel="next"' in history.headers["link"]
    rest = await client.get(
        f"{url}/history",
        params={"limit": 1, "cursor": history.json()["next_cursor"], "include_total": "true"},
        headers=world.sw_a.headers,
    )
    assert [x["id"] for x in rest.json()["items"]] == [agreement["id"]]
    assert rest.json()["items"][0]["notes"] == NOTES
    assert rest.json()["next_cursor"] is None
    assert rest.json()["total"] == 2


async def test_invalid_agreements_are_refused_with_nothing_changed(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, factory: Factory
) -> None:
    await add_goal(client, world.sw_a, world.case)
    disabled = await factory.user(world.org_a, Role.social_worker)
    await connection.execute(
        sa.text("UPDATE app_user SET disabled_at = now() WHERE id = :u"), {"u": disabled.id}
    )
    url = f"{plan_url(world.case)}/agreement"
    before = await table_counts(connection)
    bad = [
        {"method": "verbal", "witnessed_by": str(world.pm_b.id)},  # another organisation
        {"method": "verbal", "witnessed_by": str(uuid.uuid4())},
        {"method": "verbal", "witnessed_by": str(disabled.id)},
        {"method": "verbal", "agreed_on": (today() + timedelta(days=2)).isoformat()},
        {"method": "verbal", "agreed_on": "2026-01-14"},  # before the case opened
        {"method": "signature"},
        {"method": "verbal", "goal_ids": []},
        {"notes": "no method"},
    ]
    for body in bad:
        response = await client.post(url, json=body, headers=world.sw_a.headers)
        assert response.status_code == 422, (body, response.text)
    # an integration client is nobody's witness: it must name one
    unnamed = await client.post(
        url, json={"method": "verbal"}, headers=world.client_planner_a.headers
    )
    assert unnamed.status_code == 422
    assert await table_counts(connection) == before
    named = await client.post(
        url,
        json={"method": "verbal", "witnessed_by": str(world.sw_a.id)},
        headers=world.client_planner_a.headers,
    )
    assert named.status_code == 201, named.text
    assert named.json()["created_by"] == str(world.client_planner_a.id)


# -- the whole plan -------------------------------------------------------------------------
async def test_the_whole_plan_with_counts_and_agreement(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    empty = await client.get(plan_url(world.case), headers=world.sw_a.headers)
    assert empty.status_code == 200
    assert empty.json()["goals"] == []
    assert empty.json()["agreement"] is None
    assert empty.json()["changed_since_agreement"] is False
    assert [c["component"] for c in empty.json()["components"]] == [
        "health",
        "education",
        "livelihood",
        "social",
        "empowerment",
    ]
    assert all(c["total"] == 0 for c in empty.json()["components"])

    health = await add_goal(client, world.sw_a, world.case, component="health")
    livelihood = await add_goal(client, world.sw_a, world.case, component="livelihood", rank=1)
    dropped = await add_goal(client, world.sw_a, world.case, component="livelihood")
    await client.patch(
        f"{goals_url(world.case)}/{dropped['id']}",
        json={"status": "dropped", "drop_reason": DROP_REASON},
        headers=if_match(world.sw_a, 1),
    )
    agreed = await client.post(
        f"{plan_url(world.case)}/agreement", json={"method": "verbal"}, headers=world.sw_a.headers
    )
    plan = await client.get(plan_url(world.case), headers=world.pm_a.headers)
    assert plan.status_code == 200
    body = plan.json()
    assert body["case_id"] == str(world.case)
    assert [(g["id"], g["rank"]) for g in body["goals"]] == [
        (livelihood["id"], 1),
        (health["id"], 2),
        (dropped["id"], 3),
    ]
    counts = {c["component"]: c for c in body["components"]}
    assert counts["livelihood"] == {
        "component": "livelihood",
        "not_started": 1,
        "in_progress": 0,
        "achieved": 0,
        "dropped": 1,
        "total": 2,
    }
    assert counts["health"]["not_started"] == 1
    assert counts["education"]["total"] == 0
    assert body["agreement"]["id"] == agreed.json()["id"]
    assert body["agreement"]["goal_ids"] == [livelihood["id"], health["id"]]
    assert body["changed_since_agreement"] is False
    audit = await audit_of(connection, plan)
    assert sorted((x.action, x.entity_type, str(x.entity_id)) for x in audit) == sorted(
        [("read", "care_plan_goal", g["id"]) for g in body["goals"]]
        + [("read", "care_plan_agreement", agreed.json()["id"])]
    )

    await add_goal(client, world.sw_a, world.case, component="empowerment")
    after = await client.get(plan_url(world.case), headers=world.pm_a.headers)
    assert after.json()["changed_since_agreement"] is True


async def test_goal_lists_page_by_rank_and_are_audited(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    made = [await add_goal(client, world.sw_a, world.case, rank=1) for _ in range(5)]
    expected = [g["id"] for g in reversed(made)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await client.get(goals_url(world.case), params=params, headers=world.sw_a.headers)
        assert page.status_code == 200, page.text
        seen += [g["id"] for g in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
        audit = await audit_of(connection, page)
        assert [x.action for x in audit] == ["search", "read", "read"]
        assert all(x.organization_id == world.org_a for x in audit)
    assert seen == expected
    total = await client.get(
        goals_url(world.case), params={"include_total": "true"}, headers=world.sw_a.headers
    )
    assert total.json()["total"] == 5
    tampered = await client.get(
        goals_url(world.case), params={"cursor": "bm90LWEtY3Vyc29y"}, headers=world.sw_a.headers
    )
    assert tampered.status_code == 400


# -- who sees and shapes which plan ---------------------------------------------------------
MATRIX = [
    # actor, reads, writes
    ("pm_a", 200, 200),
    ("sw_a", 200, 200),  # the case's own worker
    ("sw_a2", 404, 404),  # same district, not hers, organisation does not share districts
    ("sw_north", 404, 404),
    ("pm_b", 404, 404),
    ("sw_b", 404, 404),
    ("partner_b", 403, 403),
    ("analyst_a", 403, 403),
    ("leader_a", 403, 403),
    ("auditor_a", 403, 403),
    ("admin", 403, 403),
    ("client_reader_a", 200, 403),  # a client with a manager's role and the read scope only
    ("client_partner_b", 403, 403),
]


async def _every_call(
    client: httpx.AsyncClient, world: World, actor: Actor, goal: dict[str, Any]
) -> dict[str, httpx.Response]:
    case = world.case
    goal_url = f"{goals_url(case)}/{goal['id']}"
    calls = {
        "plan": await client.get(plan_url(case), headers=actor.headers),
        "list": await client.get(goals_url(case), headers=actor.headers),
        "list_filtered": await client.get(
            goals_url(case), params={"status": "not_started"}, headers=actor.headers
        ),
        "goal": await client.get(goal_url, headers=actor.headers),
        "agreement": await client.get(f"{plan_url(case)}/agreement", headers=actor.headers),
        "history": await client.get(f"{plan_url(case)}/agreement/history", headers=actor.headers),
    }
    created = await client.post(goals_url(case), json=goal_body(), headers=actor.headers)
    calls["create"] = created
    calls["update"] = await client.patch(
        goal_url, json={"status": "in_progress"}, headers=if_match(actor, 1)
    )
    order = [goal["id"]]
    if created.status_code == 201:
        order = [created.json()["id"], goal["id"]]
    calls["reorder"] = await client.post(
        f"{goals_url(case)}/reorder", json={"goal_ids": order}, headers=actor.headers
    )
    witness = {"witnessed_by": str(world.sw_a.id)} if actor.role is not Role.social_worker else {}
    calls["agree"] = await client.post(
        f"{plan_url(case)}/agreement", json={"method": "verbal", **witness}, headers=actor.headers
    )
    return calls


READS = ("plan", "list", "list_filtered", "goal", "agreement", "history")
WRITE_STATUS = {"create": 201, "update": 200, "reorder": 200, "agree": 201}


@pytest.mark.parametrize(("who", "reads", "writes"), MATRIX)
async def test_matrix(
    client: httpx.AsyncClient,
    world: World,
    connection: AsyncConnection,
    who: str,
    reads: int,
    writes: int,
) -> None:
    goal = await add_goal(client, world.pm_a, world.case)
    actor: Actor = getattr(world, who)
    before = await table_counts(connection)
    calls = await _every_call(client, world, actor, goal)
    for name in READS:
        assert calls[name].status_code == reads, (who, name, calls[name].text)
    for name, ok in WRITE_STATUS.items():
        expected = ok if writes == 200 else writes
        assert calls[name].status_code == expected, (who, name, calls[name].text)
    if reads == 200:
        # An integration client reads goals without their wording (issue 9).
        machine = who.startswith("client_")
        assert calls["goal"].json()["goal"] == (None if machine else WORDING)
        if machine:
            assert WORDING not in calls["list"].text
        assert goal["id"] in {g["id"] for g in calls["list"].json()["items"]}
    for name, response in calls.items():
        if response.status_code in (403, 404):
            assert response.headers["content-type"].startswith("application/problem+json")
            # nothing of the plan leaks through an error (``instance`` echoes the caller's path)
            problem = {k: v for k, v in response.json().items() if k != "instance"}
            assert goal["id"] not in str(problem), (who, name)
            assert "tailoring" not in response.text, (who, name)
    if writes != 200:
        assert await table_counts(connection) == before
        row = await goal_row(connection, goal["id"])
        assert (row.version, row.status, row.rank) == (1, "not_started", 1)


async def test_district_visibility_opens_the_plan_to_the_districts_workers(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    goal = await add_goal(client, world.sw_a, world.case)
    url = f"{goals_url(world.case)}/{goal['id']}"
    assert (await client.get(url, headers=world.sw_a2.headers)).status_code == 404
    await world.cases.allow_district_visibility(world.org_a)
    calls = await _every_call(client, world, world.sw_a2, goal)
    assert {name: r.status_code for name, r in calls.items()} == {
        **dict.fromkeys(READS, 200),
        **WRITE_STATUS,
    }
    # still not another district's worker, nor another organisation's worker in the district
    for actor in (world.sw_north, world.sw_b):
        assert (await client.get(url, headers=actor.headers)).status_code == 404
        assert (await client.get(plan_url(world.case), headers=actor.headers)).status_code == 404


async def test_a_goal_answers_only_under_its_own_case(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    goal = await add_goal(client, world.sw_a, world.case)
    other_case_a = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id
    )
    # a goal of A under another case of A, or under B's case: as if it did not exist
    for actor, case_id in ((world.pm_a, other_case_a), (world.pm_b, world.case_b)):
        url = f"{goals_url(case_id)}/{goal['id']}"
        read = await client.get(url, headers=actor.headers)
        missing = await client.get(f"{goals_url(case_id)}/{uuid.uuid4()}", headers=actor.headers)
        assert read.status_code == missing.status_code == 404
        assert {k: v for k, v in read.json().items() if k not in ("instance", "request_id")} == {
            k: v for k, v in missing.json().items() if k not in ("instance", "request_id")
        }
        patched = await client.patch(url, json={"goal": "x"}, headers=if_match(actor, 1))
        assert patched.status_code == 404
        listed = await client.get(goals_url(case_id), headers=actor.headers)
        assert listed.json()["items"] == []
        plan = await client.get(plan_url(case_id), headers=actor.headers)
        assert plan.json()["goals"] == []
        reorder = await client.post(
            f"{goals_url(case_id)}/reorder", json={"goal_ids": [goal["id"]]}, headers=actor.headers
        )
        assert reorder.status_code == 409
    assert (await goal_row(connection, goal["id"])).version == 1
    # B's manager cannot reach A's case at all, whatever the path
    unknown_case = await client.get(plan_url(uuid.uuid4()), headers=world.pm_b.headers)
    foreign_case = await client.get(plan_url(world.case), headers=world.pm_b.headers)
    assert unknown_case.status_code == foreign_case.status_code == 404
