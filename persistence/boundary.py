"""The database boundary: the API's login role, and what its session could become.

Two login roles reach the database. The schema owner (used by ``shakti-mis migrate`` only)
creates the tables and the NOLOGIN app role; the API logs in as its own role, which is
NOSUPERUSER, NOCREATEDB, NOCREATEROLE, NOBYPASSRLS and a member of the app role only, and
works as the app role (a connection start-up parameter). :func:`provision_login_role` makes the
API's role so; :func:`session_problems` checks, from the API's own connection, that its session
can become neither a superuser nor the owner of anything (production refuses to start
otherwise).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from persistence.database import create_engine

# What the API's login role is, whatever it was before (ALTER ROLE sets every one of them).
LOGIN_ROLE_ATTRIBUTES = (
    "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION INHERIT "
    "CONNECTION LIMIT -1"
)
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Passwords go into a database URL: the URL-unreserved characters only (and so SASLprep, which
# PostgreSQL applies before hashing, leaves them as they are).
_PASSWORD = re.compile(r"[A-Za-z0-9._~-]{16,200}")
SCRAM_ITERATIONS = 4096  # PostgreSQL's default scram_iterations


class BoundaryError(ValueError):
    """A login role or password that cannot be provisioned (the message says why)."""


def _role_name(name: str) -> str:
    if not _ROLE_NAME.fullmatch(name):
        raise BoundaryError(
            f"role names here are lower-case letters, digits and underscores: {name!r}"
        )
    return name


def scram_verifier(
    password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS
) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802, RFC 7677).

    Sent instead of the password, so the password itself never reaches the server's logs or
    ``pg_stat_statements``.
    """
    if not _PASSWORD.fullmatch(password):
        raise BoundaryError(
            "the API's database password must have 16 to 200 characters among letters, "
            "digits and . _ ~ - (it goes into a URL)"
        )
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


async def provision_login_role(
    connection: AsyncConnection, role: str, *, app_role: str, password: str | None
) -> None:
    """Create or update the API's login role (run as the schema owner, after migrating).

    The role gets exactly :data:`LOGIN_ROLE_ATTRIBUTES` and membership of ``app_role``;
    ``password`` (when given) is stored as a SCRAM verifier. Idempotent. Also takes from
    PUBLIC the right to create objects in the schema ``public`` (PostgreSQL 14 granted it),
    so that the API's role can never come to own a table.
    """
    role, app_role = _role_name(role), _role_name(app_role)
    if role == app_role:
        raise BoundaryError("the API's login role must differ from the app role")
    # Validated before anything is changed.
    verifier = scram_verifier(password) if password is not None else None
    exists = await connection.scalar(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
    )
    # Utility statements take no bind parameters; the names are checked identifiers.
    statements = [] if exists else [f"CREATE ROLE {role}"]
    statements.append(f"ALTER ROLE {role} WITH {LOGIN_ROLE_ATTRIBUTES}")
    if verifier is not None:
        # A verifier is base64, '$' and ':' only: safe as a literal.
        statements.append(f"ALTER ROLE {role} PASSWORD '{verifier}'")
    statements.append(f"GRANT {app_role} TO {role}")
    statements.append("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    for statement in statements:
        await connection.exec_driver_sql(statement)


async def ensure_login_role(url: str, role: str, *, app_role: str, password: str | None) -> None:
    """:func:`provision_login_role` on a connection of ``url`` (the owner's), committed."""
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            await provision_login_role(connection, role, app_role=app_role, password=password)
    finally:
        await engine.dispose()


# Every role the session's login role can act as (itself, and every role it is a member of,
# directly or not: by SET ROLE, or by inheriting its rights), with its attributes.
_REACHABLE_ROLES = sa.text(
    """
    SELECT r.rolname, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolbypassrls,
           r.rolreplication, r.rolname = session_user AS is_login
    FROM pg_roles r
    WHERE pg_has_role(session_user, r.oid, 'MEMBER')
    ORDER BY r.rolname
    """
)
# What such roles own in this database: the database, its schemas, and every table, view,
# sequence and function outside the system schemas (an owner may alter, disable triggers on,
# replace or drop them).
_OWNED = sa.text(
    r"""
    SELECT kind, name FROM (
        SELECT d.datdba AS owner, 'database' AS kind, d.datname::text AS name
        FROM pg_database d WHERE d.datname = current_database()
        UNION ALL
        SELECT n.nspowner, 'schema', n.nspname::text
        FROM pg_namespace n
        WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
        UNION ALL
        SELECT c.relowner, 'table', n.nspname || '.' || c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
          AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        UNION ALL
        SELECT p.proowner, 'function', n.nspname || '.' || p.proname
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
    ) owned
    WHERE pg_has_role(session_user, owner, 'MEMBER')
    ORDER BY kind, name
    """
)
_ATTRIBUTES = (
    ("rolsuper", "a superuser"),
    ("rolcreatedb", "CREATEDB"),
    ("rolcreaterole", "CREATEROLE"),
    ("rolbypassrls", "BYPASSRLS"),
    ("rolreplication", "REPLICATION"),
)


def _some(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


async def session_problems(engine: AsyncEngine, app_role: str) -> list[str]:
    """Why a session of ``engine`` (the API's) crosses the boundary; empty when it does not.

    Each reason is one line: the login role can act as a superuser or a role with CREATEDB,
    CREATEROLE, BYPASSRLS or REPLICATION; is a member of any role but the app role; can act as
    the owner of the database, a schema, a table or a function. (A login role outside the app
    role cannot open the API's connections at all: ``role`` is a start-up parameter.)
    """
    async with engine.connect() as connection:
        login = str(await connection.scalar(sa.text("SELECT session_user")))
        roles: list[Any] = list(await connection.execute(_REACHABLE_ROLES))
        owned: list[Any] = list(await connection.execute(_OWNED))
        await connection.rollback()
    problems: list[str] = []
    for row in roles:
        who = "is" if row.is_login else f"can act as {row.rolname}, which is"
        for column, label in _ATTRIBUTES:
            if getattr(row, column):
                problems.append(f"the database login role {login} {who} {label}")
    names = {row.rolname for row in roles}
    others = sorted(names - {login, app_role})
    if others:
        problems.append(
            f"the database login role {login} is a member of {_some(others)}: it must be a "
            f"member of the app role {app_role} only"
        )
    by_kind: dict[str, list[str]] = {}
    for row in owned:
        by_kind.setdefault(row.kind, []).append(row.name)
    for kind, things in sorted(by_kind.items()):
        problems.append(
            f"the database login role {login} can act as the owner of {kind} {_some(things)}"
        )
    return problems
