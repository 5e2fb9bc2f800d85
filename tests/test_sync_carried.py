"""What a pull carries beyond a caseload, on real PostgreSQL with real commits: referrals of her
cases, entitlement applications of her survivors, SHGs of her districts with members,
meetings and books, leader groups (a survivor leader: her own) with meetings and campaigns,
demands she raised or owns, attachments' metadata; each to whoever may read it and to nobody
else, tombstoned when it leaves her scope, sent again when it changes. Reads done offline name
the device in the audit trail."""

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
from tests.factories import DEFAULT_PASSWORD, NORTH_24, SOUTH_24, Actor, CaseFactory, Factory
from tests.test_attachments import PDF_TEXT
from tests.test_demands import demand_body
from tests.test_devices import DEVICES, PHONE, TOKEN
from tests.test_leadership import campaign_body
from tests.test_shgs import Group, group_body, sheet
from tests.test_sync_push import mutation

API = "/api/v1"
PULL = f"{API}/sync/pull"
PUSH = f"{API}/sync/push"
GROUPS = f"{API}/leader-groups"
CARRIED = {
    "referral",
    "entitlement_application",
    "shg",
    "shg_member",
    "shg_meeting",
    "shg_balances",
    "leader_group",
    "leader_group_member",
    "leader_group_meeting",
    "campaign",
    "demand",
    "attachment",
}
# The editable reference data everyone who pulls carries (tests/test_sync_vocabularies.py).
VOCABULARIES = {"state", "district", "block", "scheme"}


