"""Offline push beyond a case's own records, each through its area's own service: referral
status steps (with the version as If-Match gives it, a stale step kept whole as a conflict),
SHG collection sheets, leader group meetings, campaigns and their reach (field by field
against her base), identification referrals; survivor leaders push their community work and
nothing else."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Role
from domain.sync.entities import SyncedEntity
from domain.sync.field_mutations import STEP_COMPANIONS, register_field_mutations
from tests.factories import NORTH_24, SOUTH_24, Actor, CaseFactory, Factory
from tests.test_leadership import campaign_body
from tests.test_shgs import Group, create_group, day, sheet

API = "/api/v1"
PUSH = f"{API}/sync/push"
CONFLICTS = f"{API}/sync/conflicts"
GROUPS = f"{API}/leader-groups"


def mutation(
    entity: str,
    op: str,
    entity_id: UUID | str,
    changes: dict[str, Any],
    base_version: int | None = None,
) -> dict[str, Any]:
    made: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "entity": entity,
        "entity_id": str(entity_id),
        "op": op,
        "changes": changes,
    }
    if base_version is not None:
        made["base_version"] = base_version
    return made


async def push(
    client: httpx.AsyncClient, actor: Actor, *mutations: dict[str, Any]
) -> list[dict[str, Any]]:
    answer = await client.post(PUSH, json={"mutations": list(mutations)}, headers=actor.headers)
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


async def created(
    client: httpx.AsyncClient, actor: Actor, url: str, body: dict[str, Any]
) -> dict[str, Any]:
    answer = await client.post(url, json=body, headers=actor.headers)
    assert answer.status_code == 201, answer.text
    record: dict[str, Any] = answer.json()
    return record


@dataclass
class World:
    org: UUID
    receiver: UUID  # another organisation, to refer to
    manager: Actor
    worker: Actor  # social worker, South 24 Parganas
    receiver_manager: Actor  # program manager of the receiving organisation
    leader: Actor  # survivor leader, member of ``group``, South 24 Parganas
    other_leader: Actor  # survivor leader of ``other_group``
    survivor: UUID
    case: UUID
    group: dict[str, Any]  # leader group in South 24
    other_group: dict[str, Any]  # leader group in North 24


@pytest.fixture
async def world(client: httpx.AsyncClient, factory: Factory) -> World:
    org = await factory.organization()
    receiver = await factory.organization()
    manager = await factory.user(org, Role.program_manager)
    worker = await factory.user(org, Role.social_worker, districts=(SOUTH_24,))
    leader = await factory.user(org, Role.survivor_leader, districts=(SOUTH_24,))
    other_leader = await factory.user(org, Role.survivor_leader, districts=(NORTH_24,))
    cases = CaseFactory(factory)
    survivor = await cases.survivor(org, district_id=SOUTH_24, name="Rupa Test")
    case = await cases.case(org, survivor, district_id=SOUTH_24, assigned_worker_id=worker.id)
    group = await created(
        client,
        manager,
        GROUPS,
        {"name": "Canning Collective", "district_id": str(SOUTH_24), "formed_on": "2024-03-08"},
    )
    other_group = await created(
        client,
        manager,
        GROUPS,
        {"name": "Barasat Collective", "district_id": str(NORTH_24), "formed_on": "2025-01-10"},
    )
    for member, of in ((leader, group), (other_leader, other_group)):
        await created(
            client,
            manager,
            f"{GROUPS}/{of['id']}/members",
            {"user_id": str(member.id), "joined_on": of["formed_on"]},
        )
    return World(
        org=org,
        receiver=receiver,
        manager=manager,
        worker=worker,
        receiver_manager=await factory.user(receiver, Role.program_manager),
        leader=leader,
        other_leader=other_leader,
        survivor=survivor,
        case=case,
        group=group,
        other_group=other_group,
    )


async def referral(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """The worker refers her (online) with her sharing consent, recorded offline."""
    consent = mutation(
        "consent",
        "create",
        uuid.uuid4(),
        {
            "survivor_id": str(world.survivor),
            "purpose": "sharing",
            "shared_with_organization_id": str(world.receiver),
            "fields": ["name", "age"],
            "method": "written",
            "language": "bn",
        },
    )
    assert [r["status"] for r in await push(client, world.worker, consent)] == ["applied"]
    return await created(
        client,
        world.worker,
        f"{API}/cases/{world.case}/referrals",
        {
            "receiving_organization_id": str(world.receiver),
            "service_kind": "counselling",
            "urgency": "urgent",
            "reason": "Sleeps badly since the trial began.",
            "shared_fields": ["name", "age"],
        },
    )


# -- referral status steps ------------------------------------------------------------------
async def test_referral_steps_are_pushed_with_their_version_as_if_match_gives_it(
    client: httpx.AsyncClient, world: World
) -> None:
    sent = await referral(client, world)
    rid = sent["id"]
    accept = mutation("referral", "update", rid, {"status": "accepted"}, base_version=1)
    step_first = await push(client, world.receiver_manager, accept)
    assert step_first[0]["status"] == "applied", step_first
    assert step_first[0]["version"] == 2

    # Retried after a lost connection: answered again, no second step.
    assert await push(client, world.receiver_manager, accept) == step_first
    # The referring side's move is refused as it is online (403), the receiver's stale
    # version is not taken as a new one: the step already taken is applied (nothing to do).
    refused = await push(
        client,
        world.worker,
        mutation("referral", "update", rid, {"status": "in_progress"}, base_version=2),
    )
    assert refused[0]["status"] == "rejected"
    assert refused[0]["problem"]["status"] == 403
    again = await push(
        client,
        world.receiver_manager,
        mutation("referral", "update", rid, {"status": "accepted"}, base_version=1),
    )
    assert again[0]["status"] == "applied"
    assert again[0]["version"] == 2

    started = await push(
        client,
        world.receiver_manager,
        mutation("referral", "update", rid, {"status": "in_progress"}, base_version=2),
    )
    assert started[0]["status"] == "applied"
    assert started[0]["version"] == 3
    current = await client.get(f"{API}/referrals/{rid}", headers=world.worker.headers)
    assert current.json()["status"] == "in_progress"
    assert [s["to_status"] for s in current.json()["history"]] == [
        "sent",
        "accepted",
        "in_progress",
    ]


async def test_a_stale_referral_step_is_kept_whole_as_a_conflict_and_resolved(
    client: httpx.AsyncClient, world: World
) -> None:
    sent = await referral(client, world)
    rid = sent["id"]
    online = await client.post(
        f"{API}/referrals/{rid}/transitions",
        json={"to": "accepted"},
        headers={**world.receiver_manager.headers, "If-Match": '"v1"'},
    )
    assert online.status_code == 200, online.text

    # Offline, on the version she had (1), she revoked it with a note.
    step = {"status": "revoked", "note": "She moved to her aunt's; no longer needed."}
    answer = await push(
        client, world.worker, mutation("referral", "update", rid, step, base_version=1)
    )
    assert answer[0]["status"] == "conflict"
    assert answer[0]["version"] == 2  # nothing applied
    (conflict,) = answer[0]["conflicts"]
    assert conflict["field"] == "status"
    assert conflict["server"] == "accepted"
    assert conflict["client"] == step  # the whole step: her note is not lost

    kept = (await client.get(CONFLICTS, headers=world.worker.headers)).json()["items"]
    assert [(k["entity"], k["entity_id"], k["client"]) for k in kept] == [("referral", rid, step)]
    resolved = await client.post(
        f"{CONFLICTS}/{kept[0]['id']}/resolve",
        json={"value": kept[0]["client"]},
        headers=world.worker.headers,
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["version"] == 3
    current = (await client.get(f"{API}/referrals/{rid}", headers=world.worker.headers)).json()
    assert current["status"] == "revoked"
    assert current["history"][-1]["note"] == step["note"]
    assert (await client.get(CONFLICTS, headers=world.worker.headers)).json()["items"] == []


async def test_resolving_with_the_servers_value_changes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    sent = await referral(client, world)
    rid = sent["id"]
    online = await client.post(
        f"{API}/referrals/{rid}/transitions",
        json={"to": "accepted"},
        headers={**world.receiver_manager.headers, "If-Match": '"v1"'},
    )
    assert online.status_code == 200, online.text
    answer = await push(
        client,
        world.worker,
        mutation("referral", "update", rid, {"status": "revoked"}, base_version=1),
    )
    conflict_id = (await client.get(CONFLICTS, headers=world.worker.headers)).json()["items"][0]
    assert answer[0]["status"] == "conflict"
    resolved = await client.post(
        f"{CONFLICTS}/{conflict_id['id']}/resolve",
        json={"value": "accepted"},
        headers=world.worker.headers,
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["version"] == 2
    current = (await client.get(f"{API}/referrals/{rid}", headers=world.worker.headers)).json()
    assert (current["status"], current["version"]) == ("accepted", 2)


# -- SHG collection sheets ------------------------------------------------------------------
async def shg_members(client: httpx.AsyncClient, actor: Actor) -> Group:
    shg = await create_group(client, actor)
    members = [
        await created(
            client,
            actor,
            f"{API}/shgs/{shg['id']}/members",
            {"name": name, "joined_on": day(0)},
        )
        for name in ("Mita Sardar", "Lakshmi Das", "Rina Naskar")
    ]
    return Group(shg, members)


async def test_a_collection_sheet_recorded_offline_posts_its_money_once(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    group = await shg_members(client, world.worker)
    meeting_id = uuid.uuid4()
    good = mutation("shg_meeting", "create", meeting_id, {"shg_id": group.id, **sheet(group, 7)})
    stranger = str(uuid.uuid4())
    bad_sheet = sheet(group, 14)
    bad_sheet["savings"] = [{"member_id": stranger, "amount_paise": 2000}]
    bad = mutation("shg_meeting", "create", uuid.uuid4(), {"shg_id": group.id, **bad_sheet})
    results = await push(client, world.worker, good, bad)
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert results[1]["problem"]["status"] == 422
    assert stranger not in str(results[1]["problem"])

    assert await push(client, world.worker, good, bad) == results  # a retry
    meetings = (
        await connection.execute(
            text(
                "SELECT m.id, (SELECT sum(amount_paise) FROM shg_ledger_entry e"
                " WHERE e.meeting_id = m.id) FROM shg_meeting m WHERE m.shg_id = :s"
            ),
            {"s": group.id},
        )
    ).all()
    assert meetings == [(meeting_id, 3 * 2000)]
    read = await client.get(group.url(f"/meetings/{meeting_id}"), headers=world.worker.headers)
    assert read.status_code == 200, read.text
    assert read.json()["minutes"] == "Savings collected at the anganwadi centre."

    # Someone outside the group's district is refused as she is online.
    colleague = await push(
        client,
        world.other_leader,
        mutation("shg_meeting", "create", uuid.uuid4(), {"shg_id": group.id, **sheet(group, 21)}),
    )
    assert colleague[0]["status"] == "rejected"
    assert colleague[0]["problem"]["status"] in (403, 404)


# -- the community work of survivor leaders -------------------------------------------------
async def test_a_survivor_leader_pushes_her_groups_meeting_campaign_and_referral(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    meeting = uuid.uuid4()
    campaign = uuid.uuid4()
    referral_id = uuid.uuid4()
    results = await push(
        client,
        world.leader,
        mutation(
            "leader_group_meeting",
            "create",
            meeting,
            {
                "group_id": world.group["id"],
                "held_on": day(390),
                "agenda": "Plan the rally",
                "decisions": ["Rally at Canning station"],
            },
        ),
        mutation(
            "leader_group_meeting",
            "create",
            uuid.uuid4(),
            {"group_id": world.other_group["id"], "held_on": day(390)},
        ),
        mutation("campaign", "create", campaign, campaign_body(leader_group_id=world.group["id"])),
        mutation(
            "identification_referral",
            "create",
            referral_id,
            {
                "concern": "at_risk",
                "name": "Rina (called Buri)",
                "observations": "A man from outside promised her a job in Delhi.",
            },
        ),
        mutation("case_note", "create", uuid.uuid4(), {"case_id": str(world.case), "body": "x"}),
    )
    assert [r["status"] for r in results] == [
        "applied",
        "rejected",
        "applied",
        "applied",
        "rejected",
    ], results
    assert results[1]["problem"]["status"] == 404  # not her group: as if it did not exist
    assert results[4]["problem"]["status"] == 403  # a leader keeps no case notes
    assert "Buri" not in str(results)  # her referral is never sent back to her phone

    decisions = await client.get(
        f"{GROUPS}/{world.group['id']}/meetings/{meeting}", headers=world.leader.headers
    )
    assert decisions.json()["decisions"] == ["Rally at Canning station"]
    lead = await client.get(
        f"{API}/identification-referrals/{referral_id}", headers=world.manager.headers
    )
    assert lead.status_code == 200, lead.text
    assert (lead.json()["name"], lead.json()["district_id"]) == (
        "Rina (called Buri)",
        str(SOUTH_24),
    )
    counted = await connection.execute(
        text("SELECT count(*) FROM campaign WHERE id = :c AND reached_youth = 45"),
        {"c": campaign},
    )
    assert counted.scalar_one() == 1


async def test_campaign_reach_merges_field_by_field_with_changes_on_the_server(
    client: httpx.AsyncClient, world: World
) -> None:
    campaign = uuid.uuid4()
    first = await push(
        client,
        world.leader,
        mutation("campaign", "create", campaign, campaign_body(leader_group_id=world.group["id"])),
    )
    assert (first[0]["status"], first[0]["version"]) == ("applied", 1)
    # Meanwhile the program manager corrects the youth reached (version 2).
    corrected = await client.patch(
        f"{API}/campaigns/{campaign}",
        json={"reached_youth": 60},
        headers={**world.manager.headers, "If-Match": '"v1"'},
    )
    assert corrected.status_code == 200, corrected.text

    # Offline, on version 1, she counted the youth again and the children and wrote outcomes.
    answer = await push(
        client,
        world.leader,
        mutation(
            "campaign",
            "update",
            campaign,
            {"reached_youth": 70, "reached_children": 35, "outcomes": "A second show asked."},
            base_version=1,
        ),
    )
    assert answer[0]["status"] == "conflict"
    assert answer[0]["conflicts"] == [
        {"field": "reached_youth", "server": 60, "base": 45, "client": 70}
    ]
    now = (await client.get(f"{API}/campaigns/{campaign}", headers=world.leader.headers)).json()
    assert (now["reached_youth"], now["reached_children"], now["outcomes"]) == (
        60,
        35,
        "A second show asked.",
    )
    assert now["version"] == answer[0]["version"] == 3
    kept = (await client.get(CONFLICTS, headers=world.leader.headers)).json()["items"]
    assert [(k["entity"], k["field"], k["client"]) for k in kept] == [
        ("campaign", "reached_youth", 70)
    ]


# -- corrections of a survivor's record and of a case ---------------------------------------
async def test_survivor_and_case_corrections_merge_field_by_field(
    client: httpx.AsyncClient, world: World
) -> None:
    survivor_url = f"{API}/survivors/{world.survivor}"
    before = (await client.get(survivor_url, headers=world.worker.headers)).json()
    first = await push(
        client,
        world.worker,
        mutation(
            "survivor",
            "update",
            world.survivor,
            {"phone": "+91 98300 11111"},
            base_version=before["version"],
        ),
    )
    assert first[0]["status"] == "applied", first
    given = first[0]["version"]
    given_phone = (await client.get(survivor_url, headers=world.worker.headers)).json()["phone"]
    # Her program manager corrects the phone online meanwhile.
    online = await client.patch(
        survivor_url,
        json={"phone": "+91 98300 22222"},
        headers={**world.manager.headers, "If-Match": f'"v{given}"'},
    )
    assert online.status_code == 200, online.text
    server_phone = online.json()["phone"]

    answer = await push(
        client,
        world.worker,
        mutation(
            "survivor",
            "update",
            world.survivor,
            {"phone": "+91 98300 33333", "languages": ["bn", "hi"]},
            base_version=given,
        ),
    )
    assert answer[0]["status"] == "conflict", answer
    assert answer[0]["conflicts"] == [
        {"field": "phone", "server": server_phone, "base": given_phone, "client": "+91 98300 33333"}
    ]
    now = (await client.get(survivor_url, headers=world.worker.headers)).json()
    assert (now["phone"], now["languages"]) == (server_phone, ["bn", "hi"])

    case_url = f"{API}/cases/{world.case}"
    case = (await client.get(case_url, headers=world.worker.headers)).json()
    risk = await push(
        client,
        world.worker,
        mutation(
            "case", "update", world.case, {"risk_level": "high"}, base_version=case["version"]
        ),
    )
    assert (risk[0]["status"], risk[0]["version"]) == ("applied", case["version"] + 1)
    assert (await client.get(case_url, headers=world.worker.headers)).json()["risk_level"] == "high"

    # A survivor leader corrects no survivor's record, offline as online.
    refused = await push(
        client,
        world.leader,
        mutation("survivor", "update", world.survivor, {"phone": "+91 98300 44444"}, 1),
    )
    assert refused[0]["status"] == "rejected"
    assert refused[0]["problem"]["status"] in (403, 404)


async def test_a_note_without_its_step_is_refused(client: httpx.AsyncClient, world: World) -> None:
    sent = await referral(client, world)
    answer = await push(
        client,
        world.receiver_manager,
        mutation("referral", "update", sent["id"], {"note": "Called her."}, base_version=1),
    )
    assert answer[0]["status"] == "rejected"
    assert answer[0]["problem"]["status"] == 400
    current = await client.get(f"{API}/referrals/{sent['id']}", headers=world.worker.headers)
    assert (current.json()["status"], current.json()["version"]) == ("sent", 1)


def test_registering_keeps_a_reader_registered_elsewhere_and_adds_the_mutations() -> None:
    async def elsewhere(*_: Any) -> Any:
        return {}

    registry = {
        name: SyncedEntity(name, elsewhere, read_many=elsewhere)
        for name in ("survivor", "case", "referral")
    }
    register_field_mutations(registry)
    assert registry["referral"].read is elsewhere
    assert registry["referral"].read_many is elsewhere
    assert registry["referral"].update is not None
    assert registry["referral"].companions == STEP_COMPANIONS
    assert registry["survivor"].update is not None
    assert registry["survivor"].read is elsewhere
    assert registry["campaign"].create is not None
    assert registry["campaign"].update is not None
    assert registry["identification_referral"].update is None  # never sent back to her
