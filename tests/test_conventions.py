"""The HTTP conventions every partner tool, dashboard and the offline app rely on, proved by
behaviour: problem+json errors, keyset pages, ETags and If-Match, idempotent creates, unknown
fields refused, request ids and no-store on every answer, health and metrics, and access logs
that never carry personal data."""

from __future__ import annotations

import ast
import asyncio
import base64
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api.app import create_app
from api.deps import UoW
from api.settings import HttpSettings
from domain.common.principal import Role, system_principal
from domain.common.settings import Settings
from domain.geography.schemas import StateCreate
from domain.geography.service import GeographyService
from persistence.database import Database
from persistence.models.enums import OrganizationKind
from tests.factories import DEFAULT_PASSWORD, SOUTH_24, WEST_BENGAL, Actor, Factory

ROOT = Path(__file__).resolve().parents[1]
PROBLEM = "application/problem+json"
BOOM_PATH = "/__test__/boom"
BOOM_WRITE_PATH = "/__test__/boom-after-write"
BOOM_MESSAGE = "secret-marker-6d1f0c"
GENERATED_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
# Rows a refused request must leave alone (audit events and throttle counters are meant to move).
BUSINESS_TABLES = (
    "organization",
    "app_user",
    "integration_client",
    "state",
    "district",
    "block",
    "idempotency_record",
    "auth_session",
)


# -- helpers --------------------------------------------------------------------------------
def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The answer is RFC 9457 problem+json with our fields, the request's id, and no traceback."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM
    body = response.json()
    for name in ("type", "title", "status", "detail", "request_id"):
        assert body.get(name), f"{name} missing from {body}"
    assert body["type"].startswith("urn:shakti-mis:problem:")
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    for leak in ("Traceback", 'File "', ".py", "line "):
        assert leak not in response.text, response.text
    return body


async def row_counts(connection: AsyncConnection) -> dict[str, int]:
    counts = {}
    for table in BUSINESS_TABLES:
        counts[table] = (
            await connection.execute(sa.text(f"SELECT count(*) FROM {table}"))
        ).scalar_one()
    return counts


async def count_where(connection: AsyncConnection, sql: str, **params: Any) -> int:
    return int((await connection.execute(sa.text(sql), params)).scalar_one())


def add_boom_route(app: FastAPI) -> None:
    """A throwaway route that fails the way a bug would."""

    async def boom() -> None:
        raise RuntimeError(BOOM_MESSAGE)

    async def boom_after_write(uow: UoW) -> None:
        await GeographyService(uow).create_state(
            system_principal(), StateCreate(name="Boomland", code="BOOM")
        )
        await uow.session.flush()
        raise RuntimeError(BOOM_MESSAGE)

    app.add_api_route(BOOM_PATH, boom, methods=["GET"])
    app.add_api_route(BOOM_WRITE_PATH, boom_after_write, methods=["POST"])


def org_body(name: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name or f"Org {uuid.uuid4().hex[:8]}", "kind": "partner_ngo", **extra}


@pytest.fixture
async def admin(factory: Factory) -> Actor:
    return await factory.platform_admin()


@pytest.fixture
def boom_app(app: FastAPI) -> Iterator[FastAPI]:
    """``app`` with the throwaway routes, taken out again afterwards (the app is shared)."""
    before = list(app.router.routes)
    add_boom_route(app)
    yield app
    app.router.routes[:] = before
    app.openapi_schema = None


@asynccontextmanager
async def open_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app built in the test (the ``client`` fixture serves ``app``)."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


# -- 1. problem+json for every error --------------------------------------------------------
async def test_400_malformed_cursor(
    client: httpx.AsyncClient, admin: Actor, connection: AsyncConnection
) -> None:
    before = await row_counts(connection)
    for cursor in ("not-a-cursor", "eyJzIjoib3RoZXIiLCJrIjpbXX0", "%%%"):
        response = await client.get(
            "/api/v1/organizations", params={"cursor": cursor}, headers=admin.headers
        )
        body = assert_problem(response, 400)
        assert body["type"].endswith(":bad-request")
    # well-formed cursors whose values do not fit the list's key: 400, not a database error
    some_id = {"u": str(uuid.uuid4())}
    tampered = {
        "/api/v1/organizations": [
            ["a", "not-a-uuid"],
            [{"t": "2026-01-01T00:00:00+00:00"}, some_id],
            [1, 2],
            ["a\u0000b", some_id],
            ["\ud800", some_id],
            [True, some_id],
        ],
        "/api/v1/states": [["a", "b"], [1.5, some_id]],
        "/api/v1/users": [["a", some_id], [{"t": "2026-01-01T00:00:00+00:00"}, "b"]],
        "/api/v1/integration-clients": [[2**70, some_id]],
    }
    for path, keys in tampered.items():
        sort = "created" if path.endswith(("users", "clients")) else "name"
        for key in keys:
            cursor = _cursor({"s": sort, "k": key})
            response = await client.get(path, params={"cursor": cursor}, headers=admin.headers)
            assert_problem(response, 400)
    assert await row_counts(connection) == before


