"""The baseline: Starlette + asyncpg + orjson serving the reads the benchmark measures, with
no authentication, no audit, no ORM and no middleware.

It answers the same JSON as the real app (same fields, same cursor format) with the fewest
round trips:

- users: one statement for a user (with her district ids), two for a page (the app's keyset
  query, then the page's districts);
- cases: one statement for a case, one for a page: the app's own SQL (its columns and flag
  subqueries, imported from persistence/repositories/cases.py; the keyset condition), minus
  authentication and audit. The organisation
  condition stays, as the tenant of a one-organisation app (``BARE_ORGANIZATION_ID``): without
  it PostgreSQL could not use the (organization_id, district_id, created_at, id) index and the
  page would cost the database more than the app's. Sealed trafficking details are opened
  with the app's own FieldCipher and keys (``SHAKTI_DATA_KEYS``, ``SHAKTI_DATA_ACTIVE_KID``,
  ``SHAKTI_BLIND_INDEX_KEY``).

The gap to the app is what the app adds.

    BARE_DATABASE_URL=postgresql://... uvicorn --app-dir bench --factory bare_app:create_app
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from persistence import clock
from persistence.crypto import FieldCipher, Place, decode_key
from persistence.repositories.cases import CASE_COLUMNS, with_flags

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
SORT = "created"

# Every column, in table order, as the app's ORM selects them: PostgreSQL then passes whole heap
# tuples on without a projection, which makes the page's full scan and sort two to three times
# cheaper than selecting only the columns the answer shows (measured at 100k rows).
_USER_COLUMNS = """
    u.organization_id, u.id, u.created_at, u.updated_at, u.created_by, u.version, u.deleted_at,
    u.email, u.full_name, u.role, u.password_hash, u.disabled_at, u.password_changed_at,
    u.last_login_at
"""
# One user and her districts in one statement.
ONE_USER = f"""
    SELECT {_USER_COLUMNS},
           COALESCE((SELECT array_agg(d.district_id ORDER BY d.district_id)
                       FROM user_district d WHERE d.user_id = u.id), '{{}}') AS district_ids
      FROM app_user u
     WHERE u.id = $1 AND u.deleted_at IS NULL
"""
# A page: the same keyset query the app sends, then the districts of the page's users (a
# correlated subquery in the page query itself keeps PostgreSQL from a parallel scan).
FIRST_PAGE = f"""
    SELECT {_USER_COLUMNS} FROM app_user u
     WHERE u.deleted_at IS NULL
     ORDER BY u.created_at, u.id LIMIT $1::integer
"""
NEXT_PAGE = f"""
    SELECT {_USER_COLUMNS} FROM app_user u
     WHERE u.deleted_at IS NULL AND (u.created_at, u.id) > ($2, $3)
     ORDER BY u.created_at, u.id LIMIT $1::integer
"""
DISTRICTS = """
    SELECT user_id, district_id FROM user_district
     WHERE user_id = ANY($1::uuid[]) ORDER BY district_id
"""


def _user(row: asyncpg.Record, district_ids: list[UUID]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "email": row["email"],
        "full_name": row["full_name"],
        "organization_id": row["organization_id"],
        "role": row["role"],
        "district_ids": district_ids,
        "disabled": row["disabled_at"] is not None,
        "disabled_at": row["disabled_at"],
        "last_login_at": row["last_login_at"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "version": row["version"],
    }


def _json(content: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(content, default=str, option=orjson.OPT_UTC_Z),
        status,
        media_type="application/json",
    )


def _problem(status: int, detail: str) -> Response:
    return _json({"status": status, "detail": detail}, status)


def encode_cursor(created_at: datetime, user_id: UUID) -> str:
    """The app's cursor format: base64url of {"s": sort, "k": [{"t": iso}, {"u": id}]}."""
    payload = orjson.dumps({"s": SORT, "k": [{"t": created_at.isoformat()}, {"u": str(user_id)}]})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    padded = cursor + "=" * (-len(cursor) % 4)
    data = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    if data.get("s") != SORT:
        raise ValueError("cursor for another ordering")
    created, user_id = data["k"]
    return datetime.fromisoformat(created["t"]), UUID(user_id["u"])


