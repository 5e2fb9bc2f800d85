"""Survivors through the API: intake with its duplicate check, reads with sealed fields opened,
exact-match search, lists and their filters, corrections with If-Match, auditing, and the
authorization matrix (foreign records 404; lists, search and filters never show another
organisation's or another worker's survivors)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from domain.common.principal import Role
from domain.common.settings import Settings
from domain.survivors.service import normalize_name, normalize_phone
from persistence.database import Database
from tests.factories import NORTH_24, SOUTH_24, Actor, Factory
from tests.helpers import problem
from tests.worlds import MATRIX_ACTORS, matrix_cast

API = "/api/v1"
SURVIVORS = f"{API}/survivors"
SEARCH = f"{SURVIVORS}/search"
PROBLEM = "application/problem+json"
DUPLICATE_TYPE = "urn:shakti-mis:problem:possible-duplicate"
FULLWIDTH_RUPA = "\uff32\uff55\uff50\uff41"  # "Rupa" in full-width letters (NFKC: Rupa)


# -- helpers ------------------------------------------------------------------------------
def survivor_body(
    given: str = "Rupa",
    family: str | None = "Mondal",
    phone: str | None = "+91 98300 12345",
    district: UUID | None = SOUTH_24,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "given_name": given,
        "sex": "female",
        "estimated_age": 19,
        "languages": ["bn", "hi"],
    }
    if family is not None:
        body["family_name"] = family
    if phone is not None:
        body["phone"] = phone
    if district is not None:
        body["home_address"] = {
            "village": "Uttar Durgapur",
            "gram_panchayat": "Durgapur",
            "district_id": str(district),
        }
    body.update(extra)
    return body


def full_body() -> dict[str, Any]:
    return survivor_body(
        aliases=["Rupu", "Rupali"],
        gender_identity="woman",
        estimated_age=None,
        date_of_birth="2004-03-14",
        current_address={"details": "c/o shelter, room 4", "village": "Baruipur"},
        identity_documents=[
            {"kind": "aadhaar", "number": "2345 6789 0123"},
            {"kind": "ration_card", "number": "WB-RC-778812"},
            {"kind": "voter_id"},
        ],
        family_members=[
            {"name": "Sabita Mondal", "relationship": "mother", "phone": "9830055555",
             "safe_contact": True},
            {"name": "Haru Sheikh", "relationship": "uncle"},
        ],
        safe_contact={"channel": "sms", "times": "weekdays 11-13", "code_word": "shapla",
                      "never_call": True},
    )  # fmt: skip


async def register(
    client: httpx.AsyncClient, who: Actor, body: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    response = await client.post(
        SURVIVORS, json=body or survivor_body(**kwargs), headers=who.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


async def audit_actions(connection: AsyncConnection, entity_id: str | None = None) -> list[str]:
    sql = "SELECT action FROM audit_event WHERE entity_type = 'survivor'"
    params: dict[str, Any] = {}
    if entity_id is not None:
        sql += " AND entity_id = :id"
        params["id"] = entity_id
    rows = await connection.execute(sa.text(sql + " ORDER BY seq"), params)
    return [row[0] for row in rows]


@pytest.fixture
async def org_a(factory: Factory) -> UUID:
    return await factory.organization("Org A")


@pytest.fixture
async def pm_a(factory: Factory, org_a: UUID) -> Actor:
    return await factory.user(org_a, Role.program_manager)


# -- normalisation ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    ["+91 98300 12345", "098300-12345", "9830012345", "0091 98300 12345", "+91-(983)-001-2345"],
)
def test_indian_phone_numbers_normalise_to_ten_digits(raw: str) -> None:
    assert normalize_phone(raw) == "9830012345"


def test_foreign_numbers_keep_their_country_code() -> None:
    assert normalize_phone("+880 1712 345678") == "8801712345678"
    assert normalize_phone("  ") is None


def test_names_normalise_by_case_spacing_and_unicode_form() -> None:
    assert normalize_name("  RUPA ", "  Mondal") == "rupa mondal"
    assert normalize_name(FULLWIDTH_RUPA, "MONDAL") == "rupa mondal"  # full-width letters (NFKC)
    assert normalize_name("Straße") == normalize_name("STRASSE")  # case folding
    assert normalize_name("রূপা  মণ্ডল") == "রূপা মণ্ডল"
    assert normalize_name(None, "") is None


# -- intake and reading -------------------------------------------------------------------
async def test_register_and_read_back_every_field(
    client: httpx.AsyncClient, pm_a: Actor, connection: AsyncConnection
) -> None:
    response = await client.post(SURVIVORS, json=full_body(), headers=pm_a.headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["Location"] == f"{SURVIVORS}/{created['id']}"
    assert response.headers["ETag"] == '"v1"'

    read = await client.get(f"{SURVIVORS}/{created['id']}", headers=pm_a.headers)
    assert read.status_code == 200, read.text
    assert read.headers["ETag"] == '"v1"'
    assert "no-store" in read.headers["cache-control"]
    survivor = read.json()
    assert survivor == created
    assert survivor["organization_id"] == str(pm_a.organization_id)
    assert survivor["district_id"] == str(SOUTH_24)
    assert survivor["given_name"] == "Rupa"
    assert survivor["aliases"] == ["Rupu", "Rupali"]
    assert survivor["date_of_birth"] == "2004-03-14"
    assert survivor["birth_year"] == 2004
    assert survivor["age_is_estimate"] is False
    assert survivor["age"] >= 21
    assert survivor["phone"] == "+91 98300 12345"
    assert survivor["identity_document_kinds"] == ["aadhaar", "ration_card", "voter_id"]
    assert {d["number"] for d in survivor["identity_documents"]} == {
        "2345 6789 0123",
        "WB-RC-778812",
        None,
    }
    family = {m["name"]: m for m in survivor["family_members"]}
    # Nobody is a safe contact unless she says so.
    assert family["Haru Sheikh"]["safe_contact"] is False
    assert family["Sabita Mondal"]["safe_contact"] is True
    assert survivor["safe_contact"] == {
        "channel": "sms",
        "times": "weekdays 11-13",
        "code_word": "shapla",
        "never_call": True,
    }
    assert survivor["current_address"]["details"] == "c/o shelter, room 4"
    assert survivor["created_by"] == str(pm_a.id)

    # In the table: only the plain columns, the rest sealed.
    row = (
        await connection.execute(
            sa.text(
                "SELECT personal_enc, birth_year, languages, identity_document_kinds,"
                " phone_bidx, name_bidx, district_id FROM survivor WHERE id = :id"
            ),
            {"id": created["id"]},
        )
    ).one()
    assert b"Rupa" not in row.personal_enc
    assert b"shapla" not in row.personal_enc
    assert row.birth_year == 2004
    assert row.languages == ["bn", "hi"]
    assert len(row.phone_bidx) == 32
    assert len(row.name_bidx) == 32
    assert await audit_actions(connection, created["id"]) == ["create", "read"]


async def test_an_estimated_age_keeps_only_a_birth_year(
    client: httpx.AsyncClient, pm_a: Actor
) -> None:
    created = await register(client, pm_a, estimated_age=30)
    assert created["age_is_estimate"] is True
    assert created["date_of_birth"] is None
    assert created["age"] == 30


async def test_bad_intake_bodies_are_422_and_create_nothing(
    client: httpx.AsyncClient, pm_a: Actor, connection: AsyncConnection
) -> None:
    bodies = [
        survivor_body(organization_id=str(uuid.uuid4())),  # unknown field
        survivor_body(date_of_birth="2004-01-01"),  # with estimated_age too
        survivor_body(estimated_age=None, date_of_birth="2999-01-01"),
        survivor_body(phone="call her at home"),
        survivor_body(district=uuid.uuid4()),  # no such district
        survivor_body(home_address={"district_id": str(SOUTH_24), "block_id": str(uuid.uuid4())}),
        survivor_body(family_members=[{"name": "X", "relationship": "neighbour"}]),
        survivor_body(identity_documents=[{"kind": "aadhaar", "number": "1", "issued": "x"}]),
        {"sex": "female"},
    ]
    for body in bodies:
        response = await client.post(SURVIVORS, json=body, headers=pm_a.headers)
        problem(response, 422)
        assert "call her at home" not in response.text
    count = await connection.execute(sa.text("SELECT count(*) FROM survivor"))
    assert count.scalar_one() == 0


async def test_a_client_chosen_id_and_an_idempotent_retry(
    client: httpx.AsyncClient, pm_a: Actor, connection: AsyncConnection
) -> None:
    chosen = str(uuid.uuid4())
    body = survivor_body(id=chosen)
    headers = {**pm_a.headers, "Idempotency-Key": "intake-1"}
    first = await client.post(SURVIVORS, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["id"] == chosen
    again = await client.post(SURVIVORS, json=body, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    count = await connection.execute(sa.text("SELECT count(*) FROM survivor"))
    assert count.scalar_one() == 1
    # The same id without the key: taken.
    taken = await client.post(
        SURVIVORS, json={**body, "confirm_not_duplicate": True}, headers=pm_a.headers
    )
    problem(taken, 409)


# -- the duplicate check ----------------------------------------------------------------------
async def test_same_phone_in_another_format_is_a_possible_duplicate(
    client: httpx.AsyncClient, pm_a: Actor, connection: AsyncConnection
) -> None:
    first = await register(client, pm_a)
    again = await client.post(
        SURVIVORS,
        json=survivor_body(given="Lakshmi", family="Das", phone="098300-12345"),
        headers=pm_a.headers,
    )
    body = problem(again, 409)
    assert body["type"] == DUPLICATE_TYPE
    assert body["duplicate_ids"] == [first["id"]]
    assert "other_duplicates_exist" not in body
    # Nothing personal in the problem (less its random ids, which may hold "98300" by chance).
    said = {k: v for k, v in body.items() if k not in ("request_id", "duplicate_ids")}
    for value in ("Lakshmi", "Rupa", "98300", "Mondal"):
        assert value not in str(said)
    count = await connection.execute(sa.text("SELECT count(*) FROM survivor"))
    assert count.scalar_one() == 1

    confirmed = await client.post(
        SURVIVORS,
        json=survivor_body(
            given="Lakshmi", family="Das", phone="098300-12345", confirm_not_duplicate=True
        ),
        headers=pm_a.headers,
    )
    assert confirmed.status_code == 201, confirmed.text


async def test_same_name_in_another_case_spacing_or_form_is_a_possible_duplicate(
    client: httpx.AsyncClient, pm_a: Actor
) -> None:
    first = await register(client, pm_a, given="Rupa", family="Mondal", phone=None)
    for given, family in (("RUPA", "  mondal "), (FULLWIDTH_RUPA, "Mondal")):
        response = await client.post(
            SURVIVORS,
            json=survivor_body(given=given, family=family, phone="9000000001"),
            headers=pm_a.headers,
        )
        body = problem(response, 409)
        assert body["duplicate_ids"] == [first["id"]]
    # Another name and phone: no match.
    await register(client, pm_a, given="Rupa", family="Sardar", phone="9000000002")


async def alerts_of(client: httpx.AsyncClient, pm: Actor) -> list[dict[str, Any]]:
    response = await client.get(f"{SURVIVORS}/duplicate-alerts", headers=pm.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def hits(connection: AsyncConnection) -> list[tuple[str | None, str, str]]:
    rows = await connection.execute(
        sa.text(
            "SELECT entity_id, actor_id, outcome FROM audit_event"
            " WHERE action = 'duplicate_hit' ORDER BY seq"
        )
    )
    return [(None if e is None else str(e), str(a), o) for e, a, o in rows]


async def test_a_worker_is_never_told_of_matches_she_may_not_see(
    client: httpx.AsyncClient,
    factory: Factory,
    org_a: UUID,
    pm_a: Actor,
    connection: AsyncConnection,
) -> None:
    worker = await factory.user(org_a, Role.social_worker, districts=(SOUTH_24,))
    hidden = await register(client, pm_a)  # Rupa Mondal, +91 98300 12345: not hers to see
    mine = await register(client, worker, given="Mina", family="Bibi", phone="9000000003")

    # A match she may see and one she may not: the 409 names hers only, and reads exactly
    # like a 409 with hers alone.
    both = await client.post(
        SURVIVORS,
        json=survivor_body(given="Mina", family="Bibi", phone="+91 98300 12345"),
        headers=worker.headers,
    )
    alone = await client.post(
        SURVIVORS,
        json=survivor_body(given="Mina", family="Bibi", phone="9111111111"),
        headers=worker.headers,
    )
    for response in (both, alone):
        body = problem(response, 409)
        assert body["duplicate_ids"] == [mine["id"]]
        assert hidden["id"] not in response.text
    strip = {"instance", "request_id"}
    assert {k: v for k, v in both.json().items() if k not in strip} == {
        k: v for k, v in alone.json().items() if k not in strip
    }

    # Only a match she may not see: she is told nothing, and the intake goes on.
    quiet = await client.post(
        SURVIVORS,
        json=survivor_body(given="Lakshmi", family="Das", phone="098300-12345"),
        headers=worker.headers,
    )
    assert quiet.status_code == 201, quiet.text
    assert hidden["id"] not in quiet.text
    # The program manager is told, with ids only; the refused intake's alert outlived its
    # rollback.
    alerts = await alerts_of(client, pm_a)
    assert [(a["survivor_id"], a["matched_survivor_ids"], a["raised_by"]) for a in alerts] == [
        (quiet.json()["id"], [hidden["id"]], str(worker.id)),
        (None, [hidden["id"]], str(worker.id)),
    ]
    assert all(a["status"] == "open" for a in alerts)
    assert "Rupa" not in str(alerts)
    assert "98300" not in str(alerts)
    # Every hit is in the trail: the registered one by the survivor it registered, the
    # refused ones (rolled back) kept all the same.
    assert await hits(connection) == [
        (None, str(worker.id), "denied"),
        (None, str(worker.id), "denied"),
        (quiet.json()["id"], str(worker.id), "success"),
    ]


async def test_program_managers_resolve_duplicate_alerts_of_their_organisation_only(
    client: httpx.AsyncClient, factory: Factory, org_a: UUID, pm_a: Actor
) -> None:
    worker = await factory.user(org_a, Role.social_worker, districts=(SOUTH_24,))
    pm_b = await factory.user(await factory.organization("Org B"), Role.program_manager)
    await register(client, pm_a)
    await register(client, worker, given="Lakshmi", family="Das", phone="098300-12345")
    [alert] = await alerts_of(client, pm_a)
    url = f"{SURVIVORS}/duplicate-alerts/{alert['id']}"

    one = await client.get(url, headers=pm_a.headers)
    assert one.status_code == 200
    assert one.headers["etag"] == '"v1"'
    # Another organisation's manager, the worker herself, a client: not theirs.
    assert (await client.get(url, headers=pm_b.headers)).status_code == 404
    assert await alerts_of(client, pm_b) == []
    for who in (worker,):
        assert (await client.get(url, headers=who.headers)).status_code == 403
        listed = await client.get(f"{SURVIVORS}/duplicate-alerts", headers=who.headers)
        assert listed.status_code == 403
    # A people-only scope: written straight into the row, it is still refused.
    client_a = await factory.integration_client(
        org_a, Role.program_manager, ["survivors:duplicate-alerts"], unchecked=True
    )
    assert (await client.get(url, headers=client_a.headers)).status_code == 403

    resolution = f"{url}/resolution"
    without = await client.post(resolution, json={"status": "dismissed"}, headers=pm_a.headers)
    assert without.status_code == 428
    foreign = await client.post(
        resolution, json={"status": "dismissed"}, headers={**pm_b.headers, "If-Match": '"v1"'}
    )
    assert foreign.status_code == 404
    reopened = await client.post(
        resolution, json={"status": "open"}, headers={**pm_a.headers, "If-Match": '"v1"'}
    )
    assert reopened.status_code == 422
    done = await client.post(
        resolution, json={"status": "dismissed"}, headers={**pm_a.headers, "If-Match": '"v1"'}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "dismissed"
    assert done.json()["resolved_by"] == str(pm_a.id)
    again = await client.post(
        resolution, json={"status": "resolved"}, headers={**pm_a.headers, "If-Match": '"v2"'}
    )
    assert again.status_code == 409
    open_only = await client.get(
        f"{SURVIVORS}/duplicate-alerts", params={"status": "open"}, headers=pm_a.headers
    )
    assert open_only.json()["items"] == []


async def test_a_burst_of_duplicate_hits_is_throttled(
    settings: Settings, database: Database, connection: AsyncConnection
) -> None:
    app = create_app(
        settings.model_copy(
            update={"intake_duplicate_hits_per_window": 2, "intake_duplicate_window_seconds": 600}
        ),
        database=database,
    )
    factory = Factory(app.state.container, database)
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))
    other = await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        await register(http, worker)  # Rupa Mondal, +91 98300 12345
        for given in ("Asha", "Mina"):
            told = await http.post(
                SURVIVORS, json=survivor_body(given=given, family="Das"), headers=worker.headers
            )
            problem(told, 409)
        # Two hits in the window: her next intake answers 429, match or not.
        for body in (survivor_body(given="Sima"), survivor_body(given="Tumpa", phone=None)):
            throttled = await http.post(SURVIVORS, json=body, headers=worker.headers)
            problem(throttled, 429)
            assert 1 <= int(throttled.headers["Retry-After"]) <= 601
            assert "duplicate_ids" not in throttled.json()
        # Registering her anyway tells nothing, and is not refused; others are not throttled.
        confirmed = await http.post(
            SURVIVORS, json=survivor_body(confirm_not_duplicate=True), headers=worker.headers
        )
        assert confirmed.status_code == 201, confirmed.text
        assert (
            await http.post(
                SURVIVORS, json=survivor_body(given="Sima", phone=None), headers=other.headers
            )
        ).status_code == 201
    count = await connection.scalar(
        sa.text("SELECT count(*) FROM survivor WHERE organization_id = :o"), {"o": organization}
    )
    assert count == 3


async def test_the_check_stays_inside_the_organisation(
    client: httpx.AsyncClient, factory: Factory, pm_a: Actor
) -> None:
    pm_b = await factory.user(await factory.organization("Org B"), Role.program_manager)
    await register(client, pm_a)
    # The same woman registered by another organisation is not "a duplicate" there, and the
    # answer must not reveal that organisation A knows her.
    await register(client, pm_b)


# -- search, lists and filters ------------------------------------------------------------
async def test_search_by_phone_or_name_in_scope_only(
    client: httpx.AsyncClient,
    factory: Factory,
    org_a: UUID,
    pm_a: Actor,
    connection: AsyncConnection,
) -> None:
    worker = await factory.user(org_a, Role.social_worker, districts=(SOUTH_24,))
    pm_b = await factory.user(await factory.organization("Org B"), Role.program_manager)
    rupa = await register(client, pm_a)
    twin = await register(
        client, pm_a, given="Rupa", family="Mondal", phone="9111111111", confirm_not_duplicate=True
    )
    other_org = await register(client, pm_b)  # same name and phone, other organisation

    by_phone = await client.post(SEARCH, json={"phone": "09830012345"}, headers=pm_a.headers)
    assert ids(by_phone) == {rupa["id"]}
    item = by_phone.json()["items"][0]
    assert item["given_name"] == "Rupa"
    assert "phone" not in item
    assert "home_address" not in item
    by_name = await client.post(SEARCH, json={"name": "rupa   MONDAL"}, headers=pm_a.headers)
    assert ids(by_name) == {rupa["id"], twin["id"]}
    either = await client.post(
        SEARCH, json={"name": "Nobody Here", "phone": "9111111111"}, headers=pm_a.headers
    )
    assert ids(either) == {twin["id"]}
    none = await client.post(SEARCH, json={"name": "Rupa"}, headers=pm_a.headers)
    assert ids(none) == set()  # exact whole names only
    assert ids(await client.post(SEARCH, json={"phone": "9830012345"}, headers=pm_b.headers)) == {
        other_org["id"]
    }
    # A worker who neither registered her nor holds her case finds nothing.
    assert (
        ids(await client.post(SEARCH, json={"phone": "9830012345"}, headers=worker.headers))
        == set()
    )
    problem(await client.post(SEARCH, json={}, headers=pm_a.headers), 422)
    problem(await client.post(SEARCH, json={"phone": "x", "org": 1}, headers=pm_a.headers), 422)
    events = await connection.execute(
        sa.text(
            "SELECT count(*) FROM audit_event WHERE entity_type = 'survivor'"
            " AND action = 'search' AND actor_id = :me"
        ),
        {"me": pm_a.id},
    )
    assert events.scalar_one() == 4


async def test_lists_filter_by_district_and_walk_pages(
    client: httpx.AsyncClient, factory: Factory, pm_a: Actor
) -> None:
    pm_b = await factory.user(await factory.organization("Org B"), Role.program_manager)
    south = [
        (await register(client, pm_a, given=f"South{n}", phone=f"90000001{n:02d}"))["id"]
        for n in range(5)
    ]
    north = (await register(client, pm_a, given="North", phone="9000000200", district=NORTH_24))[
        "id"
    ]
    nowhere = (await register(client, pm_a, given="Unknown", phone=None, district=None))["id"]
    foreign = (await register(client, pm_b, given="Foreign", phone="9000000300"))["id"]

    everything = await client.get(SURVIVORS, params={"limit": 200}, headers=pm_a.headers)
    assert ids(everything) == {*south, north, nowhere}
    in_south = await client.get(
        SURVIVORS, params={"district_id": str(SOUTH_24), "include_total": "true"},
        headers=pm_a.headers,
    )  # fmt: skip
    assert ids(in_south) == set(south)
    assert in_south.json()["total"] == 5
    # Another organisation's survivor in the same district never shows.
    assert foreign not in ids(
        await client.get(SURVIVORS, params={"district_id": str(SOUTH_24)}, headers=pm_a.headers)
    )

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, "district_id": str(SOUTH_24)}
        if cursor:
            params["cursor"] = cursor
        page = await client.get(SURVIVORS, params=params, headers=pm_a.headers)
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            assert "Link" not in page.headers
            break
        assert 'rel="next"' in page.headers["Link"]
    assert seen == south
    bad = await client.get(SURVIVORS, params={"cursor": "garbage"}, headers=pm_a.headers)
    problem(bad, 400)


# -- correction -----------------------------------------------------------------------------
async def test_patch_needs_if_match_and_recomputes_the_blind_indexes(
    client: httpx.AsyncClient, pm_a: Actor, connection: AsyncConnection
) -> None:
    rupa = await register(client, pm_a, body=full_body())
    url = f"{SURVIVORS}/{rupa['id']}"
    problem(await client.patch(url, json={"phone": "9222222222"}, headers=pm_a.headers), 428)
    changed = await client.patch(
        url,
        json={"phone": "9222222222", "family_name": "Sardar", "estimated_age": 25},
        headers={**pm_a.headers, "If-Match": '"v1"'},
    )
    assert changed.status_code == 200, changed.text
    survivor = changed.json()
    assert changed.headers["ETag"] == '"v2"'
    assert survivor["phone"] == "9222222222"
    assert survivor["family_name"] == "Sardar"
    assert survivor["date_of_birth"] is None
    assert survivor["age_is_estimate"] is True
    assert survivor["aliases"] == ["Rupu", "Rupali"]  # untouched fields stay
    assert survivor["safe_contact"]["code_word"] == "shapla"
    stale = await client.patch(
        url, json={"given_name": "Lost"}, headers={**pm_a.headers, "If-Match": '"v1"'}
    )
    problem(stale, 412)

    async def found(body: dict[str, str]) -> set[str]:
        return ids(await client.post(SEARCH, json=body, headers=pm_a.headers))

    assert await found({"phone": "9222222222"}) == {rupa["id"]}
    assert await found({"phone": "9830012345"}) == set()
    assert await found({"name": "Rupa Sardar"}) == {rupa["id"]}
    assert await found({"name": "Rupa Mondal"}) == set()

    cleared = await client.patch(
        url,
        json={"phone": None, "current_address": None, "identity_documents": []},
        headers={**pm_a.headers, "If-Match": '"v2"'},
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["phone"] is None
    assert cleared.json()["identity_document_kinds"] == []
    row = (
        await connection.execute(
            sa.text("SELECT phone_bidx, version FROM survivor WHERE id = :id"), {"id": rupa["id"]}
        )
    ).one()
    assert row.phone_bidx is None
    assert row.version == 3
    for body in ({"given_name": None}, {"organization_id": str(uuid.uuid4())}, {"version": 9}):
        problem(
            await client.patch(url, json=body, headers={**pm_a.headers, "If-Match": '"v3"'}), 422
        )
    assert await audit_actions(connection, rupa["id"]) == ["create", "update", "update"]


async def test_moving_her_home_moves_her_district(client: httpx.AsyncClient, pm_a: Actor) -> None:
    rupa = await register(client, pm_a)
    moved = await client.patch(
        f"{SURVIVORS}/{rupa['id']}",
        json={"home_address": {"village": "Hasnabad", "district_id": str(NORTH_24)}},
        headers={**pm_a.headers, "If-Match": '"v1"'},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["district_id"] == str(NORTH_24)
    north = await client.get(SURVIVORS, params={"district_id": str(NORTH_24)}, headers=pm_a.headers)
    assert ids(north) == {rupa["id"]}


# -- the authorization matrix -------------------------------------------------------------
@dataclass
class World:
    """Organisations A (district visibility off unless asked) and B; survivor S of A with a
    case in South 24 Parganas assigned to ``sw_assigned``; survivor T of B with the same phone
    and name (a trafficker's network spans organisations: search must not cross)."""

    actors: dict[str, Actor]
    s: str
    t: str
    org_a: UUID
    org_b: UUID


ACTOR_NAMES = MATRIX_ACTORS


async def build_world(
    factory: Factory, client: httpx.AsyncClient, *, district_visibility: bool
) -> World:
    cast = await matrix_cast(
        factory,
        district_visibility=district_visibility,
        client_a_scopes=["survivors:read", "survivors:manage", "consents:read", "consents:manage"],
    )
    org_a, org_b, actors, cases = cast.org_a, cast.org_b, cast.actors, cast.cases
    pm_a, sw_assigned, pm_b = actors["pm_a"], actors["sw_assigned"], actors["pm_b"]
    s = (await register(client, pm_a))["id"]
    await cases.case(org_a, UUID(s), district_id=SOUTH_24, assigned_worker_id=sw_assigned.id)
    t = (await register(client, pm_b))["id"]
    return World(actors, s, t, org_a, org_b)


COLUMNS = ("read:S", "read:T", "list", "search", "district", "upd:S", "upd:T", "create")
MATRIX = """
actor               read:S read:T list search district upd:S upd:T create
pm_a                   200    404  200    200      200   200   404    201
sw_assigned            200    404  200    200      200   200   404    201
sw_district            404    404  200    200      200   404   404    201
sw_district_visible    200    404  200    200      200   200   404    201
pm_b                   404    200  200    200      200   404   200    201
partner_b              403    403  403    403      403   403   403    403
analyst_a              403    403  403    403      403   403   403    403
leader_a               403    403  403    403      403   403   403    403
auditor_a              403    403  403    403      403   403   403    403
admin                  403    403  403    403      403   403   403    403
client_a               403    403  403    403      403   403   403    403
client_b               403    403  403    403      403   403   403    403
"""


def parse_matrix() -> list[tuple[str, dict[str, int]]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    assert tuple(lines[0][1:]) == COLUMNS
    assert tuple(row[0] for row in lines[1:]) == ACTOR_NAMES
    return [(row[0], dict(zip(COLUMNS, map(int, row[1:]), strict=True))) for row in lines[1:]]


# What a 200 list / search / district filter must show: exactly these survivors (by name).
VISIBLE = {
    "pm_a": {"S"},
    "sw_assigned": {"S"},
    "sw_district": set(),
    "sw_district_visible": {"S"},
    "pm_b": {"T"},
}


@pytest.mark.parametrize(("name", "expected"), parse_matrix(), ids=ACTOR_NAMES)
async def test_matrix(
    name: str, expected: dict[str, int], client: httpx.AsyncClient, factory: Factory
) -> None:
    world = await build_world(factory, client, district_visibility=name == "sw_district_visible")
    actor = world.actors[name]
    by_name = {"S": world.s, "T": world.t}
    wrong: list[str] = []

    async def call(column: str, survivor_id: str | None = None) -> httpx.Response:
        headers = dict(actor.headers)
        match column:
            case "read:S" | "read:T":
                return await client.get(f"{SURVIVORS}/{survivor_id}", headers=headers)
            case "list":
                return await client.get(SURVIVORS, params={"limit": 200}, headers=headers)
            case "search":
                return await client.post(
                    SEARCH, json={"phone": "9830012345", "name": "Rupa Mondal"}, headers=headers
                )
            case "district":
                return await client.get(
                    SURVIVORS, params={"district_id": str(SOUTH_24)}, headers=headers
                )
            case "upd:S" | "upd:T":
                headers["If-Match"] = '"v1"'
                return await client.patch(
                    f"{SURVIVORS}/{survivor_id}", json={"aliases": ["Renamed"]}, headers=headers
                )
            case "create":
                return await client.post(
                    SURVIVORS,
                    json=survivor_body(given="Nasima", family="Khatun", phone="9333333333"),
                    headers=headers,
                )
        raise AssertionError(column)

    for column, want in expected.items():
        target = by_name[column[-1]] if column[-2:] in (":S", ":T") else None
        response = await call(column, target)
        if response.status_code != want:
            wrong.append(f"{column}: expected {want}, got {response.status_code} {response.text}")
            continue
        if want >= 400:
            body = response.json()
            if not response.headers["content-type"].startswith(PROBLEM):
                wrong.append(f"{column}: not problem+json")
            detail = str({k: v for k, v in body.items() if k != "instance"})
            if world.s in detail or world.t in detail:
                wrong.append(f"{column}: the problem names a survivor")
            if want == 404:
                # Exactly the answer for a survivor that does not exist.
                twin = await call(column, str(uuid.uuid4()))
                strip = {"instance", "request_id"}
                if twin.status_code != 404 or {
                    k: v for k, v in twin.json().items() if k not in strip
                } != {k: v for k, v in body.items() if k not in strip}:
                    wrong.append(f"{column}: the 404 differs from a missing survivor's")
            continue
        if column in ("list", "search", "district"):
            shown = ids(response)
            expected_ids = {by_name[key] for key in VISIBLE[name]}
            if shown != expected_ids:
                wrong.append(f"{column}: shows {shown}, expected {expected_ids}")
            orgs = {item["organization_id"] for item in response.json()["items"]}
            if orgs - {str(actor.organization_id)}:
                wrong.append(f"{column}: shows another organisation's survivors")
        if column.startswith("upd:") and response.json()["aliases"] != ["Renamed"]:
            wrong.append(f"{column}: the change was not applied")
    assert wrong == [], f"{name}:\n" + "\n".join(wrong)


async def test_a_social_worker_sees_what_she_registered(
    client: httpx.AsyncClient, factory: Factory, org_a: UUID, pm_a: Actor
) -> None:
    worker = await factory.user(org_a, Role.social_worker, districts=(SOUTH_24,))
    colleague = await factory.user(org_a, Role.social_worker, districts=(SOUTH_24,))
    mine = await register(client, worker)
    theirs = await register(client, colleague, given="Other", phone="9444444444")
    assert ids(await client.get(SURVIVORS, headers=worker.headers)) == {mine["id"]}
    read = await client.get(f"{SURVIVORS}/{theirs['id']}", headers=worker.headers)
    problem(read, 404)
    assert ids(await client.get(SURVIVORS, headers=pm_a.headers)) == {mine["id"], theirs["id"]}


async def test_denials_are_audited(
    client: httpx.AsyncClient, factory: Factory, org_a: UUID, connection: AsyncConnection
) -> None:
    machine = await factory.integration_client(org_a, Role.program_manager, ["survivors:read"])
    leader = await factory.user(org_a, Role.survivor_leader)
    problem(await client.get(SURVIVORS, headers=machine.headers), 403)
    problem(await client.get(SURVIVORS, headers=leader.headers), 403)
    rows = await connection.execute(
        sa.text(
            "SELECT actor_id FROM audit_event WHERE action = 'permission_denied'"
            " AND entity_type = 'survivor'"
        )
    )
    assert {row[0] for row in rows} == {machine.id, leader.id}


async def test_concurrent_intakes_of_one_person_do_not_miss_each_other(
    settings: Settings, committed_db: Database
) -> None:
    """The same woman registered four times at the same moment (same phone, written
    differently). By one worker: one registration stands, the other three are told of it. By
    four workers, none of whom may see another's registrations: none is told (that would say
    who is registered), and every registration is linked to all those before it in the
    program manager's alerts: none missed another."""
    app = create_app(settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    organization = await factory.organization()
    manager = await factory.user(organization, Role.program_manager)
    workers = [
        await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))
        for _ in range(4)
    ]
    transport = httpx.ASGITransport(app=app)

    async def at_once(given: str, phones: list[str], actors: list[Actor]) -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            return list(
                await asyncio.gather(
                    *(
                        http.post(
                            SURVIVORS,
                            json=survivor_body(given=f"{given} {i}", phone=phone),
                            headers=actor.headers,
                        )
                        for i, (actor, phone) in enumerate(zip(actors, phones, strict=True))
                    )
                )
            )

    async def registered() -> list[str]:
        async with committed_db.engine.connect() as connection:
            rows = await connection.execute(
                sa.text("SELECT id FROM survivor WHERE organization_id = :o ORDER BY created_at"),
                {"o": organization},
            )
            return [str(row[0]) for row in rows]

    one = [workers[0]] * 4
    phones = ["+91 98300 66666", "09830066666", "9830066666", "98300 66666"]
    answers = await at_once("Asha", phones, one)
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [201, 409, 409, 409], [answer.text for answer in answers]
    first = [answer.json()["id"] for answer in answers if answer.status_code == 201]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["type"] == DUPLICATE_TYPE
            assert answer.json()["duplicate_ids"] == first
    assert await registered() == first

    phones = ["+91 98300 77777", "09830077777", "9830077777", "0091 98300 77777"]
    answers = await at_once("Mitali", phones, workers)
    assert [answer.status_code for answer in answers] == [201] * 4, [a.text for a in answers]
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        alerts = (
            await http.get(f"{SURVIVORS}/duplicate-alerts?limit=200", headers=manager.headers)
        ).json()["items"]
    new = {answer.json()["id"] for answer in answers}
    links = {alert["survivor_id"]: set(alert["matched_survivor_ids"]) for alert in alerts}
    assert set(links) <= new
    assert len(links) == 3
    # In the order they were serialised, each later one matched every one before it.
    order = sorted(new, key=lambda survivor: len(links.get(survivor, set())))
    for position, survivor in enumerate(order):
        assert links.get(survivor, set()) == set(order[:position])