@dataclass
class World:
    client: httpx.AsyncClient
    factory: Factory
    cases: CaseFactory
    database: Database
    org: UUID
    receiver: UUID
    manager: Actor
    worker: Actor  # social worker, South 24 Parganas
    colleague: Actor  # social worker, North 24 Parganas
    other_manager: Actor  # program manager of the receiving organisation

    async def sql(self, statement: str, **params: Any) -> Any:
        async with self.database.engine.begin() as connection:
            result = await connection.execute(sa.text(statement), params)
            return result.all() if result.returns_rows else None

    async def settled(self) -> None:
        """Wait until every transaction begun so far has ended (in any database of the
        server: the pull's horizon is the server's), so that a pull sees what was written."""
        (mark,) = (await self.sql("SELECT pg_current_xact_id()::text::bigint"))[0]
        for _ in range(1200):
            (horizon,) = (
                await self.sql("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            )[0]
            if horizon > mark:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("transactions of the server did not end within a minute")

    async def created(self, actor: Actor, url: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self.client.post(url, json=body, headers=actor.headers)
        assert answer.status_code == 201, answer.text
        record: dict[str, Any] = answer.json()
        return record

    async def push(self, actor: Actor, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        answer = await self.client.post(
            PUSH, json={"mutations": list(mutations)}, headers=actor.headers
        )
        assert answer.status_code == 200, answer.text
        results: list[dict[str, Any]] = answer.json()["results"]
        assert {r["status"] for r in results} <= {"applied"}, results
        return results


@pytest.fixture
async def world(settings: Settings, committed_db: Database) -> AsyncIterator[World]:
    app = create_app(settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    org = await factory.organization()
    receiver = await factory.organization()
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield World(
            client=client,
            factory=factory,
            cases=CaseFactory(factory),
            database=committed_db,
            org=org,
            receiver=receiver,
            manager=await factory.user(org, Role.program_manager),
            worker=await factory.user(org, Role.social_worker, districts=(SOUTH_24,)),
            colleague=await factory.user(org, Role.social_worker, districts=(NORTH_24,)),
            other_manager=await factory.user(receiver, Role.program_manager),
        )


async def pull_all(
    world: World, actor: Actor, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str]:
    changes: list[dict[str, Any]] = []
    first = cursor is None
    if cursor:
        await world.settled()  # (the server is shared: others' transactions hold it back)
    while True:
        params: dict[str, Any] = {"limit": 50}
        if cursor:
            params["cursor"] = cursor
        answer = await world.client.get(PULL, params=params, headers=actor.headers)
        if answer.status_code == 403:
            denied = await world.sql(
                "SELECT entity_type FROM audit_event WHERE actor_id = :a"
                " AND action = 'permission_denied'",
                a=actor.id,
            )
            raise AssertionError(f"pull refused; denials of {denied}")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["has_more"]:
            if first:
                # A first pull hands over to the change log where it began: what committed
                # since comes again once (at least once, never missed). Drain it here, so that
                # the next pull shows only what the test does next.
                more, cursor = await pull_all(world, actor, cursor)
                changes += more
            return changes, cursor


def carried(changes: list[dict[str, Any]], op: str = "upsert") -> set[tuple[str, str]]:
    """The carried records among ``changes`` (caseload and reference data aside)."""
    return {(c["entity"], c["id"]) for c in changes if c["op"] == op and c["entity"] in CARRIED}


def of(changes: list[dict[str, Any]], entity: str, record_id: str) -> dict[str, Any]:
    return next(c for c in changes if (c["entity"], c["id"]) == (entity, record_id))


async def case_of(world: World, worker: Actor, district: UUID) -> tuple[UUID, UUID]:
    survivor = await world.cases.survivor(world.org, district_id=district, name="Rupa Test")
    case = await world.cases.case(
        world.org, survivor, district_id=district, assigned_worker_id=worker.id
    )
    return survivor, case


async def refer(world: World, worker: Actor, survivor: UUID, case: UUID) -> dict[str, Any]:
    """A referral of her case, with her sharing consent (recorded offline)."""
    consent = {
        "survivor_id": str(survivor),
        "purpose": "sharing",
        "shared_with_organization_id": str(world.receiver),
        "fields": ["name", "age"],
        "method": "written",
        "language": "bn",
    }
    await world.push(worker, mutation("consent", "create", uuid.uuid4(), consent))
    return await world.created(
        worker,
        f"{API}/cases/{case}/referrals",
        {
            "receiving_organization_id": str(world.receiver),
            "service_kind": "counselling",
            "urgency": "urgent",
            "reason": "Sleeps badly since the trial began.",
            "shared_fields": ["name", "age"],
        },
    )


# -- referrals, entitlement applications, attachments of her caseload ------------------------
async def test_her_cases_referrals_applications_and_attachments_come_and_go_with_the_case(
    world: World,
) -> None:
    survivor, case = await case_of(world, world.worker, SOUTH_24)
    foreign_survivor, foreign_case = await case_of(world, world.colleague, NORTH_24)
    referral = await refer(world, world.worker, survivor, case)
    foreign = await refer(world, world.colleague, foreign_survivor, foreign_case)
    schemes = await world.client.get(
        f"{API}/schemes", params={"code": "pm_jan_dhan"}, headers=world.worker.headers
    )
    assert schemes.status_code == 200, schemes.text
    scheme = schemes.json()["items"][0]["id"]
    application = await world.created(
        world.worker,
        f"{API}/entitlement-applications",
        {"survivor_id": str(survivor), "scheme_id": scheme},
    )
    scan = await world.client.post(
        f"{API}/cases/{case}/attachments",
        content=PDF_TEXT,
        headers={**world.worker.headers, "Content-Type": "application/octet-stream"},
    )
    assert scan.status_code == 201, scan.text
    attachment = scan.json()

    changes, cursor = await pull_all(world, world.worker)
    assert carried(changes) == {
        ("referral", referral["id"]),
        ("entitlement_application", application["id"]),
        ("attachment", attachment["id"]),
    }
    pulled = of(changes, "referral", referral["id"])
    assert (pulled["version"], pulled["data"]["status"], pulled["data"]["service_kind"]) == (
        1,
        "sent",
        "counselling",
    )
    assert of(changes, "entitlement_application", application["id"])["data"]["scheme_id"] == scheme
    meta = of(changes, "attachment", attachment["id"])["data"]
    # Metadata only: the bytes are fetched from the audited download endpoint.
    assert (meta["media_type"], meta["size_bytes"]) == ("application/pdf", len(PDF_TEXT))
    assert "Kultali" not in str(meta)
    # Each referral sent is a read in the trail, as the referral endpoint audits it.
    audited = await world.sql(
        "SELECT count(*) FROM audit_event WHERE actor_id = :a AND action = 'read'"
        " AND entity_type = 'referral' AND entity_id = :r",
        a=world.worker.id,
        r=UUID(referral["id"]),
    )
    assert audited[0][0] >= 1

    # The colleague carries her own only; the receiving organisation and a machine nothing.
    theirs, _ = await pull_all(world, world.colleague)
    assert ("referral", foreign["id"]) in carried(theirs)
    assert ("referral", referral["id"]) not in carried(theirs)
    assert {c for c in carried(theirs) if c[0] != "referral"} == set()
    receiving, _ = await pull_all(world, world.other_manager)
    assert carried(receiving) == set()
    machine = await world.factory.integration_client(
        world.org, Role.program_manager, ["cases:read", "referrals:read"], unchecked=True
    )
    assert (await world.client.get(PULL, headers=machine.headers)).status_code == 403

    # A step on the server comes in the next pull at its new version (the base of her steps).
    moved = await world.client.post(
        f"{API}/referrals/{referral['id']}/transitions",
        json={"to": "accepted"},
        headers={**world.other_manager.headers, "If-Match": '"v1"'},
    )
    assert moved.status_code == 200, moved.text
    later, cursor = await pull_all(world, world.worker, cursor)
    assert carried(later) == {("referral", referral["id"])}
    step = of(later, "referral", referral["id"])
    assert (step["version"], step["data"]["status"]) == (2, "accepted")
    stepped = mutation(
        "referral", "update", referral["id"], {"status": "revoked", "note": "She moved."}, 2
    )
    (result,) = await world.push(world.worker, stepped)
    assert result["version"] == 3

    # The attachment deleted: a tombstone. The case reassigned: the case goes (with what
    # hangs off it) and comes whole to the colleague's device, referral and all.
    gone = await world.client.delete(
        f"{API}/attachments/{attachment['id']}", headers=world.worker.headers
    )
    assert gone.status_code == 204, gone.text
    later, cursor = await pull_all(world, world.worker, cursor)
    assert carried(later, "delete") == {("attachment", attachment["id"])}
    await world.sql(
        "UPDATE survivor_case SET district_id = :d, assigned_worker_id = :w WHERE id = :c",
        d=NORTH_24,
        w=world.colleague.id,
        c=case,
    )
    await world.sql("UPDATE survivor SET district_id = :d WHERE id = :s", d=NORTH_24, s=survivor)
    later, _ = await pull_all(world, world.worker, cursor)
    assert {(c["entity"], c["op"]) for c in later if c["id"] == str(case)} == {("case", "delete")}
    assert carried(later) == set()
    _, their_cursor = await pull_all(world, world.colleague)  # (already past the move)
    colleague_first, _ = await pull_all(world, world.colleague)
    assert ("referral", referral["id"]) in carried(colleague_first)
    assert ("entitlement_application", application["id"]) in carried(colleague_first)
    assert their_cursor


# -- SHGs of her districts ------------------------------------------------------------------
async def test_shgs_of_her_districts_come_with_members_meetings_and_books(world: World) -> None:
    shg = await world.created(world.worker, f"{API}/shgs", group_body())
    members = [
        await world.created(
            world.worker,
            f"{API}/shgs/{shg['id']}/members",
            {"name": name, "joined_on": group_body()["formed_on"]},
        )
        for name in ("Mita Sardar", "Lakshmi Das", "Rina Naskar")
    ]

    group = Group(shg, members)
    meeting = uuid.uuid4()
    await world.push(
        world.worker,
        mutation("shg_meeting", "create", meeting, {"shg_id": shg["id"], **sheet(group, 7)}),
    )
    north = await world.created(
        world.colleague, f"{API}/shgs", group_body(district_id=str(NORTH_24), name="Barasat SHG")
    )

    changes, cursor = await pull_all(world, world.worker)
    assert carried(changes) == {
        ("shg", shg["id"]),
        *(("shg_member", m["id"]) for m in members),
        ("shg_meeting", str(meeting)),
        ("shg_balances", shg["id"]),
    }
    books = of(changes, "shg_balances", shg["id"])["data"]
    assert (books["savings_paise"], books["cash_in_hand_paise"]) == (3 * 2000, 3 * 2000)
    assert {m["data"]["name"] for m in changes if m["entity"] == "shg_member"} == {
        "Mita Sardar",
        "Lakshmi Das",
        "Rina Naskar",
    }
    assert of(changes, "shg_meeting", str(meeting))["data"]["minutes"] == (
        "Savings collected at the anganwadi centre."
    )
    theirs, their_cursor = await pull_all(world, world.colleague)
    assert carried(theirs) == {("shg", north["id"]), ("shg_balances", north["id"])}
    managers, _ = await pull_all(world, world.manager)
    assert {("shg", shg["id"]), ("shg", north["id"])} <= carried(managers)

    # Another meeting's money: the books come again, and only they and the meeting.
    await world.push(
        world.worker,
        mutation("shg_meeting", "create", uuid.uuid4(), {"shg_id": shg["id"], **sheet(group, 14)}),
    )
    later, cursor = await pull_all(world, world.worker, cursor)
    assert {c[0] for c in carried(later)} == {"shg_meeting", "shg_balances"}
    assert of(later, "shg_balances", shg["id"])["data"]["savings_paise"] == 6 * 2000

    # The group moves to North 24: gone from her device with its records, whole to the other.
    moved = await world.client.patch(
        f"{API}/shgs/{shg['id']}",
        json={"district_id": str(NORTH_24)},
        headers={**world.manager.headers, "If-Match": f'"v{shg["version"]}"'},
    )
    assert moved.status_code == 200, moved.text
    later, _ = await pull_all(world, world.worker, cursor)
    assert carried(later, "delete") == {("shg", shg["id"]), ("shg_balances", shg["id"])}
    assert carried(later) == set()
    theirs, _ = await pull_all(world, world.colleague, their_cursor)
    assert {c[0] for c in carried(theirs)} == {"shg", "shg_member", "shg_meeting", "shg_balances"}
    assert len([c for c in theirs if c["entity"] == "shg_member"]) == 3


# -- leader groups: a survivor leader's own -------------------------------------------------
async def test_a_survivor_leader_carries_her_own_groups_and_nothing_of_a_caseload(
    world: World,
) -> None:
    leader = await world.factory.user(world.org, Role.survivor_leader, districts=(SOUTH_24,))
    other_leader = await world.factory.user(world.org, Role.survivor_leader, districts=(SOUTH_24,))
    await case_of(world, world.worker, SOUTH_24)
    mine = await world.created(
        world.manager,
        GROUPS,
        {"name": "Canning Collective", "district_id": str(SOUTH_24), "formed_on": "2024-03-08"},
    )
    theirs = await world.created(
        world.manager,
        GROUPS,
        {"name": "Basanti Collective", "district_id": str(SOUTH_24), "formed_on": "2024-03-08"},
    )
    membership = await world.created(
        world.manager,
        f"{GROUPS}/{mine['id']}/members",
        {"user_id": str(leader.id), "joined_on": "2024-03-08"},
    )
    other_membership = await world.created(
        world.manager,
        f"{GROUPS}/{theirs['id']}/members",
        {"user_id": str(other_leader.id), "joined_on": "2024-03-08"},
    )
    meeting = await world.created(
        leader,
        f"{GROUPS}/{mine['id']}/meetings",
        {"held_on": "2024-04-01", "agenda": "Plan the rally"},
    )
    campaign = await world.created(
        leader, f"{API}/campaigns", campaign_body(leader_group_id=mine["id"])
    )
    await world.created(
        other_leader, f"{GROUPS}/{theirs['id']}/meetings", {"held_on": "2024-04-01"}
    )

    changes, cursor = await pull_all(world, leader)
    # (Besides the places and schemes everyone carries: reference data, nobody's records.)
    assert {"state", "district", "scheme"} <= {c["entity"] for c in changes}  # (no blocks)
    assert {(c["entity"], c["id"]) for c in changes if c["entity"] not in VOCABULARIES} == {
        ("leader_group", mine["id"]),
        ("leader_group_member", membership["id"]),
        ("leader_group_meeting", meeting["id"]),
        ("campaign", campaign["id"]),
    }
    assert of(changes, "leader_group", mine["id"])["data"]["name"] == "Canning Collective"
    assert of(changes, "campaign", campaign["id"])["data"]["reached_youth"] == 45
    others, _ = await pull_all(world, other_leader)
    assert {c["entity"] for c in others} - VOCABULARIES == {
        "leader_group",
        "leader_group_member",
        "leader_group_meeting",
    }
    assert ("leader_group_member", other_membership["id"]) in carried(others)
    assert mine["id"] not in {c["id"] for c in others}
    assert membership["id"] not in {c["id"] for c in others}
    # Staff of her district carry both groups (as the leadership endpoints show them).
    staff, _ = await pull_all(world, world.worker)
    assert {("leader_group", mine["id"]), ("leader_group", theirs["id"])} <= carried(staff)

    # Her reach updated on the server: the campaign again, at its new version.
    updated = await world.client.patch(
        f"{API}/campaigns/{campaign['id']}",
        json={"reached_women": 150},
        headers={**world.manager.headers, "If-Match": '"v1"'},
    )
    assert updated.status_code == 200, updated.text
    later, cursor = await pull_all(world, leader, cursor)
    assert carried(later) == {("campaign", campaign["id"])}
    assert of(later, "campaign", campaign["id"])["version"] == 2

    # She leaves the group: it goes from her device.
    left = await world.client.patch(
        f"{GROUPS}/{mine['id']}/members/{membership['id']}",
        json={"left_on": (clock.today() - timedelta(days=1)).isoformat()},
        headers={**world.manager.headers, "If-Match": '"v1"'},
    )
    assert left.status_code == 200, left.text
    later, _ = await pull_all(world, leader, cursor)
    assert carried(later, "delete") == {("leader_group", mine["id"])}
    assert carried(later) == set()


# -- demands she raised or owns -------------------------------------------------------------
async def test_demands_she_raised_or_owns_and_no_other(world: World) -> None:
    raised = await world.created(world.worker, f"{API}/demands", demand_body())
    others = await world.created(world.manager, f"{API}/demands", demand_body(title="Road"))
    changes, cursor = await pull_all(world, world.worker)
    assert carried(changes) == {("demand", raised["id"])}
    assert of(changes, "demand", raised["id"])["data"]["title"] == demand_body()["title"]
    colleague, _ = await pull_all(world, world.colleague)
    assert carried(colleague) == set()

    # Given to her: it comes; given away (raised by the manager): it goes.
    owned = await world.client.patch(
        f"{API}/demands/{others['id']}",
        json={"owner_id": str(world.worker.id)},
        headers={**world.manager.headers, "If-Match": '"v1"'},
    )
    assert owned.status_code == 200, owned.text
    later, cursor = await pull_all(world, world.worker, cursor)
    assert carried(later) == {("demand", others["id"])}
    away = await world.client.patch(
        f"{API}/demands/{others['id']}",
        json={"owner_id": str(world.colleague.id)},
        headers={**world.manager.headers, "If-Match": '"v2"'},
    )
    assert away.status_code == 200, away.text
    later, _ = await pull_all(world, world.worker, cursor)
    assert carried(later, "delete") == {("demand", others["id"])}


# -- reads done offline, on which device ---------------------------------------------------
async def test_offline_reads_name_the_device_in_the_audit_trail(world: World) -> None:
    survivor, case = await case_of(world, world.worker, SOUTH_24)
    phone = await world.created(world.worker, DEVICES, PHONE)
    form = {
        "grant_type": "password",
        "username": world.worker.email or "",
        "password": DEFAULT_PASSWORD,
        "device_id": phone["id"],
    }
    tokens = await world.client.post(TOKEN, data=form)
    assert tokens.status_code == 200, tokens.text
    bound = {
        "Authorization": f"Bearer {tokens.json()['access_token']}",
        "X-Device-Id": phone["id"],
    }
    read_at = clock.now() - timedelta(days=2)
    answer = await world.client.post(
        PUSH,
        json={
            "reads": [{"entity": "survivor", "id": str(survivor), "read_at": read_at.isoformat()}]
        },
        headers=bound,
    )
    assert answer.status_code == 200, answer.text
    events = await world.sql(
        "SELECT entity_type, entity_id, occurred_at, device_id FROM audit_event"
        " WHERE actor_id = :a AND action = 'read' AND occurred_at < now() - interval '1 day'",
        a=world.worker.id,
    )
    assert events == [("survivor", survivor, read_at, UUID(phone["id"]))]
    # An online read with the bound token names the device too; an unbound one none.
    read = await world.client.get(f"{API}/cases/{case}", headers=bound)
    assert read.status_code == 200, read.text
    unbound = await world.client.get(f"{API}/cases/{case}", headers=world.worker.headers)
    assert unbound.status_code == 200, unbound.text
    devices = await world.sql(
        "SELECT device_id FROM audit_event WHERE actor_id = :a AND action = 'read'"
        " AND entity_type = 'survivor_case' AND entity_id = :c ORDER BY seq",
        a=world.worker.id,
        c=case,
    )
    assert [d[0] for d in devices] == [UUID(phone["id"]), None]
    # The device is digested into the chain (migration 0029): the whole trail still verifies.
    admin = await world.factory.platform_admin()
    verified = await world.client.get(f"{API}/audit-events/verify", headers=admin.headers)
    assert verified.status_code == 200, verified.text
    assert verified.json()["ok"] is True, verified.json()


async def test_a_district_taken_from_her_takes_its_shgs_and_one_given_brings_them(
    world: World,
) -> None:
    south = await world.created(world.manager, f"{API}/shgs", group_body())
    member = await world.created(
        world.manager,
        f"{API}/shgs/{south['id']}/members",
        {"name": "Mita Sardar", "joined_on": group_body()["formed_on"]},
    )
    north = await world.created(
        world.manager, f"{API}/shgs", group_body(district_id=str(NORTH_24), name="Barasat SHG")
    )
    changes, cursor = await pull_all(world, world.worker)
    assert carried(changes) == {
        ("shg", south["id"]),
        ("shg_member", member["id"]),
        ("shg_balances", south["id"]),
    }

    # South 24 taken from her, North 24 given.
    await world.sql(
        "DELETE FROM user_district WHERE user_id = :u AND district_id = :s",
        s=SOUTH_24,
        u=world.worker.id,
    )
    await world.sql(
        "INSERT INTO user_district (user_id, district_id) VALUES (:u, :n)",
        n=NORTH_24,
        u=world.worker.id,
    )
    world.worker.headers = await world.factory.user_headers(world.worker.id)
    later, _ = await pull_all(world, world.worker, cursor)
    assert carried(later, "delete") == {("shg", south["id"]), ("shg_balances", south["id"])}
    assert carried(later) == {("shg", north["id"]), ("shg_balances", north["id"])}


async def test_a_district_moved_by_update_tombstones_the_old_districts_records(
    world: World,
) -> None:
    # (The change log keeps the row as it was, not only the row as it is: migration 0030.)
    await world.cases.allow_district_visibility(world.org)
    survivor, case = await case_of(world, world.worker, SOUTH_24)
    south = await world.created(world.manager, f"{API}/shgs", group_body())
    north = await world.created(
        world.manager, f"{API}/shgs", group_body(district_id=str(NORTH_24), name="Barasat SHG")
    )
    changes, cursor = await pull_all(world, world.worker)
    assert ("shg", south["id"]) in carried(changes)
    assert ("case", str(case)) in {(c["entity"], c["id"]) for c in changes}

    # Her case reassigned to nobody (seen through the district only), then the district
    # changed in place: South 24 becomes North 24.
    await world.sql("UPDATE survivor_case SET assigned_worker_id = NULL WHERE id = :c", c=case)
    await world.sql(
        "UPDATE user_district SET district_id = :n WHERE user_id = :u AND district_id = :s",
        n=NORTH_24,
        s=SOUTH_24,
        u=world.worker.id,
    )
    world.worker.headers = await world.factory.user_headers(world.worker.id)
    later, _ = await pull_all(world, world.worker, cursor)
    gone = {(c["entity"], c["id"]) for c in later if c["op"] == "delete"}
    assert {
        ("shg", south["id"]),
        ("shg_balances", south["id"]),
        ("case", str(case)),
        ("survivor", str(survivor)),
    } <= gone
    assert ("shg", north["id"]) in carried(later)


async def test_leader_group_members_are_carried_as_her_own_member_read_shows_them(
    world: World,
) -> None:
    leader = await world.factory.user(world.org, Role.survivor_leader, districts=(SOUTH_24,))
    joining = await world.factory.user(world.org, Role.survivor_leader, districts=(SOUTH_24,))
    survivor, _ = await case_of(world, world.worker, SOUTH_24)
    group = await world.created(
        world.manager,
        GROUPS,
        {"name": "Canning Collective", "district_id": str(SOUTH_24), "formed_on": "2024-03-08"},
    )
    members = f"{GROUPS}/{group['id']}/members"
    own = await world.created(
        world.manager, members, {"user_id": str(leader.id), "joined_on": "2024-03-08"}
    )
    changes, cursor = await pull_all(world, leader)
    staff_changes, staff_cursor = await pull_all(world, world.worker)
    assert carried(changes) >= {("leader_group_member", own["id"])}
    assert ("leader_group_member", own["id"]) in carried(staff_changes)

    # Another leader joins, her survivor record linked (which only case workers may see).
    joined = await world.created(
        world.manager,
        members,
        {"user_id": str(joining.id), "survivor_id": str(survivor), "joined_on": "2024-04-01"},
    )
    later, _ = await pull_all(world, leader, cursor)
    assert carried(later) == {("leader_group_member", joined["id"])}
    staff_later, _ = await pull_all(world, world.worker, staff_cursor)
    assert ("leader_group_member", joined["id"]) in carried(staff_later)
    first, _ = await pull_all(world, leader)
    for actor, pulled in ((leader, later), (leader, first), (world.worker, staff_later)):
        for change in pulled:
            if change["entity"] != "leader_group_member":
                continue
            # Exactly what her own REST read of the member shows her, field for field.
            read = await world.client.get(f"{members}/{change['id']}", headers=actor.headers)
            assert read.status_code == 200, read.text
            assert change["data"] == read.json()
    assert of(later, "leader_group_member", joined["id"])["data"]["survivor_id"] is None
    assert of(staff_later, "leader_group_member", joined["id"])["data"]["survivor_id"] == str(
        survivor
    )


# -- a page read at once answers as each record's own read ------------------------------------
REST_OF = {
    "referral": "referrals/{id}",
    "entitlement_application": "entitlement-applications/{id}",
    "shg": "shgs/{id}",
    "shg_member": "shgs/{holder}/members/{id}",
    "shg_meeting": "shgs/{holder}/meetings/{id}",
    "shg_balances": "shgs/{id}/ledger/balances",
    "leader_group": "leader-groups/{id}",
    "leader_group_member": "leader-groups/{holder}/members/{id}",
    "leader_group_meeting": "leader-groups/{holder}/meetings/{id}",
    "campaign": "campaigns/{id}",
    "demand": "demands/{id}",
    "consent": "survivors/{holder}/consents/{id}",
}


async def test_a_first_pull_reads_each_carried_record_as_its_own_endpoint_and_audits_it_once(
    world: World,
) -> None:
    survivor, case = await case_of(world, world.worker, SOUTH_24)
    await refer(world, world.worker, survivor, case)
    schemes = await world.client.get(
        f"{API}/schemes", params={"code": "pm_jan_dhan"}, headers=world.worker.headers
    )
    await world.created(
        world.worker,
        f"{API}/entitlement-applications",
        {"survivor_id": str(survivor), "scheme_id": schemes.json()["items"][0]["id"]},
    )
    shg = await world.created(world.worker, f"{API}/shgs", group_body())
    members = [
        await world.created(
            world.worker,
            f"{API}/shgs/{shg['id']}/members",
            {"name": name, "joined_on": group_body()["formed_on"]},
        )
        for name in ("Mita Sardar", "Lakshmi Das", "Rina Naskar")
    ]
    await world.push(
        world.worker,
        mutation(
            "shg_meeting",
            "create",
            uuid.uuid4(),
            {"shg_id": shg["id"], **sheet(Group(shg, members), 7)},
        ),
    )
    leader = await world.factory.user(world.org, Role.survivor_leader, districts=(SOUTH_24,))
    group = await world.created(
        world.manager,
        GROUPS,
        {"name": "Canning Collective", "district_id": str(SOUTH_24), "formed_on": "2024-03-08"},
    )
    await world.created(
        world.manager,
        f"{GROUPS}/{group['id']}/members",
        {"user_id": str(leader.id), "survivor_id": str(survivor), "joined_on": "2024-03-08"},
    )
    await world.created(
        leader, f"{GROUPS}/{group['id']}/meetings", {"held_on": "2024-04-01", "agenda": "Rally"}
    )
    await world.created(leader, f"{API}/campaigns", campaign_body(leader_group_id=group["id"]))
    await world.created(world.worker, f"{API}/demands", demand_body())

    for actor in (world.worker, leader):
        (before,) = (await world.sql("SELECT count(*) FROM audit_event"))[0]
        changes, _ = await pull_all(world, actor)
        (after,) = (await world.sql("SELECT count(*) FROM audit_event"))[0]
        reads = await world.sql(
            "SELECT entity_type, entity_id FROM audit_event WHERE actor_id = :a"
            " AND action = 'read' ORDER BY seq DESC LIMIT :n",
            a=actor.id,
            n=after - before,
        )
        audited = [(kind, str(record)) for kind, record in reads]
        checked = set()
        for change in changes:
            path = REST_OF.get(change["entity"])
            if path is None:
                continue
            data = change["data"]
            holder = data.get("shg_id") or data.get("group_id") or data.get("survivor_id")
            url = f"{API}/" + path.format(id=change["id"], holder=holder)
            read = await world.client.get(url, headers=actor.headers)
            assert read.status_code == 200, (url, read.text)
            expected = read.json()
            if change["entity"] == "shg_balances":
                expected.pop("as_of")  # (the same day: both are today's books)
                data = {k: v for k, v in data.items() if k != "as_of"}
            assert data == expected, change["entity"]
            checked.add(change["entity"])
        if actor is leader:
            assert checked == {
                "leader_group",
                "leader_group_member",
                "leader_group_meeting",
                "campaign",
            }
        else:
            assert set(REST_OF) <= checked | {"campaign"}
            # Each record sent was read once, as her reads of them one by one are audited.
            for entity, audited_as in (
                ("referral", "referral"),
                ("shg_member", "shg_member"),
                ("demand", "demand"),
                ("consent", "consent"),
            ):
                sent = [c["id"] for c in changes if c["entity"] == entity]
                assert sent
                assert all(audited.count((audited_as, i)) == 1 for i in sent), entity