async def read_user(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    row = await pool.fetchrow(ONE_USER, request.path_params["user_id"])
    if row is None:
        return _problem(404, "User not found.")
    return _json(_user(row, row["district_ids"]))


async def list_users(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    try:
        limit = int(request.query_params.get("limit", DEFAULT_LIMIT))
        cursor = request.query_params.get("cursor")
        after = decode_cursor(cursor) if cursor else None
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError):
        return _problem(400, "Bad limit or cursor.")
    if not 1 <= limit <= MAX_LIMIT:
        return _problem(422, "limit out of range.")
    async with pool.acquire() as connection:
        if after is None:
            rows = await connection.fetch(FIRST_PAGE, limit + 1)
        else:
            rows = await connection.fetch(NEXT_PAGE, limit + 1, *after)
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = encode_cursor(rows[-1]["created_at"], rows[-1]["id"])
        districts: dict[UUID, list[UUID]] = {row["id"]: [] for row in rows}
        for link in await connection.fetch(DISTRICTS, list(districts)):
            districts[link["user_id"]].append(link["district_id"])
    items = [_user(row, districts[row["id"]]) for row in rows]
    return _json({"items": items, "next_cursor": next_cursor, "total": None})


# -- cases ----------------------------------------------------------------------------------
# The app's statements (CaseReads.get_audited / page_audited) without the audit CTEs, with
# the same conditions in the same order, and the page size written into the statement as the
# app writes it (so both get PostgreSQL's cached generic plan).
ONE_CASE = with_flags(
    f"SELECT {CASE_COLUMNS}, c.context_enc FROM survivor_case c"
    " WHERE c.id = $1 AND c.organization_id = $2 AND c.deleted_at IS NULL",
    now="$3",
    today="$4",
)


@functools.lru_cache(maxsize=64)
def case_page_sql(district: bool, after: bool, limit: int) -> str:
    conditions = ["c.organization_id = $1 AND c.deleted_at IS NULL"]
    params = 1
    if district:
        params += 1
        conditions.append(f"c.district_id = ${params}")
    if after:
        conditions.append(f"(c.created_at, c.id) > (${params + 1}, ${params + 2})")
        params += 2
    return with_flags(
        f"SELECT {CASE_COLUMNS} FROM survivor_case c WHERE {' AND '.join(conditions)}"
        f" ORDER BY c.created_at, c.id LIMIT {limit + 1:d}",
        now=f"${params + 1}",
        today=f"${params + 2}",
        order_by="c.created_at, c.id",
    )


_CASE_FIELDS = (
    "id", "case_number", "survivor_id", "organization_id", "district_id", "assigned_worker_id",
    "team", "status", "closure_reason", "risk_level", "referral_source", "trafficking_status",
    "exploitation_types", "recruitment_method", "destination_state", "destination_country",
    "recruited_on", "identified_on", "returned_on", "opened_on", "closed_on",
)  # fmt: skip


def _flags(row: asyncpg.Record) -> list[str]:
    """As domain/cases/service.py flags()."""
    found = []
    if row["risk_level"] == "high":
        found.append("high_risk")
    if row["overdue_follow_up"]:
        found.append("overdue_follow_up")
    if row["consent_state"] == "expiring":
        found.append("consent_expiring")
    elif row["consent_state"] in (None, "none"):
        found.append("no_consent")
    return found


def _case(row: asyncpg.Record) -> dict[str, Any]:
    """The app's CaseRead."""
    case = {name: row[name] for name in _CASE_FIELDS}
    case["exploitation_types"] = list(row["exploitation_types"] or ())
    case["flags"] = _flags(row)
    case["created_at"] = row["created_at"]
    case["updated_at"] = row["updated_at"]
    case["version"] = row["version"]
    return case


def _details(cipher: FieldCipher | None, row: asyncpg.Record) -> str | None:
    """The sealed trafficking details, opened (null when none were recorded)."""
    sealed = row["context_enc"]
    if sealed is None:
        return None
    if cipher is None:
        raise RuntimeError("a sealed value and no SHAKTI_DATA_KEYS")
    opened = orjson.loads(cipher.open(sealed, Place("survivor_case", "context_enc", row["id"])))
    return opened.get("details") if isinstance(opened, dict) else None


def _organization(request: Request) -> UUID | None:
    organization: UUID | None = request.app.state.organization_id
    return organization


async def read_case(request: Request) -> Response:
    organization = _organization(request)
    if organization is None:
        return _problem(503, "BARE_ORGANIZATION_ID is not set.")
    pool: asyncpg.Pool = request.app.state.pool
    row = await pool.fetchrow(
        ONE_CASE, request.path_params["case_id"], organization, clock.now(), clock.today()
    )
    if row is None:
        return _problem(404, "Case not found.")
    return _json({**_case(row), "details": _details(request.app.state.cipher, row)})


async def list_cases(request: Request) -> Response:
    organization = _organization(request)
    if organization is None:
        return _problem(503, "BARE_ORGANIZATION_ID is not set.")
    pool: asyncpg.Pool = request.app.state.pool
    try:
        limit = int(request.query_params.get("limit", DEFAULT_LIMIT))
        district = request.query_params.get("district_id")
        district_id = UUID(district) if district else None
        cursor = request.query_params.get("cursor")
        after = decode_cursor(cursor) if cursor else None
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError):
        return _problem(400, "Bad limit, district or cursor.")
    if not 1 <= limit <= MAX_LIMIT:
        return _problem(422, "limit out of range.")
    args: list[Any] = [organization]
    if district_id is not None:
        args.append(district_id)
    if after is not None:
        args.extend(after)
    sql = case_page_sql(district_id is not None, after is not None, limit)
    rows = await pool.fetch(sql, *args, clock.now(), clock.today())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["created_at"], rows[-1]["id"])
    return _json({"items": [_case(row) for row in rows], "next_cursor": next_cursor, "total": None})


