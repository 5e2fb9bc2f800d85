"""``shakti-mis seed-demo``: synthetic demo data written through the services, once."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from api import cli
from api.app import create_app
from domain.common.settings import Settings
from domain.demo.context import AreaSeeder, DemoContext, DemoOptions
from domain.demo.runner import SEEDERS, DemoReport, seed_demo
from domain.demo.vocabulary import EMAIL_DOMAIN, LEAD_ORGANIZATION_ID
from domain.identity.keys import cipher_from_settings
from domain.identity.passwords import Passwords
from persistence.database import Database, create_engine

PASSWORD = "a demo passphrase for tests"
SURVIVORS = 12
TOKEN = "/api/v1/auth/token"
STAGES = {"intake", "assessment", "planning", "active", "monitoring", "closed", "reopened"}
CHEAP_HASHING = {
    "SHAKTI_PASSWORD_HASH_MEMORY_KIB": "1024",
    "SHAKTI_PASSWORD_HASH_TIME_COST": "1",
    "SHAKTI_PASSWORD_HASH_PARALLELISM": "1",
}


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


async def _scalars(url: str, sql: str) -> list[object]:
    """Rows of one column, read as the database owner."""
    owner = create_engine(url, pool_size=1)
    try:
        async with owner.connect() as connection:
            return list((await connection.execute(sa.text(sql))).scalars())
    finally:
        await owner.dispose()


async def _count(url: str, table: str) -> int:
    (count,) = await _scalars(url, f"SELECT count(*) FROM {table}")
    assert isinstance(count, int)
    return count


async def _dump(url: str) -> str:
    """Every value of every table, as text, with bytea also decoded as UTF-8 and as hex."""
    owner = create_engine(url, pool_size=1)
    texts: list[str] = []
    try:
        async with owner.connect() as connection:
            tables = (
                await connection.execute(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ).scalars()
            for table in list(tables):
                for row in await connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                    for value in row:
                        if isinstance(value, bytes | memoryview):
                            raw = bytes(value)
                            texts += [raw.decode("utf-8", errors="ignore"), raw.hex()]
                        elif value is not None:
                            texts.append(json.dumps(value, default=str, ensure_ascii=False))
    finally:
        await owner.dispose()
    return "\n".join(texts).casefold()


async def _seed(
    settings: Settings,
    database: Database,
    survivors: int = SURVIVORS,
    seed: int = 7,
    seeders: list[AreaSeeder] | None = None,
) -> DemoReport:
    database.cipher = cipher_from_settings(settings)
    passwords = Passwords(time_cost=1, memory_kib=1024, parallelism=1)
    options = DemoOptions(seed=seed, survivors=survivors)
    return await seed_demo(database, passwords, PASSWORD, options, seeders=seeders)


@asynccontextmanager
async def _client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.21", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def _sign_in(client: httpx.AsyncClient, key: str) -> dict[str, str]:
    response = await client.post(
        TOKEN,
        data={"grant_type": "password", "username": f"{key}@{EMAIL_DOMAIN}", "password": PASSWORD},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_the_demo_fills_a_fresh_database_through_the_services_once(
    settings: Settings, committed_db: Database
) -> None:
    report = await _seed(settings, committed_db)
    url = _url(committed_db)

    # What the report counts is what the tables hold.
    assert report.created
    assert report.counts["survivors"] == await _count(url, "survivor") == SURVIVORS
    assert report.counts["cases"] == await _count(url, "survivor_case") >= SURVIVORS
    assert report.counts["organizations"] == await _count(url, "organization") == 3
    assert report.counts["users"] == await _count(url, "app_user")
    assert {user.role.value for user in report.users} >= {
        "program_manager",
        "social_worker",
        "survivor_leader",
        "partner_staff",
        "analyst",
        "auditor",
        "platform_admin",
    }
    assert report.counts["consents"] == await _count(url, "consent") > SURVIVORS
    assert report.counts["care-plan goals"] == await _count(url, "care_plan_goal") > 0
    assert await _count(url, "assessment") == sum(
        n for name, n in report.counts.items() if name.startswith("assessments (")
    )
    assert await _count(url, "case_note") == report.counts["notes"] + report.counts.get(
        "notes restricted", 0
    )
    assert await _count(url, "legal_proceeding") == report.counts["legal proceedings"] > 0
    # Every stage of a case's life, in both districts, with its history.
    assert set(await _scalars(url, "SELECT DISTINCT status FROM survivor_case")) == STAGES
    districts = await _scalars(
        url,
        "SELECT DISTINCT d.name FROM survivor_case c JOIN district d ON d.id = c.district_id",
    )
    assert set(districts) == {"South 24 Parganas", "North 24 Parganas"}
    assert await _scalars(url, "SELECT count(*) FROM case_event WHERE kind = 'transition'") == [
        report.counts["stage changes"]
    ]
    assert await _scalars(
        url,
        "SELECT count(*) > 0 FROM case_visit"
        " WHERE status = 'planned' AND planned_on < current_date",
    ) == [True]
    assert await _count(url, "audit_event") > SURVIVORS * 10

    async with _client(settings, committed_db) as client:
        # A demo manager signs in with the demo password and sees every case and survivor.
        manager = await _sign_in(client, "manager")
        cases = await client.get("/api/v1/cases?limit=200", headers=manager)
        assert cases.status_code == 200, cases.text
        assert len(cases.json()["items"]) == report.counts["cases"]
        survivors = await client.get("/api/v1/survivors?limit=200", headers=manager)
        assert survivors.status_code == 200, survivors.text
        names = [f"{s['given_name']} {s['family_name']}" for s in survivors.json()["items"]]
        assert len(names) == SURVIVORS
        one = await client.get(
            f"/api/v1/survivors/{survivors.json()['items'][0]['id']}", headers=manager
        )
        assert one.json()["aliases"][0].startswith("Demo survivor ")
        phone = one.json()["phone"]
        # A social worker sees her own caseload only; an analyst no case at all.
        worker = await _sign_in(client, "sw.s24p.1")
        own = await client.get("/api/v1/cases?limit=200", headers=worker)
        assert own.status_code == 200
        assert 0 < len(own.json()["items"]) < report.counts["cases"]
        analyst = await _sign_in(client, "analyst")
        assert (await client.get("/api/v1/cases", headers=analyst)).status_code == 403

    # The names, phones and words the API shows are sealed in the tables.
    dump = await _dump(url)
    assert "synthetic demo data" in dump  # the dump holds the rows
    sealed = [*names, "demo survivor 0", "synthetic demo case", "counselling session"]
    if phone:
        sealed.append(phone)
    leaks = [value for value in sealed if value.casefold() in dump]
    assert leaks == []

    # A second run finds the demo and writes nothing.
    events = await _count(url, "audit_event")
    again = await _seed(settings, committed_db)
    assert not again.created
    assert await _count(url, "survivor") == SURVIVORS
    assert await _count(url, "audit_event") == events
    assert await _scalars(
        url, f"SELECT count(*) FROM organization WHERE id = '{LEAD_ORGANIZATION_ID}'"
    ) == [1]


class _Abort(Exception):
    """Raised by the last seeder of a run that must leave nothing behind."""


async def test_the_same_seed_gives_the_same_data_and_a_failure_leaves_nothing(
    settings: Settings, committed_db: Database
) -> None:
    portraits: list[list[object]] = []

    async def portrait_then_fail(ctx: DemoContext) -> None:
        portraits.append(
            [
                *((s.given_name, s.family_name, s.age, s.district_id) for s in ctx.survivors),
                *((c.case_number, c.stage, c.opened_on, c.high_risk) for c in ctx.cases),
                sorted(ctx.counts.items()),
            ]
        )
        raise _Abort

    seeders = [*SEEDERS, AreaSeeder("portrait", portrait_then_fail)]
    for seed in (7, 7, 8):
        with pytest.raises(_Abort):
            await _seed(settings, committed_db, survivors=4, seed=seed, seeders=seeders)
        # The run was one transaction: nothing of it is left, so the next one starts afresh.
        assert await _count(_url(committed_db), "survivor") == 0
        assert await _count(_url(committed_db), "organization") == 0
    first, second, other = portraits
    assert first == second
    assert other != first


@pytest.fixture
def shakti_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("SHAKTI_"):
            monkeypatch.delenv(name)
    for name, value in CHEAP_HASHING.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SHAKTI_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def test_the_command_migrates_an_empty_database_prints_the_password_once_and_reruns(
    shakti_env: pytest.MonkeyPatch, empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shakti_env.setenv("SHAKTI_DATABASE_URL", empty_database_url)

    code = cli.main(["seed-demo", "--survivors", "3", "--seed", "11"])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"manager@{EMAIL_DOMAIN}\tprogram_manager" in out
    assert "survivors\t3" in out
    (line,) = [line for line in out.splitlines() if "demo password" in line]
    password = line.rsplit(" ", 1)[1]
    assert len(password) >= 12
    assert password not in err
    assert asyncio.run(_count(empty_database_url, "survivor")) == 3
    hashes = asyncio.run(_scalars(empty_database_url, "SELECT password_hash FROM app_user"))
    assert all(str(h).startswith("$argon2id$") for h in hashes)

    # Again, with a password on stdin: nothing written, nothing printed but the notice.
    shakti_env.setattr(sys, "stdin", io.StringIO("another demo passphrase\n"))
    code = cli.main(["seed-demo", "--password-stdin"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "already holds the demo data" in err
    assert out == ""
    assert asyncio.run(_count(empty_database_url, "survivor")) == 3


def test_the_command_refuses_production_and_bad_counts(
    shakti_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shakti_env.setenv("SHAKTI_ENV", "production")
    assert cli.main(["seed-demo"]) == 2
    assert "refused in production" in capsys.readouterr().err
    shakti_env.setenv("SHAKTI_ENV", "development")
    assert cli.main(["seed-demo", "--survivors", "0"]) == 2
    assert "--survivors" in capsys.readouterr().err