def _cursor(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


async def test_401_without_or_with_a_bad_token(
    client: httpx.AsyncClient, connection: AsyncConnection
) -> None:
    before = await row_counts(connection)
    for headers in ({}, {"Authorization": "Bearer not.a.token"}, {"Authorization": "Basic eDp5"}):
        response = await client.post("/api/v1/organizations", json=org_body(), headers=headers)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert await row_counts(connection) == before


async def test_403_when_the_role_does_not_allow_it(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    worker = await factory.user(await factory.organization(), Role.social_worker)
    before = await row_counts(connection)
    response = await client.post("/api/v1/organizations", json=org_body(), headers=worker.headers)
    assert_problem(response, 403)
    assert await row_counts(connection) == before


async def test_404_unknown_route_and_unknown_record(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    unknown_route = await client.get("/api/v1/nowhere", headers=admin.headers)
    assert_problem(unknown_route, 404)
    missing = uuid.uuid4()
    unknown_record = await client.get(f"/api/v1/organizations/{missing}", headers=admin.headers)
    body = assert_problem(unknown_record, 404)
    assert str(missing) not in body["detail"]


async def test_405_method_not_allowed(
    client: httpx.AsyncClient, admin: Actor, connection: AsyncConnection
) -> None:
    before = await row_counts(connection)
    response = await client.delete("/api/v1/organizations", headers=admin.headers)
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]
    assert await row_counts(connection) == before


async def test_409_duplicate_organisation_name(
    client: httpx.AsyncClient, admin: Actor, connection: AsyncConnection
) -> None:
    first = await client.post(
        "/api/v1/organizations", json=org_body("Sundarban Mahila Samiti"), headers=admin.headers
    )
    assert first.status_code == 201, first.text
    before = await row_counts(connection)
    again = await client.post(
        "/api/v1/organizations", json=org_body("Sundarban Mahila Samiti"), headers=admin.headers
    )
    assert_problem(again, 409)
    assert await row_counts(connection) == before


async def test_412_stale_if_match(
    client: httpx.AsyncClient, admin: Actor, factory: Factory
) -> None:
    organization = await factory.organization("Before Rename")
    url = f"/api/v1/organizations/{organization}"
    changed = await client.patch(
        url, json={"name": "After Rename"}, headers={**admin.headers, "If-Match": '"v1"'}
    )
    assert changed.status_code == 200, changed.text
    stale = await client.patch(
        url, json={"name": "Lost Update"}, headers={**admin.headers, "If-Match": '"v1"'}
    )
    assert_problem(stale, 412)
    now = await client.get(url, headers=admin.headers)
    assert now.json()["name"] == "After Rename"
    assert now.json()["version"] == 2


async def test_413_by_content_length(
    client: httpx.AsyncClient,
    admin: Actor,
    http_settings: HttpSettings,
    connection: AsyncConnection,
) -> None:
    before = await row_counts(connection)
    big = json.dumps(org_body(notes="x" * (http_settings.max_body_bytes + 10))).encode()
    response = await client.post(
        "/api/v1/organizations",
        content=big,
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)
    assert await row_counts(connection) == before


async def test_413_while_streaming_without_content_length(
    client: httpx.AsyncClient,
    admin: Actor,
    http_settings: HttpSettings,
    connection: AsyncConnection,
) -> None:
    before = await row_counts(connection)
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"name": "Streamed Org", "kind": "partner_ngo", "notes": "'
        while sent <= http_settings.max_body_bytes:
            sent += 8192
            yield b"y" * 8192
        yield b'"}'

    response = await client.post(
        "/api/v1/organizations",
        content=chunks(),
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert await row_counts(connection) == before


async def test_415_text_body_on_a_json_endpoint(
    client: httpx.AsyncClient, admin: Actor, connection: AsyncConnection
) -> None:
    before = await row_counts(connection)
    response = await client.post(
        "/api/v1/organizations",
        content=json.dumps(org_body()).encode(),
        headers={**admin.headers, "Content-Type": "text/plain"},
    )
    assert_problem(response, 415)
    # and a JSON body where the OAuth2 endpoint takes a form
    token = await client.post("/api/v1/auth/token", json={"grant_type": "password"})
    assert_problem(token, 415)
    assert await row_counts(connection) == before


async def test_422_unknown_field_and_bad_value_without_echoing_input(
    client: httpx.AsyncClient, admin: Actor, connection: AsyncConnection
) -> None:
    before = await row_counts(connection)
    unknown = await client.post(
        "/api/v1/organizations",
        json=org_body(motto="marker-unknown-field-value"),
        headers=admin.headers,
    )
    assert _refuses(assert_problem(unknown, 422), "motto")
    assert "marker-unknown-field-value" not in unknown.text

    marker = "SurvivorNameMarker"
    name = ((marker + "-") * 20)[:300]
    bad = await client.post("/api/v1/organizations", json=org_body(name), headers=admin.headers)
    body = assert_problem(bad, 422)
    assert marker not in bad.text
    assert ["body", "name"] in [error["loc"] for error in body["errors"]]

    answers = [
        # personal data in values a rule rejects
        await client.post(
            "/api/v1/users",
            json={
                "email": "rupa SurvivorNameMarker at example",
                "full_name": "x" * 201,
                "role": "social_worker",
                "password": "SurvivorNameMarker"[:9],
            },
            headers=admin.headers,
        ),
        # a body that is not even JSON
        await client.post(
            "/api/v1/organizations",
            content=b'{"name": "SurvivorNameMarker',
            headers={**admin.headers, "Content-Type": "application/json"},
        ),
        # a value of the wrong type, an enum outside its values, a broken id in the path
        await client.post(
            "/api/v1/organizations",
            json={"name": ["SurvivorNameMarker"], "kind": "SurvivorNameMarker"},
            headers=admin.headers,
        ),
        await client.get(
            "/api/v1/organizations", params={"kind": "SurvivorNameMarker"}, headers=admin.headers
        ),
        await client.get("/api/v1/users/SurvivorNameMarker", headers=admin.headers),
    ]
    for answer in [bad, *answers]:
        body = assert_problem(answer, 422)
        assert body["errors"]
        for error in body["errors"]:
            assert set(error) == {"loc", "msg", "type"}
        # (instance is the path the caller sent; everything else must not repeat her input)
        body.pop("instance")
        assert marker not in json.dumps(body), answer.text
        assert "x" * 201 not in answer.text
    assert await row_counts(connection) == before


async def test_428_patch_without_if_match(
    client: httpx.AsyncClient, admin: Actor, factory: Factory
) -> None:
    organization = await factory.organization("Unchanged Org")
    url = f"/api/v1/organizations/{organization}"
    response = await client.patch(url, json={"name": "Changed Org"}, headers=admin.headers)
    assert_problem(response, 428)
    after = await client.get(url, headers=admin.headers)
    assert after.json()["name"] == "Unchanged Org"
    assert after.json()["version"] == 1


async def test_429_after_repeated_failed_sign_ins(
    client: httpx.AsyncClient, factory: Factory, settings: Settings, connection: AsyncConnection
) -> None:
    worker = await factory.user(await factory.organization(), Role.social_worker)
    before = await row_counts(connection)
    form = {"grant_type": "password", "username": worker.email, "password": "wrong password!!"}
    for _ in range(settings.login_max_failures_per_account):
        failed = await client.post("/api/v1/auth/token", data=form)
        assert_problem(failed, 400)
        assert failed.json()["error"] == "invalid_grant"
    throttled = await client.post("/api/v1/auth/token", data=form)
    assert_problem(throttled, 429)
    assert int(throttled.headers["retry-after"]) >= 1
    # even the right password waits: the throttle must not confirm a guess
    right = await client.post("/api/v1/auth/token", data={**form, "password": DEFAULT_PASSWORD})
    assert_problem(right, 429)
    assert await row_counts(connection) == before


async def test_500_is_a_bare_problem_with_the_request_id(
    boom_app: FastAPI, client: httpx.AsyncClient, connection: AsyncConnection
) -> None:
    before = await row_counts(connection)
    response = await client.get(BOOM_PATH, headers={"X-Request-ID": "req-boom-0001"})
    body = assert_problem(response, 500)
    # The server's own id (a caller's X-Request-ID is never the request's id).
    assert body["request_id"] == response.headers["x-request-id"] != "req-boom-0001"
    assert BOOM_MESSAGE not in response.text
    assert "RuntimeError" not in response.text
    assert body["type"].endswith(":internal-error")
    # what the request wrote before it failed is rolled back
    wrote = await client.post(BOOM_WRITE_PATH)
    assert_problem(wrote, 500)
    assert BOOM_MESSAGE not in wrote.text
    assert await row_counts(connection) == before
    assert await count_where(connection, "SELECT count(*) FROM state WHERE code = 'BOOM'") == 0


# -- 2. keyset pagination -------------------------------------------------------------------
async def _walk(
    client: httpx.AsyncClient, first_url: str, headers: dict[str, str]
) -> list[list[dict[str, Any]]]:
    """Follow Link rel="next" from the first page to the last; check cursor and Link agree."""
    pages: list[list[dict[str, Any]]] = []
    url: str | None = first_url
    while url is not None:
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        link = response.headers.get("link")
        if body["next_cursor"] is None:
            assert link is None
            url = None
        else:
            match = re.fullmatch(r'<([^>]+)>; rel="next"', link or "")
            assert match, link
            url = match.group(1)
            next_url = httpx.URL(url)
            assert next_url.params["cursor"] == body["next_cursor"]
            assert next_url.params["limit"] == "3"
        assert len(pages) < 10, "pagination does not end"
    return pages


@pytest.fixture
async def seven_organizations(factory: Factory) -> set[str]:
    # service providers: the only ones of their kind in this transaction
    return {
        str(await factory.organization(f"Provider {n}", kind=OrganizationKind.service_provider))
        for n in (5, 2, 7, 1, 6, 3, 4)
    }


@pytest.fixture
async def seven_blocks(client: httpx.AsyncClient, admin: Actor) -> tuple[str, set[str]]:
    district = await client.post(
        "/api/v1/districts",
        json={"state_id": str(WEST_BENGAL), "name": "Paging District"},
        headers=admin.headers,
    )
    assert district.status_code == 201, district.text
    district_id = district.json()["id"]
    ids = set()
    for name in (
        "Gosaba",
        "Basanti",
        "Canning I",
        "Canning II",
        "Joynagar",
        "Kultali",
        "Mathurapur",
    ):
        block = await client.post(
            "/api/v1/blocks", json={"district_id": district_id, "name": name}, headers=admin.headers
        )
        assert block.status_code == 201, block.text
        ids.add(block.json()["id"])
    return district_id, ids


async def test_pages_of_organisations_walk_the_whole_set_once(
    client: httpx.AsyncClient, admin: Actor, seven_organizations: set[str], engine: AsyncEngine
) -> None:
    statements: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", remember)
    try:
        pages = await _walk(
            client, "/api/v1/organizations?kind=service_provider&limit=3", admin.headers
        )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", remember)
    assert [len(page) for page in pages] == [3, 3, 1]
    ids = [item["id"] for page in pages for item in page]
    assert len(ids) == len(set(ids))
    assert set(ids) == seven_organizations
    names = [item["name"] for page in pages for item in page]
    assert names == sorted(names)
    whole = await client.get(
        "/api/v1/organizations?kind=service_provider&limit=200", headers=admin.headers
    )
    assert [item["id"] for item in whole.json()["items"]] == ids
    # the pages were read by keyset, not by skipping rows
    selects = [s for s in statements if "FROM organization" in s]
    assert selects
    assert not any(re.search(r"\bOFFSET\b", s, re.IGNORECASE) for s in statements)


async def test_pages_of_blocks_and_the_total(
    client: httpx.AsyncClient, admin: Actor, seven_blocks: tuple[str, set[str]]
) -> None:
    district_id, expected = seven_blocks
    pages = await _walk(client, f"/api/v1/blocks?district_id={district_id}&limit=3", admin.headers)
    assert [len(page) for page in pages] == [3, 3, 1]
    ids = [item["id"] for page in pages for item in page]
    assert len(ids) == len(set(ids)) == 7
    assert set(ids) == expected

    counted = await client.get(
        "/api/v1/blocks",
        params={"district_id": district_id, "limit": 3, "include_total": "true"},
        headers=admin.headers,
    )
    assert counted.json()["total"] == 7
    assert len(counted.json()["items"]) == 3
    uncounted = await client.get(
        "/api/v1/blocks", params={"district_id": district_id, "limit": 3}, headers=admin.headers
    )
    assert uncounted.json()["total"] is None


async def test_pages_of_users_break_ties_by_id(
    client: httpx.AsyncClient, admin: Actor, factory: Factory
) -> None:
    # accounts made in one transaction can share created_at: the id must break the tie
    organization = await factory.organization()
    expected = {str((await factory.user(organization, Role.analyst)).id) for _ in range(7)}
    pages = await _walk(
        client, f"/api/v1/users?organization_id={organization}&limit=3", admin.headers
    )
    assert [len(page) for page in pages] == [3, 3, 1]
    ids = [item["id"] for page in pages for item in page]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected


async def test_page_size_out_of_range_is_422(client: httpx.AsyncClient, admin: Actor) -> None:
    for limit in ("0", "201", "-1", "many"):
        for collection in ("states", "organizations", "users"):
            response = await client.get(
                f"/api/v1/{collection}", params={"limit": limit}, headers=admin.headers
            )
            body = assert_problem(response, 422)
            assert ["query", "limit"] in [error["loc"] for error in body["errors"]]


async def test_default_and_largest_page_sizes(client: httpx.AsyncClient, admin: Actor) -> None:
    for limit in (None, 1, 200):
        params = {} if limit is None else {"limit": limit}
        response = await client.get("/api/v1/states", params=params, headers=admin.headers)
        assert response.status_code == 200, response.text


def _offset_uses(source: str) -> list[str]:
    """`.offset(...)` calls, and OFFSET clauses in SQL strings (prose in docstrings is fine;
    ``OFFSET 0`` skips nothing, so it is never paging: it is PostgreSQL's fence that keeps a
    subquery from being pulled up into its parent, as the SHG grade's steps use it)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name.lower() == "offset":
                found.append(f"line {node.lineno}: offset() call")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.search(r"\bOFFSET\s+(?!0\b)(\d|:|\$|%|\{|\?)", node.value, re.IGNORECASE):
                found.append(f"line {node.lineno}: OFFSET in SQL text")
    return found


def test_the_offset_detector_finds_offsets() -> None:
    assert _offset_uses("stmt = select(t).offset(10)\n")
    assert _offset_uses("sql = 'SELECT * FROM t LIMIT 5 OFFSET :skip'\n")
    assert not _offset_uses('"""Batches by keyset, no OFFSET."""\n')
    assert _offset_uses("sql = 'SELECT * FROM t LIMIT 5 OFFSET 10'\n")
    assert not _offset_uses("sql = 'FROM (SELECT 1 AS start OFFSET 0) w'\n")


def test_no_offset_anywhere_in_the_code() -> None:
    found = []
    for layer in ("api", "domain", "persistence", "seeds"):
        for path in sorted((ROOT / layer).rglob("*.py")):
            source = path.read_text()
            found += [f"{path.relative_to(ROOT)} {use}" for use in _offset_uses(source)]
            found += [
                f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
                for n, line in enumerate(source.splitlines(), 1)
                if "offset(" in line.lower()
            ]
    assert found == []


# -- 3. ETag and If-Match -------------------------------------------------------------------
async def test_etag_and_if_match_guard_updates(
    client: httpx.AsyncClient, admin: Actor, factory: Factory
) -> None:
    url = f"/api/v1/organizations/{await factory.organization('Shakti Vahini Test')}"
    first = await client.get(url, headers=admin.headers)
    assert first.status_code == 200
    assert first.headers["etag"] == '"v1"'

    changed = await client.patch(
        url,
        json={"name": "Shakti Vahini Renamed"},
        headers={**admin.headers, "If-Match": first.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"v2"'
    assert changed.json()["version"] == 2
    assert (await client.get(url, headers=admin.headers)).headers["etag"] == '"v2"'

    stale = await client.patch(
        url, json={"name": "Overwritten"}, headers={**admin.headers, "If-Match": '"v1"'}
    )
    assert_problem(stale, 412)
    missing = await client.patch(url, json={"name": "Overwritten"}, headers=admin.headers)
    assert_problem(missing, 428)
    for garbage in ("v2", '"2"', "*", '"v2", "v3"', '"vtwo"', ""):
        response = await client.patch(
            url, json={"name": "Overwritten"}, headers={**admin.headers, "If-Match": garbage}
        )
        assert_problem(response, 412)

    after = await client.get(url, headers=admin.headers)
    assert after.json()["name"] == "Shakti Vahini Renamed"
    assert after.headers["etag"] == '"v2"'


async def test_create_answers_etag_and_location(client: httpx.AsyncClient, admin: Actor) -> None:
    created = await client.post("/api/v1/organizations", json=org_body(), headers=admin.headers)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"v1"'
    assert created.headers["location"] == f"/api/v1/organizations/{created.json()['id']}"


# -- 4. idempotent creates ------------------------------------------------------------------
async def test_same_key_and_body_replays_and_creates_once(
    client: httpx.AsyncClient, admin: Actor, connection: AsyncConnection
) -> None:
    headers = {**admin.headers, "Idempotency-Key": "retry-7c1b"}
    body = org_body("Replay Samiti")
    first = await client.post("/api/v1/organizations", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    # the same body with other key order and spacing is the same request
    second = await client.post(
        "/api/v1/organizations",
        content=json.dumps(dict(reversed(list(body.items()))), indent=2).encode(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert second.status_code == 201, second.text
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["etag"] == first.headers["etag"]
    assert (
        await count_where(
            connection, "SELECT count(*) FROM organization WHERE name = :n", n="Replay Samiti"
        )
        == 1
    )

    other = await client.post(
        "/api/v1/organizations", json=org_body("Another Samiti"), headers=headers
    )
    problem = assert_problem(other, 422)
    assert problem["errors"][0]["loc"] == ["body", "Idempotency-Key"]
    assert (
        await count_where(
            connection, "SELECT count(*) FROM organization WHERE name = :n", n="Another Samiti"
        )
        == 0
    )
    # nor does the key replay the organisation on another endpoint
    elsewhere = await client.post(
        "/api/v1/states", json={"name": "Odisha", "code": "OD"}, headers=headers
    )
    assert_problem(elsewhere, 422)
    assert await count_where(connection, "SELECT count(*) FROM state WHERE code = 'OD'") == 0


async def test_keys_belong_to_one_principal(
    client: httpx.AsyncClient, admin: Actor, factory: Factory, connection: AsyncConnection
) -> None:
    other_admin = await factory.platform_admin()
    key = {"Idempotency-Key": "shared-key-1"}
    mine = await client.post(
        "/api/v1/states", json={"name": "Odisha", "code": "OD"}, headers={**admin.headers, **key}
    )
    theirs = await client.post(
        "/api/v1/states",
        json={"name": "Jharkhand", "code": "JH"},
        headers={**other_admin.headers, **key},
    )
    assert mine.status_code == theirs.status_code == 201, theirs.text
    assert "idempotent-replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]
    assert (
        await count_where(connection, "SELECT count(*) FROM state WHERE code IN ('OD', 'JH')") == 2
    )
    assert (
        await count_where(
            connection, "SELECT count(*) FROM idempotency_record WHERE key = 'shared-key-1'"
        )
        == 2
    )


async def test_a_client_chosen_id_is_honoured(
    client: httpx.AsyncClient, admin: Actor, connection: AsyncConnection
) -> None:
    chosen = uuid.uuid4()
    created = await client.post(
        "/api/v1/organizations",
        json=org_body(id=str(chosen)),
        headers={**admin.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.text
    assert created.json()["id"] == str(chosen)
    assert created.headers["location"] == f"/api/v1/organizations/{chosen}"
    read = await client.get(f"/api/v1/organizations/{chosen}", headers=admin.headers)
    assert read.status_code == 200
    assert (
        await count_where(connection, "SELECT count(*) FROM organization WHERE id = :i", i=chosen)
        == 1
    )
    # an offline device that re-sends the record under a new key is told it exists
    before = await row_counts(connection)
    again = await client.post(
        "/api/v1/organizations", json=org_body(id=str(chosen)), headers=admin.headers
    )
    assert_problem(again, 409)
    assert await row_counts(connection) == before


async def test_replay_of_an_integration_client_withholds_the_secret(
    client: httpx.AsyncClient, admin: Actor, factory: Factory, connection: AsyncConnection
) -> None:
    organization = await factory.organization()
    headers = {**admin.headers, "Idempotency-Key": "client-create-1"}
    body = {
        "name": "Referral inbox",
        "organization_id": str(organization),
        "role": "analyst",
        "scopes": ["metrics:read"],
    }
    first = await client.post("/api/v1/integration-clients", json=body, headers=headers)
    assert first.status_code == 201, first.text
    secret = first.json()["client_secret"]
    assert secret

    replay = await client.post("/api/v1/integration-clients", json=body, headers=headers)
    assert replay.status_code == 201, replay.text
    assert replay.headers["idempotent-replayed"] == "true"
    assert "client_secret" not in replay.json()
    assert secret not in replay.text
    expected = {k: v for k, v in first.json().items() if k != "client_secret"}
    assert replay.json() == expected

    stored = (
        await connection.execute(
            sa.text(
                "SELECT response_body, response_headers FROM idempotency_record "
                "WHERE key = 'client-create-1'"
            )
        )
    ).one()
    assert secret.encode() not in bytes(stored.response_body)
    assert b"client_secret" not in bytes(stored.response_body)
    assert secret not in json.dumps(stored.response_headers)
    assert (
        await count_where(
            connection,
            "SELECT count(*) FROM integration_client WHERE organization_id = :o",
            o=organization,
        )
        == 1
    )


async def test_a_concurrent_duplicate_is_409(settings: Settings, committed_db: Database) -> None:
    app = create_app(settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    admin = await factory.platform_admin()
    key = "concurrent-key-1"
    body = org_body("Concurrent Samiti")
    async with open_client(app) as client:
        async with committed_db.engine.connect() as holder:
            await holder.execute(
                sa.text("SELECT pg_advisory_lock(hashtextextended(:k, 0))"),
                {"k": f"idem:{admin.id}:{key}"},
            )
            await holder.commit()
            duplicate = await client.post(
                "/api/v1/organizations",
                json=body,
                headers={**admin.headers, "Idempotency-Key": key},
            )
            assert_problem(duplicate, 409)
            assert (
                await count_where(
                    holder, "SELECT count(*) FROM organization WHERE name = 'Concurrent Samiti'"
                )
                == 0
            )
            await holder.execute(
                sa.text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"),
                {"k": f"idem:{admin.id}:{key}"},
            )
            await holder.commit()

        # once the first request is done, the key works (and is then replayed)
        first = await client.post(
            "/api/v1/organizations", json=body, headers={**admin.headers, "Idempotency-Key": key}
        )
        assert first.status_code == 201, first.text
        replay = await client.post(
            "/api/v1/organizations", json=body, headers={**admin.headers, "Idempotency-Key": key}
        )
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json() == first.json()

        # two at once: one creates, the other replays it or is told to wait; never two rows
        racing = org_body("Racing Samiti")
        answers = await asyncio.gather(
            *(
                client.post(
                    "/api/v1/organizations",
                    json=racing,
                    headers={**admin.headers, "Idempotency-Key": "race-key"},
                )
                for _ in range(4)
            )
        )
        assert {a.status_code for a in answers} <= {201, 409}
        for answer in answers:
            if answer.status_code == 409:
                assert_problem(answer, 409)
        assert (
            sum(
                1
                for a in answers
                if a.status_code == 201 and "idempotent-replayed" not in a.headers
            )
            == 1
        )
        async with committed_db.engine.connect() as reader:
            assert (
                await count_where(
                    reader, "SELECT count(*) FROM organization WHERE name = 'Racing Samiti'"
                )
                == 1
            )


# -- 5. unknown fields are refused on every create and update --------------------------------
Target = tuple[str, dict[str, Any], str, dict[str, Any]]
"""collection, a valid create body, the id of an existing record, a valid change to it"""


async def _organization(http: httpx.AsyncClient, f: Factory, a: Actor) -> Target:
    return "organizations", org_body(), str(await f.organization()), {"name": "Renamed Org"}


async def _user(http: httpx.AsyncClient, f: Factory, a: Actor) -> Target:
    org = await f.organization()
    body = {
        "email": f"new.{uuid.uuid4().hex[:6]}@example.org",
        "full_name": "New Person",
        "role": "social_worker",
        "organization_id": str(org),
        "password": DEFAULT_PASSWORD,
    }
    existing = await f.user(org, Role.social_worker)
    return "users", body, str(existing.id), {"full_name": "Renamed Person"}


async def _integration_client(http: httpx.AsyncClient, f: Factory, a: Actor) -> Target:
    org = await f.organization()
    body = {
        "name": "Dashboard",
        "organization_id": str(org),
        "role": "analyst",
        "scopes": ["metrics:read"],
    }
    existing = await f.integration_client(org, Role.analyst, [])
    return "integration-clients", body, str(existing.id), {"name": "Renamed Client"}


async def _state(http: httpx.AsyncClient, f: Factory, a: Actor) -> Target:
    return "states", {"name": "Odisha", "code": "OD"}, str(WEST_BENGAL), {"name": "Bengal"}


async def _district(http: httpx.AsyncClient, f: Factory, a: Actor) -> Target:
    body = {"state_id": str(WEST_BENGAL), "name": "New District"}
    return "districts", body, str(SOUTH_24), {"name": "Renamed District"}


async def _block(http: httpx.AsyncClient, f: Factory, a: Actor) -> Target:
    existing = await http.post(
        "/api/v1/blocks", json={"district_id": str(SOUTH_24), "name": "Gosaba"}, headers=a.headers
    )
    assert existing.status_code == 201, existing.text
    body = {"district_id": str(SOUTH_24), "name": "Basanti"}
    return "blocks", body, existing.json()["id"], {"name": "Renamed Block"}


TARGETS: dict[str, Callable[[httpx.AsyncClient, Factory, Actor], Awaitable[Target]]] = {
    "organizations": _organization,
    "users": _user,
    "integration-clients": _integration_client,
    "states": _state,
    "districts": _district,
    "blocks": _block,
}


def _refuses(problem: dict[str, Any], field: str) -> bool:
    return any(
        error["loc"] == ["body", field] and error["type"] == "extra_forbidden"
        for error in problem["errors"]
    )


@pytest.mark.parametrize("resource", sorted(TARGETS))
async def test_unknown_fields_are_refused_on_create(
    client: httpx.AsyncClient,
    factory: Factory,
    admin: Actor,
    connection: AsyncConnection,
    resource: str,
) -> None:
    collection, body, _, _ = await TARGETS[resource](client, factory, admin)
    before = await row_counts(connection)
    response = await client.post(
        f"/api/v1/{collection}", json={**body, "is_admin": True}, headers=admin.headers
    )
    assert _refuses(assert_problem(response, 422), "is_admin")
    assert await row_counts(connection) == before
    # the body was valid but for the stray field
    valid = await client.post(f"/api/v1/{collection}", json=body, headers=admin.headers)
    assert valid.status_code == 201, valid.text


@pytest.mark.parametrize("resource", sorted(TARGETS))
async def test_unknown_fields_are_refused_on_update(
    client: httpx.AsyncClient, factory: Factory, admin: Actor, resource: str
) -> None:
    collection, _, record_id, change = await TARGETS[resource](client, factory, admin)
    url = f"/api/v1/{collection}/{record_id}"
    current = await client.get(url, headers=admin.headers)
    assert current.status_code == 200, current.text
    etag = {**admin.headers, "If-Match": current.headers["etag"]}
    response = await client.patch(url, json={**change, "version": 99}, headers=etag)
    assert _refuses(assert_problem(response, 422), "version")
    after = await client.get(url, headers=admin.headers)
    assert after.json() == current.json()
    assert after.headers["etag"] == current.headers["etag"]
    # the change was valid but for the stray field
    valid = await client.patch(url, json=change, headers=etag)
    assert valid.status_code == 200, valid.text


# -- 6. request id, no-store and security headers on every answer ---------------------------
async def test_every_answer_carries_request_id_and_no_store(
    boom_app: FastAPI, client: httpx.AsyncClient, admin: Actor, http_settings: HttpSettings
) -> None:
    json_headers = {**admin.headers, "Content-Type": "application/json"}
    too_big = b"[" + b"1," * http_settings.max_body_bytes + b"1]"

    async def streamed() -> AsyncIterator[bytes]:
        for start in range(0, len(too_big), 4096):
            yield too_big[start : start + 4096]

    answers = [
        (200, await client.get("/api/v1/organizations", headers=admin.headers)),
        (200, await client.get("/health/live")),
        (401, await client.get("/api/v1/organizations")),
        (404, await client.get("/api/v1/nowhere")),
        (405, await client.delete("/api/v1/organizations", headers=admin.headers)),
        (413, await client.post("/api/v1/organizations", headers=json_headers, content=too_big)),
        (413, await client.post("/api/v1/organizations", headers=json_headers, content=streamed())),
        (
            415,
            await client.post(
                "/api/v1/organizations",
                content=b"name=x",
                headers={**admin.headers, "Content-Type": "text/plain"},
            ),
        ),
        (422, await client.post("/api/v1/organizations", json={}, headers=admin.headers)),
        (500, await client.get(BOOM_PATH)),
    ]
    seen = set()
    for status, response in answers:
        assert response.status_code == status, response.text
        request_id = response.headers.get("x-request-id", "")
        assert GENERATED_REQUEST_ID.match(request_id), (status, request_id)
        seen.add(request_id)
        assert response.headers["cache-control"] == "no-store", status
        assert response.headers["x-content-type-options"] == "nosniff", status
        assert response.headers["x-frame-options"] == "DENY", status
        if status >= 400:
            assert response.json()["request_id"] == request_id
    assert len(seen) == len(answers), "request ids must be unique"


async def test_a_callers_request_id_is_never_the_answers(
    boom_app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The request id is generated here, whatever the caller sends (a well-formed caller id is
    kept apart, as caller_request_id: tests/test_audit.py)."""
    for request_id in ("abc12345", "req-2026.11.29_0001", "A" * 64, str(uuid.uuid4())):
        for path in ("/health/live", "/api/v1/organizations", BOOM_PATH):
            response = await client.get(path, headers={"X-Request-ID": request_id})
            assert GENERATED_REQUEST_ID.match(response.headers["x-request-id"]), request_id
            if response.status_code >= 400:
                assert response.json()["request_id"] == response.headers["x-request-id"]
            assert request_id not in response.text


async def test_an_invalid_request_id_is_replaced(
    boom_app: FastAPI, client: httpx.AsyncClient
) -> None:
    invalid = [
        "has spaces in it",
        "x" * 200,
        "short",
        "semi;colon-1234",
        "ünïcode-12345",
        "A" * 65,
        "line\tbreak-1234",
        "",
    ]
    for request_id in invalid:
        for path, status in (("/api/v1/organizations", 401), (BOOM_PATH, 500)):
            response = await client.get(path, headers={"X-Request-ID": request_id.encode()})
            assert_problem(response, status)
            assert GENERATED_REQUEST_ID.match(response.headers["x-request-id"]), request_id
            if request_id:
                assert request_id not in response.text


# -- 7. health and metrics ------------------------------------------------------------------
async def test_live_and_ready(client: httpx.AsyncClient) -> None:
    live = await client.get("/health/live")
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok"}


async def test_not_ready_when_the_database_cannot_be_reached(settings: Settings) -> None:
    unreachable = Database.connect("postgresql://nobody@127.0.0.1:1/x")
    try:
        app = create_app(settings, database=unreachable)
        async with open_client(app) as client:
            live = await client.get("/health/live")
            assert live.status_code == 200
            ready = await client.get("/health/ready")
            body = assert_problem(ready, 503)
            assert "nobody" not in ready.text
            assert "127.0.0.1" not in ready.text
            assert body["type"].endswith(":not-ready")
    finally:
        await unreachable.dispose()


async def test_metrics_need_a_token_and_the_policy(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    assert_problem(await client.get("/metrics"), 401)
    worker = await factory.user(await factory.organization(), Role.social_worker)
    assert_problem(await client.get("/metrics", headers=worker.headers), 403)


async def test_metrics_by_route_template_never_raw_ids(
    client: httpx.AsyncClient, factory: Factory, admin: Actor
) -> None:
    organization = await factory.organization()
    person = await factory.user(organization, Role.social_worker)
    read = await client.get(f"/api/v1/users/{person.id}", headers=admin.headers)
    assert read.status_code == 200
    missing = await client.get(f"/api/v1/users/{uuid.uuid4()}", headers=admin.headers)
    assert missing.status_code == 404
    await client.get(f"/api/v1/no/such/{person.id}")

    scraped = await client.get("/metrics", headers=admin.headers)
    assert scraped.status_code == 200, scraped.text
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert re.search(
        r'^shakti_http_requests_total\{method="GET",route="/api/v1/users/\{user_id\}",'
        r'status="200"\} [1-9]',
        text,
        re.MULTILINE,
    ), text
    assert 'route="/api/v1/users/{user_id}",status="404"' in text
    assert "shakti_http_request_duration_seconds_bucket{" in text
    assert str(person.id) not in text
    assert str(organization) not in text
    assert re.search(r"^shakti_db_pool_size\{pid=\"\d+\"\} \d", text, re.MULTILINE), text
    assert "shakti_db_pool_checked_out" in text

    # a monitoring client (analyst with the metrics:read scope) may scrape too
    monitor = await factory.integration_client(organization, Role.analyst, ["metrics:read"])
    assert (await client.get("/metrics", headers=monitor.headers)).status_code == 200


# -- 8. logs: request id and route template, never personal data ----------------------------
async def test_access_logs_carry_request_id_and_route_but_no_personal_data(
    settings: Settings, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        # Built here, so its JSON handler writes to the stderr that capsys captures.
        app = create_app(settings, database=database)
        add_boom_route(app)
        factory = Factory(app.state.container, database)
        admin = await factory.platform_admin()
        organization = await factory.organization()
        email = "chandrima.logcheck@example.org"
        name = "Chandrima Logcheck Mondal"
        capsys.readouterr()

        sent: list[tuple[httpx.Response, str]] = []
        async with open_client(app) as client:
            created = await client.post(
                "/api/v1/users",
                json={
                    "email": email,
                    "full_name": name,
                    "role": "social_worker",
                    "organization_id": str(organization),
                    "password": DEFAULT_PASSWORD,
                },
                headers=admin.headers,
            )
            assert created.status_code == 201, created.text
            sent.append((created, "/api/v1/users"))
            user_id = created.json()["id"]
            read = await client.get(f"/api/v1/users/{user_id}?email={email}", headers=admin.headers)
            assert read.status_code == 200
            sent.append((read, "/api/v1/users/{user_id}"))
            duplicate = await client.post(
                "/api/v1/users",
                json={
                    "email": email,
                    "full_name": name,
                    "role": "social_worker",
                    "organization_id": str(organization),
                    "password": DEFAULT_PASSWORD,
                },
                headers=admin.headers,
            )
            assert duplicate.status_code in (409, 422), duplicate.text
            sent.append((duplicate, "/api/v1/users"))
            boom = await client.get(BOOM_PATH, headers={"X-Request-ID": "req-log-boom-1"})
            assert boom.status_code == 500
            sent.append((boom, BOOM_PATH))
            signin = await client.post(
                "/api/v1/auth/token",
                data={"grant_type": "password", "username": email, "password": "wrong one!!"},
            )
            assert signin.status_code == 400
            sent.append((signin, "/api/v1/auth/token"))
        output = capsys.readouterr().err
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)

    # Every line is JSON. The test's own HTTP client (httpx) logs the URLs it calls; it is not
    # the app, so its lines are left out.
    parsed = [(raw, json.loads(raw)) for raw in output.splitlines() if raw.strip()]
    kept = [(raw, line) for raw, line in parsed if not line["logger"].startswith("httpx")]
    output = "\n".join(raw for raw, _ in kept)
    lines = [line for _, line in kept]
    access = [line for line in lines if line.get("logger") == "shakti.access"]
    assert len(access) == len(sent), output
    for line, (response, route) in zip(access, sent, strict=True):
        assert line["request_id"] == response.headers["x-request-id"]
        assert line["route"] == route
        assert line["status"] == response.status_code
        assert line["event"] == "request"
    for line in access:
        assert line["request_id"]
        assert "route" in line
    errors = [line for line in lines if line.get("logger") == "shakti.error"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == sent[3][0].headers["x-request-id"]
    assert errors[0]["caller_request_id"] == "req-log-boom-1"
    assert errors[0]["error_type"] == "builtins.RuntimeError"
    assert errors[0]["route"] == BOOM_PATH
    for forbidden in (
        email,
        name,
        f"/api/v1/users/{user_id}",
        user_id,
        BOOM_MESSAGE,
        DEFAULT_PASSWORD,
        "wrong one!!",
        "Chandrima",
        "logcheck",
    ):
        assert forbidden.lower() not in output.lower(), forbidden