def _cipher_from_environment() -> FieldCipher | None:
    """The app's field cipher from the app's environment variables (None when unset)."""
    keys = os.environ.get("SHAKTI_DATA_KEYS")
    index_key = os.environ.get("SHAKTI_BLIND_INDEX_KEY")
    if not keys or not index_key:
        return None
    decoded = {kid: decode_key(text) for kid, text in orjson.loads(keys).items()}
    active = os.environ.get("SHAKTI_DATA_ACTIVE_KID") or sorted(decoded)[-1]
    return FieldCipher(decoded, active, decode_key(index_key))


async def live(request: Request) -> Response:
    return _json({"status": "ok"})


def create_app() -> Starlette:
    dsn = os.environ["BARE_DATABASE_URL"]
    pool_size = int(os.environ.get("BARE_POOL_SIZE", "20"))
    organization = os.environ.get("BARE_ORGANIZATION_ID")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(
            dsn,
            min_size=min(10, pool_size),
            max_size=pool_size,
            server_settings={
                "application_name": "shakti-bench-bare",
                "timezone": "UTC",
                "role": os.environ.get("BARE_DATABASE_ROLE", "shakti_app"),
            },
        )
        app.state.organization_id = UUID(organization) if organization else None
        app.state.cipher = _cipher_from_environment()
        try:
            yield
        finally:
            await app.state.pool.close()

    return Starlette(
        routes=[
            Route("/api/v1/users/{user_id:uuid}", read_user),
            Route("/api/v1/users", list_users),
            Route("/api/v1/cases/{case_id:uuid}", read_case),
            Route("/api/v1/cases", list_cases),
            Route("/health/live", live),
        ],
        lifespan=lifespan,
    )
