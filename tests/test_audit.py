"""The audit trail: every write and sensitive read leaves an event in the same transaction,
denials are kept, events hold no data, the 64 hash chains (one per unit of work, chosen at
random) detect tampering within each chain, the digest computed in PostgreSQL is the one
Python recomputes, the application's role cannot rewrite history, concurrent appends keep
every chain whole, and the listing is scoped, filtered, paginated and itself audited."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from domain.audit.service import AuditService, seal_unkeyed_chains
from domain.audit.trail import event as audit_event
from domain.audit.trail import record
from domain.common.principal import SYSTEM_PRINCIPAL_ID, Role, system_principal
from domain.common.settings import Settings
from domain.identity.keys import audit_keys_from_settings
from persistence.audit_chain import (
    AUDIT_CHAINS,
    GENESIS_HASH,
    AuditKeys,
    AuditRecord,
    canonical,
    chain_hash,
    digest,
    field_texts,
    pick_chain,
)
from persistence.crypto import decode_key
from persistence.database import Database
from persistence.models.enums import ActorType, AuditAction, AuditOutcome
from persistence.repositories.audit_events import AuditEventRepository
from persistence.uow import UnitOfWork
from tests.factories import Actor, Factory

API = "/api/v1"
AUDIT = f"{API}/audit-events"
VERIFY = f"{AUDIT}/verify"
AUDIT_COLUMNS = {
    "seq",
    "chain",
    "chain_seq",
    "id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "organization_id",
    "action",
    "entity_type",
    "entity_id",
    "request_id",
    "caller_request_id",
    "outcome",
    "hash",
    "kid",
    "device_id",
}
# The columns that place an event rather than describe it (not in its digest).
PLACEMENT = {"seq", "chain", "chain_seq", "hash"}
# The chain the tampering tests fill with events of their own, then tamper with.
TAMPERED = 7


# -- helpers ------------------------------------------------------------------------------


async def audit_rows(connection: AsyncConnection, **where: Any) -> list[dict[str, Any]]:
    """Audit events in chain order, optionally filtered by column equality."""
    clauses = " AND ".join(f"{column} = :{column}" for column in where)
    sql = "SELECT * FROM audit_event" + (f" WHERE {clauses}" if clauses else "") + " ORDER BY seq"
    result = await connection.execute(sa.text(sql), where)
    return [dict(row) for row in result.mappings().all()]


async def chain_rows(connection: AsyncConnection, chain: int) -> list[dict[str, Any]]:
    """The events of one chain, in chain order."""
    result = await connection.execute(
        sa.text("SELECT * FROM audit_event WHERE chain = :chain ORDER BY chain_seq"),
        {"chain": chain},
    )
    return [dict(row) for row in result.mappings().all()]


async def chain_heads(connection: AsyncConnection) -> dict[int, tuple[int, bytes]]:
    """Each chain's head: its last position and hash."""
    result = await connection.execute(
        sa.text("SELECT id, last_seq, last_hash FROM audit_chain_head ORDER BY id")
    )
    return {row[0]: (row[1], bytes(row[2])) for row in result}


async def as_superuser(connection: AsyncConnection, *statements: str) -> None:
    """Run ``statements`` as the login superuser with triggers off (deliberate tampering),
    then return to the application's role."""
    login = (await connection.execute(sa.text("SELECT session_user"))).scalar_one()
    await connection.execute(sa.text(f'SET ROLE "{login}"'))
    await connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
    for statement in statements:
        await connection.execute(sa.text(statement))
    await connection.execute(sa.text("SET LOCAL session_replication_role = origin"))
    await connection.execute(sa.text("RESET ROLE"))
    assert (await connection.execute(sa.text("SELECT current_user"))).scalar_one() == "shakti_app"


def as_record(row: dict[str, Any]) -> AuditRecord:
    return AuditRecord(
        id=row["id"],
        occurred_at=row["occurred_at"],
        actor_type=row["actor_type"],
        actor_id=row["actor_id"],
        organization_id=row["organization_id"],
        action=row["action"],
        entity_type=row["entity_type"],
        entity_id=row["entity_id"],
        request_id=row["request_id"],
        outcome=row["outcome"],
        caller_request_id=row["caller_request_id"],
        device_id=row.get("device_id"),
    )


def audit_key_bytes(settings: Settings) -> dict[str, bytes]:
    """The raw audit keys of the test settings, by kid."""
    return {kid: decode_key(key.get_secret_value()) for kid, key in settings.audit_keys.items()}


def keyed_step(key: bytes, previous: bytes, row: dict[str, Any]) -> bytes:
    """The chain step of a keyed event, recomputed here from first principles (RFC 2104)."""
    document = canonical(as_record(row), row["kid"])
    message = previous + hashlib.sha256(document).digest()
    return hmac.new(key, message, hashlib.sha256).digest()


@pytest.fixture
def keys(settings: Settings) -> dict[str, bytes]:
    return audit_key_bytes(settings)


