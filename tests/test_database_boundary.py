"""The database boundary (issue 9, section 3), on real PostgreSQL with real roles.

The API logs in as its own role (made by ``persistence.boundary.provision_login_role``, as
``shakti-mis migrate`` makes it) and works as the app role; it must not be able to become the
schema owner or any superuser, change the audit trail's triggers, or rewrite audit events. In
production it refuses to start when its session could cross that line.

Roles are cluster-wide: every role made here has a unique name and is dropped afterwards, and
this module works in a database of its own cloned from the migrated template.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from domain.audit.trail import record
from domain.common.principal import system_principal
from domain.common.settings import ProductionConfigError, Settings
from domain.identity.keys import audit_keys_from_settings, generate_private_key_pem
from persistence.boundary import (
    BoundaryError,
    ensure_login_role,
    scram_verifier,
    session_problems,
)
from persistence.crypto import new_key_text
from persistence.database import Database, create_engine
from persistence.models.enums import AuditAction
from persistence.uow import UnitOfWork
from tests.conftest import APP_ROLE, PostgresServer

ROOT = Path(__file__).resolve().parents[1]
API_PASSWORD = "a-long-api-password-42"
INSUFFICIENT_PRIVILEGE = "42501"


@dataclass
class Cluster:
    """A database of this test's own on the test server, and the roles made for it."""

    postgres: PostgresServer
    owner_url: str
    roles: list[str] = field(default_factory=list)

    def name(self, prefix: str) -> str:
        role = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.roles.append(role)
        return role

    def url_as(self, role: str) -> str:
        return make_url(self.owner_url).set(username=role).render_as_string(hide_password=False)

    async def owner(self, *statements: str) -> None:
        engine = create_engine(self.owner_url, pool_size=1)
        try:
            async with engine.begin() as connection:
                for statement in statements:
                    await connection.execute(sa.text(statement))
        finally:
            await engine.dispose()

    async def owner_rows(self, sql: str) -> list[tuple[Any, ...]]:
        engine = create_engine(self.owner_url, pool_size=1)
        try:
            async with engine.connect() as connection:
                return [tuple(row) for row in await connection.execute(sa.text(sql))]
        finally:
            await engine.dispose()

    async def api_login(self, prefix: str = "api") -> str:
        """A login role made as ``shakti-mis migrate`` makes the API's."""
        role = self.name(prefix)
        await ensure_login_role(self.owner_url, role, app_role=APP_ROLE, password=API_PASSWORD)
        return role


@pytest.fixture(scope="module")
async def cluster(postgres: PostgresServer, template_database: str) -> AsyncIterator[Cluster]:
    name = f"shakti_b_{uuid.uuid4().hex[:10]}"
    url = await postgres.create_database(name, template=template_database)
    found = Cluster(postgres, url)
    try:
        yield found
    finally:
        await postgres.drop_database(name)
        for role in reversed(found.roles):
            await postgres.execute(f"DROP ROLE IF EXISTS {role}")


async def problems_of(cluster: Cluster, role: str) -> list[str]:
    database = Database.connect(cluster.url_as(role), app_role=APP_ROLE, pool_size=1)
    try:
        return await session_problems(database.engine, APP_ROLE)
    finally:
        await database.dispose()


