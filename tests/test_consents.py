"""A survivor's consent through the API: versions per purpose (a new one supersedes, nothing is
overwritten), sharing with one named organisation and its fields, a guardian for a minor
(sealed), witnesses, withdrawal; the checks other areas call; the audited override; and the
authorization matrix."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.errors import BusinessRuleViolation, NotFound, PermissionDenied
from domain.common.principal import Principal, PrincipalKind, Role
from domain.consents.checks import active_consent, fields_allowed
from domain.consents.service import override_consent
from persistence import clock
from persistence.clock import FixedClock, using
from persistence.models.case_vocabulary import ConsentPurpose, ShareableField
from tests.factories import SOUTH_24, Actor, CaseFactory, Factory
from tests.helpers import problem
from tests.worlds import MATRIX_ACTORS, matrix_cast

API = "/api/v1"
SURVIVORS = f"{API}/survivors"
PROBLEM = "application/problem+json"


# -- helpers ------------------------------------------------------------------------------
def consent_body(purpose: str = "case_management", **extra: Any) -> dict[str, Any]:
    return {"purpose": purpose, "method": "written", "language": "bn", **extra}


def principal_of(actor: Actor) -> Principal:
    return Principal(
        kind=PrincipalKind.user,
        id=actor.id,
        organization_id=actor.organization_id,
        role=actor.role,
        district_ids=frozenset({SOUTH_24}) if actor.role is Role.social_worker else frozenset(),
    )


async def register(client: httpx.AsyncClient, who: Actor, given: str = "Rupa", **age: Any) -> str:
    body: dict[str, Any] = {"given_name": given, "sex": "female", **(age or {"estimated_age": 30})}
    body["confirm_not_duplicate"] = True
    response = await client.post(SURVIVORS, json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    survivor_id: str = response.json()["id"]
    return survivor_id


async def give(
    client: httpx.AsyncClient, who: Actor, survivor_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        f"{SURVIVORS}/{survivor_id}/consents", json=body, headers=who.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert response.headers["Location"] == f"{SURVIVORS}/{survivor_id}/consents/{created['id']}"
    return created


async def consent_events(connection: AsyncConnection) -> list[tuple[str, str]]:
    rows = await connection.execute(
        sa.text(
            "SELECT action, outcome FROM audit_event WHERE entity_type = 'consent' ORDER BY seq"
        )
    )
    return [(row[0], row[1]) for row in rows]


@pytest.fixture
async def org_a(factory: Factory) -> UUID:
    return await factory.organization("Org A")


@pytest.fixture
async def partner(factory: Factory) -> UUID:
    return await factory.organization("Legal Aid Partner")


@pytest.fixture
async def pm_a(factory: Factory, org_a: UUID) -> Actor:
    return await factory.user(org_a, Role.program_manager, name="Mitali Sardar")


@pytest.fixture
async def rupa(client: httpx.AsyncClient, pm_a: Actor) -> str:
    return await register(client, pm_a)


# -- versions -----------------------------------------------------------------------------
async def test_a_new_consent_supersedes_the_previous_one_of_its_purpose(
    client: httpx.AsyncClient,
    factory: Factory,
    pm_a: Actor,
    rupa: str,
    connection: AsyncConnection,
) -> None:
    first = await give(client, pm_a, rupa, consent_body())
    assert (first["revision"], first["supersedes_id"], first["status"]) == (1, None, "in_force")
    assert first["given_by"] == "survivor"
    assert first["guardian"] is None
    reporting = await give(client, pm_a, rupa, consent_body("aggregate_reporting"))
    assert reporting["revision"] == 1  # another purpose: its own history
    second = await give(client, pm_a, rupa, consent_body(method="verbal", language="hi"))
    assert (second["revision"], second["supersedes_id"]) == (2, first["id"])

    listed = await client.get(f"{SURVIVORS}/{rupa}/consents", headers=pm_a.headers)
    assert listed.status_code == 200, listed.text
    history = {item["id"]: item for item in listed.json()["items"]}
    assert list(history) == [first["id"], reporting["id"], second["id"]]
    assert history[first["id"]]["status"] == "superseded"
    assert history[first["id"]]["method"] == "written"  # nothing overwritten
    assert history[second["id"]]["status"] == "in_force"
    only = await client.get(
        f"{SURVIVORS}/{rupa}/consents",
        params={"purpose": "case_management", "include_total": "true", "limit": 1},
        headers=pm_a.headers,
    )
    assert [item["id"] for item in only.json()["items"]] == [first["id"]]
    assert only.json()["total"] == 2
    assert only.json()["next_cursor"]
    read = await client.get(f"{SURVIVORS}/{rupa}/consents/{first['id']}", headers=pm_a.headers)
    assert read.status_code == 200
    assert read.json()["status"] == "superseded"
    assert read.headers["ETag"] == '"v1"'

    async with factory.uow() as uow:
        active = await active_consent(uow, UUID(rupa), ConsentPurpose.case_management)
        assert active is not None
        assert str(active.id) == second["id"]
    assert await consent_events(connection) == [
        ("create", "success"),
        ("create", "success"),
        ("create", "success"),
        ("search", "success"),
        ("search", "success"),
        ("read", "success"),
    ]


async def test_sharing_names_one_organisation_and_its_fields(
    client: httpx.AsyncClient, factory: Factory, pm_a: Actor, rupa: str, partner: UUID
) -> None:
    other = await factory.organization("Health Partner")
    sharing = await give(
        client,
        pm_a,
        rupa,
        consent_body(
            "sharing", shared_with_organization_id=str(partner), fields=["name", "age", "phone"]
        ),
    )
    assert sharing["fields"] == ["name", "age", "phone"]
    # who it is shared with and who recorded it, by name
    assert sharing["shared_with_organization_name"] == "Legal Aid Partner"
    assert sharing["recorded_by_name"] == "Mitali Sardar"
    with_other = await give(
        client,
        pm_a,
        rupa,
        consent_body("sharing", shared_with_organization_id=str(other), fields=["name"]),
    )
    assert with_other["revision"] == 1  # another organisation: its own history
    narrower = await give(
        client,
        pm_a,
        rupa,
        consent_body("sharing", shared_with_organization_id=str(partner), fields=["name"]),
    )
    assert (narrower["revision"], narrower["supersedes_id"]) == (2, sharing["id"])
    async with factory.uow() as uow:
        assert await fields_allowed(uow, UUID(rupa), partner) == {ShareableField.name}
        assert await fields_allowed(uow, UUID(rupa), other) == {ShareableField.name}
        assert await fields_allowed(uow, UUID(rupa), uuid.uuid4()) == frozenset()

    url = f"{SURVIVORS}/{rupa}/consents"
    bad = [
        consent_body("sharing", fields=["name"]),  # no organisation
        consent_body("sharing", shared_with_organization_id=str(partner)),  # no fields
        consent_body("research", shared_with_organization_id=str(partner), fields=["name"]),
        consent_body("sharing", shared_with_organization_id=str(partner), fields=["diary"]),
        consent_body(
            "sharing", shared_with_organization_id=str(uuid.uuid4()), fields=["name"]
        ),  # no such organisation
        consent_body(
            "sharing", shared_with_organization_id=str(pm_a.organization_id), fields=["name"]
        ),  # her own
    ]
    for body in bad:
        problem(await client.post(url, json=body, headers=pm_a.headers), 422)


async def test_a_minor_consents_through_her_guardian(
    client: httpx.AsyncClient, pm_a: Actor, connection: AsyncConnection
) -> None:
    today = clock.today()
    child = await register(client, pm_a, "Mitali", date_of_birth=str(date(today.year - 12, 1, 1)))
    url = f"{SURVIVORS}/{child}/consents"
    own = await client.post(url, json=consent_body(), headers=pm_a.headers)
    assert problem(own, 422)["errors"][0]["loc"] == ["body", "given_by"]
    guardian = {"name": "Sabita Mondal", "relationship": "mother"}
    missing = consent_body(given_by="guardian")
    problem(await client.post(url, json=missing, headers=pm_a.headers), 422)
    given = await give(client, pm_a, child, consent_body(given_by="guardian", guardian=guardian))
    assert given["guardian"] == guardian
    sealed = (
        await connection.execute(
            sa.text("SELECT guardian_enc FROM consent WHERE id = :id"), {"id": given["id"]}
        )
    ).scalar_one()
    assert b"Sabita" not in sealed
    # An adult gives her own consent.
    adult = await register(client, pm_a, "Asha", estimated_age=40)
    problem(
        await client.post(
            f"{SURVIVORS}/{adult}/consents",
            json=consent_body(given_by="guardian", guardian=guardian),
            headers=pm_a.headers,
        ),
        422,
    )


async def test_she_turns_18_at_midnight_in_india(client: httpx.AsyncClient, pm_a: Actor) -> None:
    """Her age on the day of consent is counted by India's date: at 00:30 IST on her 18th
    birthday (still the day before in UTC) she gives her own consent."""
    fixed = FixedClock(datetime(2026, 12, 7, 18, 0, tzinfo=UTC))  # 23:30 IST, 7 December
    with using(fixed):
        survivor = await register(client, pm_a, "Mitali", date_of_birth="2008-12-08")
        url = f"{SURVIVORS}/{survivor}/consents"
        problem(await client.post(url, json=consent_body(), headers=pm_a.headers), 422)
        fixed.advance(timedelta(hours=1))  # 00:30 IST, 8 December: she is 18
        given = await give(client, pm_a, survivor, consent_body())
        assert given["given_by"] == "survivor"


async def test_with_only_a_birth_year_she_is_a_minor_through_the_year_she_turns_18(
    client: httpx.AsyncClient, pm_a: Actor
) -> None:
    maybe = await register(client, pm_a, "Puja", estimated_age=18)
    problem(
        await client.post(
            f"{SURVIVORS}/{maybe}/consents", json=consent_body(), headers=pm_a.headers
        ),
        422,
    )
    # Consent recorded a year on: she is certainly an adult then.
    nineteen = await register(client, pm_a, "Rina", estimated_age=19)
    await give(client, pm_a, nineteen, consent_body())
    # Age unknown: she may give it herself (the worker judges).
    unknown = await client.post(
        SURVIVORS,
        json={"given_name": "Nameless", "sex": "female", "confirm_not_duplicate": True},
        headers=pm_a.headers,
    )
    await give(client, pm_a, unknown.json()["id"], consent_body())


async def test_witness_times_and_bad_bodies(
    client: httpx.AsyncClient, factory: Factory, org_a: UUID, pm_a: Actor, rupa: str
) -> None:
    colleague = await factory.user(org_a, Role.social_worker, name="Rupa Das")
    outsider = await factory.user(await factory.organization(), Role.social_worker)
    url = f"{SURVIVORS}/{rupa}/consents"
    witnessed = await give(client, pm_a, rupa, consent_body(witness_user_id=str(colleague.id)))
    assert witnessed["witness_user_id"] == str(colleague.id)
    assert witnessed["witness_name"] == "Rupa Das"
    history = await client.get(f"{SURVIVORS}/{rupa}/consents", headers=pm_a.headers)
    assert {(c["witness_name"], c["recorded_by_name"]) for c in history.json()["items"]} >= {
        ("Rupa Das", "Mitali Sardar")
    }
    now = datetime.now(UTC)
    bad = [
        consent_body(witness_user_id=str(outsider.id)),
        consent_body(witness_user_id=str(uuid.uuid4())),
        consent_body(given_at=(now + timedelta(days=2)).isoformat()),
        consent_body(expires_at=(now - timedelta(days=1)).isoformat()),
        consent_body(given_at=now.isoformat(), expires_at=(now - timedelta(hours=1)).isoformat()),
        consent_body(given_at="2026-01-01T10:00:00"),  # no offset
        consent_body(given_at=(now - timedelta(days=3650)).isoformat()),  # before the last one
        consent_body(purpose="everything"),
        consent_body(organization_id=str(org_a)),
        consent_body(language="Bengali, spoken slowly"),
        {"purpose": "research"},
    ]
    for body in bad:
        problem(await client.post(url, json=body, headers=pm_a.headers), 422)
    expiring = await give(
        client,
        pm_a,
        rupa,
        consent_body("media_advocacy", expires_at=(now + timedelta(days=30)).isoformat()),
    )
    assert expiring["status"] == "in_force"


# -- withdrawal ---------------------------------------------------------------------------
async def test_withdrawal_ends_the_consent_in_force(
    client: httpx.AsyncClient, factory: Factory, pm_a: Actor, rupa: str, partner: UUID
) -> None:
    old = await give(client, pm_a, rupa, consent_body())
    current = await give(client, pm_a, rupa, consent_body())
    sharing = await give(
        client,
        pm_a,
        rupa,
        consent_body("sharing", shared_with_organization_id=str(partner), fields=["name"]),
    )
    url = f"{SURVIVORS}/{rupa}/consents"
    superseded = await client.post(
        f"{url}/{old['id']}/withdraw", json={"reason": "survivor_request"}, headers=pm_a.headers
    )
    problem(superseded, 409)
    withdrawn = await client.post(
        f"{url}/{current['id']}/withdraw", json={"reason": "safety_concern"}, headers=pm_a.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert body["status"] == "withdrawn"
    assert body["withdrawal_reason"] == "safety_concern"
    assert body["withdrawn_at"] is not None
    assert withdrawn.headers["ETag"] == '"v2"'
    again = await client.post(
        f"{url}/{current['id']}/withdraw", json={"reason": "safety_concern"}, headers=pm_a.headers
    )
    problem(again, 409)
    # Words are refused: the reason is a code (the column is not sealed).
    problem(
        await client.post(
            f"{url}/{sharing['id']}/withdraw",
            json={"reason": "her uncle found out"},
            headers=pm_a.headers,
        ),
        422,
    )
    problem(
        await client.post(
            f"{url}/{uuid.uuid4()}/withdraw", json={"reason": "other"}, headers=pm_a.headers
        ),
        404,
    )
    async with factory.uow() as uow:
        assert await active_consent(uow, UUID(rupa), ConsentPurpose.case_management) is None
        assert await fields_allowed(uow, UUID(rupa), partner) == {ShareableField.name}
    await client.post(
        f"{url}/{sharing['id']}/withdraw", json={"reason": "other"}, headers=pm_a.headers
    )
    async with factory.uow() as uow:
        assert await fields_allowed(uow, UUID(rupa), partner) == frozenset()
    # A consent of another survivor is not reached through this one's path.
    other = await register(client, pm_a, "Other")
    problem(
        await client.get(f"{SURVIVORS}/{other}/consents/{sharing['id']}", headers=pm_a.headers),
        404,
    )


# -- override -----------------------------------------------------------------------------
async def override_events(connection: AsyncConnection) -> list[tuple[str, str, UUID]]:
    rows = await connection.execute(
        sa.text(
            "SELECT action, outcome, entity_id FROM audit_event"
            " WHERE entity_type = 'consent' AND action IN ('consent_override', 'permission_denied')"
            " ORDER BY seq"
        )
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def test_a_program_manager_overrides_with_a_reason_and_it_is_audited(
    factory: Factory, pm_a: Actor, rupa: str, connection: AsyncConnection
) -> None:
    async with factory.uow() as uow:
        granted = await override_consent(
            uow,
            principal_of(pm_a),
            UUID(rupa),
            ConsentPurpose.sharing,
            "  Police AHTU needs her statement for the bail hearing tomorrow  ",
        )
    assert granted.reason == "Police AHTU needs her statement for the bail hearing tomorrow"
    assert (granted.survivor_id, granted.actor_id) == (UUID(rupa), pm_a.id)
    assert await override_events(connection) == [("consent_override", "success", UUID(rupa))]
    hashed = await connection.execute(
        sa.text("SELECT count(*) FROM audit_event WHERE action = 'consent_override'")
    )
    assert hashed.scalar_one() == 1


async def test_an_override_whose_work_fails_is_kept_as_a_failed_attempt(
    factory: Factory, pm_a: Actor, rupa: str, connection: AsyncConnection
) -> None:
    async def refer_without_consent() -> None:
        async with factory.uow() as uow:
            await override_consent(
                uow, principal_of(pm_a), UUID(rupa), ConsentPurpose.sharing, "urgent referral"
            )
            raise RuntimeError("the referral could not be sent")

    with pytest.raises(RuntimeError):
        await refer_without_consent()
    assert await override_events(connection) == [("consent_override", "failure", UUID(rupa))]


async def test_an_override_needs_the_role_a_reason_and_a_survivor_in_scope(
    client: httpx.AsyncClient,
    factory: Factory,
    org_a: UUID,
    pm_a: Actor,
    rupa: str,
    connection: AsyncConnection,
) -> None:
    worker = await factory.user(org_a, Role.social_worker, districts=(SOUTH_24,))
    await CaseFactory(factory).case(org_a, UUID(rupa), assigned_worker_id=worker.id)
    with pytest.raises(PermissionDenied):
        async with factory.uow() as uow:
            await override_consent(
                uow, principal_of(worker), UUID(rupa), ConsentPurpose.sharing, "she asked"
            )
    for reason in ("", "   "):
        with pytest.raises(BusinessRuleViolation):
            async with factory.uow() as uow:
                await override_consent(
                    uow, principal_of(pm_a), UUID(rupa), ConsentPurpose.sharing, reason
                )
    pm_b = await factory.user(await factory.organization("Org B"), Role.program_manager)
    with pytest.raises(NotFound):
        async with factory.uow() as uow:
            await override_consent(
                uow, principal_of(pm_b), UUID(rupa), ConsentPurpose.sharing, "a reason"
            )
    events = await override_events(connection)
    # The denial is kept although its transaction rolled back. An override of a survivor
    # outside the caller's scope never began: nothing to record but the 404.
    assert events == [("permission_denied", "denied", UUID(rupa))]


def test_only_program_managers_hold_the_override_policy() -> None:
    from domain.consents.policies import OVERRIDE

    assert OVERRIDE.name == "consents:override"
    assert OVERRIDE.roles == frozenset({Role.program_manager})


# -- the authorization matrix -------------------------------------------------------------
@dataclass
class World:
    actors: dict[str, Actor]
    s: str  # survivor of A, her case assigned to sw_assigned
    t: str  # survivor of B
    consent_s: str
    consent_t: str


ACTOR_NAMES = MATRIX_ACTORS
COLUMNS = ("list:S", "read:S", "give:S", "withdraw:S", "list:T", "read:T", "give:T")
MATRIX = """
actor               list:S read:S give:S withdraw:S list:T read:T give:T
pm_a                   200    200    201        200    404    404    404
sw_assigned            200    200    201        200    404    404    404
sw_district            404    404    404        404    404    404    404
sw_district_visible    200    200    201        200    404    404    404
pm_b                   404    404    404        404    200    200    201
partner_b              403    403    403        403    403    403    403
analyst_a              403    403    403        403    403    403    403
leader_a               403    403    403        403    403    403    403
auditor_a              403    403    403        403    403    403    403
admin                  403    403    403        403    403    403    403
client_a               403    403    403        403    403    403    403
client_b               403    403    403        403    403    403    403
"""


def parse_matrix() -> list[tuple[str, dict[str, int]]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    assert tuple(lines[0][1:]) == COLUMNS
    assert tuple(row[0] for row in lines[1:]) == ACTOR_NAMES
    return [(row[0], dict(zip(COLUMNS, map(int, row[1:]), strict=True))) for row in lines[1:]]


async def build_world(
    factory: Factory, client: httpx.AsyncClient, *, district_visibility: bool
) -> World:
    cast = await matrix_cast(
        factory,
        district_visibility=district_visibility,
        client_a_scopes=["consents:read", "consents:manage"],
    )
    org_a, actors, cases = cast.org_a, cast.actors, cast.cases
    pm_a, sw_assigned, pm_b = actors["pm_a"], actors["sw_assigned"], actors["pm_b"]
    s = await register(client, pm_a)
    await cases.case(org_a, UUID(s), district_id=SOUTH_24, assigned_worker_id=sw_assigned.id)
    t = await register(client, pm_b)
    consent_s = (await give(client, pm_a, s, consent_body()))["id"]
    consent_t = (await give(client, pm_b, t, consent_body()))["id"]
    return World(actors, s, t, consent_s, consent_t)


@pytest.mark.parametrize(("name", "expected"), parse_matrix(), ids=ACTOR_NAMES)
async def test_matrix(
    name: str, expected: dict[str, int], client: httpx.AsyncClient, factory: Factory
) -> None:
    world = await build_world(factory, client, district_visibility=name == "sw_district_visible")
    actor = world.actors[name]
    wrong: list[str] = []

    async def call(column: str, survivor: str, consent: str) -> httpx.Response:
        url = f"{SURVIVORS}/{survivor}/consents"
        match column.split(":")[0]:
            case "list":
                return await client.get(url, headers=actor.headers)
            case "read":
                return await client.get(f"{url}/{consent}", headers=actor.headers)
            case "give":
                return await client.post(url, json=consent_body("research"), headers=actor.headers)
            case "withdraw":
                return await client.post(
                    f"{url}/{consent}/withdraw", json={"reason": "other"}, headers=actor.headers
                )
        raise AssertionError(column)

    for column, want in expected.items():
        survivor, consent = (
            (world.s, world.consent_s) if column.endswith(":S") else (world.t, world.consent_t)
        )
        response = await call(column, survivor, consent)
        if response.status_code != want:
            wrong.append(f"{column}: expected {want}, got {response.status_code} {response.text}")
            continue
        if want >= 400:
            body = response.json()
            if not response.headers["content-type"].startswith(PROBLEM):
                wrong.append(f"{column}: not problem+json")
            if want == 404:
                twin = await call(column, str(uuid.uuid4()), str(uuid.uuid4()))
                strip = {"instance", "request_id"}
                if twin.status_code != 404 or {
                    k: v for k, v in twin.json().items() if k not in strip
                } != {k: v for k, v in body.items() if k not in strip}:
                    wrong.append(f"{column}: the 404 differs from a missing survivor's")
            continue
        if column.startswith("list:"):
            shown = {item["survivor_id"] for item in response.json()["items"]}
            if shown != {survivor}:
                wrong.append(f"{column}: shows consents of {shown}")
    assert wrong == [], f"{name}:\n" + "\n".join(wrong)
