"""Test fixtures: a real PostgreSQL (embedded, or SHAKTI_TEST_DATABASE_URL), migrated once.

Each test runs inside an outer transaction that is rolled back at the end; the app's unit of
work commits and rolls back savepoints inside it (SQLAlchemy's "create_savepoint" join mode),
so the commit path really runs. Tests that need several connections at once (concurrency) take
``committed_db``: a fresh database cloned from the migrated template.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker

from api.app import create_app
from api.container import Container
from api.settings import HttpSettings
from domain.common.settings import Settings
from domain.identity.keys import (
    audit_keys_from_settings,
    generate_private_key_pem,
    with_development_keys,
)
from persistence import migrator
from persistence.crypto import new_key_text
from persistence.database import Database, create_engine
from tests.factories import Factory

APP_ROLE = "shakti_app"


class PostgresServer:
    """Where the test databases live: an admin URL, and helpers to create/drop databases."""

    def __init__(self, admin_url: str, embedded: Any = None) -> None:
        self.admin_url = admin_url
        self.embedded = embedded

    def url(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)

    def _asyncpg_dsn(self) -> dict[str, Any]:
        url = make_url(self.admin_url)
        params: dict[str, Any] = {
            "user": url.username or "postgres",
            "password": url.password,
            "database": url.database or "postgres",
        }
        host = url.query.get("host") or url.host
        params["host"] = host
        if url.port:
            params["port"] = url.port
        return params

    async def execute(self, sql: str) -> None:
        connection = await asyncpg.connect(**self._asyncpg_dsn())
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def create_database(self, name: str, template: str | None = None) -> str:
        suffix = f' TEMPLATE "{template}"' if template else ""
        await self.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    async def drop_database(self, name: str) -> None:
        await self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    configured = os.environ.get("SHAKTI_TEST_DATABASE_URL")
    if configured:
        url = make_url(configured).set(drivername="postgresql+asyncpg")
        yield PostgresServer(url.render_as_string(hide_password=False))
        return
    from persistence.embedded import embedded_url, start_embedded

    data_dir = Path(tempfile.mkdtemp(prefix="shakti-test-pg-"))
    server = start_embedded(data_dir, temporary=True)
    yield PostgresServer(embedded_url(server, "postgres"), embedded=server)
    server.cleanup()


@pytest.fixture(scope="session")
async def template_database(postgres: PostgresServer) -> AsyncIterator[str]:
    """A database migrated to head, never connected to afterwards: others are cloned from it."""
    name = f"shakti_tpl_{uuid.uuid4().hex[:10]}"
    url = await postgres.create_database(name)
    await asyncio.to_thread(migrator.upgrade, url)
    yield name
    await postgres.drop_database(name)


@pytest.fixture(scope="session")
async def test_database_url(postgres: PostgresServer, template_database: str) -> AsyncIterator[str]:
    name = f"shakti_test_{uuid.uuid4().hex[:10]}"
    url = await postgres.create_database(name, template=template_database)
    yield url
    await postgres.drop_database(name)


@pytest.fixture(scope="session")
async def engine(test_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(test_database_url, app_role=APP_ROLE, pool_size=2, max_overflow=2)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def signing_key() -> str:
    return generate_private_key_pem()


@pytest.fixture(scope="session")
def settings(signing_key: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        env="development",
        data_dir=tmp_path_factory.mktemp("data"),
        jwt_signing_keys={"test-1": SecretStr(signing_key)},
        jwt_active_kid="test-1",
        data_keys={"test-data-1": SecretStr(new_key_text())},
        data_active_kid="test-data-1",
        blind_index_key=SecretStr(new_key_text()),
        audit_keys={"test-audit-1": SecretStr(new_key_text())},
        audit_active_kid="test-audit-1",
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
        login_max_failures_per_account=3,
        login_max_failures_per_address=6,
        log_level="INFO",
        # Figures computed afresh after every write (tests of kept answers set their own).
        evidence_max_age_seconds=0,
    )


@pytest.fixture(scope="session")
def http_settings() -> HttpSettings:
    """The API's HTTP settings for tests: a small body limit, the rest as deployed."""
    return HttpSettings(max_body_bytes=64 * 1024)


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection inside an outer transaction, rolled back after the test."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        # Start the transaction on the server now: statements the app sends straight through
        # asyncpg (hot paths) must land inside it too.
        await conn.execute(sa.text("SELECT 1"))
        try:
            yield conn
        finally:
            if transaction.is_active:
                await transaction.rollback()


@pytest.fixture
def database(engine: AsyncEngine, connection: AsyncConnection, settings: Settings) -> Database:
    factory = async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )
    return Database(
        engine=engine,
        session_factory=factory,
        connection=connection,
        audit_keys=audit_keys_from_settings(settings),
    )


@pytest.fixture(scope="session")
def shared_app(settings: Settings, http_settings: HttpSettings) -> Any:
    """The app, built once: building its ~250 routes and middleware costs a quarter of a
    second, which every test paid when each built its own. Each test gives it a container
    of its own (``app``)."""
    return create_app(settings, http=http_settings)


@pytest.fixture
def app(
    shared_app: Any, settings: Settings, http_settings: HttpSettings, database: Database
) -> Any:
    """The app serving this test's database (a fresh container: keys, token cache, throttle).
    Tests that change the app itself build their own with ``create_app``."""
    shared_app.state.container = Container.build(
        with_development_keys(settings), database, http_settings
    )
    return shared_app


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def factory(app: Any, database: Database) -> Factory:
    return Factory(app.state.container, database)


@asynccontextmanager
async def fresh_database(
    postgres: PostgresServer, template_database: str, settings: Settings
) -> AsyncIterator[Database]:
    """A fresh migrated database whose commits are real, dropped afterwards."""
    name = f"shakti_c_{uuid.uuid4().hex[:10]}"
    url = await postgres.create_database(name, template=template_database)
    database = Database.connect(url, app_role=APP_ROLE, pool_size=5, max_overflow=5)
    database.audit_keys = audit_keys_from_settings(settings)
    try:
        yield database
    finally:
        await database.dispose()
        await postgres.drop_database(name)


@pytest.fixture
async def committed_db(
    postgres: PostgresServer, template_database: str, settings: Settings
) -> AsyncIterator[Database]:
    """A fresh migrated database whose commits are real (for tests of concurrency)."""
    async with fresh_database(postgres, template_database, settings) as database:
        yield database


@pytest.fixture(scope="module")
async def module_committed_db(
    postgres: PostgresServer, template_database: str, settings: Settings
) -> AsyncIterator[Database]:
    """The same, shared by the tests of one module (which only read what it holds once
    filled, such as the seeded demo)."""
    async with fresh_database(postgres, template_database, settings) as database:
        yield database


@pytest.fixture
async def empty_database_url(postgres: PostgresServer) -> AsyncIterator[str]:
    """A database with no schema at all (for migration and CLI tests)."""
    name = f"shakti_e_{uuid.uuid4().hex[:10]}"
    url = await postgres.create_database(name)
    yield url
    await postgres.drop_database(name)
