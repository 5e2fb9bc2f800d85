"""A replayed create answers only while the caller may still see what it created.

The stored answer of a create sent with an Idempotency-Key can hold personal data (a case's
context, a member's name). A social worker whose case was reassigned, or whose district was
taken away, must not read it back by sending the key again: the replay re-reads the record in
her scope as it is now and answers 404 like any record outside it. Every replay is audited.
"""

from __future__ import annotations

import uuid

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Role
from tests.factories import NORTH_24, SOUTH_24, CaseFactory, Factory
from tests.helpers import without_request
from tests.test_shgs import SHGS, group_body

API = "/api/v1"
DETAILS = "Held in a flat above the Kamathipura tea stall"
MEMBER_NAME = "Mita Sardar"


async def replays(connection: AsyncConnection) -> list[tuple[str, str]]:
    rows = await connection.execute(
        sa.text(
            "SELECT entity_id, outcome FROM audit_event WHERE action = 'replay'"
            " AND entity_type = 'idempotency_record' ORDER BY seq"
        )
    )
    return [(str(entity_id), outcome) for entity_id, outcome in rows]


async def test_a_replay_after_her_case_was_reassigned_answers_404(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    org = await factory.organization("Org A")
    pm = await factory.user(org, Role.program_manager)
    rupa = await factory.user(org, Role.social_worker, districts=(SOUTH_24,))
    mina = await factory.user(org, Role.social_worker, districts=(SOUTH_24,))
    survivor = await CaseFactory(factory).survivor(org, created_by=rupa.id)
    body = {
        "survivor_id": str(survivor),
        "district_id": str(SOUTH_24),
        "referral_source": "police_ahtu",
        "trafficking_status": "actual",
        "exploitation_types": ["sexual_exploitation"],
        "details": DETAILS,
    }
    headers = {**rupa.headers, "Idempotency-Key": "open-case-1"}
    opened = await client.post(f"{API}/cases", json=body, headers=headers)
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    assert DETAILS in opened.text

    # While the case is hers, the replay answers the first answer again (audited).
    again = await client.post(f"{API}/cases", json=body, headers=headers)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == opened.json()
    assert await replays(connection) == [(case_id, "success")]

    reassigned = await client.post(
        f"{API}/cases/{case_id}/assignment",
        json={"assigned_worker_id": str(mina.id), "reason": "Mina takes over the village."},
        headers={**pm.headers, "If-Match": f'"v{opened.json()["version"]}"'},
    )
    assert reassigned.status_code == 200, reassigned.text

    refused = await client.post(f"{API}/cases", json=body, headers=headers)
    assert refused.status_code == 404, refused.text
    assert DETAILS not in refused.text
    assert case_id not in refused.text
    assert "idempotent-replayed" not in refused.headers
    # Exactly what a case of another organisation answers her.
    foreign = await client.get(f"{API}/cases/{uuid.uuid4()}", headers=rupa.headers)
    assert without_request(refused.json()) == without_request(foreign.json())
    # The refused replay is kept in the trail though the request failed.
    assert await replays(connection) == [(case_id, "success"), (case_id, "denied")]
    count = await connection.scalar(sa.text("SELECT count(*) FROM survivor_case"))
    assert count == 1


async def test_a_replay_after_her_district_was_taken_away_answers_404(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    org = await factory.organization("Org A")
    admin = await factory.platform_admin()
    worker = await factory.user(org, Role.social_worker, districts=(SOUTH_24,))
    group_headers = {**worker.headers, "Idempotency-Key": "form-group-1"}
    group = await client.post(SHGS, json=group_body(), headers=group_headers)
    assert group.status_code == 201, group.text
    member_url = f"{SHGS}/{group.json()['id']}/members"
    member_body = {"name": MEMBER_NAME, "role": "treasurer", "joined_on": group_body()["formed_on"]}
    member_headers = {**worker.headers, "Idempotency-Key": "enrol-mita-1"}
    member = await client.post(member_url, json=member_body, headers=member_headers)
    assert member.status_code == 201, member.text

    # She moves to North 24 Parganas: the South group is no longer hers.
    before = await client.get(f"{API}/users/{worker.id}", headers=admin.headers)
    moved = await client.patch(
        f"{API}/users/{worker.id}",
        json={"district_ids": [str(NORTH_24)]},
        headers={**admin.headers, "If-Match": before.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    now = await factory.user_headers(worker.id)

    for url, body, key, created in (
        (SHGS, group_body(), "form-group-1", group),
        (member_url, member_body, "enrol-mita-1", member),
    ):
        replay = await client.post(url, json=body, headers={**now, "Idempotency-Key": key})
        assert replay.status_code == 404, replay.text
        assert MEMBER_NAME not in replay.text
        assert created.json()["id"] not in replay.text
        missing = await client.get(f"{SHGS}/{uuid.uuid4()}", headers=now)
        assert without_request(replay.json()) == without_request(missing.json())
    assert await replays(connection) == [
        (group.json()["id"], "denied"),
        (member.json()["id"], "denied"),
    ]
