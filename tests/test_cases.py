"""Cases: opening, stages, reassignment, the progress map, flags, and who sees what."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from api.settings import HttpSettings
from domain.cases.lifecycle import ALLOWED, closure_problem, stage_problem
from domain.cases.schemas import CaseDetail, CasePage, CaseRead
from domain.cases.service import district_code
from domain.common.principal import Role
from domain.common.settings import Settings
from persistence import clock
from persistence.audit_chain import AuditRecord
from persistence.crypto import Place
from persistence.database import Database
from persistence.models.case_visit import CaseVisit
from persistence.models.case_vocabulary import CaseStatus, ClosureReason
from persistence.models.consent import Consent
from persistence.repositories.cases import CaseFilter, CaseReads
from persistence.scope import CaseScope
from persistence.uow import UnitOfWork
from tests.conftest import APP_ROLE, PostgresServer
from tests.factories import NORTH_24, SOUTH_24, Actor, CaseFactory, Factory
from tests.helpers import today
from tests.worlds import CASE_PEOPLE, CaseWorld, Client, Org, person, with_people, world_fixture

CASES = "/api/v1/cases"


def case_body(survivor_id: UUID, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "survivor_id": str(survivor_id),
        "district_id": str(SOUTH_24),
        "referral_source": "police_ahtu",
        "trafficking_status": "actual",
        "exploitation_types": ["sexual_exploitation", "forced_labour"],
        "recruitment_method": "job_offer",
        "destination_state": "Maharashtra",
        "identified_on": "2026-10-02",
        "details": "Held in a flat above the Kamathipura tea stall",
    }
    body.update(extra)
    return body


ORG_A_NAME = "Sundarban Mahila Samiti"
WORKER_NAME = "Rupa Das"
MANAGER_NAME = "Mitali Sardar"


class World(CaseWorld):
    """Two organisations, their people, and a survivor of A with a case."""

    organizations = {"org_a": Org(ORG_A_NAME), "org_b": Org()}
    people = with_people(
        CASE_PEOPLE,
        pm_a=person("org_a", Role.program_manager, name=MANAGER_NAME),
        sw_a=person("org_a", Role.social_worker, SOUTH_24, name=WORKER_NAME),
    )
    clients = {"client_a": Client("org_a", Role.partner_staff)}


world = world_fixture(World)


async def _open(client: httpx.AsyncClient, actor: Actor, body: dict[str, Any]) -> httpx.Response:
    return await client.post(CASES, json=body, headers=actor.headers)


# -- the lifecycle as pure rules ------------------------------------------------------------
def test_every_stage_can_be_left_and_closed_cases_only_reopen() -> None:
    for status in CaseStatus:
        assert ALLOWED[status], status
    assert ALLOWED[CaseStatus.closed] == {CaseStatus.reopened}
    assert stage_problem(CaseStatus.intake, CaseStatus.active) is not None
    assert stage_problem(CaseStatus.monitoring, CaseStatus.active) is None
    assert closure_problem(CaseStatus.closed, None) is not None
    assert closure_problem(CaseStatus.active, ClosureReason.relocated) is not None
    assert closure_problem(CaseStatus.closed, ClosureReason.relocated) is None


def test_district_codes() -> None:
    assert district_code("South 24 Parganas") == "S24P"
    assert district_code("Cooch Behar") == "CB"
    assert district_code("Kolkata") == "K"


# -- opening --------------------------------------------------------------------------------
async def test_a_social_worker_opens_a_case_for_her_survivor(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    response = await _open(client, world.sw_a, case_body(world.survivor))
    assert response.status_code == 201, response.text
    case = response.json()
    assert response.headers["location"] == f"{CASES}/{case['id']}"
    assert response.headers["etag"] == '"v1"'
    assert case["status"] == "intake"
    assert case["assigned_worker_id"] == str(world.sw_a.id)
    assert case["case_number"].startswith(f"S24P-{today().year}-")
    assert case["exploitation_types"] == ["forced_labour", "sexual_exploitation"]
    assert case["details"] == "Held in a flat above the Kamathipura tea stall"
    assert "no_consent" in case["flags"]
    # the details are sealed at rest, and bound to this case
    sealed = await connection.scalar(
        sa.text("SELECT context_enc FROM survivor_case WHERE id = :id"), {"id": case["id"]}
    )
    assert b"Kamathipura" not in bytes(sealed)
    events = (
        await connection.execute(
            sa.text("SELECT kind, detail FROM case_event WHERE case_id = :id"), {"id": case["id"]}
        )
    ).all()
    assert [e.kind for e in events] == ["opened"]
    assert events[0].detail["case_number"] == case["case_number"]


async def test_case_numbers_count_per_organisation_district_and_year(
    client: httpx.AsyncClient, world: World
) -> None:
    numbers = []
    for district in (SOUTH_24, SOUTH_24, NORTH_24):
        response = await _open(
            client, world.pm_a, case_body(world.survivor, district_id=str(district))
        )
        assert response.status_code == 201, response.text
        numbers.append(response.json()["case_number"])
    year = today().year
    assert numbers[1] == f"S24P-{year}-{int(numbers[0].rsplit('-', 1)[1]) + 1:04d}"
    assert numbers[2] == f"N24P-{year}-0001"


async def test_concurrent_intakes_never_share_a_number(
    committed_db: Database, settings: Settings
) -> None:
    app = create_app(settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    org = await factory.organization()
    manager = await factory.user(org, Role.program_manager)
    survivor = await CaseFactory(factory).survivor(org)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        responses = await asyncio.gather(
            *(_open(client, manager, case_body(survivor)) for _ in range(8))
        )
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
    numbers = {r.json()["case_number"] for r in responses}
    assert len(numbers) == 8


@pytest.mark.parametrize("who", ["sw_a2", "pm_b", "sw_b"])
async def test_a_survivor_outside_the_callers_scope_cannot_get_a_case(
    client: httpx.AsyncClient, world: World, who: str, connection: AsyncConnection
) -> None:
    before = await connection.scalar(sa.text("SELECT count(*) FROM survivor_case"))
    response = await _open(client, getattr(world, who), case_body(world.survivor))
    assert response.status_code == 404, response.text
    assert await connection.scalar(sa.text("SELECT count(*) FROM survivor_case")) == before


async def test_opening_validates_district_worker_and_body(
    client: httpx.AsyncClient, world: World
) -> None:
    bad_district = await _open(
        client, world.pm_a, case_body(world.survivor, district_id=str(uuid.uuid4()))
    )
    assert bad_district.status_code == 422
    foreign_worker = await _open(
        client, world.pm_a, case_body(world.survivor, assigned_worker_id=str(world.sw_b.id))
    )
    assert foreign_worker.status_code == 422
    analyst_worker = await _open(
        client, world.pm_a, case_body(world.survivor, assigned_worker_id=str(world.analyst_a.id))
    )
    assert analyst_worker.status_code == 422
    unknown = await _open(client, world.pm_a, case_body(world.survivor, status="closed"))
    assert unknown.status_code == 422
    bad_country = await _open(
        client, world.pm_a, case_body(world.survivor, destination_country="india")
    )
    assert bad_country.status_code == 422


# -- reading, flags -------------------------------------------------------------------------
async def test_flags_follow_risk_visits_and_consent(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    url = f"{CASES}/{world.case}"
    assert (await client.get(url, headers=world.sw_a.headers)).json()["flags"] == ["no_consent"]
    async with factory.uow() as uow:
        uow.session.add(
            CaseVisit(
                organization_id=world.org_a,
                district_id=SOUTH_24,
                case_id=world.case,
                kind="home",
                status="planned",
                planned_on=today() - timedelta(days=3),
            )
        )
        uow.session.add(
            Consent(
                organization_id=world.org_a,
                survivor_id=world.survivor,
                purpose="case_management",
                given_by="survivor",
                method="verbal",
                language="bn",
                given_at=datetime.now(UTC) - timedelta(days=300),
                expires_at=datetime.now(UTC) + timedelta(days=10),
            )
        )
    current = await client.get(url, headers=world.sw_a.headers)
    version = current.headers["etag"]
    raised = await client.patch(
        url, json={"risk_level": "high"}, headers={**world.sw_a.headers, "If-Match": version}
    )
    assert raised.status_code == 200, raised.text
    assert raised.json()["flags"] == ["high_risk", "overdue_follow_up", "consent_expiring"]


async def test_hot_reads_write_what_the_schema_writes(
    client: httpx.AsyncClient, world: World
) -> None:
    """The hot reads build their JSON without models (domain/cases/service.py case_document);
    every value must be what CaseDetail / CaseRead would write, to the character (dates,
    UTC datetimes with "Z", UUIDs, nulls, lists)."""
    full = await _open(
        client,
        world.sw_a,
        case_body(
            world.survivor,
            team="Canning block team",
            destination_country="IN",
            recruited_on="2026-03-01",
            returned_on="2026-10-20",
        ),
    )
    assert full.status_code == 201, full.text
    read = await client.get(f"{CASES}/{full.json()['id']}", headers=world.sw_a.headers)
    sparse = await client.get(f"{CASES}/{world.case}", headers=world.sw_a.headers)
    listed = await client.get(CASES, params={"limit": 1}, headers=world.sw_a.headers)
    rest = await client.get(
        CASES, params={"cursor": listed.json()["next_cursor"]}, headers=world.sw_a.headers
    )
    for response, model in ((read, CaseDetail), (sparse, CaseDetail)):
        assert response.status_code == 200, response.text
        document = response.json()
        assert document == json.loads(model.model_validate(document).model_dump_json())
    assert read.json()["details"] == "Held in a flat above the Kamathipura tea stall"
    assert read.json()["recruited_on"] == "2026-03-01"
    assert read.json()["created_at"].endswith("Z")
    assert sparse.json()["details"] is None
    assert sparse.json()["team"] is None
    items = listed.json()["items"] + rest.json()["items"]
    assert len(items) == 2
    for item in items:
        assert item == json.loads(CaseRead.model_validate(item).model_dump_json())
    for page in (listed, rest):
        assert set(page.json()) == {"items", "next_cursor", "total"}
        assert page.json() == json.loads(CasePage.model_validate(page.json()).model_dump_json())
    assert listed.headers["link"].startswith(f"<{CASES}?limit=1&cursor=")


async def test_a_page_probes_each_case_for_overdue_visits(
    settings: Settings, postgres: PostgresServer, template_database: str
) -> None:
    """The overdue flag is looked up per case returned (a LATERAL probe), never by a scan of
    every planned visit hashed once per page, which is how PostgreSQL planned it as an EXISTS
    in the select list of the limited query: at 8,000 visits that scan was most of a page's
    database time, and it grew with the visits. The planner chooses by the table statistics,
    so this runs on a database of an organisation's size (3,000 cases, 2,000 visits), analysed
    by the superuser."""
    name = f"shakti_plan_{uuid.uuid4().hex[:10]}"
    url = await postgres.create_database(name, template=template_database)
    database = Database.connect(url, app_role=APP_ROLE, pool_size=2)
    admin = await asyncpg.connect(postgres.url(name).replace("+asyncpg", ""))
    try:
        app = create_app(settings, database=database)
        world = await World(Factory(app.state.container, database)).build()
        columns = [
            row["column_name"]
            for row in await admin.fetch(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'survivor_case' ORDER BY ordinal_position"
            )
            if row["column_name"] not in ("id", "case_number")
        ]
        copies = ", ".join(columns)
        await admin.execute(
            f"INSERT INTO survivor_case (id, case_number, {copies})"
            f" SELECT gen_random_uuid(), 'T-copy-' || g, {copies}"
            " FROM survivor_case, generate_series(1, 3000) g WHERE id = $1",
            world.case,
        )
        await admin.execute(
            "INSERT INTO case_visit (organization_id, id, case_id, district_id, kind, status,"
            " planned_on, created_at, updated_at, version)"
            " SELECT c.organization_id, gen_random_uuid(), c.id, c.district_id, 'home',"
            "  CASE WHEN g % 2 = 0 THEN 'planned' ELSE 'done' END,"
            f"  {clock.business_date_sql('now()')} - g,"
            "  now(), now(), 1"
            " FROM (SELECT * FROM survivor_case ORDER BY id LIMIT 1000) c,"
            "  generate_series(1, 2) g"
        )
        await admin.execute("ANALYZE survivor_case; ANALYZE case_visit")

        captured: list[tuple[str, tuple[Any, ...]]] = []

        class Capturing:
            async def fetch(self, sql: str, *args: Any) -> list[Any]:
                captured.append((sql, args))
                return [{"access_ok": True, "id": None}]

        async with UnitOfWork(database) as uow:
            reads = CaseReads(uow)
            reads.driver = lambda: _ready(Capturing())  # type: ignore[method-assign]
            record = AuditRecord(
                id=uuid.uuid4(),
                occurred_at=datetime.now(UTC),
                actor_type="system",
                actor_id=None,
                organization_id=world.org_a,
                action="search",
                entity_type="survivor_case",
                entity_id=None,
                request_id=None,
                outcome="success",
            )
            await reads.page_audited(
                CaseScope(organization_id=world.org_a), CaseFilter(), None, 50, 1, record
            )
        sql, args = captured[0]
        explained = await admin.fetchval("EXPLAIN (FORMAT JSON) " + sql, *args)
        plan = json.loads(explained)[0]["Plan"]
    finally:
        await admin.close()
        await database.dispose()
        await postgres.drop_database(name)

    def nodes(node: dict[str, Any]) -> Any:
        yield node
        for child in node.get("Plans", ()):
            yield from nodes(child)

    visit_scans = [n for n in nodes(plan) if n.get("Relation Name") == "case_visit"]
    assert visit_scans, plan
    for scan in visit_scans:
        assert scan.get("Parent Relationship") == "Outer", scan  # under the page's rows
        assert "Subplan Name" not in scan, scan
    assert "hashed" not in json.dumps(plan).lower()


async def _ready(value: Any) -> Any:
    return value


async def test_reads_are_audited(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    response = await client.get(f"{CASES}/{world.case}", headers=world.pm_a.headers)
    assert response.status_code == 200
    row = (
        await connection.execute(
            sa.text(
                "SELECT action, entity_type, entity_id, organization_id FROM audit_event "
                "WHERE request_id = :r"
            ),
            {"r": response.headers["x-request-id"]},
        )
    ).one()
    assert (row.action, row.entity_type) == ("read", "survivor_case")
    assert row.entity_id == world.case
    assert row.organization_id == world.org_a


# -- who sees which case --------------------------------------------------------------------
READ_MATRIX = [
    ("pm_a", 200),
    ("sw_a", 200),
    ("sw_a2", 404),  # same district, not hers, organisation does not share districts
    ("sw_north", 404),
    ("pm_b", 404),
    ("sw_b", 404),
    ("partner_b", 403),
    ("analyst_a", 403),
    ("leader_a", 403),
    ("auditor_a", 403),
    ("admin", 403),
    ("client_a", 403),
]


@pytest.mark.parametrize(("who", "status"), READ_MATRIX)
async def test_who_reads_a_case(
    client: httpx.AsyncClient, world: World, who: str, status: int
) -> None:
    actor: Actor = getattr(world, who)
    read = await client.get(f"{CASES}/{world.case}", headers=actor.headers)
    assert read.status_code == status, read.text
    listed = await client.get(CASES, headers=actor.headers)
    timeline = await client.get(f"{CASES}/{world.case}/timeline", headers=actor.headers)
    if status == 200:
        assert str(world.case) in {c["id"] for c in listed.json()["items"]}
        assert timeline.status_code == 200
    elif status == 404:
        assert listed.status_code == 200
        assert listed.json()["items"] == []
        assert timeline.status_code == 404
        # no leak through filters either
        by_survivor = await client.get(
            CASES, params={"survivor_id": str(world.survivor)}, headers=actor.headers
        )
        assert by_survivor.json()["items"] == []
    else:
        assert listed.status_code == 403
        assert timeline.status_code == 403


async def test_district_visibility_lets_a_social_worker_see_her_districts_cases(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"{CASES}/{world.case}"
    assert (await client.get(url, headers=world.sw_a2.headers)).status_code == 404
    await world.cases.allow_district_visibility(world.org_a)
    assert (await client.get(url, headers=world.sw_a2.headers)).status_code == 200
    # but not another district's worker, nor another organisation's in the same district
    assert (await client.get(url, headers=world.sw_north.headers)).status_code == 404
    assert (await client.get(url, headers=world.sw_b.headers)).status_code == 404


async def test_lists_filter_and_page_within_scope(client: httpx.AsyncClient, world: World) -> None:
    ids = []
    for district in (SOUTH_24, NORTH_24, SOUTH_24):
        ids.append(
            await world.cases.case(
                world.org_a, world.survivor, district_id=district, assigned_worker_id=world.sw_a2.id
            )
        )
    other = await world.cases.survivor(world.org_b)
    await world.cases.case(world.org_b, other)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "district_id": str(SOUTH_24)}
        if cursor:
            params["cursor"] = cursor
        page = await client.get(CASES, params=params, headers=world.pm_a.headers)
        assert page.status_code == 200, page.text
        seen += [c["id"] for c in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert set(seen) == {str(world.case), str(ids[0]), str(ids[2])}
    assert len(seen) == 3
    mine = await client.get(CASES, headers=world.sw_a2.headers)
    assert {c["id"] for c in mine.json()["items"]} == {str(i) for i in ids}
    closed = await client.get(CASES, params={"status": "closed"}, headers=world.pm_a.headers)
    assert closed.json()["items"] == []
    total = await client.get(CASES, params={"include_total": "true"}, headers=world.pm_b.headers)
    assert total.json()["total"] == 1


# -- stages ---------------------------------------------------------------------------------
async def _move(
    client: httpx.AsyncClient, actor: Actor, case_id: UUID, to: str, **extra: Any
) -> httpx.Response:
    body = {"to": to, "reason": extra.pop("reason", f"Moving to {to}"), **extra}
    current = await client.get(f"{CASES}/{case_id}", headers=actor.headers)
    headers = {**actor.headers, "If-Match": current.headers["ETag"]}
    return await client.post(f"{CASES}/{case_id}/transitions", json=body, headers=headers)


async def test_a_case_walks_its_stages_and_keeps_the_reasons(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    opened = await _open(client, world.sw_a, case_body(world.survivor))
    case_id = UUID(opened.json()["id"])
    for stage in ("assessment", "planning", "active", "monitoring"):
        moved = await _move(client, world.sw_a, case_id, stage)
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == stage
    closed = await _move(
        client,
        world.sw_a,
        case_id,
        "closed",
        closure_reason="goals_achieved",
        reason="She runs her own tailoring unit now",
    )
    assert closed.json()["status"] == "closed"
    assert closed.json()["closure_reason"] == "goals_achieved"
    assert closed.json()["closed_on"] == today().isoformat()
    reopened = await _move(client, world.sw_a, case_id, "reopened", reason="Re-trafficked")
    assert reopened.json()["status"] == "reopened"
    assert reopened.json()["closure_reason"] is None
    assert reopened.json()["closed_on"] is None

    timeline = await client.get(
        f"{CASES}/{case_id}/timeline", params={"include_total": "true"}, headers=world.sw_a.headers
    )
    entries = timeline.json()["items"]
    assert [e["kind"] for e in entries] == ["opened"] + ["transition"] * 6
    assert timeline.json()["total"] == 7
    # Each step names who took it and for which organisation, not only her id.
    assert {
        (e["actor_id"], e["actor_name"], e["actor_organization_id"], e["actor_organization_name"])
        for e in entries
    } == {(str(world.sw_a.id), WORKER_NAME, str(world.org_a), ORG_A_NAME)}
    assert [e["detail"].get("to") for e in entries[1:]] == [
        "assessment",
        "planning",
        "active",
        "monitoring",
        "closed",
        "reopened",
    ]
    assert entries[5]["detail"]["closure_reason"] == "goals_achieved"
    assert entries[5]["note"] == "She runs her own tailoring unit now"
    # the reasons are sealed at rest
    raw = await connection.execute(
        sa.text("SELECT detail::text, note_enc FROM case_event WHERE case_id = :id"),
        {"id": case_id},
    )
    for detail, note in raw:
        assert "tailoring" not in detail
        assert note is None or b"tailoring" not in bytes(note)


@pytest.mark.parametrize(
    ("to", "extra", "status"),
    [
        ("active", {}, 409),  # intake cannot jump to active
        ("closed", {}, 422),  # closing needs a reason code
        ("assessment", {"closure_reason": "relocated"}, 422),
        ("nowhere", {}, 422),
    ],
)
async def test_invalid_moves_change_nothing(
    client: httpx.AsyncClient, world: World, to: str, extra: dict[str, Any], status: int
) -> None:
    opened = await _open(client, world.sw_a, case_body(world.survivor))
    case_id = opened.json()["id"]
    response = await _move(client, world.sw_a, UUID(case_id), to, **extra)
    assert response.status_code == status, response.text
    current = await client.get(f"{CASES}/{case_id}", headers=world.sw_a.headers)
    assert current.json()["status"] == "intake"
    assert current.json()["version"] == 1


async def test_a_move_needs_a_current_if_match(client: httpx.AsyncClient, world: World) -> None:
    """One rule for every change of state: without If-Match 428, with an old version 412 (as
    for referrals), and nothing moves."""
    opened = await _open(client, world.sw_a, case_body(world.survivor))
    case_id = opened.json()["id"]
    url = f"{CASES}/{case_id}/transitions"
    body = {"to": "assessment", "reason": "next"}
    missing = await client.post(url, json=body, headers=world.sw_a.headers)
    assert missing.status_code == 428, missing.text
    assert missing.headers["content-type"].startswith("application/problem+json")
    current = await client.get(f"{CASES}/{case_id}", headers=world.sw_a.headers)
    assert (current.json()["status"], current.json()["version"]) == ("intake", 1)
    await _move(client, world.sw_a, UUID(case_id), "assessment")
    stale = await client.post(
        url,
        json={"to": "planning", "reason": "next"},
        headers={**world.sw_a.headers, "If-Match": '"v1"'},
    )
    assert stale.status_code == 412
    unchanged = await client.get(f"{CASES}/{case_id}", headers=world.sw_a.headers)
    assert unchanged.json()["status"] == "assessment"


# -- reassignment ---------------------------------------------------------------------------
async def test_reassignment_moves_the_case_and_keeps_history(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"{CASES}/{world.case}/assignment"
    body = {"assigned_worker_id": str(world.sw_a2.id), "reason": "Rupa is on leave"}
    refused = await client.post(url, json=body, headers=world.sw_a.headers)
    assert refused.status_code == 403
    current = await client.get(f"{CASES}/{world.case}", headers=world.pm_a.headers)
    missing = await client.post(url, json=body, headers=world.pm_a.headers)
    assert missing.status_code == 428, missing.text
    stale_version = current.json()["version"] - 1
    stale = await client.post(
        url, json=body, headers={**world.pm_a.headers, "If-Match": f'"v{stale_version}"'}
    )
    assert stale.status_code == 412, stale.text
    moved = await client.post(
        url, json=body, headers={**world.pm_a.headers, "If-Match": current.headers["ETag"]}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["assigned_worker_id"] == str(world.sw_a2.id)
    # the case follows its new worker
    assert (
        await client.get(f"{CASES}/{world.case}", headers=world.sw_a.headers)
    ).status_code == 404
    timeline = await client.get(f"{CASES}/{world.case}/timeline", headers=world.sw_a2.headers)
    entry = timeline.json()["items"][-1]
    assert entry["kind"] == "reassignment"
    assert (entry["actor_name"], entry["actor_organization_name"]) == (MANAGER_NAME, ORG_A_NAME)
    assert entry["detail"] == {"from": str(world.sw_a.id), "to": str(world.sw_a2.id)}
    assert entry["note"] == "Rupa is on leave"
    foreign = await client.post(
        url,
        json={"assigned_worker_id": str(world.sw_b.id), "reason": "no"},
        headers={**world.pm_a.headers, "If-Match": moved.headers["ETag"]},
    )
    assert foreign.status_code == 422
    other_org = await client.post(
        url, json=body, headers={**world.pm_b.headers, "If-Match": moved.headers["ETag"]}
    )
    assert other_org.status_code == 404


# -- updates --------------------------------------------------------------------------------
async def test_update_needs_if_match_and_keeps_details_sealed(
    client: httpx.AsyncClient, world: World, factory: Factory, connection: AsyncConnection
) -> None:
    opened = await _open(client, world.sw_a, case_body(world.survivor))
    case_id = opened.json()["id"]
    url = f"{CASES}/{case_id}"
    missing = await client.patch(url, json={"risk_level": "medium"}, headers=world.sw_a.headers)
    assert missing.status_code == 428
    updated = await client.patch(
        url,
        json={"details": "Moved to a hotel in Pune", "destination_state": "Maharashtra"},
        headers={**world.sw_a.headers, "If-Match": '"v1"'},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["details"] == "Moved to a hotel in Pune"
    assert updated.json()["version"] == 2
    stale = await client.patch(
        url, json={"risk_level": "high"}, headers={**world.sw_a.headers, "If-Match": '"v1"'}
    )
    assert stale.status_code == 412
    unknown = await client.patch(
        url, json={"status": "closed"}, headers={**world.sw_a.headers, "If-Match": '"v2"'}
    )
    assert unknown.status_code == 422
    sealed = await connection.scalar(
        sa.text("SELECT context_enc FROM survivor_case WHERE id = :id"), {"id": case_id}
    )
    async with factory.uow() as uow:
        opened_value = uow.cipher.open_json(
            bytes(sealed), Place("survivor_case", "context_enc", UUID(case_id))
        )
    assert opened_value == {"details": "Moved to a hotel in Pune"}


# -- the fast lane's own connections -----------------------------------------------------------
async def test_the_fast_lane_reads_on_its_own_pool_as_the_app_role(
    settings: Settings, committed_db: Database
) -> None:
    app = create_app(settings, database=committed_db)
    world = await World(Factory(app.state.container, committed_db)).build()
    async with app.router.lifespan_context(app):
        pool = committed_db.fast_lane_pool
        assert pool is not None
        async with pool.acquire() as connection:  # least privilege, as the ORM's pool
            assert await connection.fetchval("SELECT current_user") == APP_ROLE
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            url = f"{CASES}/{world.case}"
            reads = await asyncio.gather(
                *(http.get(url, headers=world.sw_a.headers) for _ in range(12))
            )
            assert [r.status_code for r in reads] == [200] * 12
            page = await http.get(CASES, headers=world.pm_a.headers)
            assert [c["id"] for c in page.json()["items"]] == [str(world.case)]
            assert (await http.get(url, headers=world.sw_a2.headers)).status_code == 404
            assert (await http.get(url, headers=world.analyst_a.headers)).status_code == 403
            scraped = await http.get("/metrics", headers=world.admin.headers)
        # at most its size, and every connection handed back
        assert 1 <= pool.get_size() <= HttpSettings().fast_lane_pool_size
        assert pool.get_idle_size() == pool.get_size()
        status = committed_db.pool_status()
        assert status["fast_lane_size"] == pool.get_size()
        assert status["fast_lane_checked_out"] == 0
        assert re.search(r"^shakti_db_pool_fast_lane_size\{pid=\"\d+\"\} [1-9]", scraped.text, re.M)
    assert committed_db.fast_lane_pool is None  # closed with the app
    async with committed_db.engine.connect() as connection:
        audited = await connection.execute(
            sa.text(
                "SELECT action, outcome, count(*) FROM audit_event"
                " WHERE entity_type = 'survivor_case' AND action IN ('read', 'search',"
                " 'permission_denied') GROUP BY action, outcome ORDER BY action"
            )
        )
        assert audited.all() == [
            ("permission_denied", "denied", 1),
            ("read", "success", 12),
            ("search", "success", 1),
        ]


async def test_a_fast_lane_read_waits_for_a_connection_only_so_long(
    settings: Settings, committed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every fast-lane connection held (a leak, a stuck statement), a read fails after
    the wait instead of hanging; it is served again once a connection is free."""
    monkeypatch.setattr("persistence.uow.FAST_LANE_ACQUIRE_SECONDS", 0.2)
    app = create_app(settings, committed_db, HttpSettings(fast_lane_pool_size=1))
    world = await World(Factory(app.state.container, committed_db)).build()
    async with app.router.lifespan_context(app):
        pool = committed_db.fast_lane_pool
        assert pool is not None
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            url = f"{CASES}/{world.case}"
            held = await pool.acquire()
            try:
                stuck = await asyncio.wait_for(http.get(url, headers=world.sw_a.headers), 5)
            finally:
                await pool.release(held)
            assert stuck.status_code == 500
            assert stuck.headers["content-type"] == "application/problem+json"
            assert str(world.case) not in stuck.text
            assert (await http.get(url, headers=world.sw_a.headers)).status_code == 200


