"""Offline sync on real PostgreSQL with real commits (the pull's commit-order rule reads
transaction ids, so these tests need transactions that really end): first and incremental
pulls, commit order with a long transaction, tombstones when records leave her scope, pushes
answered applied / conflict / rejected, retries, conflicts resolved, offline reads audited,
and who may sync."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa

from api.app import create_app
from domain.common.principal import Role
from domain.common.settings import Settings
from persistence import clock
from persistence.database import Database
from tests.factories import NORTH_24, SOUTH_24, Actor, CaseFactory, Factory

PULL = "/api/v1/sync/pull"
PUSH = "/api/v1/sync/push"
CONFLICTS = "/api/v1/sync/conflicts"


@dataclass
class World:
    client: httpx.AsyncClient
    factory: Factory
    cases: CaseFactory
    database: Database
    org: UUID
    manager: Actor
    worker: Actor  # social worker, South 24 Parganas
    colleague: Actor  # social worker, North 24 Parganas
    other_manager: Actor  # program manager of another organisation

    async def sql(self, statement: str, **params: Any) -> Any:
        async with self.database.engine.begin() as connection:
            result = await connection.execute(sa.text(statement), params)
            return result.all() if result.returns_rows else None

    async def survivor_with_case(
        self, worker: Actor | None, *, district: UUID = SOUTH_24, phone: str | None = None
    ) -> tuple[UUID, UUID]:
        survivor = await self.cases.survivor(
            self.org, district_id=district, name="Rupa Test", phone=phone
        )
        case = await self.cases.case(
            self.org,
            survivor,
            district_id=district,
            assigned_worker_id=worker.id if worker else None,
        )
        return survivor, case


@pytest.fixture
async def world(settings: Settings, committed_db: Database) -> AsyncIterator[World]:
    app = create_app(settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    org = await factory.organization()
    other = await factory.organization()
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield World(
            client=client,
            factory=factory,
            cases=CaseFactory(factory),
            database=committed_db,
            org=org,
            manager=await factory.user(org, Role.program_manager),
            worker=await factory.user(org, Role.social_worker, districts=(SOUTH_24,)),
            colleague=await factory.user(org, Role.social_worker, districts=(NORTH_24,)),
            other_manager=await factory.user(other, Role.program_manager),
        )


async def pull_all(
    world: World, actor: Actor, cursor: str | None = None, limit: int = 100
) -> tuple[list[dict[str, Any]], str]:
    """Pull until ``has_more`` is false: every change and the last cursor."""
    changes: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        answer = await world.client.get(PULL, params=params, headers=actor.headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["has_more"]:
            return changes, cursor


# Reference data: the instruments, the places and the scheme catalogue (everyone's).
REFERENCE = {"assessment_instrument", "state", "district", "block", "scheme"}


def keys(changes: list[dict[str, Any]], op: str | None = None) -> set[tuple[str, str]]:
    """The records among ``changes`` (of ``op``), reference data aside."""
    return {
        (c["entity"], c["id"])
        for c in changes
        if (op is None or c["op"] == op) and c["entity"] not in REFERENCE
    }


async def note(world: World, actor: Actor, case: UUID, text: str = "Met her mother.") -> str:
    answer = await world.client.post(
        f"/api/v1/cases/{case}/notes", json={"body": text}, headers=actor.headers
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


# -- pull -----------------------------------------------------------------------------------
async def test_a_first_pull_carries_her_caseload_and_nothing_else(world: World) -> None:
    survivor, case = await world.survivor_with_case(world.worker)
    note_id = await note(world, world.worker, case)
    _, foreign_case = await world.survivor_with_case(world.colleague, district=NORTH_24)
    await note(world, world.colleague, foreign_case)

    changes, cursor = await pull_all(world, world.worker, limit=2)  # several batches
    assert keys(changes) == {
        ("survivor", str(survivor)),
        ("case", str(case)),
        ("case_note", note_id),
    }
    by_entity = {c["entity"]: c for c in changes}
    # Her read as the survivor endpoint answers it: sealed fields opened.
    assert by_entity["survivor"]["data"]["given_name"] == "Rupa Test"
    assert by_entity["case_note"]["data"]["body"] == "Met her mother."
    assert by_entity["case"]["version"] == by_entity["case"]["data"]["version"]

    # Nothing new: an empty answer and the same position.
    again, same = await pull_all(world, world.worker, cursor)
    assert again == []
    assert same == cursor

    # The manager sees the whole organisation; another organisation sees nothing of it.
    managed, _ = await pull_all(world, world.manager)
    assert ("case", str(foreign_case)) in keys(managed)
    outsider, _ = await pull_all(world, world.other_manager)
    assert keys(outsider) == set()
    # Reference data comes with a first pull: the shared assessment instruments, whole.
    instruments = [c for c in changes if c["entity"] == "assessment_instrument"]
    assert instruments
    assert all(i["data"]["sections"] for i in instruments)


async def test_an_incremental_pull_brings_what_changed_since(world: World) -> None:
    _, case = await world.survivor_with_case(world.worker)
    _, cursor = await pull_all(world, world.worker)
    note_id = await note(world, world.worker, case, "Second visit went well.")
    changes, cursor = await pull_all(world, world.worker, cursor)
    assert [(c["entity"], c["id"], c["op"]) for c in changes] == [("case_note", note_id, "upsert")]
    assert (await pull_all(world, world.worker, cursor))[0] == []


async def test_a_long_transaction_committing_after_a_pull_is_not_passed_over(
    world: World,
) -> None:
    """A transaction that began (and wrote) before a pull and commits after it, while a
    later transaction committed first: a cursor in insert or time order would have moved
    past the long one's change. Here it is held back until the long one ends."""
    _, case = await world.survivor_with_case(world.worker)
    _, cursor = await pull_all(world, world.worker)

    async with world.database.engine.connect() as long_connection:
        long = await long_connection.begin()
        await long_connection.execute(
            sa.text(
                "UPDATE survivor_case SET risk_level = 'high', version = version + 1 WHERE id = :id"
            ),
            {"id": case},
        )
        # A later transaction commits while the long one is still open.
        later_note = await note(world, world.worker, case, "Written while the other runs.")
        during, during_cursor = await pull_all(world, world.worker, cursor)
        assert during == []  # held back: an older transaction is still running
        assert during_cursor == cursor
        await long.commit()

    after, _ = await pull_all(world, world.worker, during_cursor)
    assert keys(after) == {("case", str(case)), ("case_note", later_note)}
    changed_case = next(c for c in after if c["entity"] == "case")
    assert changed_case["data"]["risk_level"] == "high"


