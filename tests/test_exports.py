"""Exports: scope and consent as for reads, personal fields, audit, formula injection, who may
export what (a matrix), the queued flow with a worker, and a worker killed mid-job."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from typing import Any

import asyncpg
import httpx
import openpyxl
import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from domain.common.principal import Role
from domain.common.settings import Settings
from domain.exports.catalogue import DATASETS
from domain.exports.jobs import purge_expired_exports
from domain.exports.schemas import ExportDataset
from domain.exports.writers import neutralise
from domain.identity.passwords import Passwords
from domain.jobs.worker import run_worker
from persistence.database import Database
from persistence.models.case_vocabulary import CaseStatus
from seeds.context import DemoOptions
from seeds.runner import seed_demo
from tests.conftest import PostgresServer
from tests.factories import NORTH_24, SOUTH_24, Actor, Factory
from tests.worlds import BaseWorld, person, world_fixture

EXPORTS = "/api/v1/exports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REASON = "Home visit plan for the district review"


def rows_of(response: httpx.Response) -> list[dict[str, str]]:
    """The CSV rows of an export answer (UTF-8 with a byte-order mark)."""
    assert response.headers["content-type"].startswith("text/csv"), response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def sheet_of(response: httpx.Response) -> list[list[Any]]:
    assert response.headers["content-type"] == XLSX, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


class World(BaseWorld):
    """Organisations A and B; A's people; cases of A in two districts and one of B."""

    people = {
        "pm_a": person("org_a", Role.program_manager),
        "sw_a": person("org_a", Role.social_worker, SOUTH_24),
        "sw_north": person("org_a", Role.social_worker, NORTH_24),
        "analyst_a": person("org_a", Role.analyst),
        "pm_b": person("org_b", Role.program_manager),
    }

    async def records(self) -> None:
        self.survivor_1 = await self.cases.survivor(
            self.org_a, name='=HYPERLINK("http://evil.example","Click")', phone="+919800000001"
        )
        self.survivor_2 = await self.cases.survivor(self.org_a, name="Mina", phone="-1+2")
        self.survivor_b = await self.cases.survivor(self.org_b, name="Other", phone="+1")
        self.case_1 = await self.cases.case(
            self.org_a, self.survivor_1, assigned_worker_id=self.sw_a.id
        )
        self.case_2 = await self.cases.case(
            self.org_a, self.survivor_2, district_id=NORTH_24, status=CaseStatus.closed
        )
        self.case_b = await self.cases.case(self.org_b, self.survivor_b)


world = world_fixture(World)


async def export(client: httpx.AsyncClient, actor: Actor, **body: Any) -> httpx.Response:
    body.setdefault("dataset", "cases")
    return await client.post(EXPORTS, json=body, headers=actor.headers)


async def audit_events(connection: AsyncConnection, export_id: str) -> list[tuple[str, str]]:
    rows = await connection.execute(
        sa.text(
            "SELECT action, outcome FROM audit_event WHERE entity_type = 'export' "
            "AND entity_id = :id ORDER BY occurred_at"
        ),
        {"id": export_id},
    )
    return [(row.action, row.outcome) for row in rows]


async def export_row(connection: AsyncConnection, export_id: str) -> Any:
    return (
        await connection.execute(sa.text("SELECT * FROM export WHERE id = :id"), {"id": export_id})
    ).one()


# -- the catalogue ----------------------------------------------------------------------------
def test_the_schema_names_every_dataset_of_the_catalogue() -> None:
    assert {member.value for member in ExportDataset} == set(DATASETS)
    for dataset in DATASETS.values():
        assert dataset.order_by, f"{dataset.name}: rows need a stable order"
        assert dataset.columns


