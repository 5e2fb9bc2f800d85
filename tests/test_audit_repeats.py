"""Audit events that repeat are counted, not appended each time: ids an authenticated caller
asks for that are not found (outside her scope, or nowhere) are one event per caller and window
with a count, through FastAPI and the fast lane alike; concurrent repeats stay one event; each
window starts a new one. (Failed and throttled sign-ins: tests/test_auth.py.)"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from domain.audit.repeats import RepeatedEvents
from domain.common.principal import Role
from domain.common.settings import Settings
from persistence.database import Database
from persistence.repositories.audit_tally import AuditTallyRepository
from persistence.uow import UnitOfWork
from tests.factories import SOUTH_24, Actor, CaseFactory, Factory

API = "/api/v1"


async def not_found_events(connection: AsyncConnection, actor: UUID) -> list[dict[str, Any]]:
    result = await connection.execute(
        sa.text(
            "SELECT e.*, t.repeat_count, t.key FROM audit_event e "
            "LEFT JOIN audit_tally t ON t.event_id = e.id "
            "WHERE e.action = 'not_found' AND e.actor_id = :actor ORDER BY e.seq"
        ),
        {"actor": actor},
    )
    return [dict(row) for row in result.mappings().all()]


async def test_walking_ids_outside_scope_is_one_counted_event(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    ours, theirs = await factory.organization(), await factory.organization()
    worker = await factory.user(ours, Role.social_worker, districts=(SOUTH_24,))
    cases = CaseFactory(factory)
    own_case = await cases.case(ours, await cases.survivor(ours), assigned_worker_id=worker.id)
    foreign_survivor = await cases.survivor(theirs)
    foreign_case = await cases.case(theirs, foreign_survivor)

    probes = [
        # the fast lane (GET /cases/{id}) and FastAPI routes, reads and a write
        *(f"{API}/cases/{uuid.uuid4()}" for _ in range(10)),
        f"{API}/cases/{foreign_case}",
        *(f"{API}/survivors/{uuid.uuid4()}" for _ in range(10)),
        f"{API}/survivors/{foreign_survivor}",
    ]
    for url in probes:
        assert (await client.get(url, headers=worker.headers)).status_code == 404
    moved = await client.post(
        f"{API}/cases/{foreign_case}/transitions",
        json={"to": "monitoring", "reason": "probing"},
        headers={**worker.headers, "If-Match": '"v1"'},
    )
    assert moved.status_code == 404, moved.text

    (probe,) = await not_found_events(connection, worker.id)
    assert probe["repeat_count"] == len(probes) + 1
    assert (probe["outcome"], probe["entity_type"], probe["entity_id"]) == (
        "denied",
        "record",
        None,
    )
    assert probe["organization_id"] == ours  # her organisation's auditor sees it
    assert probe["key"].startswith("caller:")
    assert str(worker.id) not in probe["key"]

    # What the auditor reads.
    admin = await factory.platform_admin()
    listed = await client.get(
        f"{API}/audit-events",
        params={"action": "not_found", "actor_id": str(worker.id)},
        headers=admin.headers,
    )
    assert listed.status_code == 200, listed.text
    assert [e["repeat_count"] for e in listed.json()["items"]] == [len(probes) + 1]

    # Her own case reads as always and adds nothing.
    tallies = (await connection.execute(sa.text("SELECT count(*) FROM audit_tally"))).scalar()
    assert (await client.get(f"{API}/cases/{own_case}", headers=worker.headers)).status_code == 200
    after = (await connection.execute(sa.text("SELECT count(*) FROM audit_tally"))).scalar()
    assert after == tallies
    (probe,) = await not_found_events(connection, worker.id)
    assert probe["repeat_count"] == len(probes) + 1


async def test_each_caller_is_counted_apart(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    organization = await factory.organization()
    first, second = [await factory.user(organization, Role.program_manager) for _ in range(2)]
    for caller, times in ((first, 3), (second, 2)):
        for _ in range(times):
            answer = await client.get(f"{API}/cases/{uuid.uuid4()}", headers=caller.headers)
            assert answer.status_code == 404
    assert [e["repeat_count"] for e in await not_found_events(connection, first.id)] == [3]
    assert [e["repeat_count"] for e in await not_found_events(connection, second.id)] == [2]


async def test_concurrent_probes_are_one_event(settings: Settings, committed_db: Database) -> None:
    app = create_app(settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    manager: Actor = await factory.user(await factory.organization(), Role.program_manager)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answers = await asyncio.gather(
            *(
                client.get(f"{API}/survivors/{uuid.uuid4()}", headers=manager.headers)
                for _ in range(8)
            )
        )
    assert {answer.status_code for answer in answers} == {404}
    async with committed_db.engine.connect() as connection:
        events = await not_found_events(connection, manager.id)
    assert [e["repeat_count"] for e in events] == [8]


def test_windows_are_fixed_and_aligned() -> None:
    repeats = RepeatedEvents(900, lambda kind, value: f"{kind}:{value}")
    start = repeats.window_start(datetime(2026, 12, 7, 9, 14, 59, tzinfo=UTC))
    assert start == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert repeats.window_start(start) == start
    assert repeats.window_start(start + timedelta(minutes=15)) == start + timedelta(minutes=15)


async def test_a_new_window_starts_a_new_event(database: Database) -> None:
    window = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    later = window + timedelta(minutes=15)
    ids = [uuid.uuid4() for _ in range(4)]
    async with UnitOfWork(database) as uow:
        tallies = AuditTallyRepository(uow)
        firsts = [
            await tallies.count("login_failed", "failed:account:x", window, ids[0], window),
            await tallies.count("login_failed", "failed:account:x", window, ids[1], window),
            await tallies.count("login_failed", "failed:account:x", later, ids[2], later),
            await tallies.count("not_found", "failed:account:x", later, ids[3], later),
        ]
    assert firsts == [True, False, True, True]
