"""Case notes: sealed, append-only, corrections as new notes, restricted (counselling) notes
that only their author and program managers see, audit, and who may do what."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Role
from persistence.crypto import Place
from persistence.models.case_vocabulary import CaseStatus
from tests.factories import SOUTH_24, Actor, Factory
from tests.helpers import audit_of, without_request
from tests.worlds import CASE_PEOPLE, CaseWorld, Client, person, with_people, world_fixture

API = "/api/v1"
SURVIVOR_NAME = "Rekha Mondal"
STANDARD = "Met her mother at the haat; the family wants her home"
COUNSELLING = "Counselling: flashbacks when she passes the Diamond Harbour bus stand"


def notes_url(case_id: UUID) -> str:
    return f"{API}/cases/{case_id}/notes"


class World(CaseWorld):
    """Two organisations; in A two program managers, the social worker the case is assigned
    to, another of the same district, one of another district; B's people; the roles that see
    no case; integration clients with and without the scopes."""

    people = with_people(
        CASE_PEOPLE,
        after="pm_a",
        pm_a2=person("org_a", Role.program_manager),
        sw_a=person("org_a", Role.social_worker, SOUTH_24, name="Rupa Das"),
    )
    # notes:manage is a person's act (notes are signed): written into the rows directly,
    # as a tampered database would hold it; it is refused all the same.
    clients = {
        "client_a": Client("org_a", Role.program_manager),
        "client_pm_a": Client(
            "org_a", Role.program_manager, ("notes:read", "notes:manage"), unchecked=True
        ),
        "client_pm_b": Client(
            "org_b", Role.program_manager, ("notes:read", "notes:manage"), unchecked=True
        ),
    }
    survivor_name = SURVIVOR_NAME


world = world_fixture(World)


async def write(
    client: httpx.AsyncClient, actor: Actor, case_id: UUID, body: str = STANDARD, **extra: Any
) -> httpx.Response:
    return await client.post(
        notes_url(case_id), json={"body": body, **extra}, headers=actor.headers
    )


async def written(
    client: httpx.AsyncClient, actor: Actor, case_id: UUID, body: str = STANDARD, **extra: Any
) -> dict[str, Any]:
    response = await write(client, actor, case_id, body, **extra)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def notes_count(connection: AsyncConnection) -> int:
    return int(await connection.scalar(sa.text("SELECT count(*) FROM case_note")) or 0)


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [note["id"] for note in response.json()["items"]]


# -- writing --------------------------------------------------------------------------------
async def test_a_note_is_written_in_her_name_and_sealed(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, factory: Factory
) -> None:
    response = await write(client, world.sw_a, world.case)
    assert response.status_code == 201, response.text
    note = response.json()
    assert response.headers["location"] == f"{notes_url(world.case)}/{note['id']}"
    assert response.headers["etag"] == '"v1"'
    assert note["body"] == STANDARD
    assert note["author_id"] == str(world.sw_a.id)
    assert note["author_name"] == "Rupa Das"
    assert note["confidentiality"] == "standard"
    assert note["corrects_id"] is None
    row = (
        await connection.execute(
            sa.text("SELECT body_enc, author_id, district_id FROM case_note WHERE id = :id"),
            {"id": note["id"]},
        )
    ).one()
    assert b"haat" not in bytes(row.body_enc)
    assert (row.author_id, row.district_id) == (world.sw_a.id, SOUTH_24)
    # bound to its row: the sealed body opens only there
    async with factory.uow() as uow:
        opened = uow.cipher.open_json(
            bytes(row.body_enc), Place("case_note", "body_enc", UUID(note["id"]))
        )
    assert opened == {"body": STANDARD}
    audit = await audit_of(connection, response)
    assert ("create", "case_note", UUID(note["id"]), world.org_a) in [tuple(a) for a in audit]
    # a note is not a step of the case's progress map
    assert await connection.scalar(sa.text("SELECT count(*) FROM case_event")) == 0


async def test_notes_are_append_only(client: httpx.AsyncClient, world: World) -> None:
    note = await written(client, world.sw_a, world.case)
    url = f"{notes_url(world.case)}/{note['id']}"
    headers = {**world.sw_a.headers, "If-Match": '"v1"'}
    assert (await client.patch(url, json={"body": "x"}, headers=headers)).status_code == 405
    assert (await client.delete(url, headers=headers)).status_code == 405
    assert (await client.put(url, json={"body": "x"}, headers=headers)).status_code == 405
    assert (await client.get(url, headers=world.sw_a.headers)).json() == note


async def test_a_correction_is_a_new_note_naming_the_old_one(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, factory: Factory
) -> None:
    note = await written(client, world.sw_a, world.case, "She is 17")
    fixed = await written(client, world.sw_a, world.case, "She is 19", corrects_id=note["id"])
    assert fixed["corrects_id"] == note["id"]
    original = await client.get(f"{notes_url(world.case)}/{note['id']}", headers=world.pm_a.headers)
    assert original.json()["body"] == "She is 17"
    listed = await client.get(notes_url(world.case), headers=world.pm_a.headers)
    assert [(n["body"], n["corrects_id"]) for n in listed.json()["items"]] == [
        ("She is 17", None),
        ("She is 19", note["id"]),
    ]
    # the reference is as private as the text: inside the sealed document
    sealed = await connection.scalar(
        sa.text("SELECT body_enc FROM case_note WHERE id = :id"), {"id": fixed["id"]}
    )
    assert note["id"].encode() not in bytes(sealed)
    async with factory.uow() as uow:
        opened = uow.cipher.open_json(
            bytes(sealed), Place("case_note", "body_enc", UUID(fixed["id"]))
        )
    assert opened == {"body": "She is 19", "corrects_id": note["id"]}


async def test_a_correction_must_name_a_readable_note_of_the_case(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    other_case = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id
    )
    elsewhere = await written(client, world.sw_a, other_case)
    counselling = await written(
        client, world.pm_a, world.case, COUNSELLING, confidentiality="restricted"
    )
    before = await notes_count(connection)
    answers = {}
    for label, corrects in (
        ("other case", elsewhere["id"]),
        ("missing", str(uuid.uuid4())),
        ("restricted, not hers", counselling["id"]),
    ):
        response = await write(client, world.sw_a, world.case, corrects_id=corrects)
        assert response.status_code == 422, (label, response.text)
        assert response.json()["errors"][0]["loc"] == ["body", "corrects_id"]
        answers[label] = without_request(response.json())
    # a restricted note she may not read is refused like one that does not exist
    assert answers["restricted, not hers"] == answers["missing"]
    # the correction of a restricted note stays restricted
    lowered = await write(client, world.pm_a, world.case, corrects_id=counselling["id"])
    assert lowered.status_code == 422
    assert lowered.json()["errors"][0]["loc"] == ["body", "confidentiality"]
    assert await notes_count(connection) == before
    kept = await write(
        client,
        world.pm_a,
        world.case,
        "Correction",
        corrects_id=counselling["id"],
        confidentiality="restricted",
    )
    assert kept.status_code == 201, kept.text


@pytest.mark.parametrize(
    "body",
    [
        {"body": ""},
        {"body": "   "},
        {"body": "x" * 20_001},
        {"body": STANDARD, "confidentiality": "secret"},
        {"body": STANDARD, "author_id": str(uuid.uuid4())},
        {"body": STANDARD, "organization_id": str(uuid.uuid4())},
        {"body": STANDARD, "corrects_id": "not-a-uuid"},
        {},
    ],
)
async def test_invalid_notes_are_422_and_change_nothing(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, body: dict[str, Any]
) -> None:
    response = await client.post(notes_url(world.case), json=body, headers=world.sw_a.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert STANDARD not in response.text
    assert await notes_count(connection) == 0


async def test_a_closed_case_still_takes_notes(client: httpx.AsyncClient, world: World) -> None:
    closed = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id, status=CaseStatus.closed
    )
    response = await write(client, world.sw_a, closed, "Called her after closure: doing well")
    assert response.status_code == 201, response.text


async def test_creates_are_idempotent_and_honour_a_client_id(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    headers = {**world.sw_a.headers, "Idempotency-Key": "note-1"}
    body = {"body": STANDARD}
    first = await client.post(notes_url(world.case), json=body, headers=headers)
    again = await client.post(notes_url(world.case), json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await notes_count(connection) == 1
    other = await client.post(notes_url(world.case), json={"body": "other"}, headers=headers)
    assert other.status_code == 422
    assert await notes_count(connection) == 1
    chosen = str(uuid.uuid4())
    assert (await write(client, world.sw_a, world.case, id=chosen)).json()["id"] == chosen
    assert (await write(client, world.pm_a, world.case, id=chosen)).status_code == 409


async def test_integration_clients_do_not_write_notes(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    response = await write(client, world.client_pm_a, world.case)
    assert response.status_code == 403, response.text
    assert await notes_count(connection) == 0
    denied = await connection.scalar(
        sa.text(
            "SELECT count(*) FROM audit_event WHERE actor_id = :a AND action = 'permission_denied'"
        ),
        {"a": world.client_pm_a.id},
    )
    assert denied == 1


# -- restricted notes -----------------------------------------------------------------------
async def test_restricted_notes_show_to_their_author_and_program_managers_only(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    await world.cases.allow_district_visibility(world.org_a)  # sw_a2 sees the case
    standard = await written(client, world.sw_a, world.case)
    mine = await written(client, world.sw_a, world.case, COUNSELLING, confidentiality="restricted")
    managers = await written(
        client, world.pm_a, world.case, "Manager's restricted note", confidentiality="restricted"
    )
    everything = [standard["id"], mine["id"], managers["id"]]
    # her own restricted note and the standard one; not the manager's
    assert ids(await client.get(notes_url(world.case), headers=world.sw_a.headers)) == [
        standard["id"],
        mine["id"],
    ]
    for manager in (world.pm_a, world.pm_a2):
        assert ids(await client.get(notes_url(world.case), headers=manager.headers)) == everything
    # another social worker who sees the case sees none of them, in any list or read
    for other in (world.sw_a2, world.client_pm_a):
        listed = await client.get(
            notes_url(world.case), params={"include_total": "true"}, headers=other.headers
        )
        assert ids(listed) == [standard["id"]]
        assert listed.json()["total"] == 1
        assert COUNSELLING not in listed.text
        only_restricted = await client.get(
            notes_url(world.case),
            params={"confidentiality": "restricted", "include_total": "true"},
            headers=other.headers,
        )
        assert ids(only_restricted) == []
        assert only_restricted.json()["total"] == 0
        read = await client.get(f"{notes_url(world.case)}/{mine['id']}", headers=other.headers)
        missing = await client.get(f"{notes_url(world.case)}/{uuid.uuid4()}", headers=other.headers)
        assert read.status_code == missing.status_code == 404
        assert without_request(read.json()) == without_request(missing.json())
        # unseen notes are not audited as read: the 404 is recorded as a probe, naming no
        # note (once per caller and window; the next 404 only adds to its count)
        assert [(a.action, a.entity_id) for a in await audit_of(connection, read)] == [
            ("not_found", None)
        ]
        assert await audit_of(connection, missing) == []
        assert [a.action for a in await audit_of(connection, listed)] == ["search", "read"]
    read = await client.get(f"{notes_url(world.case)}/{managers['id']}", headers=world.sw_a.headers)
    assert read.status_code == 404
    for reader in (world.sw_a, world.pm_a, world.pm_a2):
        read = await client.get(f"{notes_url(world.case)}/{mine['id']}", headers=reader.headers)
        assert read.status_code == 200
        assert read.json()["body"] == COUNSELLING


# -- reading --------------------------------------------------------------------------------
async def test_lists_page_oldest_first_and_audit_each_note(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    made = [(await written(client, world.sw_a, world.case, f"Note {n}"))["id"] for n in range(5)]
    other_case = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id
    )
    await written(client, world.sw_a, other_case)
    seen: list[str] = []
    cursor = None
    pages = []
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await client.get(notes_url(world.case), params=params, headers=world.pm_a.headers)
        pages.append(page)
        seen += ids(page)
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert seen == made
    # Each note names its author (one lookup per page).
    assert {n["author_name"] for p in pages for n in p.json()["items"]} == {"Rupa Das"}
    audit = await audit_of(connection, pages[0])
    assert sorted((a.action, str(a.entity_id)) for a in audit) == sorted(
        [("search", "None"), ("read", made[0]), ("read", made[1])]
    )
    assert all(a.organization_id == world.org_a for a in audit)
    one = await client.get(f"{notes_url(world.case)}/{made[2]}", headers=world.pm_a.headers)
    assert one.headers["etag"] == '"v1"'
    assert [(a.action, str(a.entity_id)) for a in await audit_of(connection, one)] == [
        ("read", made[2])
    ]
    # a note is read only through its own case
    assert (
        await client.get(f"{notes_url(other_case)}/{made[2]}", headers=world.pm_a.headers)
    ).status_code == 404


# -- who may do what ------------------------------------------------------------------------
# Columns: list the case's notes, read a standard note, read the assigned worker's restricted
# note, write a note. Integration clients never write notes (403, whatever their scope).
MATRIX = """
actor          list  read  restricted  write
pm_a            200   200         200    201
sw_a            200   200         200    201
sw_a2           404   404         404    404
sw_a2_shared    200   200         404    201
sw_north        404   404         404    404
pm_b            404   404         404    404
sw_b            404   404         404    404
partner_b       403   403         403    403
analyst_a       403   403         403    403
leader_a        403   403         403    403
auditor_a       403   403         403    403
admin           403   403         403    403
client_a        403   403         403    403
client_pm_a     200   200         404    403
client_pm_b     404   404         404    403
"""
ROWS = [line.split() for line in MATRIX.strip().splitlines()[1:]]


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
async def test_who_may_do_what(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, row: list[str]
) -> None:
    name, *cells = row
    want = dict(zip(("list", "read", "restricted", "write"), map(int, cells), strict=True))
    if name == "sw_a2_shared":
        await world.cases.allow_district_visibility(world.org_a)
        name = "sw_a2"
    actor: Actor = getattr(world, name)
    standard = await written(client, world.sw_a, world.case)
    restricted = await written(
        client, world.sw_a, world.case, COUNSELLING, confidentiality="restricted"
    )
    before = await notes_count(connection)

    listed = await client.get(notes_url(world.case), headers=actor.headers)
    read = await client.get(f"{notes_url(world.case)}/{standard['id']}", headers=actor.headers)
    secret = await client.get(f"{notes_url(world.case)}/{restricted['id']}", headers=actor.headers)
    made = await write(client, actor, world.case, "A note of the matrix")
    got = {
        "list": listed.status_code,
        "read": read.status_code,
        "restricted": secret.status_code,
        "write": made.status_code,
    }
    assert got == want, [r.text[:200] for r in (listed, read, secret, made)]

    for response in (listed, read, secret, made):
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert STANDARD not in response.text
            assert COUNSELLING not in response.text
            assert SURVIVOR_NAME not in response.text
    if want["list"] == 200:
        shown = ids(listed)
        assert standard["id"] in shown
        assert (restricted["id"] in shown) == (want["restricted"] == 200)
        if want["restricted"] != 200:
            assert COUNSELLING not in listed.text
    if want["read"] == 404:
        missing = await client.get(
            f"{notes_url(uuid.uuid4())}/{uuid.uuid4()}", headers=actor.headers
        )
        assert without_request(read.json()) == without_request(missing.json())
    if want["write"] == 201:
        assert made.json()["author_id"] == str(actor.id)
    else:
        assert await notes_count(connection) == before