def test_the_database_never_prints_its_password() -> None:
    database = Database.connect("postgresql://shakti:s3cret-pw@db.example:5432/shakti")
    assert database.dsn is not None
    assert "s3cret-pw" in database.dsn  # it needs it to connect
    assert "s3cret-pw" not in repr(database)


# -- the fast lane answers exactly as the FastAPI routes do ----------------------------------
_SAME_HEADERS = (
    "content-type",
    "etag",
    "link",
    "www-authenticate",
    "cache-control",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cross-origin-resource-policy",
    "content-security-policy",
    "access-control-allow-origin",
    "access-control-expose-headers",
)


def _comparable(response: httpx.Response) -> tuple[int, Any, dict[str, str | None], bool]:
    body = response.json()
    if isinstance(body, dict):
        body.pop("request_id", None)
    headers = {name: response.headers.get(name) for name in _SAME_HEADERS}
    return (response.status_code, body, headers, len(response.headers["x-request-id"]) >= 8)


async def test_the_fast_lane_and_fastapi_answer_alike(
    settings: Settings, database: Database, factory: Factory
) -> None:
    world = await World(factory).build()
    for _ in range(3):
        await world.cases.case(world.org_a, world.survivor, assigned_worker_id=world.sw_a.id)
    disabled = await factory.user(world.org_a, Role.program_manager)
    async with factory.uow() as uow:
        await uow.session.execute(
            sa.text("UPDATE app_user SET disabled_at = now() WHERE id = :id"), {"id": disabled.id}
        )
    requests: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        (f"{CASES}/{world.case}", {}, world.sw_a.headers),
        (f"{CASES}/{world.case}", {}, world.sw_a2.headers),  # out of scope: 404
        (f"{CASES}/{world.case}", {}, world.analyst_a.headers),  # refused role: 403
        (f"{CASES}/{world.case}", {}, {}),  # no token: 401
        (f"{CASES}/{world.case}", {}, {"Authorization": "Bearer nonsense"}),
        (f"{CASES}/{world.case}", {}, disabled.headers),  # a dead token: 401
        (f"{CASES}/{uuid.uuid4()}", {}, world.pm_a.headers),
        (f"{CASES}/not-a-uuid", {}, world.pm_a.headers),  # 422
        (CASES, {"limit": 2}, world.pm_a.headers),
        (CASES, {"limit": 2, "district_id": str(SOUTH_24)}, world.sw_a.headers),
        (CASES, {"limit": 0}, world.pm_a.headers),  # 422
        (CASES, {"status": "nowhere"}, world.pm_a.headers),  # 422
        (CASES, {"cursor": "garbage"}, world.pm_a.headers),  # 400
        (CASES, {"include_total": "true"}, world.pm_b.headers),
        (CASES, {}, disabled.headers),
    ]
    origin = {"Origin": "https://ngo.example"}
    answers: dict[bool, list[Any]] = {}
    for fast in (True, False):
        http = HttpSettings(fast_lane=fast, cors_origins=["https://ngo.example"])
        app = create_app(settings, database, http)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            answers[fast] = [
                _comparable(await http.get(url, params=params, headers={**headers, **origin}))
                for url, params, headers in requests
            ]
            metrics = await http.get("/metrics", headers=world.admin.headers)
        assert 'route="/api/v1/cases/{case_id}"' in metrics.text
        assert str(world.case) not in metrics.text
    statuses = [answer[0] for answer in answers[True]]
    assert statuses == [200, 404, 403, 401, 401, 401, 404, 422, 200, 200, 422, 422, 400, 200, 401]
    assert answers[True] == answers[False]
    read_headers = answers[True][0][2]
    assert read_headers["cache-control"] == "no-store"
    assert read_headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert read_headers["access-control-allow-origin"] == "https://ngo.example"
    assert all(answer[3] for answer in answers[True])  # a request id on every answer
