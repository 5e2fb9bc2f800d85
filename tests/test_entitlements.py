"""Entitlements: the scheme catalogue as versioned data, survivors' applications moved through
their states with who, when and a sealed note, the stalled flag, coverage, and who may see
and shape which application."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from domain.common.principal import Role
from domain.common.settings import Settings
from domain.entitlements.service import CLOSED, MOVES, is_stalled, move_problem
from persistence.clock import FixedClock, using
from persistence.database import Database
from persistence.models.livelihood_vocabulary import ApplicationStatus as S
from tests import helpers
from tests.factories import SOUTH_24, Actor
from tests.helpers import if_match, today
from tests.worlds import CASE_PEOPLE, CaseWorld, Client, Org, person, with_people, world_fixture

SCHEMES = "/api/v1/schemes"
APPLICATIONS = "/api/v1/entitlement-applications"
NOTE = "Her Aadhaar carries the old Basanti address; correction first"
TABLES = ("entitlement_application", "entitlement_status_change", "scheme")


def coverage_url(survivor_id: UUID) -> str:
    return f"/api/v1/survivors/{survivor_id}/entitlement-coverage"


class World(CaseWorld):
    """Two organisations, their people and clients; a survivor of A held by ``sw_a``."""

    organizations = {"org_a": Org("Sundarban Mahila Samiti"), "org_b": Org()}
    people = with_people(
        CASE_PEOPLE, sw_a=person("org_a", Role.social_worker, SOUTH_24, name="Rupa Das")
    )
    clients = {
        "client_a": Client(
            "org_a", Role.program_manager, ("entitlements:read", "entitlements:manage")
        ),
        "client_partner_b": Client("org_b", Role.partner_staff),
    }
    survivor_of_b = True


world = world_fixture(World)


# The next version of a state scheme, from 1 April 2027.
NEXT_LAKSHMIR_BHANDAR = {
    "code": "lakshmir_bhandar",
    "name": "Lakshmir Bhandar",
    "benefit": "Monthly cash support: Rs 1,500 (check).",
    "amount_paise": 150_000,
    "amount_period": "monthly",
    "documents_required": ["aadhaar", "swasthya_sathi"],
    "effective_from": "2027-04-01",
}


async def scheme_id(client: httpx.AsyncClient, actor: Actor, code: str) -> str:
    listed = await client.get(SCHEMES, params={"code": code}, headers=actor.headers)
    assert listed.status_code == 200, listed.text
    (scheme,) = listed.json()["items"]
    return str(scheme["id"])


async def apply(
    client: httpx.AsyncClient,
    actor: Actor,
    survivor_id: UUID,
    code: str = "pm_jan_dhan",
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "survivor_id": str(survivor_id),
        "scheme_id": await scheme_id(client, actor, code),
        **extra,
    }
    response = await client.post(APPLICATIONS, json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def move(
    client: httpx.AsyncClient, actor: Actor, application: dict[str, Any], **body: Any
) -> httpx.Response:
    return await client.post(
        f"{APPLICATIONS}/{application['id']}/transitions",
        json=body,
        headers=if_match(actor, application["version"]),
    )


async def moved(
    client: httpx.AsyncClient, actor: Actor, application: dict[str, Any], **body: Any
) -> dict[str, Any]:
    response = await move(client, actor, application, **body)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == f'"v{application["version"] + 1}"'
    result: dict[str, Any] = response.json()
    return result


table_counts = partial(helpers.table_counts, tables=TABLES)


async def application_row(connection: AsyncConnection, application_id: str) -> Any:
    return (
        await connection.execute(
            sa.text("SELECT * FROM entitlement_application WHERE id = :id"),
            {"id": application_id},
        )
    ).one()


async def set_last_moved(connection: AsyncConnection, application_id: str, days_ago: int) -> None:
    await connection.execute(
        sa.text("UPDATE entitlement_application SET last_moved_at = :at WHERE id = :id"),
        {"at": datetime.now(UTC) - timedelta(days=days_ago), "id": application_id},
    )


# -- pure rules -----------------------------------------------------------------------------
def test_the_moves_an_application_may_make() -> None:
    allowed = {
        (S.documents_gathering, S.applied),
        (S.applied, S.under_process),
        (S.applied, S.rejected),
        (S.under_process, S.sanctioned),
        (S.under_process, S.rejected),
        (S.sanctioned, S.received),
        (S.sanctioned, S.partly_received),
        (S.partly_received, S.partly_received),
        (S.partly_received, S.received),
        (S.rejected, S.appealed),
        (S.appealed, S.under_process),
        (S.appealed, S.sanctioned),
        (S.appealed, S.rejected),
    }
    for current in S:
        for to in S:
            assert (move_problem(current, to) is None) is ((current, to) in allowed), (current, to)
    assert MOVES[S.received] == frozenset()


def test_only_open_applications_stall() -> None:
    now = datetime(2026, 11, 29, 9, tzinfo=UTC)
    old = now - timedelta(days=31)
    recent = now - timedelta(days=29)
    for status in S:
        assert is_stalled(status, old, now, 30) is (status not in CLOSED), status
        assert is_stalled(status, recent, now, 30) is False
    assert CLOSED == {S.received, S.rejected}


# -- the catalogue --------------------------------------------------------------------------
async def test_the_seeded_catalogue_keeps_amounts_with_their_dates(
    client: httpx.AsyncClient, world: World
) -> None:
    listed = await client.get(SCHEMES, params={"limit": 200}, headers=world.leader_a.headers)
    assert listed.status_code == 200, listed.text
    codes = {s["code"] for s in listed.json()["items"]}
    assert {
        "aadhaar",
        "ration_card",
        "pm_jan_dhan",
        "swasthya_sathi",
        "lakshmir_bhandar",
        "mgnrega_job_card",
        "victim_compensation_wb",
        "victim_compensation_nalsa",
        "ujjawala",
        "muktir_alo",
        "voter_id",
        "caste_certificate",
        "disability_certificate",
        "pan",
    } <= codes
    assert all(s["in_effect"] for s in listed.json()["items"])
    current = [s for s in listed.json()["items"] if s["code"] == "lakshmir_bhandar"]
    assert [(s["amount_paise"], s["amount_period"]) for s in current] == [(100_000, "monthly")]
    assert "aadhaar" in current[0]["documents_required"]

    history = await client.get(
        SCHEMES,
        params={"code": "lakshmir_bhandar", "all_versions": "true"},
        headers=world.client_a.headers,
    )
    versions = history.json()["items"]
    assert [(v["effective_from"], v["effective_to"], v["amount_paise"]) for v in versions] == [
        ("2021-09-01", "2024-03-31", 50_000),
        ("2024-04-01", None, 100_000),
    ]
    in_2022 = await client.get(
        SCHEMES,
        params={"code": "lakshmir_bhandar", "as_of": "2022-06-01"},
        headers=world.pm_b.headers,
    )
    assert [s["amount_paise"] for s in in_2022.json()["items"]] == [50_000]
    assert in_2022.json()["items"][0]["in_effect"] is False

    one = await client.get(f"{SCHEMES}/{versions[0]['id']}", headers=world.partner_b.headers)
    assert one.status_code == 200
    assert one.json()["effective_to"] == "2024-03-31"
    assert (
        await client.get(f"{SCHEMES}/{uuid.uuid4()}", headers=world.pm_a.headers)
    ).status_code == 404
    # pages walk the whole catalogue once
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4, "all_versions": "true"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(SCHEMES, params=params, headers=world.pm_a.headers)).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 15


async def test_an_admin_adds_a_version_that_supersedes_the_last(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    body = NEXT_LAKSHMIR_BHANDAR
    before = await table_counts(connection)
    for actor in (world.pm_a, world.sw_a, world.analyst_a, world.leader_a, world.client_a):
        refused = await client.post(SCHEMES, json=body, headers=actor.headers)
        assert refused.status_code == 403, refused.text
    # bad input: 422 and nothing written
    for bad in (
        {**body, "amount_period": None},
        {**body, "effective_to": "2027-01-01"},
        {**body, "effective_from": "2024-04-01"},  # not after the latest version
        {**body, "effective_from": "2020-01-01"},
        {**body, "code": "Not A Code"},
        {**body, "amount_paise": -1},
        {**body, "state_id": str(uuid.uuid4())},
        {**body, "unknown": 1},
    ):
        refused = await client.post(SCHEMES, json=bad, headers=world.admin.headers)
        assert refused.status_code == 422, (bad, refused.text)
    assert await table_counts(connection) == before

    created = await client.post(SCHEMES, json=body, headers=world.admin.headers)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{SCHEMES}/{created.json()['id']}"
    versions = (
        await client.get(
            SCHEMES,
            params={"code": "lakshmir_bhandar", "all_versions": "true"},
            headers=world.pm_a.headers,
        )
    ).json()["items"]
    assert [(v["effective_from"], v["effective_to"]) for v in versions] == [
        ("2021-09-01", "2024-03-31"),
        ("2024-04-01", "2027-03-31"),
        ("2027-04-01", None),
    ]
    # today the 2024 version still holds
    now = (
        await client.get(SCHEMES, params={"code": "lakshmir_bhandar"}, headers=world.pm_a.headers)
    ).json()["items"]
    assert [v["amount_paise"] for v in now] == [100_000]


async def test_coverage_offers_the_version_in_effect_on_india_s_date(
    client: httpx.AsyncClient, world: World
) -> None:
    """At 00:30 IST on 1 April (still 31 March in UTC) her coverage offers the scheme's
    version that took effect that day."""
    created = await client.post(SCHEMES, json=NEXT_LAKSHMIR_BHANDAR, headers=world.admin.headers)
    assert created.status_code == 201, created.text

    async def offered(at: datetime) -> str:
        with using(FixedClock(at)):
            coverage = await client.get(coverage_url(world.survivor), headers=world.sw_a.headers)
        assert coverage.status_code == 200, coverage.text
        (scheme,) = [
            s for s in coverage.json()["schemes"] if s["scheme_code"] == "lakshmir_bhandar"
        ]
        return str(scheme["scheme_id"])

    assert await offered(datetime(2027, 3, 31, 18, 0, tzinfo=UTC)) != created.json()["id"]
    assert await offered(datetime(2027, 3, 31, 19, 0, tzinfo=UTC)) == created.json()["id"]


# -- applications -----------------------------------------------------------------------------
async def test_an_application_moves_to_its_benefit_with_who_when_and_a_sealed_note(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    created = await apply(client, world.sw_a, world.survivor, "victim_compensation_wb", note=NOTE)
    assert created["status"] == "documents_gathering"
    assert created["scheme_code"] == "victim_compensation_wb"
    assert created["survivor_id"] == str(world.survivor)
    assert created["stalled"] is False
    assert created["version"] == 1
    row = await application_row(connection, created["id"])
    assert row.district_id == SOUTH_24
    assert row.organization_id == world.org_a

    step = await moved(
        client, world.sw_a, created, to="applied", office="DLSA Alipore", on="2026-02-01"
    )
    assert (step["status"], step["office"], step["applied_on"]) == (
        "applied",
        "DLSA Alipore",
        "2026-02-01",
    )
    step = await moved(client, world.sw_a, step, to="under_process", note="Hearing fixed")
    # a sanction before the application was made is refused, nothing changes
    early = await move(client, world.sw_a, step, to="sanctioned", on="2026-01-01")
    assert early.status_code == 422
    assert (await application_row(connection, created["id"])).status == "under_process"
    step = await moved(
        client, world.pm_a, step, to="sanctioned", amount_paise=30_000_000, on="2026-05-01"
    )
    assert (step["sanctioned_paise"], step["sanctioned_on"]) == (30_000_000, "2026-05-01")
    step = await moved(
        client, world.sw_a, step, to="partly_received", amount_paise=10_000_000, on="2026-07-01"
    )
    step = await moved(
        client, world.sw_a, step, to="partly_received", amount_paise=5_000_000, on="2026-08-01"
    )
    assert (step["status"], step["received_paise"], step["received_on"]) == (
        "partly_received",
        15_000_000,
        "2026-08-01",
    )
    # paid beyond the award: refused
    over = await move(client, world.sw_a, step, to="received", amount_paise=20_000_000)
    assert over.status_code == 422
    step = await moved(client, world.sw_a, step, to="received", amount_paise=15_000_000)
    assert (step["status"], step["received_paise"], step["received_on"]) == (
        "received",
        30_000_000,
        today().isoformat(),
    )
    assert step["stalled"] is False

    # received is final
    final = await move(client, world.sw_a, step, to="partly_received", amount_paise=1)
    assert final.status_code == 409
    assert final.headers["content-type"].startswith("application/problem+json")

    history = await client.get(
        f"{APPLICATIONS}/{created['id']}/history", headers=world.pm_a.headers
    )
    assert history.status_code == 200, history.text
    moves = history.json()["items"]
    assert [(m["from_status"], m["to_status"]) for m in moves] == [
        (None, "documents_gathering"),
        ("documents_gathering", "applied"),
        ("applied", "under_process"),
        ("under_process", "sanctioned"),
        ("sanctioned", "partly_received"),
        ("partly_received", "partly_received"),
        ("partly_received", "received"),
    ]
    assert moves[0]["note"] == NOTE
    assert moves[2]["note"] == "Hearing fixed"
    assert [m["by"] for m in moves] == [str(world.sw_a.id)] * 3 + [str(world.pm_a.id)] + [
        str(world.sw_a.id)
    ] * 3
    # each move names who made it, and for which organisation
    assert [m["by_name"] for m in moves[:3]] == ["Rupa Das"] * 3
    assert {m["by_organization_name"] for m in moves} == {"Sundarban Mahila Samiti"}
    assert all(m["at"] for m in moves)
    # the note is sealed at rest
    raw = await connection.scalar(
        sa.text(
            "SELECT string_agg(t::text, ' ') FROM entitlement_status_change t "
            "WHERE application_id = :id"
        ),
        {"id": created["id"]},
    )
    assert "Basanti" not in raw
    assert "Hearing" not in raw


async def test_a_rejection_carries_its_reason_and_may_be_appealed(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    created = await apply(
        client,
        world.pm_a,
        world.survivor,
        "ration_card",
        status="applied",
        office="Food & Supplies, Canning-I",
        applied_on="2026-03-01",
    )
    assert created["status"] == "applied"
    before = await table_counts(connection)
    for bad in (
        {"to": "rejected"},  # no reason
        {"to": "rejected", "reason": "not_a_reason"},
        {"to": "under_process", "reason": "not_eligible"},
        {"to": "applied"},  # no office
        {"to": "under_process", "amount_paise": 5},
        {"to": "under_process", "on": "2026-04-01"},
        {"to": "sanctioned", "on": (today() + timedelta(days=3)).isoformat()},
        {"to": "nowhere"},
        {"to": "under_process", "extra": True},
    ):
        refused = await move(client, world.pm_a, created, **bad)
        assert refused.status_code == 422, (bad, refused.text)
    for illegal in ({"to": "sanctioned"}, {"to": "received"}, {"to": "appealed"}):
        refused = await move(client, world.pm_a, created, **illegal)
        assert refused.status_code == 409, (illegal, refused.text)
    assert await table_counts(connection) == before
    assert (await application_row(connection, created["id"])).version == 1

    rejected = await moved(
        client, world.pm_a, created, to="rejected", reason="documents_incomplete", note="No photo"
    )
    assert (rejected["status"], rejected["rejection_reason"]) == (
        "rejected",
        "documents_incomplete",
    )
    assert rejected["stalled"] is False
    appealed = await moved(client, world.pm_a, rejected, to="appealed", note="Photo added")
    again = await moved(client, world.pm_a, appealed, to="under_process")
    assert again["status"] == "under_process"
    # a stale If-Match is refused; none at all asks for one
    stale = await move(client, world.pm_a, appealed, to="sanctioned")
    assert stale.status_code == 412
    missing = await client.post(
        f"{APPLICATIONS}/{created['id']}/transitions",
        json={"to": "sanctioned"},
        headers=world.pm_a.headers,
    )
    assert missing.status_code == 428


async def test_bad_applications_are_refused_with_nothing_written(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    jan_dhan = await scheme_id(client, world.pm_a, "pm_jan_dhan")
    other_state = uuid.uuid4()
    await connection.execute(
        sa.text("INSERT INTO state (id, name, code) VALUES (:id, 'Odisha', 'OD')"),
        {"id": other_state},
    )
    foreign = await client.post(
        SCHEMES,
        json={
            "code": "odisha_only",
            "name": "An Odisha scheme",
            "state_id": str(other_state),
            "benefit": "Something in Odisha",
            "effective_from": "2020-01-01",
        },
        headers=world.admin.headers,
    )
    assert foreign.status_code == 201, foreign.text
    good = {"survivor_id": str(world.survivor), "scheme_id": jan_dhan}
    before = await table_counts(connection)
    for actor, body in (
        (world.pm_a, {**good, "survivor_id": str(world.survivor_b)}),  # another organisation's
        (world.pm_a, {**good, "survivor_id": str(uuid.uuid4())}),
        (world.sw_north, good),  # not in her scope
        (world.pm_a, {**good, "scheme_id": str(uuid.uuid4())}),
        (world.pm_a, {**good, "scheme_id": foreign.json()["id"]}),  # not her state's
        (world.pm_a, {**good, "status": "sanctioned"}),
        (world.pm_a, {**good, "status": "applied"}),  # applied needs office and date
        (world.pm_a, {**good, "office": "BDO"}),
        (
            world.pm_a,
            {
                **good,
                "status": "applied",
                "office": "BDO",
                "applied_on": (today() + timedelta(days=5)).isoformat(),
            },
        ),
        (world.pm_a, {**good, "note": ""}),
        (world.pm_a, {**good, "colour": "red"}),
        (world.pm_a, {"scheme_id": jan_dhan}),
    ):
        refused = await client.post(APPLICATIONS, json=body, headers=actor.headers)
        assert refused.status_code == 422, (body, refused.text)
        assert str(world.survivor_b) not in refused.text
    assert await table_counts(connection) == before

    # one open application per scheme; idempotent retries create once
    headers = {**world.pm_a.headers, "Idempotency-Key": "apply-jan-dhan-1"}
    first = await client.post(APPLICATIONS, json=good, headers=headers)
    replay = await client.post(APPLICATIONS, json=good, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert first.json()["id"] == replay.json()["id"]
    twice = await client.post(APPLICATIONS, json=good, headers=world.pm_a.headers)
    assert twice.status_code == 409
    count = await connection.scalar(
        sa.text("SELECT count(*) FROM entitlement_application WHERE survivor_id = :s"),
        {"s": world.survivor},
    )
    assert count == 1


async def test_the_stalled_flag_follows_the_configured_days(
    client: httpx.AsyncClient,
    world: World,
    connection: AsyncConnection,
    settings: Settings,
    database: Database,
) -> None:
    stuck = await apply(
        client,
        world.pm_a,
        world.survivor,
        "swasthya_sathi",
        status="applied",
        office="Duare Sarkar camp, Gosaba",
        applied_on="2026-06-01",
    )
    fresh = await apply(client, world.pm_a, world.survivor, "pm_jan_dhan")
    done = await apply(client, world.pm_a, world.survivor, "voter_id")
    done = await moved(
        client, world.pm_a, done, to="applied", office="ERO Canning", on="2026-06-01"
    )
    done = await moved(client, world.pm_a, done, to="rejected", reason="not_eligible")
    await set_last_moved(connection, stuck["id"], 46)
    await set_last_moved(connection, fresh["id"], 20)
    await set_last_moved(connection, done["id"], 400)

    def flags(items: list[dict[str, Any]]) -> dict[str, bool]:
        return {a["id"]: a["stalled"] for a in items}

    listed = (await client.get(APPLICATIONS, headers=world.pm_a.headers)).json()["items"]
    assert flags(listed) == {stuck["id"]: True, fresh["id"]: False, done["id"]: False}
    only = await client.get(APPLICATIONS, params={"stalled": "true"}, headers=world.pm_a.headers)
    assert [a["id"] for a in only.json()["items"]] == [stuck["id"]]
    not_stalled = await client.get(
        APPLICATIONS, params={"stalled": "false"}, headers=world.pm_a.headers
    )
    assert {a["id"] for a in not_stalled.json()["items"]} == {fresh["id"], done["id"]}
    one = await client.get(f"{APPLICATIONS}/{stuck['id']}", headers=world.sw_a.headers)
    assert one.json()["stalled"] is True
    coverage = (await client.get(coverage_url(world.survivor), headers=world.pm_a.headers)).json()
    by_code = {s["scheme_code"]: s for s in coverage["schemes"]}
    assert by_code["swasthya_sathi"]["stalled"] is True
    assert by_code["pm_jan_dhan"]["stalled"] is False

    # with a shorter setting the 20-day-old application stalls too
    short = create_app(settings.model_copy(update={"entitlement_stalled_days": 10}), database)
    transport = httpx.ASGITransport(app=short, client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        listed = (await other.get(APPLICATIONS, headers=world.pm_a.headers)).json()["items"]
    assert flags(listed) == {stuck["id"]: True, fresh["id"]: True, done["id"]: False}

    # a move un-stalls it
    stuck = (await client.get(f"{APPLICATIONS}/{stuck['id']}", headers=world.pm_a.headers)).json()
    unstuck = await moved(client, world.pm_a, stuck, to="under_process", note="Called the BDO")
    assert unstuck["stalled"] is False


async def test_coverage_across_the_schemes_open_to_her(
    client: httpx.AsyncClient, world: World
) -> None:
    empty = await client.get(coverage_url(world.survivor), headers=world.sw_a.headers)
    assert empty.status_code == 200, empty.text
    schemes = empty.json()["schemes"]
    codes = [s["scheme_code"] for s in schemes]
    assert codes == sorted(codes)
    assert "lakshmir_bhandar" in codes
    assert "aadhaar" in codes
    assert {s["coverage"] for s in schemes} == {"not_applied"}
    assert empty.json()["not_applied"] == len(schemes)

    jan_dhan = await apply(client, world.pm_a, world.survivor, "pm_jan_dhan")
    jan_dhan = await moved(
        client, world.pm_a, jan_dhan, to="applied", office="SBI Canning", on="2026-04-01"
    )
    jan_dhan = await moved(client, world.pm_a, jan_dhan, to="under_process")
    jan_dhan = await moved(client, world.pm_a, jan_dhan, to="sanctioned")
    jan_dhan = await moved(client, world.pm_a, jan_dhan, to="received")
    aadhaar = await apply(client, world.pm_a, world.survivor, "aadhaar")
    voter = await apply(client, world.pm_a, world.survivor, "voter_id")
    voter = await moved(client, world.pm_a, voter, to="applied", office="ERO", on="2026-04-01")
    voter = await moved(client, world.pm_a, voter, to="rejected", reason="other")

    coverage = (await client.get(coverage_url(world.survivor), headers=world.sw_a.headers)).json()
    by_code = {s["scheme_code"]: s for s in coverage["schemes"]}
    assert by_code["pm_jan_dhan"]["coverage"] == "received"
    assert by_code["pm_jan_dhan"]["application_id"] == jan_dhan["id"]
    assert by_code["aadhaar"]["coverage"] == "in_progress"
    assert by_code["aadhaar"]["application_id"] == aadhaar["id"]
    assert by_code["voter_id"]["coverage"] == "rejected"
    assert (coverage["received"], coverage["in_progress"], coverage["rejected"]) == (1, 1, 1)
    assert coverage["not_applied"] == len(schemes) - 3
    # a new application after a rejection decides her coverage
    retry = await apply(client, world.pm_a, world.survivor, "voter_id")
    coverage = (await client.get(coverage_url(world.survivor), headers=world.sw_a.headers)).json()
    by_code = {s["scheme_code"]: s for s in coverage["schemes"]}
    assert (by_code["voter_id"]["coverage"], by_code["voter_id"]["application_id"]) == (
        "in_progress",
        retry["id"],
    )


# -- who sees and shapes which application ------------------------------------------------------
MATRIX = [
    # actor, reads, writes
    ("pm_a", 200, 200),
    ("sw_a", 200, 200),  # her own survivor
    ("sw_a2", 404, 404),  # same district, not hers, organisation does not share districts
    ("sw_north", 404, 404),
    ("pm_b", 404, 404),
    ("sw_b", 404, 404),
    ("partner_b", 403, 403),
    ("analyst_a", 403, 403),
    ("leader_a", 403, 403),
    ("auditor_a", 403, 403),
    ("admin", 403, 403),
    ("client_a", 403, 403),  # never survivors' records, whatever the scope
    ("client_partner_b", 403, 403),
]


async def _every_call(
    client: httpx.AsyncClient, world: World, actor: Actor, application: dict[str, Any]
) -> dict[str, httpx.Response]:
    url = f"{APPLICATIONS}/{application['id']}"
    scheme = await scheme_id(client, world.pm_a, "aadhaar")
    return {
        "read": await client.get(url, headers=actor.headers),
        "history": await client.get(f"{url}/history", headers=actor.headers),
        "coverage": await client.get(coverage_url(world.survivor), headers=actor.headers),
        "list": await client.get(APPLICATIONS, headers=actor.headers),
        "create": await client.post(
            APPLICATIONS,
            json={"survivor_id": str(world.survivor), "scheme_id": scheme},
            headers=actor.headers,
        ),
        "transition": await client.post(
            f"{url}/transitions",
            json={"to": "applied", "office": "SBI Canning", "note": "Went with her"},
            headers=if_match(actor, 1),
        ),
    }


@pytest.mark.parametrize(("who", "reads", "writes"), MATRIX)
async def test_matrix(
    client: httpx.AsyncClient,
    world: World,
    connection: AsyncConnection,
    who: str,
    reads: int,
    writes: int,
) -> None:
    application = await apply(client, world.pm_a, world.survivor, note=NOTE)
    actor: Actor = getattr(world, who)
    before = await table_counts(connection)
    calls = await _every_call(client, world, actor, application)
    for name in ("read", "history", "coverage"):
        assert calls[name].status_code == reads, (who, name, calls[name].text)
    if reads == 200:
        assert calls["history"].json()["items"][0]["note"] == NOTE
        assert application["id"] in {a["id"] for a in calls["list"].json()["items"]}
        assert calls["create"].status_code == 201, calls["create"].text
        assert calls["transition"].status_code == 200, calls["transition"].text
    elif reads == 404:
        # the list answers, without her application; creating for her is refused as unknown
        assert calls["list"].status_code == 200
        assert calls["list"].json()["items"] == []
        assert calls["create"].status_code == 422
        assert calls["transition"].status_code == 404
    else:
        for name in ("list", "create", "transition"):
            assert calls[name].status_code == 403, (who, name, calls[name].text)
    for name, response in calls.items():
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            problem = {k: v for k, v in response.json().items() if k != "instance"}
            assert application["id"] not in str(problem), (who, name)
            assert "Basanti" not in response.text, (who, name)
    if writes != 200:
        assert await table_counts(connection) == before
        row = await application_row(connection, application["id"])
        assert (row.version, row.status) == (1, "documents_gathering")
    # the catalogue is open to every authenticated caller
    assert (await client.get(SCHEMES, headers=actor.headers)).status_code == 200


async def test_district_visibility_opens_her_applications_to_the_districts_workers(
    client: httpx.AsyncClient, world: World
) -> None:
    application = await apply(client, world.sw_a, world.survivor)
    url = f"{APPLICATIONS}/{application['id']}"
    assert (await client.get(url, headers=world.sw_a2.headers)).status_code == 404
    await world.cases.allow_district_visibility(world.org_a)
    assert (await client.get(url, headers=world.sw_a2.headers)).status_code == 200
    assert (await client.get(url, headers=world.sw_north.headers)).status_code == 404
    assert (await client.get(url, headers=world.sw_b.headers)).status_code == 404


async def test_a_foreign_application_answers_like_a_missing_one(
    client: httpx.AsyncClient, world: World
) -> None:
    application = await apply(client, world.pm_a, world.survivor)
    for path in ("", "/history"):
        foreign = await client.get(
            f"{APPLICATIONS}/{application['id']}{path}", headers=world.pm_b.headers
        )
        missing = await client.get(
            f"{APPLICATIONS}/{uuid.uuid4()}{path}", headers=world.pm_b.headers
        )
        assert foreign.status_code == missing.status_code == 404
        assert {k: v for k, v in foreign.json().items() if k not in ("instance", "request_id")} == {
            k: v for k, v in missing.json().items() if k not in ("instance", "request_id")
        }
    assert (
        await client.get(coverage_url(world.survivor), headers=world.pm_b.headers)
    ).status_code == 404
    filtered = await client.get(
        APPLICATIONS, params={"survivor_id": str(world.survivor)}, headers=world.pm_b.headers
    )
    assert filtered.json()["items"] == []