# -- scope, as for reads --------------------------------------------------------------------
async def test_a_program_manager_exports_her_organisations_cases_and_no_other(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    response = await export(client, world.pm_a)
    assert response.status_code == 200, response.text
    rows = rows_of(response)
    assert {row["case_id"] for row in rows} == {str(world.case_1), str(world.case_2)}
    # No personal field unless asked for.
    assert "survivor_given_name" not in rows[0]
    assert "survivor_phone" not in rows[0]
    assert rows[0]["survivor_birth_year"] == "1998"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert ".csv" in disposition


async def test_a_social_worker_exports_only_the_cases_she_may_read(
    client: httpx.AsyncClient, world: World
) -> None:
    mine = rows_of(await export(client, world.sw_a))
    assert [row["case_id"] for row in mine] == [str(world.case_1)]
    # Not assigned and the organisation keeps district cases private: nothing.
    assert rows_of(await export(client, world.sw_north)) == []
    await world.cases.allow_district_visibility(world.org_a)
    north = rows_of(await export(client, world.sw_north))
    assert [row["case_id"] for row in north] == [str(world.case_2)]


async def test_filters_narrow_the_rows(client: httpx.AsyncClient, world: World) -> None:
    closed = rows_of(await export(client, world.pm_a, filters={"status": "closed"}))
    assert [row["case_id"] for row in closed] == [str(world.case_2)]
    south = rows_of(await export(client, world.pm_a, filters={"district_id": str(SOUTH_24)}))
    assert [row["case_id"] for row in south] == [str(world.case_1)]
    later = rows_of(await export(client, world.pm_a, filters={"opened_from": "2026-02-01"}))
    assert later == []
    chosen = rows_of(
        await export(client, world.pm_a, columns=["status", "case_number"], filters={})
    )
    assert list(chosen[0]) == ["status", "case_number"]


@pytest.mark.parametrize(
    "body",
    [
        {"filters": {"nope": "1"}},
        {"filters": {"status": "not-a-status"}},
        {"filters": {"district_id": "not-a-uuid"}},
        {"filters": {"opened_from": "yesterday"}},
        {"columns": ["no_such_column"]},
        {"columns": ["status", "status"]},
        {"columns": ["survivor_given_name"]},
        {"personal": True},
        {"personal": True, "reason": "short"},
        {"dataset": "unknown"},
        {"format": "pdf"},
        {"surprise": 1},
    ],
)
async def test_a_request_that_does_not_fit_the_dataset_is_refused(
    client: httpx.AsyncClient, world: World, body: dict[str, Any]
) -> None:
    response = await export(client, world.pm_a, **body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


# -- personal fields ------------------------------------------------------------------------
async def test_personal_fields_leave_only_with_a_program_manager_who_asks_with_a_reason(
    client: httpx.AsyncClient, world: World, factory: Factory, connection: AsyncConnection
) -> None:
    response = await export(client, world.pm_a, personal=True, reason=REASON)
    assert response.status_code == 200, response.text
    by_case = {row["case_id"]: row for row in rows_of(response)}
    assert by_case[str(world.case_2)]["survivor_given_name"] == "Mina"
    # The reason is kept, sealed.
    export_id = response.headers["content-location"].rsplit("/", 1)[1]
    row = await export_row(connection, export_id)
    assert row.personal is True
    assert row.reason_enc is not None
    assert REASON.encode() not in row.reason_enc

    for who in (world.sw_a, world.analyst_a):
        refused = await export(client, who, personal=True, reason=REASON)
        assert refused.status_code == 403, refused.text
    client_a = await factory.integration_client(
        world.org_a, Role.program_manager, ["exports:create", "cases:read"]
    )
    refused = await export(client, client_a, personal=True, reason=REASON)
    assert refused.status_code == 403, refused.text
    # The same client without personal fields exports the organisation's cases.
    allowed = await export(client, client_a)
    assert allowed.status_code == 200, allowed.text
    assert {row["case_id"] for row in rows_of(allowed)} == {str(world.case_1), str(world.case_2)}


async def test_an_analyst_exports_no_case_as_she_reads_none(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await export(client, world.analyst_a)
    assert response.status_code == 403, response.text


# -- audit ----------------------------------------------------------------------------------
async def test_each_export_is_audited_with_its_dataset_filters_columns_and_row_count(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    response = await export(
        client, world.pm_a, filters={"status": "active"}, columns=["case_id", "status"]
    )
    assert response.status_code == 200, response.text
    export_id = response.headers["content-location"].rsplit("/", 1)[1]
    assert await audit_events(connection, export_id) == [("export", "success")]
    row = await export_row(connection, export_id)
    assert row.dataset == "cases"
    assert row.filters == {"status": "active"}
    assert row.columns == ["case_id", "status"]
    assert row.row_count == 1
    assert row.actor_id == world.pm_a.id
    assert row.personal is False
    # Streamed at once and never kept.
    state = await client.get(f"{EXPORTS}/{export_id}", headers=world.pm_a.headers)
    assert state.status_code == 200, state.text
    assert state.json()["status"] == "expired"
    assert state.json()["file_url"] is None
    assert state.json()["row_count"] == 1


# -- formula injection ----------------------------------------------------------------------
@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_disarms_every_formula_start(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert neutralise("Mina =1") == "Mina =1"


async def test_cells_that_would_run_as_formulas_are_neutralised(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {
        "personal": True,
        "reason": REASON,
        "columns": ["case_id", "survivor_given_name", "survivor_phone", "survivor_birth_year"],
    }
    rows = {row["case_id"]: row for row in rows_of(await export(client, world.pm_a, **body))}
    assert rows[str(world.case_1)]["survivor_given_name"].startswith("'=HYPERLINK(")
    assert rows[str(world.case_1)]["survivor_phone"] == "'+919800000001"
    assert rows[str(world.case_2)]["survivor_phone"] == "'-1+2"

    sheet = sheet_of(await export(client, world.pm_a, format="xlsx", **body))
    assert sheet[0] == body["columns"]
    by_case = {row[0]: row for row in sheet[1:]}
    assert by_case[str(world.case_1)][1].startswith("'=HYPERLINK(")
    assert by_case[str(world.case_2)][2] == "'-1+2"
    assert by_case[str(world.case_2)][3] == 1998  # numbers stay numbers


# -- who may export (a matrix) --------------------------------------------------------------
# Each role in person and as an integration client holding the export scopes and the cases'
# read scope: create an export of cases; read and download the program manager's export.
# (A client of a role the policies do not admit cannot hold the scopes: refused all the same.)
EXPORT_MATRIX = """
who                 create  read  file
program_manager        200   200   200
social_worker          200   404   404
analyst                403   404   404
partner_staff          403   404   404
survivor_leader        403   404   404
auditor                403   403   403
platform_admin         403   403   403
client:program_manager 200   404   404
client:social_worker   200   404   404
client:analyst         403   404   404
other_org_manager      200   404   404
"""


async def test_who_may_export_what(
    client: httpx.AsyncClient,
    world: World,
    factory: Factory,
) -> None:
    lines = [line.split() for line in EXPORT_MATRIX.strip().splitlines()][1:]
    # The program manager's export, queued so that its file is kept.
    queued = await _queued_export(client, world)
    wrong = []
    for who, *expected in lines:
        actor = await _matrix_actor(factory, world, who)
        answers = [
            (await export(client, actor, columns=["case_id"])).status_code,
            (await client.get(f"{EXPORTS}/{queued}", headers=actor.headers)).status_code,
            (await client.get(f"{EXPORTS}/{queued}/file", headers=actor.headers)).status_code,
        ]
        if who == "program_manager":
            # Queued, not yet built: its file is not there yet.
            expected[2] = "409"
        if [str(code) for code in answers] != expected:
            wrong.append(f"{who}: {answers} != {expected}")
    assert wrong == [], "\n".join(wrong)


async def _matrix_actor(factory: Factory, world: World, who: str) -> Actor:
    if who == "program_manager":
        return world.pm_a
    if who == "other_org_manager":
        return world.pm_b
    if who.startswith("client:"):
        role = Role(who.split(":", 1)[1])
        return await factory.integration_client(
            world.org_a, role, ["exports:create", "exports:read", "cases:read"], unchecked=True
        )
    return await factory.user(world.org_a, Role(who), districts=(SOUTH_24,))


async def _queued_export(client: httpx.AsyncClient, world: World) -> str:
    """An export of the program manager queued for a worker (more rows than inline)."""
    container = client._transport.app.state.container  # type: ignore[attr-defined]
    inline = container.settings.export_inline_rows
    container.settings = container.settings.model_copy(update={"export_inline_rows": 0})
    try:
        response = await export(client, world.pm_a)
    finally:
        container.settings = container.settings.model_copy(update={"export_inline_rows": inline})
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"{EXPORTS}/{response.json()['id']}"
    assert response.json()["status"] == "queued"
    return str(response.json()["id"])


# -- the queued flow, with a worker -----------------------------------------------------------
@pytest.fixture
def queue_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "export_inline_rows": 0,
            "worker_heartbeat_seconds": 0.5,
            "worker_stalled_seconds": 2.0,
        }
    )


@pytest.fixture
async def committed(committed_db: Database, queue_settings: Settings) -> Any:
    """An app, a client and a world on a database whose commits are real (a worker is
    another connection)."""
    app = create_app(queue_settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http, await World(factory).build(), factory


async def test_a_large_export_is_queued_built_by_a_worker_and_downloaded(
    committed: Any, committed_db: Database, queue_settings: Settings
) -> None:
    http, world, _ = committed
    response = await export(http, world.pm_a, format="xlsx")
    assert response.status_code == 202, response.text
    export_id = response.json()["id"]
    early = await http.get(f"{EXPORTS}/{export_id}/file", headers=world.pm_a.headers)
    assert early.status_code == 409, early.text

    await run_worker(
        queue_settings, committed_db, _url(committed_db), install_signal_handlers=False, wait=False
    )

    state = (await http.get(f"{EXPORTS}/{export_id}", headers=world.pm_a.headers)).json()
    assert state["status"] == "ready", state
    assert state["row_count"] == 2
    assert state["file_url"] == f"{EXPORTS}/{export_id}/file"
    download = await http.get(state["file_url"], headers=world.pm_a.headers)
    assert download.status_code == 200, download.text
    sheet = sheet_of(download)
    assert {row[0] for row in sheet[1:]} == {str(world.case_1), str(world.case_2)}
    assert len(download.content) == state["byte_count"]
    # Nobody else downloads it.
    other = await http.get(state["file_url"], headers=world.pm_b.headers)
    assert other.status_code == 404
    async with committed_db.engine.connect() as connection:
        # Kept sealed: no plaintext case id in the stored pieces.
        stored = await connection.scalar(
            sa.text(
                "SELECT string_agg(encode(data_enc, 'escape'), '') FROM export_chunk "
                "WHERE export_id = :id"
            ),
            {"id": export_id},
        )
        assert stored
        assert str(world.case_1) not in stored
        # Asked, built, downloaded: three audit events.
        assert await audit_events(connection, export_id) == [("export", "success")] * 2 + [
            ("read", "success")
        ]
        await connection.execute(
            sa.text("UPDATE export SET expires_at = now() - interval '1 second' WHERE id = :id"),
            {"id": export_id},
        )
        await connection.commit()

    # Past its time: expired at once, and the periodic purge deletes the file.
    state = (await http.get(f"{EXPORTS}/{export_id}", headers=world.pm_a.headers)).json()
    assert state["status"] == "expired"
    gone = await http.get(f"{EXPORTS}/{export_id}/file", headers=world.pm_a.headers)
    assert gone.status_code == 409
    assert await purge_expired_exports(committed_db) == 1
    async with committed_db.engine.connect() as connection:
        pieces = await connection.scalar(
            sa.text("SELECT count(*) FROM export_chunk WHERE export_id = :id"), {"id": export_id}
        )
        status = await connection.scalar(
            sa.text("SELECT status FROM export WHERE id = :id"), {"id": export_id}
        )
    assert (pieces, status) == (0, "expired")


def _url(database: Database) -> str:
    assert database.dsn is not None
    return database.dsn


def _worker_environment(settings: Settings, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAKTI_")}

    def keys(secrets: dict[str, Any]) -> str:
        return json.dumps({kid: value.get_secret_value() for kid, value in secrets.items()})

    assert settings.blind_index_key is not None
    env.update(
        {
            "SHAKTI_ENV": "development",
            "SHAKTI_DATABASE_URL": url,
            "SHAKTI_DATA_KEYS": keys(settings.data_keys),
            "SHAKTI_DATA_ACTIVE_KID": str(settings.data_active_kid),
            "SHAKTI_BLIND_INDEX_KEY": settings.blind_index_key.get_secret_value(),
            "SHAKTI_AUDIT_KEYS": keys(settings.audit_keys),
            "SHAKTI_AUDIT_ACTIVE_KID": str(settings.audit_active_kid),
            "SHAKTI_WORKER_HEARTBEAT_SECONDS": "0.5",
            "SHAKTI_WORKER_STALLED_SECONDS": "2",
            "SHAKTI_DATA_DIR": str(settings.data_dir),
        }
    )
    return env


async def test_a_worker_killed_mid_job_leaves_the_job_to_the_next_worker(
    committed: Any,
    committed_db: Database,
    queue_settings: Settings,
    postgres: PostgresServer,
) -> None:
    http, world, _ = committed
    response = await export(http, world.pm_a)
    assert response.status_code == 202, response.text
    export_id = response.json()["id"]
    url = _url(committed_db)

    # Hold the cases so that the worker's job stops mid-way (marked running, reading rows).
    holder = await asyncpg.connect(url)
    # Another connection watches (one inside a transaction sees the activity of its start).
    watcher = await asyncpg.connect(url)
    worker: asyncio.subprocess.Process | None = None
    try:
        await holder.execute("BEGIN; LOCK TABLE survivor_case IN ACCESS EXCLUSIVE MODE")
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "api.cli",
            "worker",
            env=_worker_environment(queue_settings, url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(240):
            stuck = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND application_name = 'shakti-mis'"
            )
            status = await watcher.fetchval("SELECT status FROM export WHERE id = $1", export_id)
            if stuck and status == "running":
                break
            await asyncio.sleep(0.25)
        else:
            pytest.fail("the worker never started the job")
        worker.kill()  # no clean-up of any kind: as a crash or a pulled plug
        await asyncio.wait_for(worker.wait(), 30)
        job = await watcher.fetchrow(
            "SELECT status, worker_id FROM procrastinate_jobs WHERE task_name = 'exports.build'"
        )
        assert job["status"] == "doing"
        assert job["worker_id"] is not None
    finally:
        if worker is not None and worker.returncode is None:
            worker.kill()
            await asyncio.wait_for(worker.wait(), 30)
        await holder.execute("ROLLBACK")
        await holder.close()
        await watcher.close()

    # Once the dead worker's heartbeat is older than the stalled timeout, the next worker
    # puts its job back in the queue and builds the export.
    await asyncio.sleep(queue_settings.worker_stalled_seconds + 1)
    await run_worker(queue_settings, committed_db, url, install_signal_handlers=False, wait=False)

    state = (await http.get(f"{EXPORTS}/{export_id}", headers=world.pm_a.headers)).json()
    assert state["status"] == "ready", state
    assert state["row_count"] == 2
    download = await http.get(state["file_url"], headers=world.pm_a.headers)
    assert {row["case_id"] for row in rows_of(download)} == {str(world.case_1), str(world.case_2)}
    async with committed_db.engine.connect() as connection:
        attempts = await connection.scalar(
            sa.text("SELECT attempts FROM export WHERE id = :id"), {"id": export_id}
        )
        jobs_left = await connection.scalar(
            sa.text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'exports.build'")
        )
    assert attempts == 2
    assert jobs_left == 0  # a job that succeeded leaves the queue


# -- every dataset of the catalogue -----------------------------------------------------------
async def test_every_dataset_exports_the_rows_of_its_callers_scope_only(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    report = await seed_demo(
        factory.database,
        Passwords(time_cost=1, memory_kib=1024, parallelism=1),
        "a demo passphrase for tests",
        DemoOptions(seed=7, survivors=12),
    )
    users = {user.key: user for user in report.users}
    managers = {}
    for key in ("manager", "partner.manager"):
        user = users[key]
        managers[key] = Actor(
            id=user.id,
            organization_id=user.organization_id,
            role=user.role,
            headers=await factory.user_headers(user.id),
        )
    # Both sides of a referral follow it; a training's provider sees it too; a partner's
    # complaint about referrals sits in the lead's register and stays the partner's to read.
    shared = {"referrals", "trainings", "training_participants", "demands"}
    empty, leaked = [], []
    for name, dataset in DATASETS.items():
        ids = {}
        for key, actor in managers.items():
            response = await export(client, actor, dataset=name)
            assert response.status_code == 200, (name, response.text)
            rows = rows_of(response)
            assert all(list(row) == dataset.default_columns(False) for row in rows)
            ids[key] = {next(iter(row.values())) for row in rows}
        if not ids["manager"]:
            empty.append(name)
        if name not in shared and ids["manager"] & ids["partner.manager"]:
            leaked.append(name)
    assert leaked == []
    assert empty == [], f"the demo data fills every dataset: {empty} are empty"
    # A dataset's personal columns, opened for a program manager who asks with a reason.
    members = await export(
        client, managers["manager"], dataset="shg_members", personal=True, reason=REASON
    )
    assert members.status_code == 200, members.text
    member_rows = rows_of(members)
    assert member_rows
    assert all(row["member_name"] for row in member_rows)
    first = member_rows[0]
    listed = await client.get(
        f"/api/v1/shgs/{first['shg_id']}/members?limit=200", headers=managers["manager"].headers
    )
    names = {item["id"]: item["name"] for item in listed.json()["items"]}
    assert names[first["member_id"]] == first["member_name"]


async def test_an_analyst_exports_what_she_may_read_and_never_personal_fields(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    async with factory.uow() as uow:
        await uow.session.execute(
            sa.text(
                "INSERT INTO shg (id, organization_id, district_id, name, formed_on,"
                " meeting_frequency, saving_per_meeting_paise, interest_rate_bps, status,"
                " created_at, updated_at, version) VALUES (gen_random_uuid(), :org, :district,"
                " 'Ujjwala SHG', '2025-01-05', 'weekly', 5000, 200, 'active', now(), now(), 1)"
            ),
            {"org": world.org_a, "district": SOUTH_24},
        )
    groups = await export(client, world.analyst_a, dataset="shgs")
    assert groups.status_code == 200, groups.text
    assert [row["name"] for row in rows_of(groups)] == ["Ujjwala SHG"]
    refused = await export(client, world.analyst_a, dataset="shgs", personal=True, reason=REASON)
    assert refused.status_code == 403, refused.text
    # Another organisation's program manager sees none of A's groups.
    assert rows_of(await export(client, world.pm_b, dataset="shgs")) == []


async def test_serve_runs_a_worker_in_its_own_process_in_development(
    committed_db: Database, queue_settings: Settings
) -> None:
    """`serve` on the embedded database sets SHAKTI_IN_PROCESS_WORKER: the app's lifespan then
    works the queue beside the requests (one command starts everything)."""
    settings = queue_settings.model_copy(
        update={"database_url": SecretStr(_url(committed_db)), "in_process_worker": True}
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        container = app.state.container
        factory = Factory(container, container.database)
        world = await World(factory).build()
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            asked = await export(http, world.pm_a)
            assert asked.status_code == 202, asked.text
            for _ in range(200):
                state = (
                    await http.get(asked.headers["location"], headers=world.pm_a.headers)
                ).json()
                if state["status"] == "ready":
                    break
                await asyncio.sleep(0.1)
            assert state["status"] == "ready", state
            assert state["row_count"] == 2


async def listed_ids(client: httpx.AsyncClient, actor: Actor, path: str) -> set[str]:
    """Every id a list endpoint gives the caller (all pages)."""
    found: set[str] = set()
    cursor = None
    while True:
        joiner = "&" if "?" in path else "?"
        url = f"/api/v1{path}{joiner}limit=200" + (f"&cursor={cursor}" if cursor else "")
        response = await client.get(url, headers=actor.headers)
        assert response.status_code == 200, (path, response.text)
        page = response.json()
        found |= {str(item["id"]) for item in page["items"]}
        cursor = page.get("next_cursor")
        if not cursor:
            return found


async def test_an_export_holds_exactly_the_rows_the_areas_lists_show_the_caller(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """Scope as for reads, checked against the reads themselves on the demo world: cases,
    referrals, campaigns and training participants, for a program manager, a social worker,
    a survivor leader and the staff of a partner that gives trainings."""
    report = await seed_demo(
        factory.database,
        Passwords(time_cost=1, memory_kib=1024, parallelism=1),
        "a demo passphrase for tests",
        DemoOptions(seed=7, survivors=12),
    )
    users = {user.key: user for user in report.users}
    worker = next(
        user
        for user in report.users
        if user.role is Role.social_worker
        and user.organization_id == users["manager"].organization_id
    )
    callers = {}
    for key, user in {
        "manager": users["manager"],
        "worker": worker,
        "leader": users["leader.s24p"],
        "provider": users["provider.staff"],
    }.items():
        callers[key] = Actor(
            id=user.id,
            organization_id=user.organization_id,
            role=user.role,
            headers=await factory.user_headers(user.id),
        )

    async def exported(actor: Actor, dataset: str) -> set[str] | int:
        response = await export(client, actor, dataset=dataset)
        if response.status_code != 200:
            return response.status_code
        return {next(iter(row.values())) for row in rows_of(response)}

    checked = nonempty = 0
    for key, actor in callers.items():
        for dataset, path in (
            ("cases", "/cases"),
            ("referrals", "/referrals"),
            ("campaigns", "/campaigns"),
        ):
            got = await exported(actor, dataset)
            listed = await client.get(f"/api/v1{path}?limit=1", headers=actor.headers)
            if listed.status_code != 200:
                # Who cannot list them cannot export them.
                assert got == listed.status_code == 403, (key, dataset, got)
                continue
            assert got == await listed_ids(client, actor, path), (key, dataset)
            checked += 1
            nonempty += bool(got)
        trainings = await client.get("/api/v1/trainings?limit=200", headers=actor.headers)
        got = await exported(actor, "training_participants")
        if trainings.status_code != 200:
            assert got == trainings.status_code == 403, (key, got)
            continue
        participants: set[str] = set()
        for training in trainings.json()["items"]:
            participants |= await listed_ids(
                client, actor, f"/trainings/{training['id']}/participants"
            )
        assert got == participants, key
        checked += 1
        nonempty += bool(got)
    assert checked >= 8
    assert nonempty >= 6, "the comparisons must be about rows, not empty sets"


async def test_a_build_that_fails_says_so_keeps_no_message_and_stays_in_the_queue(
    committed: Any, committed_db: Database, queue_settings: Settings
) -> None:
    http, world, _ = committed
    async with committed_db.engine.begin() as connection:
        # A survivor's sealed record that no key opens (as after a lost key).
        await connection.execute(
            sa.text(
                "UPDATE survivor SET personal_enc = '\\x0104626164210000'::bytea WHERE id = :id"
            ),
            {"id": world.survivor_2},
        )
    asked = await export(http, world.pm_a, personal=True, reason=REASON)
    assert asked.status_code == 202, asked.text
    export_id = asked.json()["id"]
    await run_worker(
        queue_settings, committed_db, _url(committed_db), install_signal_handlers=False, wait=False
    )
    state = (await http.get(f"{EXPORTS}/{export_id}", headers=world.pm_a.headers)).json()
    assert state["status"] == "failed"
    assert state["failure"] == "build_failed"
    assert state["file_url"] is None
    refused = await http.get(f"{EXPORTS}/{export_id}/file", headers=world.pm_a.headers)
    assert refused.status_code == 409
    async with committed_db.engine.connect() as connection:
        assert await audit_events(connection, export_id) == [
            ("export", "success"),
            ("export", "failure"),
        ]
        job = await connection.scalar(
            sa.text("SELECT status FROM procrastinate_jobs WHERE task_name = 'exports.build'")
        )
        pieces = await connection.scalar(sa.text("SELECT count(*) FROM export_chunk"))
    assert job == "failed"  # visible in the queue, and re-runnable
    assert pieces == 0