async def test_concurrent_writes_and_pulls_miss_nothing(world: World) -> None:
    """Writers commit notes while the device pulls over and over from its last cursor: in
    the end it has seen every note, each exactly as written."""
    _, case = await world.survivor_with_case(world.worker)
    _, cursor = await pull_all(world, world.worker)
    seen: set[str] = set()
    written: list[str] = []
    done = asyncio.Event()

    async def writer(n: int) -> None:
        for i in range(6):
            written.append(await note(world, world.worker, case, f"Note {n}.{i}"))

    async def puller() -> None:
        nonlocal cursor
        while not done.is_set():
            changes, cursor = await pull_all(world, world.worker, cursor, limit=3)
            seen.update(c["id"] for c in changes if c["entity"] == "case_note")
            await asyncio.sleep(0)

    pulling = asyncio.create_task(puller())
    await asyncio.gather(*(writer(n) for n in range(4)))
    done.set()
    await pulling
    changes, cursor = await pull_all(world, world.worker, cursor)
    seen.update(c["id"] for c in changes if c["entity"] == "case_note")
    assert seen == set(written)
    assert len(written) == 24


async def test_a_reassigned_case_leaves_one_device_and_comes_whole_to_the_other(
    world: World,
) -> None:
    survivor, case = await world.survivor_with_case(world.worker)
    note_id = await note(world, world.worker, case)
    _, worker_cursor = await pull_all(world, world.worker)
    _, colleague_cursor = await pull_all(world, world.colleague)

    current = await world.client.get(f"/api/v1/cases/{case}", headers=world.manager.headers)
    assert current.status_code == 200, current.text
    moved = await world.client.post(
        f"/api/v1/cases/{case}/assignment",
        json={"assigned_worker_id": str(world.colleague.id), "reason": "Team change."},
        headers={**world.manager.headers, "If-Match": current.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text

    gone, _ = await pull_all(world, world.worker, worker_cursor)
    assert keys(gone, "delete") == {("case", str(case)), ("survivor", str(survivor))}
    assert keys(gone, "upsert") == set()
    came, _ = await pull_all(world, world.colleague, colleague_cursor)
    assert keys(came, "upsert") == {
        ("survivor", str(survivor)),
        ("case", str(case)),
        ("case_note", note_id),
    }
    # Nobody else learns anything of it.
    assert keys((await pull_all(world, world.other_manager))[0]) == set()


async def test_a_deleted_case_and_a_removed_district_come_as_tombstones(world: World) -> None:
    await world.cases.allow_district_visibility(world.org)
    # A case of her district she sees through the district (assigned to nobody).
    survivor, district_case = await world.survivor_with_case(None)
    _, own_case = await world.survivor_with_case(world.worker)
    changes, cursor = await pull_all(world, world.worker)
    assert {("case", str(district_case)), ("case", str(own_case))} <= keys(changes)

    await world.sql("UPDATE survivor_case SET deleted_at = now() WHERE id = :id", id=own_case)
    await world.sql(
        "DELETE FROM user_district WHERE user_id = :u AND district_id = :d",
        u=world.worker.id,
        d=SOUTH_24,
    )
    world.worker.headers = await world.factory.user_headers(world.worker.id)
    changes, _ = await pull_all(world, world.worker, cursor)
    assert keys(changes, "delete") >= {
        ("case", str(own_case)),
        ("case", str(district_case)),
        ("survivor", str(survivor)),
    }
    assert keys(changes, "upsert") == set()


# -- push -----------------------------------------------------------------------------------
def mutation(
    entity: str, op: str, entity_id: Any, changes: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "entity": entity,
        "entity_id": str(entity_id),
        "op": op,
        "changes": changes,
        **extra,
    }


async def test_a_partly_refused_batch_retried_applies_nothing_twice(world: World) -> None:
    _, case = await world.survivor_with_case(world.worker)
    _, foreign_case = await world.survivor_with_case(world.colleague, district=NORTH_24)
    good, visit = uuid.uuid4(), uuid.uuid4()
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    batch = {
        "mutations": [
            mutation("case_note", "create", good, {"case_id": str(case), "body": "Offline note."}),
            mutation(
                "case_note", "create", uuid.uuid4(), {"case_id": str(foreign_case), "body": "x"}
            ),
            mutation("case_visit", "create", visit, {"case_id": str(case), "kind": "home"}),
            mutation(
                "case_visit",
                "create",
                uuid.uuid4(),
                {"case_id": str(case), "kind": "home", "planned_on": tomorrow, "bogus": 1},
            ),
        ]
    }
    batch["mutations"][2]["changes"]["planned_on"] = tomorrow
    first = await world.client.post(PUSH, json=batch, headers=world.worker.headers)
    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied", "rejected"]
    assert results[0]["version"] == 1
    assert results[1]["problem"]["status"] == 404
    assert results[3]["problem"]["status"] == 422
    assert "x" not in str(results[1]["problem"])  # never the input

    again = await world.client.post(PUSH, json=batch, headers=world.worker.headers)
    assert again.json()["results"] == results
    counted = await world.sql(
        "SELECT (SELECT count(*) FROM case_note WHERE case_id = :c),"
        " (SELECT count(*) FROM case_visit WHERE case_id = :c)",
        c=case,
    )
    assert counted == [(1, 1)]

    # Someone else sending her mutation ids is refused, and learns nothing of them.
    stolen = await world.client.post(PUSH, json=batch, headers=world.colleague.headers)
    assert {r["status"] for r in stolen.json()["results"]} == {"rejected"}
    assert {r["problem"]["status"] for r in stolen.json()["results"]} == {409}


async def test_concurrent_retries_of_one_batch_apply_it_once(world: World) -> None:
    _, case = await world.survivor_with_case(world.worker)
    batch = {
        "mutations": [
            mutation("case_note", "create", uuid.uuid4(), {"case_id": str(case), "body": "Once."})
        ]
    }
    answers = await asyncio.gather(
        *(world.client.post(PUSH, json=batch, headers=world.worker.headers) for _ in range(4))
    )
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["results"][0]["status"] for a in answers} == {"applied"}
    assert await world.sql("SELECT count(*) FROM case_note WHERE case_id = :c", c=case) == [(1,)]


async def test_a_field_changed_on_both_sides_is_a_conflict_kept_to_resolve(world: World) -> None:
    _, case = await world.survivor_with_case(world.worker)
    today = clock.today()
    created = await world.client.post(
        f"/api/v1/cases/{case}/visits",
        json={"kind": "home", "planned_on": (today + timedelta(days=2)).isoformat()},
        headers=world.worker.headers,
    )
    assert created.status_code == 201, created.text
    visit = created.json()["id"]
    device, _ = await pull_all(world, world.worker)
    held = next(c for c in device if c["id"] == visit)
    assert held["version"] == 1

    # On the server, the manager moves the visit to another day.
    server_day = (today + timedelta(days=3)).isoformat()
    moved = await world.client.patch(
        f"/api/v1/cases/{case}/visits/{visit}",
        json={"planned_on": server_day},
        headers={**world.manager.headers, "If-Match": '"v1"'},
    )
    assert moved.status_code == 200, moved.text

    # Offline, she moved it to yet another day and made it a phone call.
    client_day = (today + timedelta(days=4)).isoformat()
    update = mutation(
        "case_visit",
        "update",
        visit,
        {"planned_on": client_day, "kind": "phone"},
        base_version=1,
    )
    pushed = await world.client.post(
        PUSH, json={"mutations": [update]}, headers=world.worker.headers
    )
    result = pushed.json()["results"][0]
    assert result["status"] == "conflict", result
    assert result["conflicts"] == [
        {
            "field": "planned_on",
            "server": server_day,
            "base": (today + timedelta(days=2)).isoformat(),
            "client": client_day,
        }
    ]
    # The other field applied.
    read = await world.client.get(
        f"/api/v1/cases/{case}/visits/{visit}", headers=world.worker.headers
    )
    assert read.json()["kind"] == "phone"
    assert read.json()["planned_on"] == server_day
    assert result["version"] == read.json()["version"] == 3

    # Kept for her (only her) to resolve.
    kept = await world.client.get(CONFLICTS, headers=world.worker.headers)
    assert kept.status_code == 200
    (conflict,) = kept.json()["items"]
    assert (conflict["field"], conflict["client"]) == ("planned_on", client_day)
    assert (await world.client.get(CONFLICTS, headers=world.colleague.headers)).json()[
        "items"
    ] == []
    theirs = await world.client.post(
        f"{CONFLICTS}/{conflict['id']}/resolve",
        json={"value": client_day},
        headers=world.colleague.headers,
    )
    assert theirs.status_code == 404
    resolved = await world.client.post(
        f"{CONFLICTS}/{conflict['id']}/resolve",
        json={"value": client_day},
        headers=world.worker.headers,
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json() == {"id": conflict["id"], "status": "resolved", "version": 4}
    read = await world.client.get(
        f"/api/v1/cases/{case}/visits/{visit}", headers=world.worker.headers
    )
    assert read.json()["planned_on"] == client_day
    assert (await world.client.get(CONFLICTS, headers=world.worker.headers)).json()["items"] == []
    twice = await world.client.post(
        f"{CONFLICTS}/{conflict['id']}/resolve",
        json={"value": client_day},
        headers=world.worker.headers,
    )
    assert twice.status_code == 409

    # An update on a base the server has not moved from applies whole.
    plain = mutation("case_visit", "update", visit, {"kind": "home"}, base_version=4)
    pushed = await world.client.post(
        PUSH, json={"mutations": [plain]}, headers=world.worker.headers
    )
    assert pushed.json()["results"][0] | {"conflicts": []} == {
        "id": plain["id"],
        "status": "applied",
        "version": 5,
        "conflicts": [],
        "problem": None,
    }


async def test_an_offline_intake_matching_a_survivor_is_a_conflict_not_a_second_record(
    world: World,
) -> None:
    survivor, _ = await world.survivor_with_case(world.worker, phone="+919800000001")
    # The survivor's phone is in her blind index only when written by the service: register
    # one through the push itself, then the same person again.
    first = mutation(
        "survivor",
        "create",
        uuid.uuid4(),
        {"given_name": "Mina", "family_name": "Das", "sex": "female", "phone": "9800011111"},
    )
    answer = await world.client.post(
        PUSH, json={"mutations": [first]}, headers=world.worker.headers
    )
    assert answer.json()["results"][0]["status"] == "applied", answer.text
    again = mutation(
        "survivor",
        "create",
        uuid.uuid4(),
        {"given_name": "Mina", "family_name": "Das", "sex": "female", "phone": "9800011111"},
    )
    answer = await world.client.post(
        PUSH, json={"mutations": [again]}, headers=world.worker.headers
    )
    result = answer.json()["results"][0]
    assert result["status"] == "conflict"
    assert result["conflicts"] == [
        {
            "field": "possible_duplicate",
            "server": [first["entity_id"]],
            "base": None,
            "client": None,
        }
    ]
    counted = await world.sql("SELECT count(*) FROM survivor WHERE id = :id", id=again["entity_id"])
    assert counted == [(0,)]
    assert survivor  # the factory's survivor (unindexed) plays no part


async def test_offline_reads_are_written_to_the_audit_trail(world: World) -> None:
    survivor, case = await world.survivor_with_case(world.worker)
    read_at = clock.now() - timedelta(days=2)
    answer = await world.client.post(
        PUSH,
        json={
            "reads": [
                {"entity": "survivor", "id": str(survivor), "read_at": read_at.isoformat()},
                {"entity": "case", "id": str(case), "read_at": read_at.isoformat()},
            ]
        },
        headers=world.worker.headers,
    )
    assert answer.status_code == 200, answer.text
    events = await world.sql(
        "SELECT entity_type, entity_id, occurred_at FROM audit_event"
        " WHERE actor_id = :a AND action = 'read' AND occurred_at < now() - interval '1 day'"
        " ORDER BY entity_type",
        a=world.worker.id,
    )
    assert [(e[0], e[1]) for e in events] == [("survivor", survivor), ("survivor_case", case)]
    assert {e[2] for e in events} == {read_at}

    future = await world.client.post(
        PUSH,
        json={
            "reads": [
                {
                    "entity": "case",
                    "id": str(case),
                    "read_at": (clock.now() + timedelta(days=1)).isoformat(),
                }
            ]
        },
        headers=world.worker.headers,
    )
    assert future.status_code == 400


# -- who may sync ---------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.partner_staff, Role.analyst, Role.auditor])
async def test_only_field_workers_sync(world: World, role: Role) -> None:
    outsider = await world.factory.user(world.org, role, districts=(SOUTH_24,))
    assert (await world.client.get(PULL, headers=outsider.headers)).status_code == 403
    pushed = await world.client.post(PUSH, json={"mutations": []}, headers=outsider.headers)
    assert pushed.status_code == 403
    assert (await world.client.get(CONFLICTS, headers=outsider.headers)).status_code == 403


async def test_integration_clients_never_sync(world: World) -> None:
    await world.survivor_with_case(world.worker)
    machine = await world.factory.integration_client(
        world.org,
        Role.program_manager,
        ["sync:pull", "sync:push", "sync:conflicts"],
        unchecked=True,
    )
    answer = await world.client.get(PULL, headers=machine.headers)
    assert answer.status_code == 403
    assert "changes" not in answer.text
    pushed = await world.client.post(PUSH, json={"mutations": []}, headers=machine.headers)
    assert pushed.status_code == 403
    assert (await world.client.get(CONFLICTS, headers=machine.headers)).status_code == 403


async def test_a_cursor_that_is_not_one_is_400(world: World) -> None:
    answer = await world.client.get(
        PULL, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=world.worker.headers
    )
    assert answer.status_code == 400


async def test_goals_and_consents_go_through_their_own_rules_offline(world: World) -> None:
    survivor, case = await world.survivor_with_case(world.worker)
    goal = uuid.uuid4()
    consent = uuid.uuid4()
    batch = {
        "mutations": [
            mutation(
                "care_plan_goal",
                "create",
                goal,
                {
                    "case_id": str(case),
                    "component": "livelihood",
                    "goal": "Learn tailoring and earn from it.",
                    "responsible": "survivor",
                },
            ),
            mutation(
                "consent",
                "create",
                consent,
                {
                    "survivor_id": str(survivor),
                    "purpose": "case_management",
                    "method": "written",
                    "language": "bn",
                },
            ),
            # Deleting a note offline is not a thing: notes are corrected, never removed.
            mutation("case_note", "delete", uuid.uuid4(), {}),
        ]
    }
    answer = await world.client.post(PUSH, json=batch, headers=world.worker.headers)
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "rejected"], results
    assert results[2]["problem"]["status"] == 409

    # Her goal moves on offline while her manager rewords it: both apply (different fields).
    reworded = await world.client.patch(
        f"/api/v1/cases/{case}/care-plan/goals/{goal}",
        json={"goal": "Learn tailoring and sell in the haat."},
        headers={**world.manager.headers, "If-Match": '"v1"'},
    )
    assert reworded.status_code == 200, reworded.text
    moved = mutation("care_plan_goal", "update", goal, {"status": "in_progress"}, base_version=1)
    answer = await world.client.post(
        PUSH, json={"mutations": [moved]}, headers=world.worker.headers
    )
    (result,) = answer.json()["results"]
    assert (result["status"], result["version"], result["conflicts"]) == ("applied", 3, [])
    changes, _ = await pull_all(world, world.worker)
    pulled = next(c for c in changes if c["id"] == str(goal))
    assert pulled["data"]["goal"] == "Learn tailoring and sell in the haat."
    assert pulled["data"]["status"] == "in_progress"
    assert ("consent", str(consent)) in keys(changes)


async def test_a_restricted_note_reaches_only_those_who_may_read_it(world: World) -> None:
    _, case = await world.survivor_with_case(world.worker)
    _, worker_cursor = await pull_all(world, world.worker)
    restricted = await world.client.post(
        f"/api/v1/cases/{case}/notes",
        json={"body": "Counselling session 3.", "confidentiality": "restricted"},
        headers=world.manager.headers,
    )
    assert restricted.status_code == 201, restricted.text
    note_id = restricted.json()["id"]
    # Not hers to read: neither the note nor a tombstone that would tell her one exists.
    changes, _ = await pull_all(world, world.worker, worker_cursor)
    assert note_id not in {c["id"] for c in changes}
    first, _ = await pull_all(world, world.worker)
    assert note_id not in {c["id"] for c in first}
    managed, _ = await pull_all(world, world.manager)
    assert ("case_note", note_id) in keys(managed, "upsert")


async def test_a_visit_recorded_offline_is_applied_as_done(world: World) -> None:
    _, case = await world.survivor_with_case(world.worker)
    done_at = (clock.now() - timedelta(days=1)).isoformat()
    visit = mutation(
        "case_visit",
        "create",
        uuid.uuid4(),
        {
            "case_id": str(case),
            "kind": "home",
            "status": "done",
            "done_at": done_at,
            "findings": "Safe at home.",
        },
    )
    answer = await world.client.post(
        PUSH, json={"mutations": [visit]}, headers=world.worker.headers
    )
    (result,) = answer.json()["results"]
    assert (result["status"], result["version"]) == ("applied", 1), result
    read = await world.client.get(
        f"/api/v1/cases/{case}/visits/{visit['entity_id']}", headers=world.worker.headers
    )
    assert (read.json()["status"], read.json()["findings"]) == ("done", "Safe at home.")