def by_chain(rows: Sequence[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    chains: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(rows, key=lambda row: (row["chain"], row["chain_seq"])):
        chains[row["chain"]].append(row)
    return dict(chains)


def assert_chained(
    rows: Sequence[dict[str, Any]],
    heads: dict[int, tuple[int, bytes]] | None = None,
    *,
    keys: dict[str, bytes],
) -> None:
    """In every chain: positions 1..n without gaps, listing order (seq) agreeing with chain
    order, and every stored hash the keyed chain step (HMAC-SHA256 under the event's kid) from
    its predecessor, recomputed here from the event's fields. With ``heads`` (all of them):
    each names its chain's last event, and the chains without events are still at the
    genesis."""
    chains = by_chain(rows)
    for chain, events in chains.items():
        assert 1 <= chain <= AUDIT_CHAINS
        assert [row["chain_seq"] for row in events] == list(range(1, len(events) + 1)), chain
        seqs = [row["seq"] for row in events]
        assert seqs == sorted(seqs), f"listing order of chain {chain}"
        previous = GENESIS_HASH
        for row in events:
            expected = keyed_step(keys[row["kid"]], previous, row)
            assert bytes(row["hash"]) == expected, (chain, row["chain_seq"])
            previous = bytes(row["hash"])
    if heads is not None:
        assert sorted(heads) == list(range(1, AUDIT_CHAINS + 1))
        for chain, head in heads.items():
            events = chains.get(chain, [])
            last = (len(events), bytes(events[-1]["hash"])) if events else (0, GENESIS_HASH)
            assert head == last, f"head of chain {chain}"


def statuses(rows: Sequence[dict[str, Any]]) -> list[dict[str, int]]:
    """What verification reports for intact chains holding ``rows``."""
    counts = Counter(row["chain"] for row in rows)
    return [
        {
            "chain": c,
            "events": counts[c],
            "last_position": counts[c],
            "head_position": counts[c],
            "legacy_events": 0,
        }
        for c in range(1, AUDIT_CHAINS + 1)
    ]


def status_of(result: dict[str, Any], chain: int) -> dict[str, int]:
    (status,) = [s for s in result["chains"] if s["chain"] == chain]
    return status


def problem(position: int, kind: str, chain: int = TAMPERED) -> dict[str, Any]:
    return {"chain": chain, "position": position, "kind": kind}


async def fill_chain(database: Database, chain: int, events: int, per_unit: int = 2) -> None:
    """Append ``events`` events to ``chain``, ``per_unit`` per unit of work."""
    system = system_principal()
    for first in range(0, events, per_unit):
        async with UnitOfWork(database) as uow:
            uow.audit_chain = chain
            for _ in range(min(per_unit, events - first)):
                record(uow, system, AuditAction.update, "organization", uuid.uuid4())


async def verify(client: httpx.AsyncClient, admin: Actor) -> dict[str, Any]:
    response = await client.get(VERIFY, headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def some_activity(client: httpx.AsyncClient, factory: Factory, admin: Actor) -> None:
    """A handful of audited requests: creates, a read, a search."""
    for n in range(3):
        created = await client.post(
            f"{API}/organizations",
            json={"name": f"Activity Org {n} {uuid.uuid4().hex[:6]}", "kind": "partner_ngo"},
            headers=admin.headers,
        )
        assert created.status_code == 201, created.text
    organization = await factory.organization()
    user = await factory.user(organization, Role.social_worker)
    assert (await client.get(f"{API}/users/{user.id}", headers=admin.headers)).status_code == 200
    assert (await client.get(f"{API}/users", headers=admin.headers)).status_code == 200


async def activity_and_a_full_chain(
    client: httpx.AsyncClient, factory: Factory, database: Database, connection: AsyncConnection
) -> tuple[Actor, list[dict[str, Any]]]:
    """8 events at the start of the chain TAMPERED (actions "update"), then ordinary activity
    (in chains chosen at random), all verified intact; returns a platform admin and the events
    of TAMPERED."""
    await fill_chain(database, TAMPERED, 8)
    admin = await factory.platform_admin()
    await some_activity(client, factory, admin)
    assert (await verify(client, admin))["ok"] is True
    rows = await chain_rows(connection, TAMPERED)
    assert len(rows) >= 8
    return admin, rows


async def list_events(
    client: httpx.AsyncClient, actor: Actor, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(AUDIT, params={"limit": 200, **params}, headers=actor.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def cursor_of(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# -- 1. every write and sensitive read is audited in its own transaction ----------------------


async def test_audit_event_table_holds_no_data_columns(connection: AsyncConnection) -> None:
    columns = await connection.execute(
        sa.text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'audit_event'"
        )
    )
    assert {row[0] for row in columns} == AUDIT_COLUMNS


async def test_creating_an_organization_writes_a_create_event(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    admin = await factory.platform_admin()
    name = f"Sundarban Mahila Samiti {uuid.uuid4().hex[:6]}"

    response = await client.post(
        f"{API}/organizations",
        json={"name": name, "kind": "partner_ngo"},
        headers={**admin.headers, "X-Request-ID": "req-create-org-0001"},
    )

    assert response.status_code == 201, response.text
    organization_id = UUID(response.json()["id"])
    events = await audit_rows(connection, caller_request_id="req-create-org-0001")
    assert len(events) == 1
    event = events[0]
    assert event["action"] == "create"
    assert event["outcome"] == "success"
    assert event["entity_type"] == "organization"
    assert event["entity_id"] == organization_id
    assert event["organization_id"] == organization_id
    assert event["actor_type"] == "user"
    assert event["actor_id"] == admin.id
    # The event and the organisation are in the same database transaction: both exist.
    stored = await connection.execute(
        sa.text("SELECT count(*) FROM organization WHERE id = :id"), {"id": organization_id}
    )
    assert stored.scalar_one() == 1
    every_row = await connection.execute(sa.text("SELECT a::text FROM audit_event a"))
    assert all(name not in text for (text,) in every_row)


async def test_creating_a_user_writes_a_create_event_without_her_data(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    email = f"rupa.{uuid.uuid4().hex[:8]}@example.org"
    full_name = f"Rupa Das {uuid.uuid4().hex[:6]}"

    response = await client.post(
        f"{API}/users",
        json={
            "email": email,
            "full_name": full_name,
            "role": "social_worker",
            "organization_id": str(organization),
            "password": "a long passphrase of words",
        },
        headers={**admin.headers, "X-Request-ID": "req-create-user-0001"},
    )

    assert response.status_code == 201, response.text
    user_id = UUID(response.json()["id"])
    (event,) = await audit_rows(connection, caller_request_id="req-create-user-0001")
    assert (event["action"], event["entity_type"], event["entity_id"]) == (
        "create",
        "user",
        user_id,
    )
    assert event["organization_id"] == organization
    assert (event["actor_type"], event["actor_id"]) == ("user", admin.id)
    assert event["outcome"] == "success"
    every_row = await connection.execute(sa.text("SELECT a::text FROM audit_event a"))
    texts = [text for (text,) in every_row]
    assert texts
    for secret in (email, full_name, "Rupa Das", "a long passphrase"):
        assert all(secret not in text for text in texts), secret


async def test_a_failed_write_leaves_no_create_event(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    admin = await factory.platform_admin()
    name = f"Duplicate Name {uuid.uuid4().hex[:6]}"
    first = await client.post(
        f"{API}/organizations", json={"name": name, "kind": "partner_ngo"}, headers=admin.headers
    )
    assert first.status_code == 201, first.text

    again = await client.post(
        f"{API}/organizations",
        json={"name": name, "kind": "partner_ngo"},
        headers={**admin.headers, "X-Request-ID": "req-duplicate-0001"},
    )

    assert again.status_code == 409, again.text
    assert await audit_rows(connection, caller_request_id="req-duplicate-0001") == []
    creates = await audit_rows(connection, action="create", entity_type="organization")
    assert [e["entity_id"] for e in creates if e["actor_id"] == admin.id] == [
        UUID(first.json()["id"])
    ]


async def test_a_failed_user_create_leaves_no_create_event(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    existing = await factory.user(organization, Role.social_worker)
    before = await audit_rows(connection, action="create", entity_type="user")

    response = await client.post(
        f"{API}/users",
        json={
            "email": existing.email,
            "full_name": "Someone Else",
            "role": "social_worker",
            "organization_id": str(organization),
            "password": "a long passphrase of words",
        },
        headers={**admin.headers, "X-Request-ID": "req-dup-user-0001"},
    )

    assert response.status_code == 409, response.text
    assert await audit_rows(connection, action="create", entity_type="user") == before
    assert await audit_rows(connection, caller_request_id="req-dup-user-0001") == []
    users = await connection.execute(
        sa.text("SELECT count(*) FROM app_user WHERE email = :email"), {"email": existing.email}
    )
    assert users.scalar_one() == 1


async def test_reading_a_user_writes_a_read_event_and_listing_a_search_event(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker)

    read = await client.get(
        f"{API}/users/{worker.id}", headers={**admin.headers, "X-Request-ID": "req-read-user-01"}
    )
    listed = await client.get(
        f"{API}/users", headers={**admin.headers, "X-Request-ID": "req-list-users-01"}
    )

    assert read.status_code == 200, read.text
    assert listed.status_code == 200, listed.text
    (read_event,) = await audit_rows(connection, caller_request_id="req-read-user-01")
    assert read_event["action"] == "read"
    assert (read_event["entity_type"], read_event["entity_id"]) == ("user", worker.id)
    assert read_event["organization_id"] == organization
    assert read_event["actor_id"] == admin.id
    (search_event,) = await audit_rows(connection, caller_request_id="req-list-users-01")
    assert search_event["action"] == "search"
    assert (search_event["entity_type"], search_event["entity_id"]) == ("user", None)
    assert search_event["actor_id"] == admin.id


async def test_a_read_that_is_not_found_writes_no_read_event(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    admin = await factory.platform_admin()
    missing = uuid.uuid4()

    response = await client.get(
        f"{API}/users/{missing}", headers={**admin.headers, "X-Request-ID": "req-read-missing"}
    )

    assert response.status_code == 404
    # Nothing was disclosed, so no successful read is on record.
    assert await audit_rows(connection, action="read", entity_id=missing, outcome="success") == []


# -- 2. denials are recorded even though the request fails -----------------------------------


async def test_a_permission_denial_is_recorded_although_the_request_fails(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker)

    response = await client.post(
        f"{API}/organizations",
        json={"name": f"Not Allowed {uuid.uuid4().hex[:6]}", "kind": "partner_ngo"},
        headers={**worker.headers, "X-Request-ID": "req-denied-0001"},
    )

    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    (event,) = await audit_rows(connection, caller_request_id="req-denied-0001")
    assert event["action"] == "permission_denied"
    assert event["outcome"] == "denied"
    assert (event["actor_type"], event["actor_id"]) == ("user", worker.id)
    assert event["organization_id"] == organization
    assert await audit_rows(connection, action="create", actor_id=worker.id) == []


async def test_a_denial_inside_the_service_is_recorded_and_the_write_undone(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    """A program manager may create users, but not auditors: the domain denies mid-request."""
    organization = await factory.organization()
    manager = await factory.user(organization, Role.program_manager)
    email = f"would.be.auditor.{uuid.uuid4().hex[:6]}@example.org"

    response = await client.post(
        f"{API}/users",
        json={
            "email": email,
            "full_name": "Would Be Auditor",
            "role": "auditor",
            "password": "a long passphrase of words",
        },
        headers={**manager.headers, "X-Request-ID": "req-denied-0002"},
    )

    assert response.status_code == 403, response.text
    (event,) = await audit_rows(connection, caller_request_id="req-denied-0002")
    assert (event["action"], event["outcome"]) == ("permission_denied", "denied")
    assert (event["entity_type"], event["actor_id"]) == ("user", manager.id)
    users = await connection.execute(
        sa.text("SELECT count(*) FROM app_user WHERE email = :email"), {"email": email}
    )
    assert users.scalar_one() == 0


async def test_durable_events_survive_a_rollback_and_ordinary_ones_do_not(
    database: Database, connection: AsyncConnection, keys: dict[str, bytes]
) -> None:
    system = system_principal()
    kept, also_kept, dropped = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    chain = 0

    async def failing_work() -> None:
        nonlocal chain
        async with UnitOfWork(database) as uow:
            chain = uow.audit_chain
            record(uow, system, AuditAction.update, "organization", dropped)
            record(uow, system, AuditAction.permission_denied, "organization", kept, durable=True)
            record(uow, system, AuditAction.login_failed, "user", also_kept, durable=True)
            raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError):
        await failing_work()

    assert await audit_rows(connection, entity_id=dropped) == []
    (event,) = await audit_rows(connection, entity_id=kept)
    assert event["action"] == "permission_denied"
    (other,) = await audit_rows(connection, entity_id=also_kept)
    # Both in the unit's chain, one after the other.
    assert (event["chain"], other["chain"]) == (chain, chain)
    assert other["chain_seq"] == event["chain_seq"] + 1
    assert_chained(await audit_rows(connection), await chain_heads(connection), keys=keys)


# -- 3. the chains ------------------------------------------------------------------------


async def test_there_are_64_chains_from_the_genesis(committed_db: Database) -> None:
    assert AUDIT_CHAINS == 64
    assert GENESIS_HASH == hashlib.sha256(b"shakti-mis audit chain genesis").digest()
    async with committed_db.engine.connect() as conn:
        heads = await chain_heads(conn)
    # A freshly migrated database: one head per chain, each at its genesis.
    assert heads == dict.fromkeys(range(1, 65), (0, GENESIS_HASH))
    # A unit of work picks one of them, any of them.
    assert {pick_chain() for _ in range(4000)} == set(range(1, 65))
    assert 1 <= UnitOfWork(committed_db).audit_chain <= 64


async def test_units_of_work_spread_over_the_chains_and_keep_theirs(
    database: Database, connection: AsyncConnection, keys: dict[str, bytes]
) -> None:
    system = system_principal()
    units: dict[str, int] = {}
    for n in range(40):
        async with UnitOfWork(database) as uow:
            units[f"unit-{n}"] = uow.audit_chain
            for _ in range(1 + n % 3):
                record(uow, system, AuditAction.read, f"unit-{n}", uuid.uuid4())

    rows = await audit_rows(connection)
    heads = await chain_heads(connection)
    ours = [row for row in rows if row["entity_type"] in units]
    assert len(ours) == sum(1 + n % 3 for n in range(40))
    assert len({row["chain"] for row in ours}) > 1
    assert len(heads) == AUDIT_CHAINS
    assert_chained(rows, heads, keys=keys)
    for unit, chain in units.items():
        events = [row for row in rows if row["entity_type"] == unit]
        # All in the unit's chain, one after the other, in the order recorded.
        assert {row["chain"] for row in events} == {chain}
        positions = [row["chain_seq"] for row in events]
        assert positions == list(range(positions[0], positions[0] + len(events)))

    async with UnitOfWork(database) as uow:
        result = await AuditService(uow).verify(system)
    assert result.ok, result.problems
    assert result.events_checked == len(rows)
    assert [s.model_dump() for s in result.chains] == statuses(rows)


async def test_verify_is_ok_after_ordinary_activity(
    client: httpx.AsyncClient,
    factory: Factory,
    connection: AsyncConnection,
    keys: dict[str, bytes],
) -> None:
    admin = await factory.platform_admin()
    await some_activity(client, factory, admin)
    rows = await audit_rows(connection)
    heads = await chain_heads(connection)

    result = await verify(client, admin)

    assert result == {
        "ok": True,
        "events_checked": len(rows),
        "chains": statuses(rows),
        "problems": [],
        "checkpoint_taken_at": None,
    }
    assert_chained(rows, heads, keys=keys)
    # Every event is chained under the active audit key.
    assert {row["kid"] for row in rows} == {"test-audit-1"}
    # Verifying is itself audited.
    (event,) = await audit_rows(connection, action="verify")
    assert (event["actor_id"], event["entity_type"]) == (admin.id, "audit_event")


async def test_the_chain_arithmetic_is_reproducible(
    client: httpx.AsyncClient,
    factory: Factory,
    connection: AsyncConnection,
    settings: Settings,
    keys: dict[str, bytes],
) -> None:
    """Every stored hash (computed inside PostgreSQL) is recomputed here from the event's
    fields: the database's digest and persistence.audit_chain.digest() agree on every event,
    written by every path (writes, audited reads and searches, denials)."""
    admin = await factory.platform_admin()
    await some_activity(client, factory, admin)
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker)
    denied = await client.post(
        f"{API}/organizations", json={"name": "No", "kind": "partner_ngo"}, headers=worker.headers
    )
    assert denied.status_code == 403
    rows = await audit_rows(connection)
    assert {"create", "read", "search", "permission_denied"} <= {row["action"] for row in rows}

    audit_keys = audit_keys_from_settings(settings)
    for chain, events in by_chain(rows).items():
        previous = GENESIS_HASH
        for row in events:
            # Every column but the event's place in the trail is covered by the digest, the
            # kid it was chained under included.
            fields = json.loads(canonical(as_record(row), row["kid"]))
            # (The device is digested when there is one: events of before it keep their hash.)
            unset = {"device_id"} if row["device_id"] is None else set()
            assert set(fields) == AUDIT_COLUMNS - PLACEMENT - unset
            assert fields["id"] == str(row["id"])
            assert fields["entity_type"] == row["entity_type"]
            assert fields["kid"] == row["kid"] == "test-audit-1"
            expected = audit_keys.step(row["kid"], previous, digest(as_record(row), row["kid"]))
            assert bytes(row["hash"]) == expected, (chain, row["chain_seq"])
            assert expected == keyed_step(keys[row["kid"]], previous, row)
            # Not the plain SHA-256 chain of before audit keys.
            assert expected != chain_hash(previous, digest(as_record(row), row["kid"]))
            previous = expected
    assert_chained(rows, await chain_heads(connection), keys=keys)


AWKWARD = [
    # Text that JSON must escape, and text beyond ASCII (jsonb writes it unescaped, as UTF-8).
    ('জেলা "quoted" back\\slash', 'req "1" \\ / 🙂'),
    ("tab\tnew\nline\rcr\bbs\fff", "ctl\x01\x1f\x7f end"),
    ("line\u2028sep é ß 中", None),
    ("", ""),
]


def awkward_records() -> list[AuditRecord]:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    records = []
    for n, (entity_type, request_id) in enumerate(AWKWARD):
        records.append(
            AuditRecord(
                id=uuid.uuid4(),
                occurred_at=datetime(2026, 1, 2, 3, 4, 5, n * 250_000, tzinfo=kolkata)
                if n % 2
                else datetime.now(UTC),
                actor_type=ActorType.anonymous if n % 2 else ActorType.system,
                actor_id=None if n % 2 else SYSTEM_PRINCIPAL_ID,
                organization_id=None if n % 2 else uuid.uuid4(),
                action=AuditAction.login_failed,
                entity_type=entity_type,
                entity_id=uuid.uuid4() if n % 2 else None,
                request_id=request_id,
                outcome=AuditOutcome.failure,
                caller_request_id=None if n % 2 else request_id,
            )
        )
    return records


async def test_canonical_is_the_text_of_the_jsonb_object(connection: AsyncConnection) -> None:
    """canonical() reproduces PostgreSQL's text of jsonb_build_object(...) byte for byte, for
    the events of before audit keys and for keyed ones (which also digest kid and the caller's
    request id)."""
    for original in awkward_records():
        for kid in (None, "test-audit-1"):
            texts = field_texts(original, kid)
            assert ("kid" in texts) is (kid is not None)
            pairs = ", ".join(f"'{name}', CAST(:{name} AS text)" for name in texts)
            built = await connection.execute(
                sa.text(
                    f"SELECT convert_to(jsonb_build_object({pairs})::text, 'UTF8'), "
                    f"sha256(convert_to(jsonb_build_object({pairs})::text, 'UTF8'))"
                ),
                texts,
            )
            text_bytes, sql_digest = built.one()
            assert bytes(text_bytes) == canonical(original, kid)
            assert bytes(sql_digest) == digest(original, kid)


async def test_awkward_events_are_chained_as_python_computes(
    database: Database, connection: AsyncConnection, keys: dict[str, bytes]
) -> None:
    records = awkward_records()
    async with UnitOfWork(database) as uow:
        uow.audit_chain = TAMPERED
        for original in records:
            uow.record_audit(original)

    rows = await chain_rows(connection, TAMPERED)
    assert [row["id"] for row in rows] == [original.id for original in records]
    previous = GENESIS_HASH
    for row, original in zip(rows, records, strict=True):
        # The stored event is the recorded one, and its hash is the Python digest chained
        # under the audit key.
        assert as_record(row) == original
        assert row["kid"] == "test-audit-1"
        expected = database.audit_keys.step(  # type: ignore[union-attr]
            "test-audit-1", previous, digest(original, "test-audit-1")
        )
        assert bytes(row["hash"]) == expected
        previous = bytes(row["hash"])
    assert_chained(await audit_rows(connection), await chain_heads(connection), keys=keys)


async def test_an_edited_event_is_reported_as_modified(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
) -> None:
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    target = rows[len(rows) // 2]["chain_seq"]

    await as_superuser(
        connection,
        "UPDATE audit_event SET entity_type = 'tampered' "
        f"WHERE chain = {TAMPERED} AND chain_seq = {target}",
    )
    result = await verify(client, admin)

    assert result["ok"] is False
    assert result["problems"] == [problem(target, "modified")]


async def test_an_edited_hash_is_reported_as_modified(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
) -> None:
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    target = rows[2]["chain_seq"]

    await as_superuser(
        connection,
        "UPDATE audit_event SET hash = sha256(hash) "
        f"WHERE chain = {TAMPERED} AND chain_seq = {target}",
    )
    result = await verify(client, admin)

    assert result["ok"] is False
    # Only the edited event: the next one still chains from its true hash.
    assert result["problems"] == [problem(target, "modified")]


async def test_a_deleted_middle_event_is_reported_as_missing(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
) -> None:
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    total = len(await audit_rows(connection))
    target = rows[len(rows) // 2]["chain_seq"]
    last = rows[-1]["chain_seq"]

    await as_superuser(
        connection, f"DELETE FROM audit_event WHERE chain = {TAMPERED} AND chain_seq = {target}"
    )
    result = await verify(client, admin)

    assert result["ok"] is False
    assert result["events_checked"] == total - 1
    assert status_of(result, TAMPERED) == {
        "chain": TAMPERED,
        "events": len(rows) - 1,
        "last_position": last,
        "head_position": last,
        "legacy_events": 0,
    }
    # The deletion is reported once, as missing; the intact event after it is not "modified".
    assert result["problems"] == [problem(target, "missing")]


async def test_swapped_events_are_reported_as_reordered(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
) -> None:
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    total = len(await audit_rows(connection))
    first, second = rows[2]["chain_seq"], rows[3]["chain_seq"]

    await as_superuser(connection, *swap(first, second))
    result = await verify(client, admin)

    assert result["ok"] is False
    assert result["events_checked"] == total
    assert result["problems"] == [problem(first, "reordered"), problem(second, "reordered")]


def swap(first: int, second: int, chain: int = TAMPERED) -> list[str]:
    """Statements that swap the positions of two events of ``chain``."""
    where = f"WHERE chain = {chain} AND chain_seq ="
    return [
        f"UPDATE audit_event SET chain_seq = -1 {where} {first}",
        f"UPDATE audit_event SET chain_seq = {first} {where} {second}",
        f"UPDATE audit_event SET chain_seq = {second} {where} -1",
    ]


async def test_distant_swapped_events_are_reported_as_reordered(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
) -> None:
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    total = len(await audit_rows(connection))
    first, second = rows[1]["chain_seq"], rows[5]["chain_seq"]

    await as_superuser(connection, *swap(first, second))
    result = await verify(client, admin)

    assert result["ok"] is False
    assert result["events_checked"] == total
    # The moved events only: the intact events after them are where they were chained.
    assert result["problems"] == [problem(first, "reordered"), problem(second, "reordered")]


async def test_deleted_first_and_consecutive_events_are_reported_as_missing(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
) -> None:
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    total = len(await audit_rows(connection))
    first, middle = rows[0]["chain_seq"], rows[4]["chain_seq"]

    await as_superuser(
        connection,
        f"DELETE FROM audit_event WHERE chain = {TAMPERED} AND chain_seq = {first}",
        f"DELETE FROM audit_event WHERE chain = {TAMPERED} "
        f"AND chain_seq IN ({middle}, {middle + 1})",
    )
    result = await verify(client, admin)

    assert result["ok"] is False
    assert result["events_checked"] == total - 3
    assert result["problems"] == [
        problem(first, "missing"),
        problem(middle, "missing"),
        problem(middle + 1, "missing"),
    ]


async def test_an_event_moved_to_the_front_is_reported_as_reordered(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
) -> None:
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    first, later = rows[0]["chain_seq"], rows[3]["chain_seq"]

    await as_superuser(connection, *swap(first, later))
    result = await verify(client, admin)

    assert result["problems"] == [problem(first, "reordered"), problem(later, "reordered")]


async def test_a_deleted_last_event_is_reported_as_head_mismatch(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
) -> None:
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    total = len(await audit_rows(connection))
    last = rows[-1]["chain_seq"]

    await as_superuser(
        connection, f"DELETE FROM audit_event WHERE chain = {TAMPERED} AND chain_seq = {last}"
    )
    result = await verify(client, admin)

    assert result["ok"] is False
    assert result["events_checked"] == total - 1
    assert status_of(result, TAMPERED) == {
        "chain": TAMPERED,
        "events": len(rows) - 1,
        "last_position": last - 1,
        "head_position": last,
        "legacy_events": 0,
    }
    assert result["problems"] == [problem(last, "head_mismatch")]


async def test_a_rewritten_tail_with_a_stale_head_is_reported(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
    keys: dict[str, bytes],
) -> None:
    """Editing the last event and recomputing its hash, even under the audit key (someone
    holding it), leaves the head disagreeing."""
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    last = rows[-1]
    forged = {**last, "entity_type": "forged"}
    forged_hash = keyed_step(keys[last["kid"]], bytes(rows[-2]["hash"]), forged)

    await as_superuser(
        connection,
        f"UPDATE audit_event SET entity_type = 'forged', hash = '\\x{forged_hash.hex()}' "
        f"WHERE chain = {TAMPERED} AND chain_seq = {last['chain_seq']}",
    )
    result = await verify(client, admin)

    assert result["ok"] is False
    assert result["problems"] == [problem(last["chain_seq"], "head_mismatch")]


async def test_an_event_moved_to_another_chain_is_reported_in_both(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The digest does not name the chain, but the move breaks both chains' links."""
    other = TAMPERED + 1
    # The verification's own event goes to a chain the test leaves alone: on ``other``, whose
    # head no longer matches its last row, the append would meet the moved event's position
    # (1 run in 64 failed so).
    monkeypatch.setattr("persistence.uow.pick_chain", lambda: TAMPERED + 2)
    await fill_chain(database, other, 3)
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    last = rows[-1]["chain_seq"]
    other_last = len(await chain_rows(connection, other))

    await as_superuser(
        connection,
        f"UPDATE audit_event SET chain = {other}, chain_seq = {other_last + 1} "
        f"WHERE chain = {TAMPERED} AND chain_seq = {last}",
    )
    result = await verify(client, admin)

    assert result["ok"] is False
    assert result["problems"] == [
        problem(last, "head_mismatch"),
        problem(other_last + 1, "modified", chain=other),
        problem(other_last, "head_mismatch", chain=other),
    ]


async def test_a_head_set_back_is_reported_and_cannot_fork(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
) -> None:
    """Only the append function writes the heads (the application role cannot: see below);
    a head set back by a superuser shows, and the chain cannot grow a second event at a
    position it already has."""
    _, rows = await activity_and_a_full_chain(client, factory, database, connection)
    last = rows[-1]["chain_seq"]
    await as_superuser(
        connection,
        f"UPDATE audit_chain_head SET last_seq = {last - 1}, "
        f"last_hash = '\\x{bytes(rows[-2]['hash']).hex()}' WHERE id = {TAMPERED}",
    )

    # Verified in another chain (the verification's own event must not hit the stale head).
    async with UnitOfWork(database) as uow:
        uow.audit_chain = TAMPERED + 1
        result = (await AuditService(uow).verify(system_principal())).model_dump(mode="json")
    assert result["ok"] is False
    assert result["problems"] == [problem(last - 1, "head_mismatch")]

    async def append_one() -> None:
        # In a savepoint of the test's transaction, so that the failure leaves it usable.
        async with connection.begin_nested(), UnitOfWork(database) as uow:
            uow.audit_chain = TAMPERED
            record(uow, system_principal(), AuditAction.update, "organization", uuid.uuid4())

    with pytest.raises(Exception, match="uq_audit_event_chain_chain_seq"):
        await append_one()
    assert await chain_rows(connection, TAMPERED) == rows


async def test_verify_needs_the_audit_role(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker)
    auditor = await factory.user(organization, Role.auditor)

    denied = await client.get(VERIFY, headers={**worker.headers, "X-Request-ID": "req-verify-deny"})
    allowed = await client.get(VERIFY, headers=auditor.headers)

    assert denied.status_code == 403
    (event,) = await audit_rows(connection, caller_request_id="req-verify-deny")
    assert (event["action"], event["outcome"]) == ("permission_denied", "denied")
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["ok"] is True


# -- 4. nobody rewrites history -------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET entity_type = 'rewritten'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
    ],
)
async def test_the_application_role_cannot_rewrite_audit_events(
    factory: Factory, connection: AsyncConnection, statement: str
) -> None:
    await factory.organization()
    before = await audit_rows(connection)
    assert before
    assert (await connection.execute(sa.text("SELECT current_user"))).scalar_one() == "shakti_app"

    with pytest.raises(DBAPIError) as raised:
        async with connection.begin_nested():
            await connection.execute(sa.text(statement))

    assert "permission denied for table audit_event" in str(raised.value)
    assert await audit_rows(connection) == before


async def test_the_application_role_reads_the_trail_and_appends_only_through_the_function(
    connection: AsyncConnection,
) -> None:
    """The app role may read events and heads, and execute audit_append; nothing else. The
    function runs as the tables' owner, with its search_path pinned, and nobody else (PUBLIC)
    may execute it."""
    for table in ("audit_event", "audit_chain_head"):
        rights = await connection.execute(
            sa.text(
                "SELECT p, has_table_privilege('shakti_app', :table, p) FROM unnest(ARRAY"
                "['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) AS p"
            ),
            {"table": table},
        )
        assert dict(rights.all()) == {
            "SELECT": True,
            "INSERT": False,
            "UPDATE": False,
            "DELETE": False,
            "TRUNCATE": False,
            "REFERENCES": False,
            "TRIGGER": False,
        }, table
    function = (
        await connection.execute(
            sa.text(
                "SELECT p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner) AS owner,"
                " pg_get_userbyid(c.relowner) AS table_owner,"
                " has_function_privilege('shakti_app', p.oid, 'EXECUTE') AS app_may,"
                " EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0) AS public_may"
                " FROM pg_proc p, pg_class c"
                " WHERE p.proname = 'audit_append' AND c.relname = 'audit_event'"
            )
        )
    ).one()
    assert function.prosecdef is True
    assert function.proconfig == ["search_path=pg_catalog, pg_temp"]
    assert function.owner == function.table_owner != "shakti_app"
    assert function.app_may is True
    assert function.public_may is False


@pytest.mark.parametrize(
    ("statement", "table"),
    [
        (
            "INSERT INTO audit_event (chain, chain_seq, id, occurred_at, actor_type, action,"
            " entity_type, outcome, hash) VALUES (7, 999999, gen_random_uuid(), now(), 'system',"
            " 'read', 'forged', 'success', sha256('x'))",
            "audit_event",
        ),
        ("UPDATE audit_chain_head SET last_seq = 0 WHERE id = 7", "audit_chain_head"),
        ("SELECT * FROM audit_chain_head WHERE id = 7 FOR UPDATE", "audit_chain_head"),
        ("SELECT * FROM audit_chain_head FOR NO KEY UPDATE", "audit_chain_head"),
        ("SELECT * FROM audit_chain_head WHERE id = 7 FOR SHARE", "audit_chain_head"),
        ("LOCK TABLE audit_chain_head IN SHARE MODE", "audit_chain_head"),
        ("LOCK TABLE audit_event IN SHARE MODE", "audit_event"),
        ("DELETE FROM audit_chain_head WHERE id = 7", "audit_chain_head"),
        (
            "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (65, 0, sha256('x'))",
            "audit_chain_head",
        ),
    ],
)
async def test_the_application_role_cannot_write_the_trail_but_the_api_still_appends(
    client: httpx.AsyncClient,
    factory: Factory,
    connection: AsyncConnection,
    keys: dict[str, bytes],
    statement: str,
    table: str,
) -> None:
    """On the code before the append function, the app role inserted events and updated (and
    locked) the heads itself: any SQL foothold could append forged events or hold a chain."""
    admin = await factory.platform_admin()
    before = await audit_rows(connection)
    heads = await chain_heads(connection)
    assert (await connection.execute(sa.text("SELECT current_user"))).scalar_one() == "shakti_app"

    with pytest.raises(DBAPIError) as raised:
        async with connection.begin_nested():
            await connection.execute(sa.text(statement))

    assert f"permission denied for table {table}" in str(raised.value)
    assert await audit_rows(connection) == before
    assert await chain_heads(connection) == heads
    # The API, which runs as the same role, still appends (through audit_append).
    response = await client.get(f"{API}/users/{admin.id}", headers=admin.headers)
    assert response.status_code == 200, response.text
    (event,) = await audit_rows(connection, request_id=response.headers["x-request-id"])
    assert (event["action"], event["entity_id"], event["kid"]) == ("read", admin.id, "test-audit-1")
    assert_chained(await audit_rows(connection), await chain_heads(connection), keys=keys)


async def test_the_append_function_needs_the_padded_key_and_a_chain(
    connection: AsyncConnection,
) -> None:
    def call(chain: int, ipad: bytes, opad: bytes, kid: str | None) -> Any:
        return sa.text(
            "SELECT audit_append(CAST(:chain AS smallint), :ipad, :opad, :kid, :id, :at,"
            " 'system', NULL, NULL, 'read', 'x', NULL, 'r-1', 'success', NULL)"
        ).bindparams(
            chain=chain,
            ipad=ipad,
            opad=opad,
            kid=kid,
            id=str(uuid.uuid4()),
            at=datetime.now(UTC).isoformat(),
        )

    before = await audit_rows(connection)
    for chain, ipad, opad, kid, message in (
        (7, b"\x36" * 32, b"\x5c" * 64, "k", "padded audit key"),
        (7, b"\x36" * 64, b"", "k", "padded audit key"),
        (7, b"\x36" * 64, b"\x5c" * 64, None, "padded audit key"),
        (99, b"\x36" * 64, b"\x5c" * 64, "k", "no audit chain 99"),
    ):
        with pytest.raises(DBAPIError, match=message):
            async with connection.begin_nested():
                await connection.execute(call(chain, ipad, opad, kid))
    assert await audit_rows(connection) == before


async def test_an_event_appended_without_the_key_is_reported(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
) -> None:
    """A SQL foothold as the app role may call audit_append, but without the audit key its
    event cannot chain: verification reports it."""
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    forged_pads = os.urandom(64), os.urandom(64)
    await connection.execute(
        sa.text(
            "SELECT audit_append(CAST(:chain AS smallint), :ipad, :opad, 'test-audit-1', :id,"
            " :at, 'system', NULL, NULL, 'read', 'forged', NULL, NULL, 'success', NULL)"
        ),
        {
            "chain": TAMPERED,
            "ipad": forged_pads[0],
            "opad": forged_pads[1],
            "id": str(uuid.uuid4()),
            "at": datetime.now(UTC).isoformat(),
        },
    )

    result = await verify(client, admin)

    assert result["ok"] is False
    assert result["problems"] == [problem(rows[-1]["chain_seq"] + 1, "modified")]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET entity_type = 'rewritten'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
    ],
)
async def test_even_a_superuser_is_stopped_by_the_trigger(
    factory: Factory, connection: AsyncConnection, statement: str
) -> None:
    await factory.organization()
    before = await audit_rows(connection)
    login = (await connection.execute(sa.text("SELECT session_user"))).scalar_one()
    await connection.execute(sa.text(f'SET ROLE "{login}"'))
    assert (
        await connection.execute(
            sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        )
    ).scalar_one() is True

    with pytest.raises(DBAPIError) as raised:
        async with connection.begin_nested():
            await connection.execute(sa.text(statement))

    assert "audit_event is append-only" in str(raised.value)
    await connection.execute(sa.text("RESET ROLE"))
    assert await audit_rows(connection) == before


async def test_a_superuser_who_disables_the_trigger_can_edit_and_verify_sees_it(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
) -> None:
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    first = rows[0]

    await as_superuser(
        connection,
        f"UPDATE audit_event SET action = 'read' WHERE chain = {TAMPERED} AND chain_seq = 1",
    )

    assert first["action"] == "update"
    assert (await chain_rows(connection, TAMPERED))[0]["action"] == "read"
    result = await verify(client, admin)
    assert result["problems"] == [problem(1, "modified")]


# -- 5. concurrent appends ------------------------------------------------------------------


async def committed_trail(database: Database) -> tuple[list[dict[str, Any]], dict[int, Any]]:
    async with database.engine.connect() as conn:
        return await audit_rows(conn), await chain_heads(conn)


async def test_concurrent_appends_keep_every_chain_intact(
    committed_db: Database, keys: dict[str, bytes]
) -> None:
    """Concurrent units of work, half of them on one chain (so that they queue for its head),
    the others wherever they fall: every chain stays gap-free and verifies."""
    system = system_principal()
    writers, crowded = 32, 5
    start = asyncio.Event()
    entity_ids = [uuid.uuid4() for _ in range(writers)]

    async def append(n: int, entity_id: UUID) -> None:
        await start.wait()
        async with UnitOfWork(committed_db) as uow:
            if n % 2 == 0:
                uow.audit_chain = crowded
            # Hold a transaction open first, so that the appends really overlap.
            await uow.session.execute(sa.text("SELECT 1"))
            record(uow, system, AuditAction.update, "organization", entity_id)

    tasks = [asyncio.create_task(append(n, e)) for n, e in enumerate(entity_ids)]
    await asyncio.sleep(0)
    start.set()
    await asyncio.gather(*tasks)

    rows, heads = await committed_trail(committed_db)
    assert len(rows) == writers
    assert {row["entity_id"] for row in rows} == set(entity_ids)
    assert all(row["actor_id"] == SYSTEM_PRINCIPAL_ID for row in rows)
    assert sum(row["chain"] == crowded for row in rows) >= writers // 2
    assert_chained(rows, heads, keys=keys)

    async with UnitOfWork(committed_db) as uow:
        result = await AuditService(uow).verify(system)
    assert result.ok, result.problems
    assert result.events_checked == writers
    assert [s.model_dump() for s in result.chains] == statuses(rows)


async def test_concurrent_appends_with_several_events_each(
    committed_db: Database, keys: dict[str, bytes]
) -> None:
    """Units of work of several events, some rolled back after appending (as an audited read
    appends before the work ends): no gap in any chain, and each unit's events stand together
    in its chain."""
    system = system_principal()
    writers, per_writer = 12, 3
    start = asyncio.Event()

    async def append(n: int) -> None:
        await start.wait()
        async with UnitOfWork(committed_db) as uow:
            uow.audit_chain = 1 + n % 3
            await uow.session.execute(sa.text("SELECT 1"))
            if n % 4 == 0:
                doomed = [
                    audit_event(system, AuditAction.read, f"writer-{n}", uuid.uuid4())
                    for _ in range(per_writer)
                ]
                await AuditEventRepository(uow).append(doomed, uow.audit_chain)
                await asyncio.sleep(0.01)  # others queue for the chain meanwhile
                raise RuntimeError("this one fails and leaves nothing")
            for _ in range(per_writer):
                record(uow, system, AuditAction.read, f"writer-{n}", uuid.uuid4())

    tasks = [asyncio.create_task(append(n)) for n in range(writers)]
    await asyncio.sleep(0)
    start.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    failed = sum(isinstance(outcome, RuntimeError) for outcome in outcomes)
    assert failed == 3
    assert all(o is None or isinstance(o, RuntimeError) for o in outcomes), outcomes
    rows, heads = await committed_trail(committed_db)
    assert len(rows) == (writers - failed) * per_writer
    assert_chained(rows, heads, keys=keys)
    assert {row["entity_type"] for row in rows} == {
        f"writer-{n}" for n in range(writers) if n % 4 != 0
    }
    # Each unit of work's events are contiguous in its chain (one transaction).
    for n in range(writers):
        if n % 4 == 0:
            continue
        events = [row for row in rows if row["entity_type"] == f"writer-{n}"]
        assert {row["chain"] for row in events} == {1 + n % 3}
        positions = sorted(row["chain_seq"] for row in events)
        assert positions == list(range(positions[0], positions[0] + per_writer)), n


async def test_units_of_work_without_other_statements_keep_their_events_together(
    committed_db: Database, keys: dict[str, bytes]
) -> None:
    """A unit of work whose only statements are its audit events (a request that read
    nothing through the ORM) still appends them in one transaction: together in its chain."""
    system = system_principal()
    writers, per_writer, chain = 10, 4, 2
    start = asyncio.Event()

    async def append(n: int) -> None:
        await start.wait()
        async with UnitOfWork(committed_db) as uow:
            uow.audit_chain = chain
            for _ in range(per_writer):
                record(uow, system, AuditAction.read, f"writer-{n}", uuid.uuid4())

    tasks = [asyncio.create_task(append(n)) for n in range(writers)]
    await asyncio.sleep(0)
    start.set()
    await asyncio.gather(*tasks)

    rows, heads = await committed_trail(committed_db)
    assert len(rows) == writers * per_writer
    assert_chained(rows, heads, keys=keys)
    in_order = [row["entity_type"] for row in by_chain(rows)[chain]]
    blocks = [in_order[i : i + per_writer] for i in range(0, len(in_order), per_writer)]
    assert all(len(set(block)) == 1 for block in blocks), in_order


# -- 6. reading the audit trail -------------------------------------------------------------


async def test_an_auditor_sees_only_her_organizations_events(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    org_a = await factory.organization()
    org_b = await factory.organization()
    auditor = await factory.user(org_a, Role.auditor)
    worker_a = await factory.user(org_a, Role.social_worker)
    worker_b = await factory.user(org_b, Role.social_worker)

    items = await list_events(client, auditor)

    assert items
    assert {item["organization_id"] for item in items} == {str(org_a)}
    entity_ids = {item["entity_id"] for item in items}
    assert str(worker_a.id) in entity_ids
    assert str(worker_b.id) not in entity_ids
    assert await list_events(client, auditor, organization_id=str(org_b)) == []
    assert await list_events(client, auditor, entity_id=str(worker_b.id)) == []
    only_a = await list_events(client, auditor, organization_id=str(org_a))
    assert str(worker_a.id) in {item["entity_id"] for item in only_a}


async def test_a_platform_admin_sees_every_organizations_events(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    org_a = await factory.organization()
    org_b = await factory.organization()
    worker_a = await factory.user(org_a, Role.social_worker)
    worker_b = await factory.user(org_b, Role.social_worker)
    admin = await factory.platform_admin()
    total = len(await audit_rows(connection))

    items = await list_events(client, admin)

    assert len(items) == total
    entity_ids = {item["entity_id"] for item in items}
    assert {str(worker_a.id), str(worker_b.id), str(org_a), str(org_b)} <= entity_ids
    only_b = await list_events(client, admin, organization_id=str(org_b))
    assert only_b
    assert {item["organization_id"] for item in only_b} == {str(org_b)}


@pytest.mark.parametrize(
    "role", [Role.social_worker, Role.program_manager, Role.analyst, Role.survivor_leader]
)
async def test_other_roles_may_not_read_the_audit_trail(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection, role: Role
) -> None:
    organization = await factory.organization()
    caller = await factory.user(organization, role)

    response = await client.get(
        AUDIT, headers={**caller.headers, "X-Request-ID": f"req-audit-{role.value}"[:64]}
    )

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    (event,) = await audit_rows(connection, caller_request_id=f"req-audit-{role.value}"[:64])
    assert (event["action"], event["outcome"]) == ("permission_denied", "denied")
    assert event["actor_id"] == caller.id


async def test_reading_the_audit_trail_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(AUDIT)).status_code == 401
    assert (await client.get(VERIFY)).status_code == 401


async def test_listing_the_audit_trail_is_itself_audited(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    organization = await factory.organization()
    auditor = await factory.user(organization, Role.auditor)

    response = await client.get(
        AUDIT, headers={**auditor.headers, "X-Request-ID": "req-audit-search-1"}
    )

    assert response.status_code == 200, response.text
    (event,) = await audit_rows(connection, caller_request_id="req-audit-search-1")
    assert (event["action"], event["entity_type"]) == ("search", "audit_event")
    assert (event["actor_id"], event["organization_id"]) == (auditor.id, organization)
    # The auditor's own search is then visible to her.
    later = await list_events(client, auditor, action="search", entity_type="audit_event")
    assert str(event["id"]) in {item["id"] for item in later}


async def test_filters_narrow_the_listing(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker)
    assert (await client.get(f"{API}/users/{worker.id}", headers=admin.headers)).status_code == 200

    by_action = await list_events(client, admin, action="read")
    assert by_action
    assert {item["action"] for item in by_action} == {"read"}

    by_entity_type = await list_events(client, admin, entity_type="organization")
    assert by_entity_type
    assert {item["entity_type"] for item in by_entity_type} == {"organization"}

    by_entity = await list_events(client, admin, entity_id=str(worker.id))
    assert [(item["action"], item["entity_id"]) for item in by_entity] == [
        ("read", str(worker.id)),
        ("create", str(worker.id)),
    ]

    by_actor = await list_events(client, admin, actor_id=str(admin.id))
    assert by_actor
    assert {item["actor_id"] for item in by_actor} == {str(admin.id)}
    system_actor = await list_events(client, admin, actor_id=str(SYSTEM_PRINCIPAL_ID))
    assert {item["actor_type"] for item in system_actor} == {"system"}

    combined = await list_events(
        client, admin, action="create", entity_type="user", entity_id=str(worker.id)
    )
    assert [item["entity_id"] for item in combined] == [str(worker.id)]

    bad = await client.get(AUDIT, params={"action": "no-such-action"}, headers=admin.headers)
    assert bad.status_code == 422


async def test_the_time_window_filter(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    admin = await factory.platform_admin()
    early = await factory.organization()
    await asyncio.sleep(0.002)
    boundary = datetime.now(UTC)
    await asyncio.sleep(0.002)
    late = await factory.organization()

    after = await list_events(client, admin, occurred_from=boundary.isoformat())
    before = await list_events(client, admin, occurred_to=boundary.isoformat())

    assert str(late) in {item["entity_id"] for item in after}
    assert str(early) not in {item["entity_id"] for item in after}
    assert all(datetime.fromisoformat(i["occurred_at"]) >= boundary for i in after)
    assert str(early) in {item["entity_id"] for item in before}
    assert str(late) not in {item["entity_id"] for item in before}
    assert all(datetime.fromisoformat(i["occurred_at"]) < boundary for i in before)

    inverted = await client.get(
        AUDIT,
        params={"occurred_from": boundary.isoformat(), "occurred_to": boundary.isoformat()},
        headers=admin.headers,
    )
    assert inverted.status_code == 400
    assert inverted.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "params",
    [
        {"occurred_from": "2020-01-01T00:00:00"},
        {"occurred_to": "2099-01-01"},
        {"occurred_from": "2020-01-01T00:00:00", "occurred_to": "2099-01-01T00:00:00Z"},
    ],
)
async def test_a_time_without_a_zone_is_rejected(
    client: httpx.AsyncClient, factory: Factory, params: dict[str, str]
) -> None:
    admin = await factory.platform_admin()

    response = await client.get(AUDIT, params=params, headers=admin.headers)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_pagination_walks_every_event_newest_first(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    admin = await factory.platform_admin()
    await some_activity(client, factory, admin)
    expected = [row["seq"] for row in reversed(await audit_rows(connection))]
    assert len(expected) > 4

    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(AUDIT, params=params, headers=admin.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        seen.extend(item["seq"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            assert "Link" not in response.headers
            break
        assert len(body["items"]) == 2
        link = response.headers["Link"]
        assert link.endswith('; rel="next"')
        assert "limit=2" in link
        assert f"cursor={cursor}" in link
        assert pages < 100

    assert seen == expected
    assert len(seen) == len(set(seen))


async def test_the_link_header_leads_to_the_next_page(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    await some_activity(client, factory, admin)

    first = await client.get(AUDIT, params={"limit": 2, "action": "create"}, headers=admin.headers)
    assert first.status_code == 200, first.text
    link = first.headers["Link"]
    target = link[link.index("<") + 1 : link.index(">")]
    assert "action=create" in target
    second = await client.get(target, headers=admin.headers)

    assert second.status_code == 200, second.text
    first_seqs = [item["seq"] for item in first.json()["items"]]
    second_seqs = [item["seq"] for item in second.json()["items"]]
    assert second_seqs
    assert max(second_seqs) < min(first_seqs)
    assert {item["action"] for item in second.json()["items"]} == {"create"}


async def test_the_total_counts_the_events_the_filters_admit(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """include_total=true counts (it answered null): every matching event, whatever the page
    size, and within the caller's organisations only."""
    admin = await factory.platform_admin()
    await some_activity(client, factory, admin)
    params = {"action": "create", "limit": 200}
    everything = await client.get(AUDIT, params=params, headers=admin.headers)
    assert everything.json()["next_cursor"] is None
    creates = len(everything.json()["items"])
    assert creates > 2
    counted = await client.get(
        AUDIT, params={**params, "limit": 2, "include_total": "true"}, headers=admin.headers
    )
    assert counted.status_code == 200, counted.text
    assert len(counted.json()["items"]) == 2
    assert counted.json()["total"] == creates
    uncounted = await client.get(AUDIT, params={**params, "limit": 2}, headers=admin.headers)
    assert uncounted.json()["total"] is None
    # An auditor counts her organisation's events only, and reads who acted by name.
    organization = await factory.organization("Audited Samiti")
    auditor = await factory.user(organization, Role.auditor, name="Anita Roy")
    first = await client.get(AUDIT, headers=auditor.headers)  # her search is audited
    assert first.status_code == 200, first.text
    own = await client.get(
        AUDIT, params={"limit": 200, "include_total": "true"}, headers=auditor.headers
    )
    assert own.json()["total"] == len(own.json()["items"]) > 0
    assert {e["organization_name"] for e in own.json()["items"]} == {"Audited Samiti"}
    hers = [e for e in own.json()["items"] if e["actor_id"] == str(auditor.id)]
    assert hers
    assert {e["actor_name"] for e in hers} == {"Anita Roy"}


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!",
        "bm90IGpzb24",  # base64 of "not json"
        cursor_of({"s": "name", "k": ["x", {"u": str(uuid.UUID(int=1))}]}),  # another list's
        cursor_of({"s": "seq", "k": ["12"]}),
        cursor_of({"s": "seq", "k": [1.5]}),
        cursor_of({"s": "seq", "k": [True]}),
        cursor_of({"s": "seq", "k": [10**30]}),
        cursor_of({"s": "seq", "k": [1, 2]}),
    ],
)
async def test_a_malformed_cursor_is_a_bad_request(
    client: httpx.AsyncClient, factory: Factory, cursor: str
) -> None:
    admin = await factory.platform_admin()

    response = await client.get(AUDIT, params={"cursor": cursor}, headers=admin.headers)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 400
    assert body["type"].startswith("urn:shakti-mis:problem:")


async def test_listed_events_carry_their_chain_hash(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    admin = await factory.platform_admin()
    await some_activity(client, factory, admin)
    rows = {row["seq"]: row for row in await audit_rows(connection)}

    items = await list_events(client, admin)

    assert items
    assert len({item["chain"] for item in items}) > 1
    for item in items:
        row = rows[item["seq"]]
        # Besides the event's columns, the count of a counted event (kept beside the chain),
        # and the names of who acted and of the organisation (looked up, not kept in it).
        assert set(item) == AUDIT_COLUMNS | {
            "repeat_count",
            "last_repeated_at",
            "actor_name",
            "organization_name",
        }
        assert item["hash"] == bytes(row["hash"]).hex()
        assert item["id"] == str(row["id"])
        assert (item["chain"], item["chain_seq"]) == (row["chain"], row["chain_seq"])


# -- 7. the keyed chain, checkpoints, key rotation ------------------------------------------

CHECKPOINTS = f"{AUDIT}/checkpoints"
# Where requests append while a test tampers with TAMPERED (every unit of work picks it).
QUIET = TAMPERED + 2


@pytest.fixture
def quiet_chain(monkeypatch: pytest.MonkeyPatch) -> int:
    """Every unit of work appends to QUIET, so that requests never touch TAMPERED."""
    monkeypatch.setattr("persistence.uow.pick_chain", lambda: QUIET)
    return QUIET


def plain_rewrite(
    rows: Sequence[dict[str, Any]], first: int, *, edit: dict[str, Any], unkeyed: bool
) -> list[str]:
    """Statements that apply ``edit`` to the event at index ``first`` of ``rows`` (one chain)
    and recompute the plain SHA-256 chain (what verification checked before audit keys) for
    it, every later event and the head; with ``unkeyed``, also clear their kid."""
    statements, previous = [], bytes(rows[first - 1]["hash"]) if first else GENESIS_HASH
    for index, row in enumerate(rows[first:], start=first):
        changed = {**row, **(edit if index == first else {})}
        if unkeyed:
            changed["kid"] = None
        previous = chain_hash(previous, digest(as_record(changed), changed["kid"]))
        sets = ", ".join(f"{column} = '{value}'" for column, value in edit.items())
        sets = sets if index == first else ""
        kid = ", kid = NULL" if unkeyed else ""
        statements.append(
            f"UPDATE audit_event SET hash = '\\x{previous.hex()}'{kid}"
            + (f", {sets}" if sets else "")
            + f" WHERE chain = {row['chain']} AND chain_seq = {row['chain_seq']}"
        )
    statements.append(
        f"UPDATE audit_chain_head SET last_hash = '\\x{previous.hex()}' "
        f"WHERE id = {rows[0]['chain']}"
    )
    return statements


def plainly_chained(rows: Sequence[dict[str, Any]], first: int) -> bool:
    """Whether events ``first``.. of ``rows`` each follow their predecessor by the plain
    SHA-256 step (all that verification checked before audit keys)."""
    previous = bytes(rows[first - 1]["hash"]) if first else GENESIS_HASH
    for row in rows[first:]:
        if bytes(row["hash"]) != chain_hash(previous, digest(as_record(row), row["kid"])):
            return False
        previous = bytes(row["hash"])
    return True


@pytest.mark.parametrize(
    ("first", "unkeyed", "expected"),
    [
        # The edited event and every later one: their hashes are not the keyed steps.
        (3, False, "modified"),
        # Passed off as events of before audit keys: unkeyed events after keyed ones.
        (3, True, "modified"),
        # The whole chain passed off as before audit keys: no keyed event pins it.
        (0, True, "unsealed"),
    ],
)
async def test_an_edit_with_the_plain_chain_recomputed_is_reported(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
    quiet_chain: int,
    first: int,
    unkeyed: bool,
    expected: str,
) -> None:
    """A superuser edits an event and recomputes the plain SHA-256 chain for it, every later
    event of its chain and the head: the chain is then consistent by the plain rule, which is
    all the verification checked before audit keys (so it said ok); without the audit key
    the keyed steps cannot be recomputed, and verification fails."""
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    last = rows[-1]["chain_seq"]

    await as_superuser(
        connection, *plain_rewrite(rows, first, edit={"action": "read"}, unkeyed=unkeyed)
    )
    tampered = await chain_rows(connection, TAMPERED)
    assert tampered[first]["action"] == "read"
    assert plainly_chained(tampered, first)
    assert (await chain_heads(connection))[TAMPERED] == (last, bytes(tampered[-1]["hash"]))
    result = await verify(client, admin)

    assert result["ok"] is False
    if expected == "modified":
        positions = range(rows[first]["chain_seq"], last + 1)
        assert result["problems"] == [problem(p, "modified") for p in positions]
    else:
        assert result["problems"] == [problem(last, "unsealed")]
        assert status_of(result, TAMPERED)["legacy_events"] == len(rows)


async def take_checkpoint(client: httpx.AsyncClient, actor: Actor) -> dict[str, Any]:
    response = await client.get(CHECKPOINTS, headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def verify_against(
    client: httpx.AsyncClient, actor: Actor, checkpoint: str
) -> httpx.Response:
    return await client.post(VERIFY, json={"checkpoint": checkpoint}, headers=actor.headers)


async def test_a_checkpoint_holds_every_head_signed_and_verifies(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    organization = await factory.organization()
    auditor = await factory.user(organization, Role.auditor)
    heads = await chain_heads(connection)

    taken = await take_checkpoint(client, auditor)

    assert taken["kid"] == "test-audit-1"
    assert [(h["chain"], h["seq"], h["hash"]) for h in taken["heads"]] == [
        (chain, seq, digest_.hex()) for chain, (seq, digest_) in sorted(heads.items())
    ]
    line = taken["checkpoint"]
    assert line.startswith("shakti-audit-checkpoint.v1.")
    assert line.isascii()
    assert line.isprintable()
    assert " " not in line
    (event,) = await audit_rows(connection, action="export")
    assert (event["entity_type"], event["actor_id"]) == ("audit_checkpoint", auditor.id)

    checked = await verify_against(client, auditor, line)

    assert checked.status_code == 200, checked.text
    result = checked.json()
    assert result["ok"] is True, result["problems"]
    assert datetime.fromisoformat(result["checkpoint_taken_at"]) == datetime.fromisoformat(
        taken["taken_at"]
    )
    # Verifying against a checkpoint is audited like any verification.
    assert len(await audit_rows(connection, action="verify")) == 1


async def test_a_removed_tail_passes_without_a_checkpoint_but_not_against_one(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
    quiet_chain: int,
) -> None:
    """Deleting a chain's newest event and setting its head back to the event before leaves a
    consistent chain: verification alone cannot tell (today's and this one). A checkpoint
    taken before the deletion can."""
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    last = rows[-1]["chain_seq"]
    checkpoint = (await take_checkpoint(client, admin))["checkpoint"]

    await as_superuser(
        connection,
        f"DELETE FROM audit_event WHERE chain = {TAMPERED} AND chain_seq = {last}",
        f"UPDATE audit_chain_head SET last_seq = {last - 1}, "
        f"last_hash = '\\x{bytes(rows[-2]['hash']).hex()}' WHERE id = {TAMPERED}",
    )

    assert (await verify(client, admin))["ok"] is True
    checked = await verify_against(client, admin, checkpoint)
    assert checked.status_code == 200, checked.text
    result = checked.json()
    assert result["ok"] is False
    assert result["problems"] == [problem(last, "behind_checkpoint")]


async def test_a_tail_replaced_after_a_checkpoint_is_reported(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
    quiet_chain: int,
) -> None:
    """The newest event deleted, the head set back, and another event appended in its place
    (the chain is whole and keyed): only the checkpoint's hash at that position tells."""
    admin, rows = await activity_and_a_full_chain(client, factory, database, connection)
    last = rows[-1]["chain_seq"]
    checkpoint = (await take_checkpoint(client, admin))["checkpoint"]
    await as_superuser(
        connection,
        f"DELETE FROM audit_event WHERE chain = {TAMPERED} AND chain_seq = {last}",
        f"UPDATE audit_chain_head SET last_seq = {last - 1}, "
        f"last_hash = '\\x{bytes(rows[-2]['hash']).hex()}' WHERE id = {TAMPERED}",
    )
    await fill_chain(database, TAMPERED, 2)

    assert (await verify(client, admin))["ok"] is True
    result = (await verify_against(client, admin, checkpoint)).json()
    assert result["ok"] is False
    assert result["problems"] == [problem(last, "checkpoint_mismatch")]


def _reencoded(line: str, change: Any) -> str:
    """``line`` with its payload changed by ``change`` and its signature kept."""
    prefix, payload, signature = line.rsplit(".", 2)
    document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(document)
    raw = json.dumps(document, separators=(",", ":")).encode()
    return f"{prefix}.{base64.urlsafe_b64encode(raw).decode().rstrip('=')}.{signature}"


def _lower_a_head(document: dict[str, Any]) -> None:
    head = next(h for h in document["heads"] if h[1] > 0)
    head[1] -= 1


def _resigned(line: str, keys: AuditKeys) -> str:
    payload = line.rsplit(".", 2)[1]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    document = json.loads(raw)
    document["kid"] = keys.active_kid
    raw = json.dumps(document, separators=(",", ":")).encode()
    signature = keys.sign_checkpoint(raw)
    return ".".join(
        [
            "shakti-audit-checkpoint.v1",
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(signature).decode().rstrip("="),
        ]
    )


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        (lambda line: _reencoded(line, _lower_a_head), "altered"),
        (lambda line: _reencoded(line, lambda d: d.update(taken_at="2020-01-01")), "altered"),
        (lambda line: line[:-4] + ("AAAA" if not line.endswith("AAAA") else "BBBB"), "altered"),
        (lambda line: _resigned(line, AuditKeys({"other": os.urandom(32)}, "other")), "not conf"),
        # Someone who guessed the kid but not the key.
        (
            lambda line: _resigned(
                line, AuditKeys({"test-audit-1": os.urandom(32)}, "test-audit-1")
            ),
            "altered",
        ),
        (lambda line: line.rsplit(".", 1)[0], "not well formed"),
        (lambda line: "shakti-audit-checkpoint.v1.!!.!!", "not well formed"),
        (lambda line: "a checkpoint, honestly", "not an audit checkpoint"),
    ],
)
async def test_a_tampered_checkpoint_is_refused(
    client: httpx.AsyncClient,
    factory: Factory,
    connection: AsyncConnection,
    forge: Any,
    reason: str,
) -> None:
    admin = await factory.platform_admin()
    line = (await take_checkpoint(client, admin))["checkpoint"]
    before = len(await audit_rows(connection, action="verify"))

    refused = await verify_against(client, admin, forge(line))

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert reason in refused.text
    assert len(await audit_rows(connection, action="verify")) == before
    assert (await verify_against(client, admin, line)).json()["ok"] is True


async def test_verify_across_a_key_rotation(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
    keys: dict[str, bytes],
    quiet_chain: int,
) -> None:
    """Events chained under kid 1, then under kid 2 once it is active (kid 1 kept): every one
    verifies under its own key, and a checkpoint signed under kid 1 still does. Without kid 1
    its events cannot be checked, and are reported."""
    admin = await factory.platform_admin()
    await fill_chain(database, TAMPERED, 3)
    old_checkpoint = (await take_checkpoint(client, admin))["checkpoint"]
    second = os.urandom(32)
    database.audit_keys = AuditKeys(
        {"test-audit-1": keys["test-audit-1"], "test-audit-2": second}, "test-audit-2"
    )

    await fill_chain(database, TAMPERED, 3)
    assert (await client.get(f"{API}/users/{admin.id}", headers=admin.headers)).status_code == 200

    rows = await chain_rows(connection, TAMPERED)
    assert [row["kid"] for row in rows] == ["test-audit-1"] * 3 + ["test-audit-2"] * 3
    assert_chained(
        await audit_rows(connection),
        await chain_heads(connection),
        keys={**keys, "test-audit-2": second},
    )
    assert (await verify(client, admin))["ok"] is True
    against_old = (await verify_against(client, admin, old_checkpoint)).json()
    assert against_old["ok"] is True, against_old["problems"]
    assert (await take_checkpoint(client, admin))["kid"] == "test-audit-2"

    # The old key dropped too early: its events cannot be checked, its checkpoints are refused.
    database.audit_keys = AuditKeys({"test-audit-2": second}, "test-audit-2")
    result = await verify(client, admin)
    assert result["ok"] is False
    old = {
        (row["chain"], row["chain_seq"])
        for row in await audit_rows(connection)
        if row["kid"] == "test-audit-1"
    }
    assert {(p["chain"], p["position"]) for p in result["problems"]} == old
    assert {p["kind"] for p in result["problems"]} == {"unknown_key"}
    refused = await verify_against(client, admin, old_checkpoint)
    assert refused.status_code == 422
    assert "not configured" in refused.text


# -- 8. events of before audit keys (migration 0017 on a trail that has them) ----------------

# How events were appended before migration 0017: the plain SHA-256 step, no kid.
LEGACY_APPEND = """
WITH audit_head AS (
    UPDATE audit_chain_head
       SET last_seq = last_seq + 1,
           last_hash = sha256(last_hash || sha256(convert_to(jsonb_build_object(
               'id', $2::text, 'occurred_at', $3::text, 'actor_type', $4::text,
               'actor_id', $5::text, 'organization_id', $6::text, 'action', $7::text,
               'entity_type', $8::text, 'entity_id', $9::text, 'request_id', $10::text,
               'outcome', $11::text)::text, 'UTF8')))
     WHERE id = $1::smallint
 RETURNING id, last_seq, last_hash
)
INSERT INTO audit_event (chain, chain_seq, hash, id, occurred_at, actor_type, actor_id,
                         organization_id, action, entity_type, entity_id, request_id, outcome)
SELECT audit_head.id, audit_head.last_seq, audit_head.last_hash, $2::uuid, $3::timestamptz,
       $4, $5::uuid, $6::uuid, $7, $8, $9::uuid, $10, $11
  FROM audit_head
"""
LEGACY_FIELDS = (
    "id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "organization_id",
    "action",
    "entity_type",
    "entity_id",
    "request_id",
    "outcome",
)


async def test_events_of_before_audit_keys_verify_once_a_keyed_event_pins_them(
    postgres: Any, empty_database_url: str, settings: Settings
) -> None:
    """A trail written before migration 0017 (plain SHA-256, no kid) is upgraded: its events
    still verify, by the plain step, once a keyed event follows them in their chain (the app
    appends one to each such chain at start). Before that, and whenever such a chain is
    rewritten as unkeyed events, verification refuses it: otherwise anyone could pass off
    rewritten events as old ones."""
    from persistence import migrator

    await asyncio.to_thread(migrator.upgrade, empty_database_url, "0014")
    superuser = await asyncpg.connect(empty_database_url.replace("+asyncpg", ""))
    try:
        for chain, count in ((3, 4), (5, 2)):
            for _ in range(count):
                old = audit_event(system_principal(), AuditAction.update, "organization")
                texts = field_texts(old)
                await superuser.execute(LEGACY_APPEND, chain, *(texts[f] for f in LEGACY_FIELDS))
        await asyncio.to_thread(migrator.upgrade, empty_database_url)

        database = Database.connect(empty_database_url, app_role="shakti_app", pool_size=2)
        database.audit_keys = audit_keys_from_settings(settings)
        system = system_principal()

        async def verified() -> Any:
            async with UnitOfWork(database) as uow:
                uow.audit_chain = 1
                return await AuditService(uow).verify(system)

        try:
            unsealed = await verified()
            assert unsealed.ok is False
            assert [(p.chain, p.position, p.kind.value) for p in unsealed.problems] == [
                (3, 4, "unsealed"),
                (5, 2, "unsealed"),
            ]

            assert await seal_unkeyed_chains(database) == [3, 5]
            assert await seal_unkeyed_chains(database) == []
            sealed = await verified()
            assert sealed.ok is True, sealed.problems
            legacy = {s.chain: (s.legacy_events, s.events) for s in sealed.chains}
            assert (legacy[3], legacy[5]) == ((4, 5), (2, 3))
            kids = await superuser.fetch(
                "SELECT chain, chain_seq, kid, action FROM audit_event"
                " WHERE chain IN (3, 5) ORDER BY chain, chain_seq"
            )
            assert [(r["chain"], r["chain_seq"], r["kid"]) for r in kids] == [
                *((3, n, None) for n in range(1, 5)),
                (3, 5, "test-audit-1"),
                (5, 1, None),
                (5, 2, None),
                (5, 3, "test-audit-1"),
            ]
            assert {r["action"] for r in kids if r["kid"]} == {"secret_rotate"}

            # An old event edited and the plain chain recomputed up to the seal: the keyed
            # event no longer follows.
            rows = [
                dict(r)
                for r in await superuser.fetch(
                    "SELECT * FROM audit_event WHERE chain = 3 ORDER BY chain_seq"
                )
            ]
            async with superuser.transaction():
                await superuser.execute("SET LOCAL session_replication_role = replica")
                for statement in plain_rewrite(
                    rows[:4], 1, edit={"entity_type": "rewritten"}, unkeyed=False
                )[:-1]:
                    await superuser.execute(statement)
            edited = await verified()
            assert [(p.chain, p.position, p.kind.value) for p in edited.problems] == [
                (3, 5, "modified")
            ]

            # The seal passed off as an old event too (the whole chain recomputed plainly):
            # nothing keyed pins the chain any more.
            rows = [
                dict(r)
                for r in await superuser.fetch(
                    "SELECT * FROM audit_event WHERE chain = 3 ORDER BY chain_seq"
                )
            ]
            async with superuser.transaction():
                await superuser.execute("SET LOCAL session_replication_role = replica")
                for statement in plain_rewrite(rows, 4, edit={}, unkeyed=True):
                    await superuser.execute(statement)
            relabelled = await verified()
            assert [(p.chain, p.position, p.kind.value) for p in relabelled.problems] == [
                (3, 5, "unsealed")
            ]
        finally:
            await database.dispose()

        # Keyed events cannot be downgraded to the plain chain.
        with pytest.raises(RuntimeError, match="chained under an audit key"):
            await asyncio.to_thread(migrator.downgrade, empty_database_url, "0014")
    finally:
        await superuser.close()


# -- 9. the request id is the server's; the caller's is kept apart ---------------------------

GENERATED = re.compile(r"[0-9a-f]{32}")
MALICIOUS_REQUEST_IDS = [
    "x" * 5000,  # very long
    "A" * 65,  # one over the limit
    "short",  # under it
    "req\x01ctl\x7fchars-1234",  # control characters
    "line\tbreak-1234",
    "ünïcode-request-1234",  # beyond ASCII
    "req-🙂-emoji-1234",
    "'; DELETE FROM audit_event; --",
    "has spaces in it",
    "semi;colon-1234",
]


async def test_a_callers_request_id_never_becomes_the_events_request_id(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    """On the code before, a well-formed X-Request-ID became the event's request id: a caller
    could file its events under any id, another request's included."""
    admin = await factory.platform_admin()
    theirs = "req-chosen-by-the-caller-01"

    first = await client.post(
        f"{API}/organizations",
        json={"name": f"Caller Id Org {uuid.uuid4().hex[:6]}", "kind": "partner_ngo"},
        headers={**admin.headers, "X-Request-ID": theirs},
    )
    assert first.status_code == 201, first.text
    ours = first.headers["x-request-id"]
    # The caller then claims the server's id of that request for another one.
    second = await client.get(
        f"{API}/users/{admin.id}", headers={**admin.headers, "X-Request-ID": ours}
    )
    assert second.status_code == 200, second.text

    assert GENERATED.fullmatch(ours)
    assert ours != theirs
    (created,) = await audit_rows(connection, action="create", entity_id=UUID(first.json()["id"]))
    assert (created["request_id"], created["caller_request_id"]) == (ours, theirs)
    assert await audit_rows(connection, request_id=theirs) == []
    # Only the first request's events carry its id; the second's have their own.
    assert {row["id"] for row in await audit_rows(connection, request_id=ours)} == {created["id"]}
    later = [row for row in await audit_rows(connection) if row["caller_request_id"] == ours]
    assert later
    assert all(row["request_id"] == second.headers["x-request-id"] != ours for row in later)
    # The caller's id is listed apart, and covered by the keyed digest like every field.
    (listed,) = await list_events(client, admin, entity_id=first.json()["id"], action="create")
    assert (listed["request_id"], listed["caller_request_id"]) == (ours, theirs)
    assert b'"caller_request_id": "req-chosen-by-the-caller-01"' in canonical(
        as_record(created), created["kid"]
    )


@pytest.mark.parametrize("value", MALICIOUS_REQUEST_IDS, ids=lambda v: repr(v[:24]))
async def test_a_malformed_caller_request_id_is_dropped(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection, value: str
) -> None:
    """Anything but 8 to 64 letters, digits, '.', '_' or '-' is dropped: not stored on the
    event (neither as its request id nor as the caller's), not echoed."""
    admin = await factory.platform_admin()

    response = await client.post(
        f"{API}/organizations",
        json={"name": f"Dropped Id Org {uuid.uuid4().hex[:6]}", "kind": "partner_ngo"},
        headers={**admin.headers, "X-Request-ID": value.encode()},
    )

    assert response.status_code == 201, response.text
    assert GENERATED.fullmatch(response.headers["x-request-id"])
    assert value not in response.text
    (event,) = await audit_rows(connection, action="create", entity_id=UUID(response.json()["id"]))
    assert event["request_id"] == response.headers["x-request-id"]
    assert event["caller_request_id"] is None
    every_row = await connection.execute(sa.text("SELECT a::text FROM audit_event a"))
    stored = "\n".join(text for (text,) in every_row)
    for fragment in {value, value[:64], value[:8]} - {""}:
        if len(fragment) >= 8:
            assert fragment not in stored


async def test_logs_carry_the_servers_request_id_and_only_a_well_formed_caller_id(
    settings: Settings, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        app = create_app(settings, database=database)
        admin = await Factory(app.state.container, database).platform_admin()
        capsys.readouterr()
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        sent = ["req-well-formed-0001", *MALICIOUS_REQUEST_IDS]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            answers = [
                await http.get(
                    f"{API}/users/{admin.id}",
                    headers={**admin.headers, "X-Request-ID": value.encode()},
                )
                for value in sent
            ]
        output = capsys.readouterr().err
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)

    lines = [json.loads(raw) for raw in output.splitlines() if raw.strip()]
    access = [line for line in lines if line.get("logger") == "shakti.access"]
    assert len(access) == len(sent), output
    for line, answer in zip(access, answers, strict=True):
        assert answer.status_code == 200
        assert line["request_id"] == answer.headers["x-request-id"]
    assert access[0]["caller_request_id"] == "req-well-formed-0001"
    assert all("caller_request_id" not in line for line in access[1:])
    for value in MALICIOUS_REQUEST_IDS:
        if len(value) >= 8:
            assert value not in output
            assert json.dumps(value)[1:-1] not in output
