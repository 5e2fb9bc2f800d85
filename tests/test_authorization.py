"""Authorization as a matrix: who may reach what, and what a record outside one's scope says.

1. Every route is either on the public allow-list or declares a policy; every protected route
   answers 401 without a token and 403/404 (never 2xx) to a role or client its policy does not
   admit.
2. A table of actors x actions with the exact status of each cell; foreign records answer 404
   exactly like records that do not exist, and lists never show another organisation's records.
3. Unknown body fields cannot set protected attributes.
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.openapi import route_policy
from api.route_table import api_routes
from domain.common.principal import Role
from domain.identity.tokens import TokenSubject
from tests.factories import NORTH_24, SOUTH_24, Actor, Factory
from tests.helpers import without_request
from tests.test_shgs import Group, add_member, create_group, day, internal_loan, sheet

API = "/api/v1"
PROBLEM = "application/problem+json"

# Reachable without a token; every other route must declare a PolicyDependency.
PUBLIC = frozenset(
    {
        "/",
        "/api/v1/auth/token",
        "/health/live",
        "/health/ready",
        "/docs",
        "/redoc",
        "/openapi.json",
    }
)
FORM_PATHS = frozenset({"/api/v1/auth/revoke"})
_PARAM = re.compile(r"\{[^}]+\}")


# -- helpers ------------------------------------------------------------------------------


def fill(path: str) -> str:
    """The path with each parameter replaced by a random UUID."""
    return _PARAM.sub(lambda _: str(uuid.uuid4()), path)


async def send(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """Call ``path`` with the smallest body its media type allows (none for GET)."""
    kwargs: dict[str, Any] = {"headers": headers or {}}
    if method in {"POST", "PUT", "PATCH"}:
        if path in FORM_PATHS:
            kwargs["data"] = {"token_type_hint": "refresh_token"}
        else:
            kwargs["json"] = {}
    return await client.request(method, path, **kwargs)


def is_problem(response: httpx.Response, status: int) -> bool:
    return (
        response.status_code == status
        and response.headers.get("content-type", "").startswith(PROBLEM)
        and response.json().get("status") == status
    )


def protected_routes(app: Any) -> list[tuple[str, str, Any]]:
    """(method, path template, policy) of every route that is not public."""
    found = []
    for entry in api_routes(app.routes):
        if entry.path in PUBLIC:
            continue
        for method in sorted(entry.methods):
            found.append((method, entry.path, route_policy(entry.route)))
    return found


def ids_of(response: httpx.Response) -> set[str]:
    return {item["id"] for item in response.json()["items"]}


# -- 1. the route walk --------------------------------------------------------------------


def test_every_route_is_public_or_declares_a_policy(app: Any) -> None:
    unguarded = [
        entry.path
        for entry in api_routes(app.routes)
        if entry.path not in PUBLIC and route_policy(entry.route) is None
    ]
    assert unguarded == [], f"routes without a policy and not on the allow-list: {unguarded}"
    # The walk really sees the routes (a broken route table would make the check vacuous).
    paths = {entry.path for entry in api_routes(app.routes)}
    assert {f"{API}/users/{{user_id}}", f"{API}/audit-events", "/metrics"} <= paths
    # The allow-list names only what exists (docs pages are plain routes, not APIRoutes).
    served = paths | {getattr(route, "path", None) for route in app.routes}
    assert served >= PUBLIC, f"allow-listed but not served: {PUBLIC - served}"


async def test_public_routes_answer_without_a_token(client: httpx.AsyncClient) -> None:
    for path in ("/", "/health/live", "/health/ready", "/openapi.json", "/docs", "/redoc"):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    assert "paths" in (await client.get("/openapi.json")).json()
    # The token endpoint is reachable: it judges the credentials (400), not a bearer token.
    token = await client.post(
        f"{API}/auth/token",
        data={"grant_type": "password", "username": "nobody@example.org", "password": "x" * 12},
    )
    assert token.status_code == 400, token.text
    assert token.json()["error"] == "invalid_grant"


async def test_every_protected_route_answers_401_without_a_valid_token(
    app: Any, client: httpx.AsyncClient
) -> None:
    routes = protected_routes(app)
    assert len(routes) > 30
    wrong: list[str] = []
    for method, template, _ in routes:
        path = fill(template)
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            response = await send(client, method, path, headers)
            if not is_problem(response, 401):
                wrong.append(f"{method} {template} {headers}: {response.status_code}")
            elif "WWW-Authenticate" not in response.headers:
                wrong.append(f"{method} {template}: 401 without WWW-Authenticate")
    assert wrong == [], "\n".join(wrong)


async def test_every_protected_route_refuses_roles_and_clients_its_policy_does_not_admit(
    app: Any, client: httpx.AsyncClient, factory: Factory
) -> None:
    organization = await factory.organization()
    people = {role: await factory.user(organization, role) for role in Role}
    clients: dict[Role, Actor] = {}
    checked = 0
    wrong: list[str] = []
    for method, template, rule in protected_routes(app):
        if rule.any_authenticated:
            continue
        path = fill(template)
        callers = [(role.value, people[role]) for role in Role if role not in rule.roles]
        # A client holding an admitted role but not the policy's scope is refused too.
        grantable = sorted(r for r in rule.roles if r is not Role.platform_admin)
        if grantable:
            role = grantable[0]
            if role not in clients:
                clients[role] = await factory.integration_client(organization, role, scopes=[])
            callers.append((f"client:{role.value} without scope", clients[role]))
        assert callers, f"{method} {template}: no caller outside policy {rule.name}"
        for who, actor in callers:
            response = await send(client, method, path, actor.headers)
            checked += 1
            if response.status_code not in (403, 404) or not is_problem(
                response, response.status_code
            ):
                wrong.append(f"{method} {template} as {who}: {response.status_code}")
    assert checked > 50
    assert wrong == [], "\n".join(wrong)


# -- 2. the matrix ------------------------------------------------------------------------


# The cast: (organisation, role, districts, scopes of an integration client or None for a
# person). "lead" is the platform admin's own organisation.
ACTORS: dict[str, tuple[str, Role, tuple[UUID, ...], list[str] | None]] = {
    "admin": ("lead", Role.platform_admin, (), None),
    "pm_a": ("A", Role.program_manager, (), None),
    "sw_a_south24": ("A", Role.social_worker, (SOUTH_24,), None),
    "sw_a_north24": ("A", Role.social_worker, (NORTH_24,), None),
    "pm_b": ("B", Role.program_manager, (), None),
    "partner_b": ("B", Role.partner_staff, (), None),
    "analyst_a": ("A", Role.analyst, (), None),
    "leader_a": ("A", Role.survivor_leader, (), None),
    "auditor_a": ("A", Role.auditor, (), None),
    "client_b": ("B", Role.partner_staff, (), ["organizations:read"]),
    "client_a": ("A", Role.program_manager, (), ["users:read"]),
    "disabled_a": ("A", Role.program_manager, (), None),  # disabled by the admin, see below
}


class World:
    """Organisations A and B, a member of each whose account the tests read and change, and
    the actors of ACTORS, each created when first asked for (so a test pays for its cast)."""

    def __init__(self, factory: Factory, client: httpx.AsyncClient) -> None:
        self.factory = factory
        self.client = client
        self.actors: dict[str, Actor] = {}

    async def setup(self) -> World:
        self.org_a = await self.factory.organization("Org A")
        self.org_b = await self.factory.organization("Org B")
        self.orgs = {"A": self.org_a, "B": self.org_b}
        self.admin = await self.actor("admin")
        self.member_a = await self.factory.user(
            self.org_a, Role.social_worker, districts=(SOUTH_24,)
        )
        self.member_b = await self.factory.user(self.org_b, Role.partner_staff)
        # A's partner system, whose referral inbox A's program manager grants and revokes.
        self.inbox_a = await self.factory.integration_client(
            self.org_a, Role.partner_staff, ["referrals:read"]
        )
        return self

    async def actor(self, name: str) -> Actor:
        if name in self.actors:
            return self.actors[name]
        org_key, role, districts, scopes = ACTORS[name]
        if org_key == "lead":
            actor = await self.factory.platform_admin()
        elif scopes is not None:
            actor = await self.factory.integration_client(self.orgs[org_key], role, scopes)
        else:
            actor = await self.factory.user(self.orgs[org_key], role, districts=districts)
        if name == "disabled_a":
            # Her token was minted before the admin disabled her: it must stop working at once.
            disabled = await self.client.post(
                f"{API}/users/{actor.id}/disable", headers=self.admin.headers
            )
            assert disabled.status_code == 200, disabled.text
        self.actors[name] = actor
        return actor

    async def everyone(self) -> dict[str, Actor]:
        for name in ACTORS:
            await self.actor(name)
        return self.actors

    async def ids(self) -> dict[str, str]:
        return {
            "org_a": str(self.org_a),
            "org_b": str(self.org_b),
            "member_a": str(self.member_a.id),
            "member_b": str(self.member_b.id),
            "client_a": str((await self.actor("client_a")).id),
            "inbox_a": str(self.inbox_a.id),
        }


@pytest.fixture
async def world(client: httpx.AsyncClient, factory: Factory) -> World:
    return await World(factory, client).setup()


@dataclass(frozen=True)
class Action:
    method: str
    path: str  # {org_a}, {org_b}, {member_a}, {member_b}, {client_a}, {inbox_a}: the world's
    json: dict[str, Any] | None = None
    if_match_of: str | None = None  # member whose current ETag goes into If-Match


ACTIONS = {
    "org:A": Action("GET", "/organizations/{org_a}"),
    "org:B": Action("GET", "/organizations/{org_b}"),
    "orgs": Action("GET", "/organizations?limit=200"),
    "usr:A": Action("GET", "/users/{member_a}"),
    "usr:B": Action("GET", "/users/{member_b}"),
    "users": Action("GET", "/users?limit=200"),
    "upd:A": Action(
        "PATCH", "/users/{member_a}", json={"full_name": "Renamed"}, if_match_of="member_a"
    ),
    "upd:B": Action(
        "PATCH", "/users/{member_b}", json={"full_name": "Renamed"}, if_match_of="member_b"
    ),
    "dis:A": Action("POST", "/users/{member_a}/disable"),
    "dis:B": Action("POST", "/users/{member_b}/disable"),
    "cli": Action("GET", "/integration-clients/{client_a}"),
    "clis": Action("GET", "/integration-clients?limit=200"),
    "audit": Action("GET", "/audit-events?limit=200"),
    "me": Action("GET", "/me"),
    "inb+": Action("POST", "/integration-clients/{inbox_a}/inbox"),
    "inb-": Action("DELETE", "/integration-clients/{inbox_a}/inbox"),
}

# Who may reach what. A and B are the organisations; usr:A / usr:B read the account of a member
# of A (social worker) / of B (partner staff), upd: patches it with If-Match, dis: disables it;
# cli reads the integration client of A, clis lists clients; inb+ grants A's partner system
# the referral inbox, inb- revokes it (a program manager of A only: never the platform admin,
# never a client). Cells run left to right (the disables after the updates). 404 = outside the
# caller's scope, answered as if absent.
MATRIX = """
actor        org:A org:B orgs usr:A usr:B users upd:A upd:B dis:A dis:B cli clis audit  me inb+ inb-
admin          200   200  200   200   200   200   200   200   200   200 200  200   200 200  403  403
pm_a           200   404  200   200   404   200   200   404   200   404 403  403   403 200  200  200
sw_a_south24   200   404  200   403   403   403   403   403   403   403 403  403   403 200  403  403
sw_a_north24   200   404  200   403   403   403   403   403   403   403 403  403   403 200  403  403
pm_b           404   200  200   404   200   200   404   200   404   200 403  403   403 200  404  404
partner_b      404   200  200   403   403   403   403   403   403   403 403  403   403 200  403  403
analyst_a      200   404  200   403   403   403   403   403   403   403 403  403   403 200  403  403
leader_a       200   404  200   403   403   403   403   403   403   403 403  403   403 200  403  403
auditor_a      200   404  200   403   403   403   403   403   403   403 403  403   200 200  403  403
client_b       404   200  200   403   403   403   403   403   403   403 403  403   403 200  403  403
client_a       403   403  403   200   404   200   403   403   403   403 403  403   403 200  403  403
disabled_a     401   401  401   401   401   401   401   401   401   401 401  401   401 401  401  401
"""


def parse_matrix(text: str) -> list[tuple[str, dict[str, int]]]:
    lines = [line.split() for line in text.strip().splitlines()]
    header, rows = lines[0][1:], lines[1:]
    assert header == list(ACTIONS), "the matrix columns must be the actions, in order"
    parsed = []
    for row in rows:
        assert len(row) == len(header) + 1, row
        parsed.append((row[0], dict(zip(header, map(int, row[1:]), strict=True))))
    return parsed


ROWS = parse_matrix(MATRIX)


async def current_etag(client: httpx.AsyncClient, world: World, member: str) -> str:
    response = await client.get(
        f"{API}/users/{(await world.ids())[member]}", headers=world.admin.headers
    )
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def check_listing(name: str, column: str, response: httpx.Response, world: World) -> list[str]:
    """What a 200 list shows: everything for the platform admin, one's own organisation for
    everyone else; never a record of another organisation."""
    actor = world.actors[name]
    items = response.json()["items"]
    own = str(actor.organization_id)
    problems: list[str] = []
    if column == "orgs":
        ids = {item["id"] for item in items}
        if name == "admin":
            if not {str(world.org_a), str(world.org_b)} <= ids:
                problems.append("orgs: the admin does not see A and B")
        elif ids != {own}:
            problems.append(f"orgs: expected only the caller's own organisation, got {ids}")
    elif column in {"users", "audit"}:
        orgs = {item["organization_id"] for item in items}
        if name == "admin":
            if column == "users" and not {
                str(world.member_a.id),
                str(world.member_b.id),
            } <= {item["id"] for item in items}:
                problems.append("users: the admin does not see members of A and B")
        elif orgs - {own}:
            problems.append(f"{column}: shows records of other organisations {orgs - {own}}")
        if column == "users" and name != "admin":
            member = world.member_a if actor.organization_id == world.org_a else world.member_b
            if str(member.id) not in {item["id"] for item in items}:
                problems.append("users: the caller's own organisation's member is missing")
        if column == "audit" and not items:
            problems.append("audit: no events at all")
    elif column == "clis":
        if str(world.actors["client_a"].id) not in {item["id"] for item in items}:
            problems.append("clis: the client of A is missing")
    return problems


@pytest.mark.parametrize(("name", "expected"), ROWS, ids=[name for name, _ in ROWS])
async def test_matrix(
    name: str, expected: dict[str, int], client: httpx.AsyncClient, world: World
) -> None:
    actor = await world.actor(name)
    ids = await world.ids()
    wrong: list[str] = []
    for column, want in expected.items():
        action = ACTIONS[column]
        headers = dict(actor.headers)
        if action.if_match_of:
            headers["If-Match"] = await current_etag(client, world, action.if_match_of)
        path = API + action.path.format(**ids)
        response = await client.request(action.method, path, headers=headers, json=action.json)
        got = response.status_code
        if got != want:
            wrong.append(f"{column}: expected {want}, got {got} {response.text[:200]}")
            continue
        if got >= 400:
            if not is_problem(response, got):
                wrong.append(f"{column}: {got} is not problem+json")
            elif got == 404:
                # A foreign record answers exactly as a record that does not exist.
                missing = (
                    API
                    + action.path.format(**{key: str(uuid.uuid4()) for key in ids}).split("?")[0]
                )
                twin = await client.request(
                    action.method, missing, headers=headers, json=action.json
                )
                if twin.status_code != 404 or without_request(twin.json()) != without_request(
                    response.json()
                ):
                    wrong.append(f"{column}: the 404 differs from a missing record's 404")
                if any(value in str(without_request(response.json())) for value in ids.values()):
                    wrong.append(f"{column}: the 404 names a record id")
            continue
        if column in {"orgs", "users", "audit", "clis"}:
            wrong.extend(check_listing(name, column, response, world))
        elif column.startswith("upd:"):
            if response.json()["full_name"] != "Renamed":
                wrong.append(f"{column}: the change was not applied")
        elif column.startswith("dis:"):
            if response.json()["disabled"] is not True:
                wrong.append(f"{column}: the account is not disabled")
        elif column == "me":
            if response.json()["id"] != str(actor.id):
                wrong.append("me: answers someone else")
        elif column == "inb+":
            if response.json()["inbox_granted_by"] != str(actor.id):
                wrong.append("inb+: the inbox was not granted in her name")
        elif column == "inb-":
            if response.json()["inbox_granted_by"] is not None:
                wrong.append("inb-: the inbox was not revoked")
    assert wrong == [], f"{name}:\n" + "\n".join(wrong)


# -- 2b. no leak through lists and filters ------------------------------------------------


async def test_manager_of_b_never_sees_users_of_a(client: httpx.AsyncClient, world: World) -> None:
    everyone = await world.everyone()
    pm_b = everyone["pm_b"]
    users_of_a = {
        str(actor.id) for actor in everyone.values() if actor.organization_id == world.org_a
    } | {str(world.member_a.id)}

    listing = await client.get(f"{API}/users?limit=200", headers=pm_b.headers)
    assert listing.status_code == 200, listing.text
    assert ids_of(listing) & users_of_a == set()
    assert str(world.member_b.id) in ids_of(listing)

    for query in (
        f"organization_id={world.org_a}",
        f"organization_id={world.org_a}&role=social_worker",
        f"organization_id={world.org_a}&disabled=true",
        f"organization_id={world.org_a}&include_total=true",
    ):
        filtered = await client.get(f"{API}/users?{query}", headers=pm_b.headers)
        assert filtered.status_code == 200, filtered.text
        assert filtered.json()["items"] == [], query
        assert filtered.json()["next_cursor"] is None
        if "include_total" in query:
            assert filtered.json()["total"] == 0


async def test_org_scoped_lists_of_a_foreign_organisation_are_empty(
    client: httpx.AsyncClient, world: World
) -> None:
    # The client of A may read users, but only A's.
    client_a = await world.actor("client_a")
    response = await client.get(
        f"{API}/users?organization_id={world.org_b}&include_total=true", headers=client_a.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
    assert response.json()["total"] == 0
    # The auditor of A reads A's audit events, never B's.
    auditor = await world.actor("auditor_a")
    response = await client.get(
        f"{API}/audit-events?organization_id={world.org_b}", headers=auditor.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
    own = await client.get(f"{API}/audit-events?limit=200", headers=auditor.headers)
    assert own.status_code == 200
    assert {e["organization_id"] for e in own.json()["items"]} == {str(world.org_a)}
    # Partner staff of B list organisations: only B, whatever the filter.
    partner = await world.actor("partner_b")
    for query in ("", "?kind=partner_ngo", "?include_total=true"):
        response = await client.get(f"{API}/organizations{query}", headers=partner.headers)
        assert response.status_code == 200, response.text
        assert ids_of(response) == {str(world.org_b)}, query


async def test_a_disabled_account_is_refused_everywhere(
    app: Any, client: httpx.AsyncClient, world: World
) -> None:
    disabled = await world.actor("disabled_a")
    wrong = []
    for method, template, _ in protected_routes(app):
        response = await send(client, method, fill(template), disabled.headers)
        if not is_problem(response, 401):
            wrong.append(f"{method} {template}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)


# -- 2c. what a program manager may not do ------------------------------------------------


@pytest.mark.parametrize("role", [Role.platform_admin, Role.program_manager, Role.auditor])
async def test_program_manager_cannot_give_oversight_roles(
    role: Role, client: httpx.AsyncClient, world: World
) -> None:
    pm_a = await world.actor("pm_a")
    email = f"new.{uuid.uuid4().hex[:8]}@example.org"
    created = await client.post(
        f"{API}/users",
        headers=pm_a.headers,
        json={
            "email": email,
            "full_name": "New Person",
            "role": role.value,
            "password": "a long enough passphrase",
        },
    )
    assert is_problem(created, 403), created.text
    admin = world.admin
    listing = await client.get(f"{API}/users?limit=200", headers=admin.headers)
    assert email not in {item["email"] for item in listing.json()["items"]}

    before = await client.get(f"{API}/users/{world.member_a.id}", headers=admin.headers)
    patched = await client.patch(
        f"{API}/users/{world.member_a.id}",
        headers={**pm_a.headers, "If-Match": before.headers["ETag"]},
        json={"role": role.value},
    )
    assert is_problem(patched, 403), patched.text
    after = await client.get(f"{API}/users/{world.member_a.id}", headers=admin.headers)
    assert after.json()["role"] == "social_worker"
    assert after.json()["version"] == before.json()["version"]


async def test_program_manager_may_give_field_roles(
    client: httpx.AsyncClient, world: World
) -> None:
    pm_a = await world.actor("pm_a")
    created = await client.post(
        f"{API}/users",
        headers=pm_a.headers,
        json={
            "email": f"worker.{uuid.uuid4().hex[:8]}@example.org",
            "full_name": "New Worker",
            "role": "social_worker",
            "district_ids": [str(SOUTH_24)],
            "password": "a long enough passphrase",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["organization_id"] == str(world.org_a)


async def test_program_manager_cannot_touch_platform_admin_accounts(
    client: httpx.AsyncClient, factory: Factory, world: World
) -> None:
    pm_a = await world.actor("pm_a")
    admin = world.admin
    # A platform admin of another organisation is simply not there for her (404); one inside
    # her own organisation is there, but hers to manage it is not (403).
    admin_in_a = await factory.user(world.org_a, Role.platform_admin)
    auditor_a = await world.actor("auditor_a")
    for target, want in ((admin, 404), (admin_in_a, 403), (auditor_a, 403)):
        etag = (await client.get(f"{API}/users/{target.id}", headers=admin.headers)).headers["ETag"]
        attempts = [
            await client.patch(
                f"{API}/users/{target.id}",
                headers={**pm_a.headers, "If-Match": etag},
                json={"full_name": "Taken Over"},
            ),
            await client.post(f"{API}/users/{target.id}/disable", headers=pm_a.headers),
            await client.post(f"{API}/users/{target.id}/enable", headers=pm_a.headers),
            await client.post(
                f"{API}/users/{target.id}/password",
                headers=pm_a.headers,
                json={"password": "a takeover passphrase"},
            ),
        ]
        for attempt in attempts:
            assert is_problem(attempt, want), (target.role, attempt.request.url, attempt.text)
        after = await client.get(f"{API}/users/{target.id}", headers=admin.headers)
        assert after.headers["ETag"] == etag
        assert after.json()["disabled"] is False
        assert after.json()["full_name"] != "Taken Over"
        # The target still signs in with her own token.
        assert (await client.get(f"{API}/me", headers=target.headers)).status_code == 200
    read_other = await client.get(f"{API}/users/{admin.id}", headers=pm_a.headers)
    assert is_problem(read_other, 404)


@pytest.mark.parametrize("who", ["admin", "pm_a"])
async def test_nobody_changes_their_own_role_or_disables_themselves(
    who: str, client: httpx.AsyncClient, world: World
) -> None:
    actor = await world.actor(who)
    me = await client.get(f"{API}/users/{actor.id}", headers=world.admin.headers)
    etag = me.headers["ETag"]
    for new_role in ("social_worker", "auditor", "platform_admin"):
        if new_role == me.json()["role"]:
            continue
        response = await client.patch(
            f"{API}/users/{actor.id}",
            headers={**actor.headers, "If-Match": etag},
            json={"role": new_role},
        )
        assert is_problem(response, 409), (who, new_role, response.text)
    for action in ("disable", "enable"):
        response = await client.post(f"{API}/users/{actor.id}/{action}", headers=actor.headers)
        assert is_problem(response, 409), (who, action, response.text)
    after = await client.get(f"{API}/users/{actor.id}", headers=world.admin.headers)
    assert after.json()["role"] == me.json()["role"]
    assert after.json()["disabled"] is False
    assert after.headers["ETag"] == etag
    assert (await client.get(f"{API}/me", headers=actor.headers)).status_code == 200


async def test_program_manager_of_a_cannot_create_users_in_b(
    client: httpx.AsyncClient, world: World
) -> None:
    email = f"intruder.{uuid.uuid4().hex[:8]}@example.org"
    response = await client.post(
        f"{API}/users",
        headers=(await world.actor("pm_a")).headers,
        json={
            "email": email,
            "full_name": "Placed Elsewhere",
            "role": "social_worker",
            "organization_id": str(world.org_b),
            "password": "a long enough passphrase",
        },
    )
    assert is_problem(response, 404), response.text
    # Exactly the answer for an organisation that does not exist.
    missing = await client.post(
        f"{API}/users",
        headers=(await world.actor("pm_a")).headers,
        json={
            "email": email,
            "full_name": "Placed Elsewhere",
            "role": "social_worker",
            "organization_id": str(uuid.uuid4()),
            "password": "a long enough passphrase",
        },
    )
    assert without_request(missing.json()) == without_request(response.json())
    listing = await client.get(
        f"{API}/users?organization_id={world.org_b}&limit=200",
        headers=(await world.actor("pm_b")).headers,
    )
    assert email not in {item["email"] for item in listing.json()["items"]}


# -- 2d. self-help groups are scoped by district ------------------------------------------

SHGS = f"{API}/shgs"
# Path parameters that name a group or a federation: a route with one is district-bound.
SHG_BOUND_PARAMS = frozenset({"shg_id", "federation_id"})
# Routes under /shgs that name neither, with what a social worker of another district meets
# there. A new SHG route that names neither fails the walk until it is placed here.
SHG_UNBOUND = {
    ("GET", SHGS): "list",
    ("GET", f"{SHGS}/federations"): "list",
    ("POST", SHGS): "create",
    ("POST", f"{SHGS}/federations"): "create",
    # The grading thresholds are the organisation's, not a group's.
    ("GET", f"{SHGS}/grading-rules"): "organisation",
    ("PUT", f"{SHGS}/grading-rules"): "organisation",
}


def example_body(app: Any, method: str, template: str) -> Any:
    """The first example of the route's request body in the spec (None without a body)."""
    spec = app.openapi()
    operation = spec["paths"][template][method.lower()]
    if "requestBody" not in operation:
        return None
    content = operation["requestBody"]["content"]
    if "application/json" not in content:
        return None  # a file upload (attachments): its bytes are judged after the scope
    schema = content["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    return copy.deepcopy(spec["components"]["schemas"][name]["examples"][0])


async def north_group(client: httpx.AsyncClient, manager: Actor) -> dict[str, str]:
    """A group of North 24 Parganas with a member, a ledger entry, a loan, a meeting and a
    federation of the district; the ids every SHG route's path may name."""
    shg = await create_group(client, manager, district_id=str(NORTH_24), name="Uttar SHG")
    members = [
        await add_member(client, manager, shg["id"], name=name, role=role)
        for name, role in (
            ("Mita Sardar", "treasurer"),
            ("Kakoli Naskar", "president"),
            ("Sima Bibi", "member"),
        )
    ]
    group = Group(shg, members)
    loan = await internal_loan(client, manager, group, group.member_ids[0])
    meeting = await client.post(
        group.url("/meetings"), json=sheet(group, 7), headers=manager.headers
    )
    assert meeting.status_code == 201, meeting.text
    entry = await client.post(
        group.url("/ledger"),
        json={"kind": "bank_deposit", "amount_paise": 1000, "entry_date": day(8)},
        headers=manager.headers,
    )
    assert entry.status_code == 201, entry.text
    federation = await client.post(
        f"{SHGS}/federations",
        json={"tier": "mahasangha", "name": "Barasat Mahasangha", "district_id": str(NORTH_24)},
        headers=manager.headers,
    )
    assert federation.status_code == 201, federation.text
    return {
        "shg_id": shg["id"],
        "member_id": members[0]["id"],
        "meeting_id": meeting.json()["id"],
        "entry_id": entry.json()["id"],
        "loan_id": loan["id"],
        "federation_id": federation.json()["id"],
    }


async def test_every_shg_route_answers_a_social_worker_of_another_district_as_if_absent(
    app: Any, client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    manager = await world.actor("pm_a")
    outsider = await world.actor("sw_a_south24")
    insider = await world.actor("sw_a_north24")
    ids = await north_group(client, manager)
    tables = ("shg", "shg_federation", "shg_member", "shg_meeting", "shg_ledger_entry", "shg_loan")
    # Every row of the group's tables, as text: nothing an outsider sends may change one.
    versions = "SELECT " + " || ".join(
        f"(SELECT md5(string_agg(r::text, ',' ORDER BY r.id)) FROM {t} r)" for t in tables
    )
    before = await connection.scalar(sa.text(versions))

    routes = [
        (method, template)
        for method, template, _ in protected_routes(app)
        if template == SHGS or template.startswith(f"{SHGS}/")
    ]
    assert len(routes) > 25
    wrong: list[str] = []
    bound: list[tuple[str, str]] = []
    for method, template in routes:
        names = [param[1:-1] for param in _PARAM.findall(template)]
        if not SHG_BOUND_PARAMS & set(names):
            if (method, template) not in SHG_UNBOUND:
                wrong.append(f"{method} {template}: neither district-bound nor in SHG_UNBOUND")
            continue
        bound.append((method, template))
        if set(names) - set(ids):
            wrong.append(f"{method} {template}: no record for {set(names) - set(ids)}")
            continue
        body = example_body(app, method, template)
        headers = {**outsider.headers, "If-Match": '"v1"'}
        response = await client.request(method, template.format(**ids), headers=headers, json=body)
        twin = await client.request(
            method,
            template.format(**{name: str(uuid.uuid4()) for name in names}),
            headers=headers,
            json=body,
        )
        if not is_problem(response, 404):
            wrong.append(f"{method} {template}: {response.status_code} {response.text[:200]}")
        elif without_request(response.json()) != without_request(twin.json()):
            wrong.append(f"{method} {template}: the 404 differs from a missing record's 404")
    assert len(bound) > 20
    # Nothing was written, and the ids are real: the worker of the district reads them all.
    if await connection.scalar(sa.text(versions)) != before:
        wrong.append("requests from another district changed the group's records")
    for method, template in bound:
        if method == "GET":
            response = await client.get(template.format(**ids), headers=insider.headers)
            if response.status_code != 200:
                wrong.append(
                    f"{method} {template} as the district's worker: {response.status_code}"
                )

    # Lists leave the district's groups and federations out, whatever the filter.
    for method, template in SHG_UNBOUND:
        kind = SHG_UNBOUND[(method, template)]
        if kind == "list":
            for query in ("", f"?district_id={NORTH_24}&include_total=true"):
                response = await client.get(template + query, headers=outsider.headers)
                assert response.status_code == 200, response.text
                if {ids["shg_id"], ids["federation_id"]} & ids_of(response):
                    wrong.append(f"GET {template}{query}: lists another district's record")
                if query and response.json()["total"] != 0:
                    wrong.append(f"GET {template}{query}: counts another district's records")
        elif kind == "create":
            body = {**example_body(app, method, template), "district_id": str(NORTH_24)}
            body.pop("federation_id", None)
            body.pop("parent_id", None)
            body.pop("block_id", None)
            response = await client.post(template, headers=outsider.headers, json=body)
            if not is_problem(response, 422) or response.json()["errors"][0]["loc"] != [
                "body",
                "district_id",
            ]:
                wrong.append(f"POST {template} in another district: {response.status_code}")
        else:
            response = await client.request(
                method,
                template,
                headers={**outsider.headers, "If-Match": '"v0"'},
                json=example_body(app, method, template),
            )
            if response.status_code != (200 if method == "GET" else 403):
                wrong.append(f"{method} {template}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)


# -- 3. unknown fields cannot set protected attributes ------------------------------------


def protected_fields(world: World) -> dict[str, Any]:
    """Attributes of an account the server alone sets, with values an attacker would send."""
    return {
        "organization_id": str(world.org_b),
        "version": 99,
        "id": str(uuid.uuid4()),
        "disabled": True,
        "disabled_at": "2020-01-01T00:00:00Z",
        "password_hash": "x",
        "created_by": str(uuid.uuid4()),
    }


async def test_patch_cannot_set_protected_attributes(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.admin
    target = world.member_a
    before = await client.get(f"{API}/users/{target.id}", headers=admin.headers)
    wrong = []
    for caller in (admin, await world.actor("pm_a")):
        for name, value in protected_fields(world).items():
            # Alone, and smuggled next to an allowed change: neither is applied.
            for payload in ({name: value}, {"full_name": "Should Not Stick", name: value}):
                response = await client.patch(
                    f"{API}/users/{target.id}",
                    headers={**caller.headers, "If-Match": before.headers["ETag"]},
                    json=payload,
                )
                if not is_problem(response, 422):
                    wrong.append(f"{payload}: {response.status_code}")
                elif [issue["loc"] for issue in response.json()["errors"]] != [["body", name]]:
                    wrong.append(f"{payload}: {response.json()['errors']}")
    assert wrong == [], "\n".join(wrong)
    after = await client.get(f"{API}/users/{target.id}", headers=admin.headers)
    assert after.json() == before.json()
    assert after.headers["ETag"] == before.headers["ETag"]


async def test_create_rejects_unknown_fields(client: httpx.AsyncClient, world: World) -> None:
    pm_a = await world.actor("pm_a")
    extras: dict[str, Any] = {
        "is_admin": True,
        "scopes": ["users:manage"],
        # id and organization_id are fields of the create body (the latter: see above).
        **{k: v for k, v in protected_fields(world).items() if k not in {"id", "organization_id"}},
    }
    emails = []
    for name, value in extras.items():
        email = f"extra.{uuid.uuid4().hex[:8]}@example.org"
        emails.append(email)
        body = {
            "email": email,
            "full_name": "With Extras",
            "role": "social_worker",
            "password": "a long enough passphrase",
            name: value,
        }
        response = await client.post(f"{API}/users", headers=pm_a.headers, json=body)
        assert is_problem(response, 422), (name, response.text)
        issues = response.json()["errors"]
        assert [(i["loc"], i["type"]) for i in issues] == [(["body", name], "extra_forbidden")]
    listing = await client.get(f"{API}/users?limit=200", headers=world.admin.headers)
    assert not set(emails) & {item["email"] for item in listing.json()["items"]}


# -- 4. signed checkpoints of the audit trail ----------------------------------------------


async def test_audit_checkpoints_are_for_auditors_and_platform_admins(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """GET /audit-events/checkpoints (policy audit:checkpoint): a platform admin, and an
    auditor of any organisation (a checkpoint holds positions and hashes of every chain,
    never an event's contents, as verification already shows them); an integration client
    only with the auditor role and the scope audit:checkpoint (an archiver). Verifying against
    a checkpoint (POST /audit-events/verify) follows audit:verify."""
    organization = await factory.organization()
    checkpoint_path = f"{API}/audit-events/checkpoints"
    verify_path = f"{API}/audit-events/verify"
    allowed = {Role.platform_admin, Role.auditor}
    admin = await factory.platform_admin()
    line = (await client.get(checkpoint_path, headers=admin.headers)).json()["checkpoint"]
    callers: list[tuple[str, Actor, int, int]] = [
        (
            role.value,
            await factory.user(organization, role),
            *(2 * (200 if role in allowed else 403,)),
        )
        for role in Role
    ]
    for scopes, checkpoint_status, verify_status in (
        (["audit:checkpoint"], 200, 403),
        (["audit:verify"], 403, 200),
        (["audit:checkpoint", "audit:verify", "audit:read"], 200, 200),
        ([], 403, 403),
    ):
        archiver = await factory.integration_client(organization, Role.auditor, scopes)
        callers.append((f"auditor client {scopes}", archiver, checkpoint_status, verify_status))
    manager = await factory.integration_client(organization, Role.program_manager, ["users:read"])
    callers.append(("program manager client", manager, 403, 403))

    wrong = []
    for who, actor, checkpoint_status, verify_status in callers:
        taken = await client.get(checkpoint_path, headers=actor.headers)
        checked = await client.post(verify_path, json={"checkpoint": line}, headers=actor.headers)
        for name, response, want in (
            ("checkpoint", taken, checkpoint_status),
            ("verify", checked, verify_status),
        ):
            if response.status_code != want or (want == 403 and not is_problem(response, 403)):
                wrong.append(f"{name} as {who}: {response.status_code}, expected {want}")
        if taken.status_code == 200 and not taken.json()["checkpoint"].startswith(
            "shakti-audit-checkpoint.v1."
        ):
            wrong.append(f"checkpoint as {who}: not a checkpoint")
        if checked.status_code == 200 and checked.json()["ok"] is not True:
            wrong.append(f"verify as {who}: {checked.json()['problems']}")
    assert wrong == [], "\n".join(wrong)


# -- 2d. second factors and resets: who reaches them --------------------------------------

# enrol/confirm/remove: the caller's own second factor (confirming the enrolment just begun
# with a wrong code is 422; removing when none is in force, 404). pw:A / sf:A ask for a reset
# of the password / the second factor of the member of A (she has none: 409). requests lists
# pending resets; approve / decline decide a reset another platform admin asked for.
# "client_scoped" is a program manager's client of A whose token names every one of these
# scopes (as a grant written straight to the database would): it never reaches any of them.
RESET_ACTIONS = {
    "enrol": Action("POST", "/me/second-factor"),
    "confirm": Action("POST", "/me/second-factor/confirm", json={"otp": "000000"}),
    "remove": Action("DELETE", "/me/second-factor", json={"otp": "000000"}),
    "pw:A": Action("POST", "/users/{member_a}/password", json={"password": "a new passphrase"}),
    "sf:A": Action("POST", "/users/{member_a}/second-factor/reset"),
    "requests": Action("GET", "/reset-requests"),
    "approve": Action("POST", "/reset-requests/{to_approve}/approve"),
    "decline": Action("POST", "/reset-requests/{to_decline}/decline"),
}
RESET_MATRIX = """
actor          enrol confirm remove  pw:A  sf:A requests approve decline
admin            201     422    404   202   409      200     200     200
pm_a             201     422    404   202   409      403     403     403
sw_a_south24     403     403    403   403   403      403     403     403
pm_b             201     422    404   404   404      403     403     403
partner_b        403     403    403   403   403      403     403     403
analyst_a        403     403    403   403   403      403     403     403
leader_a         403     403    403   403   403      403     403     403
auditor_a        403     403    403   403   403      403     403     403
client_b         403     403    403   403   403      403     403     403
client_a         403     403    403   403   403      403     403     403
client_scoped    403     403    403   403   403      403     403     403
disabled_a       401     401    401   401   401      401     401     401
"""
CLIENT_SCOPES = (
    "me:second-factor",
    "users:manage",
    "users:read",
    "reset-requests:read",
    "reset-requests:decide",
)


def _reset_rows() -> list[tuple[str, dict[str, int]]]:
    lines = [line.split() for line in RESET_MATRIX.strip().splitlines()]
    assert lines[0][1:] == list(RESET_ACTIONS)
    return [(row[0], dict(zip(lines[0][1:], map(int, row[1:]), strict=True))) for row in lines[1:]]


async def _scoped_client(world: World) -> Actor:
    registered = await world.factory.integration_client(world.org_a, Role.program_manager, [])
    token = world.factory.container.identity.tokens.issue_access_token(
        TokenSubject(
            principal_kind="client",
            id=registered.id,
            organization_id=world.org_a,
            role=Role.program_manager.value,
            access_version=1,
            scopes=CLIENT_SCOPES,
        ),
        600,
    )
    return Actor(
        registered.id, world.org_a, Role.program_manager, {"Authorization": f"Bearer {token}"}
    )


@pytest.mark.parametrize(("name", "expected"), _reset_rows(), ids=[n for n, _ in _reset_rows()])
async def test_reset_and_second_factor_matrix(
    name: str, expected: dict[str, int], client: httpx.AsyncClient, world: World
) -> None:
    actor = await _scoped_client(world) if name == "client_scoped" else await world.actor(name)
    # Two resets another platform admin asked for: one to approve, one to decline.
    requester = await world.factory.platform_admin()
    targets = [
        await world.factory.user(world.org_b, Role.partner_staff),
        await world.factory.user(world.org_b, Role.analyst),
    ]
    pending = []
    for target in targets:
        asked = await client.post(
            f"{API}/users/{target.id}/password",
            json={"password": "a chosen passphrase"},
            headers=requester.headers,
        )
        assert asked.status_code == 202, asked.text
        pending.append(asked.json()["id"])
    ids = {**(await world.ids()), "to_approve": pending[0], "to_decline": pending[1]}
    wrong: list[str] = []
    for column, want in expected.items():
        action = RESET_ACTIONS[column]
        path = API + action.path.format(**ids)
        response = await client.request(
            action.method, path, headers=actor.headers, json=action.json
        )
        if response.status_code != want:
            wrong.append(f"{column}: expected {want}, got {response.status_code}")
        elif want >= 400 and not is_problem(response, want):
            wrong.append(f"{column}: {want} is not problem+json")
    assert wrong == [], f"{name}:\n" + "\n".join(wrong)
    # Whoever was refused changed nothing: both resets still wait, her password holds.
    listing = await client.get(f"{API}/reset-requests?limit=200", headers=world.admin.headers)
    still = {item["id"] for item in listing.json()["items"]}
    assert (set(pending) <= still) == (expected["approve"] != 200), name
    member = await client.get(f"{API}/users/{world.member_a.id}", headers=world.admin.headers)
    assert member.json()["version"] == 1