def sqlstate(error: DBAPIError) -> str | None:
    for candidate in (error.orig, getattr(error.orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None)
        if state:
            return str(state)
    return None


# -- the login role as migrate makes it --------------------------------------------------------
async def test_the_api_login_role_is_made_as_production_needs_it(cluster: Cluster) -> None:
    role = cluster.name("api")
    # Made before with more than it may have: migrate takes it all back.
    await cluster.owner(f"CREATE ROLE {role} LOGIN CREATEDB CREATEROLE BYPASSRLS")
    await ensure_login_role(cluster.owner_url, role, app_role=APP_ROLE, password=API_PASSWORD)
    await ensure_login_role(cluster.owner_url, role, app_role=APP_ROLE, password=API_PASSWORD)

    rows = await cluster.owner_rows(
        "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, "
        f"rolreplication, rolpassword FROM pg_authid WHERE rolname = '{role}'"
    )
    assert len(rows) == 1
    *attributes, stored = rows[0]
    assert attributes == [True, False, False, False, False, False]
    # PostgreSQL kept the verifier as it was sent (a password would have been hashed anew),
    # and the password itself never reached the server.
    assert str(stored).startswith("SCRAM-SHA-256$4096:")
    assert API_PASSWORD not in str(stored)
    memberships = await cluster.owner_rows(
        "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
        f"WHERE m.member = '{role}'::regrole"
    )
    assert memberships == [(APP_ROLE,)]
    assert await problems_of(cluster, role) == []


async def test_provisioning_refuses_bad_names_and_weak_passwords(cluster: Cluster) -> None:
    with pytest.raises(BoundaryError, match="role names"):
        await ensure_login_role(cluster.owner_url, "x; DROP", app_role=APP_ROLE, password=None)
    role = cluster.name("api")
    with pytest.raises(BoundaryError, match="16 to 200"):
        await ensure_login_role(cluster.owner_url, role, app_role=APP_ROLE, password="short")
    with pytest.raises(BoundaryError, match="16 to 200"):
        await ensure_login_role(
            cluster.owner_url, role, app_role=APP_ROLE, password="has a quote ' in it, long"
        )
    with pytest.raises(BoundaryError, match="differ"):
        await ensure_login_role(cluster.owner_url, APP_ROLE, app_role=APP_ROLE, password=None)
    assert await cluster.owner_rows(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'") == []


def test_the_scram_verifier_follows_rfc_7677() -> None:
    """RFC 7677's example exchange: password "pencil", its salt, 4096 iterations. The stored
    and server keys of our verifier reproduce the client proof and server signature there."""
    salt = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
    verifier = scram_verifier("pencil-and-more-letters", salt=salt)  # format, length rule
    assert verifier.startswith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$")

    # The RFC's password is shorter than ours may be: check the keys by the same derivation.
    salted = hashlib.pbkdf2_hmac("sha256", b"pencil", salt, 4096)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    auth_message = (
        b"n=user,r=rOprNGfwEbeRWgbNEkqO,"
        b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
        b"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
        b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    )
    signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    assert base64.b64encode(proof) == b"dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    server_signature = hmac.new(server_key, auth_message, hashlib.sha256).digest()
    assert base64.b64encode(server_signature) == b"6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

    # And our function derives exactly those keys.
    ours = scram_verifier("pencil-and-more-letters", salt=salt).split("$")[2].split(":")
    salted = hashlib.pbkdf2_hmac("sha256", b"pencil-and-more-letters", salt, 4096)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    assert ours == [
        base64.b64encode(hashlib.sha256(client_key).digest()).decode(),
        base64.b64encode(hmac.new(salted, b"Server Key", hashlib.sha256).digest()).decode(),
    ]


# -- what the API's session cannot do ----------------------------------------------------------
# Each runs in its own transaction on the API's connection (its login role, working as the app
# role) and must be refused for lack of privilege. A new rule of the boundary is one more line.
FORBIDDEN_TO_THE_API: list[tuple[str, str]] = [
    ("become the cluster's superuser", "SET ROLE postgres"),
    ("become it for the session", "SET SESSION AUTHORIZATION postgres"),
    ("make itself a superuser", "ALTER ROLE CURRENT_USER SUPERUSER"),
    ("join the superuser role", "GRANT postgres TO CURRENT_USER"),
    ("switch triggers off", "SET session_replication_role = replica"),
    ("disable a trigger", "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"),
    ("disable every trigger", "ALTER TABLE audit_event DISABLE TRIGGER ALL"),
    ("rename a trigger", "ALTER TRIGGER audit_event_append_only ON audit_event RENAME TO x"),
    ("drop a trigger", "DROP TRIGGER audit_event_no_truncate ON audit_event"),
    (
        "replace the trigger function",
        "CREATE OR REPLACE FUNCTION audit_event_is_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    ),
    ("take the table", "ALTER TABLE audit_event OWNER TO CURRENT_USER"),
    ("update an audit event", "UPDATE audit_event SET action = action"),
    ("delete an audit event", "DELETE FROM audit_event"),
    ("truncate the audit trail", "TRUNCATE audit_event"),
    ("drop the audit trail", "DROP TABLE audit_event"),
    (
        "insert an event outside the append function",
        "INSERT INTO audit_event (chain, chain_seq, hash, id, occurred_at, actor_type, action,"
        " entity_type, outcome) VALUES (1, 999999, '\\x00', gen_random_uuid(), now(),"
        " 'system', 'read', 'forged', 'success')",
    ),
    ("lock a chain head for writing", "SELECT * FROM audit_chain_head FOR UPDATE"),
    ("move a chain head", "UPDATE audit_chain_head SET last_seq = last_seq"),
    # Kept evidence answers stand while this generation stands: only the database moves it.
    ("hold back the consents' generation", "UPDATE evidence_generation SET generation = 0"),
]


@dataclass
class ApiSession:
    """The API's way in: its login role, its app role, its connections."""

    database: Database
    login: str

    async def attempt(self, sql: str, *, reset_role: bool = False) -> DBAPIError:
        """Run ``sql`` in a transaction of its own; return the error it must raise."""
        async with self.database.engine.connect() as connection:
            async with connection.begin():
                if reset_role:  # as the login role itself, not the app role
                    await connection.execute(sa.text("RESET ROLE"))
                    await connection.execute(sa.text("SET ROLE NONE"))
                try:
                    await connection.execute(sa.text(sql))
                except DBAPIError as error:
                    return error
        raise AssertionError(f"the API's session could: {sql}")

    async def run(self, work: Callable[[AsyncConnection], Awaitable[Any]]) -> Any:
        async with self.database.engine.connect() as connection:
            return await work(connection)


@pytest.fixture(scope="module")
async def api_session(cluster: Cluster) -> AsyncIterator[ApiSession]:
    login = await cluster.api_login()
    database = Database.connect(cluster.url_as(login), app_role=APP_ROLE, pool_size=2)
    database.audit_keys = audit_keys_from_settings(
        Settings(audit_keys={"boundary-audit-1": SecretStr(new_key_text())})
    )
    try:
        yield ApiSession(database, login)
    finally:
        await database.dispose()


async def _append_one_event(database: Database) -> None:
    async with UnitOfWork(database) as uow:
        record(uow, system_principal(), AuditAction.secret_rotate, "boundary_test")


@pytest.mark.parametrize(
    ("what", "sql"), FORBIDDEN_TO_THE_API, ids=[w for w, _ in FORBIDDEN_TO_THE_API]
)
@pytest.mark.parametrize("as_login_role", [False, True], ids=["as-app-role", "as-login-role"])
async def test_the_api_session_cannot(
    cluster: Cluster, api_session: ApiSession, what: str, sql: str, as_login_role: bool
) -> None:
    # The API appends audit events as it always does...
    await _append_one_event(api_session.database)
    before = await cluster.owner_rows("SELECT seq, action, hash FROM audit_event ORDER BY seq")
    assert before

    error = await api_session.attempt(sql, reset_role=as_login_role)

    assert sqlstate(error) == INSUFFICIENT_PRIVILEGE, (what, error)
    # ...and nothing it tried changed them.
    assert await cluster.owner_rows("SELECT seq, action, hash FROM audit_event ORDER BY seq") == (
        before
    )
    triggers = await cluster.owner_rows(
        "SELECT tgname, tgenabled::text FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
        "AND NOT tgisinternal ORDER BY tgname"
    )
    assert triggers == [("audit_event_append_only", "O"), ("audit_event_no_truncate", "O")]


async def test_the_api_session_cannot_become_the_owner_or_any_superuser(
    cluster: Cluster, api_session: ApiSession
) -> None:
    owners = {row[0] for row in await cluster.owner_rows("SELECT tableowner FROM pg_tables")}
    superusers = {
        row[0] for row in await cluster.owner_rows("SELECT rolname FROM pg_roles WHERE rolsuper")
    }
    assert superusers, "the cluster has a superuser to try"
    for role in sorted(owners | superusers):
        error = await api_session.attempt(f'SET ROLE "{role}"')
        assert sqlstate(error) == INSUFFICIENT_PRIVILEGE, role

    async def who(connection: AsyncConnection) -> tuple[Any, ...]:
        row = (await connection.execute(sa.text("SELECT session_user, current_user"))).one()
        return tuple(row)

    assert await api_session.run(who) == (api_session.login, APP_ROLE)
    assert await session_problems(api_session.database.engine, APP_ROLE) == []


# -- production refuses a session that could cross the line ------------------------------------
async def test_a_superuser_login_is_refused(cluster: Cluster) -> None:
    problems = await problems_of(cluster, "postgres")
    assert "the database login role postgres is a superuser" in problems
    assert any("postgres can act as the owner of table public." in p for p in problems)
    assert any("postgres can act as the owner of function public." in p for p in problems)
    assert all("\n" not in problem for problem in problems)


async def test_a_login_that_can_become_a_superuser_is_refused(cluster: Cluster) -> None:
    login = await cluster.api_login()
    admin = cluster.name("su")
    await cluster.owner(f"CREATE ROLE {admin} NOLOGIN SUPERUSER", f"GRANT {admin} TO {login}")
    problems = await problems_of(cluster, login)
    assert f"the database login role {login} can act as {admin}, which is a superuser" in problems
    assert any(
        f"is a member of {admin}: it must be a member of the app role" in p for p in problems
    )


async def test_a_login_that_can_become_a_table_owner_indirectly_is_refused(
    cluster: Cluster,
) -> None:
    login = await cluster.api_login()
    owner, middle = cluster.name("own"), cluster.name("mid")
    table = f"t_{uuid.uuid4().hex[:8]}"
    await cluster.owner(
        f"CREATE ROLE {owner} NOLOGIN",
        f"CREATE ROLE {middle} NOLOGIN",
        f"CREATE TABLE {table} (id int)",
        f"ALTER TABLE {table} OWNER TO {owner}",
        f"GRANT {owner} TO {middle}",
        f"GRANT {middle} TO {login}",
    )
    problems = await problems_of(cluster, login)
    assert f"the database login role {login} can act as the owner of table public.{table}" in (
        problems
    )
    assert await problems_of(cluster, await cluster.api_login()) == []


async def test_a_login_with_createrole_or_bypassrls_is_refused(cluster: Cluster) -> None:
    login = await cluster.api_login()
    await cluster.owner(f"ALTER ROLE {login} CREATEROLE BYPASSRLS")
    problems = await problems_of(cluster, login)
    assert f"the database login role {login} is CREATEROLE" in problems
    assert f"the database login role {login} is BYPASSRLS" in problems


def production_settings(url: str, **extra: Any) -> Settings:
    return Settings(
        env="production",
        database_url=SecretStr(url),
        jwt_signing_keys={"prod-test-1": SecretStr(generate_private_key_pem())},
        jwt_active_kid="prod-test-1",
        data_keys={"data-test-1": SecretStr(new_key_text())},
        data_active_kid="data-test-1",
        blind_index_key=SecretStr(new_key_text()),
        audit_keys={"audit-test-1": SecretStr(new_key_text())},
        **extra,
    )


async def test_production_start_refuses_the_owner_and_starts_as_the_api_role(
    cluster: Cluster,
) -> None:
    refused = create_app(production_settings(cluster.owner_url))
    with pytest.raises(ProductionConfigError, match="is a superuser"):
        async with refused.router.lifespan_context(refused):
            pass

    app = create_app(production_settings(cluster.url_as(await cluster.api_login())))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            assert (await http.get("/health/ready")).status_code == 200
            assert (await http.get("/docs")).status_code == 404


def test_serve_in_production_as_a_superuser_exits_with_a_one_line_reason(
    cluster: Cluster, tmp_path: Path
) -> None:
    """A real `shakti-mis serve`, configured for production but logging in as the cluster's
    superuser: it stops at start-up, non-zero, and one JSON line says why."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAKTI_")}
    env.update(
        {
            "SHAKTI_ENV": "production",
            "SHAKTI_DATABASE_URL": cluster.owner_url,
            "SHAKTI_JWT_SIGNING_KEYS": json.dumps({"prod-test-1": generate_private_key_pem()}),
            "SHAKTI_JWT_ACTIVE_KID": "prod-test-1",
            "SHAKTI_DATA_KEYS": json.dumps({"data-test-1": new_key_text()}),
            "SHAKTI_DATA_ACTIVE_KID": "data-test-1",
            "SHAKTI_BLIND_INDEX_KEY": new_key_text(),
            "SHAKTI_AUDIT_KEYS": json.dumps({"audit-test-1": new_key_text()}),
            "SHAKTI_DATA_DIR": str(tmp_path / "data"),
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--port", "0"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    refusals = [line for line in lines if line.get("event") == "refusing to start in production"]
    assert len(refusals) == 1, result.stderr
    assert "the database login role postgres is a superuser" in refusals[0]["problems"]
    assert "Uvicorn running" not in result.stderr
