"""Resetting another person's password or second factor: a request that a second platform
admin (neither the requester nor the person herself) approves; declined, expired and applied
requests; every step audited."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import httpx
import pyotp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Role
from domain.identity.tokens import TokenSubject
from tests.factories import DEFAULT_PASSWORD, SOUTH_24, Actor, Factory

API = "/api/v1"
TOKEN = f"{API}/auth/token"
REQUESTS = f"{API}/reset-requests"
NEW_PASSWORD = "a brand new passphrase"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(
    client: httpx.AsyncClient, actor: Actor, password: str = DEFAULT_PASSWORD, **extra: str
) -> httpx.Response:
    assert actor.email is not None
    return await client.post(
        TOKEN,
        data={"grant_type": "password", "username": actor.email, "password": password, **extra},
    )


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


async def ask_password(
    client: httpx.AsyncClient, requester: Actor, target: Actor | UUID, password: str = NEW_PASSWORD
) -> httpx.Response:
    target_id = target.id if isinstance(target, Actor) else target
    return await client.post(
        f"{API}/users/{target_id}/password", json={"password": password}, headers=requester.headers
    )


async def decide(
    client: httpx.AsyncClient, who: Actor, request_id: str, verdict: str
) -> httpx.Response:
    return await client.post(f"{REQUESTS}/{request_id}/{verdict}", headers=who.headers)


async def pending_ids(client: httpx.AsyncClient, admin: Actor, **params: str) -> list[str]:
    listing = await client.get(REQUESTS, params={"limit": "200", **params}, headers=admin.headers)
    assert listing.status_code == 200, listing.text
    return [item["id"] for item in listing.json()["items"]]


async def events_of(connection: AsyncConnection, entity_id: str | UUID) -> list[tuple[str, str]]:
    rows = await connection.execute(
        text(
            "SELECT action::text, actor_type::text FROM audit_event WHERE entity_id = :id "
            "ORDER BY seq"
        ),
        {"id": str(entity_id)},
    )
    return [(row[0], row[1]) for row in rows]


async def stored_hash(connection: AsyncConnection, request_id: str) -> str | None:
    value = await connection.scalar(
        text("SELECT password_hash FROM reset_request WHERE id = :id"), {"id": request_id}
    )
    return None if value is None else str(value)


@pytest.fixture
async def organization(factory: Factory) -> UUID:
    return await factory.organization()


@pytest.fixture
async def worker(factory: Factory, organization: UUID) -> Actor:
    return await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))


@pytest.fixture
async def admins(factory: Factory) -> tuple[Actor, Actor]:
    return await factory.platform_admin(), await factory.platform_admin()


# -- passwords ------------------------------------------------------------------------------
async def test_a_password_reset_waits_for_a_second_platform_admin(
    client: httpx.AsyncClient,
    worker: Actor,
    admins: tuple[Actor, Actor],
    connection: AsyncConnection,
) -> None:
    first, second = admins
    session = await sign_in(client, worker)
    her_token = bearer(session.json()["access_token"])

    asked = await ask_password(client, first, worker)
    assert asked.status_code == 202, asked.text
    request = asked.json()
    assert request["status"] == "pending"
    assert request["kind"] == "password"
    assert request["user_id"] == str(worker.id)
    assert request["requested_by"] == str(first.id)
    assert NEW_PASSWORD not in asked.text
    # Held only as its argon2id hash, never in clear.
    held = await stored_hash(connection, request["id"])
    assert held is not None
    assert held.startswith("$argon2id$")
    assert NEW_PASSWORD not in held
    # Nothing changed yet.
    assert (await client.get(f"{API}/me", headers=her_token)).status_code == 200
    assert (await sign_in(client, worker)).status_code == 200
    assert (await sign_in(client, worker, NEW_PASSWORD)).status_code == 400

    # The requester cannot approve her own request.
    own = problem(await decide(client, first, request["id"], "approve"), 403)
    assert "another platform admin" in own["detail"]
    assert (await client.get(f"{API}/me", headers=her_token)).status_code == 200
    assert request["id"] in await pending_ids(client, second)

    approved = await decide(client, second, request["id"], "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == str(second.id)
    # Applied: her sessions ended, the new password is hers, the hash left the request.
    problem(await client.get(f"{API}/me", headers=her_token), 401)
    problem(await client.get(f"{API}/me", headers=worker.headers), 401)
    assert (await sign_in(client, worker, NEW_PASSWORD)).status_code == 200
    assert (await sign_in(client, worker)).status_code == 400
    assert await stored_hash(connection, request["id"]) is None
    assert request["id"] not in await pending_ids(client, second)
    assert request["id"] in await pending_ids(client, second, status="approved")

    problem(await decide(client, second, request["id"], "approve"), 409)
    problem(await decide(client, second, request["id"], "decline"), 409)
    assert await events_of(connection, request["id"]) == [
        ("create", "user"),
        ("permission_denied", "user"),
        ("approve", "user"),
    ]
    assert ("update", "user") in await events_of(connection, worker.id)


async def test_a_program_manager_asks_and_only_a_platform_admin_approves(
    client: httpx.AsyncClient,
    factory: Factory,
    organization: UUID,
    worker: Actor,
    admins: tuple[Actor, Actor],
) -> None:
    manager = await factory.user(organization, Role.program_manager)
    other_manager = await factory.user(organization, Role.program_manager)
    asked = await ask_password(client, manager, worker)
    assert asked.status_code == 202, asked.text
    request_id = asked.json()["id"]
    for who in (manager, other_manager, worker):
        problem(await client.get(REQUESTS, headers=who.headers), 403)
        for verdict in ("approve", "decline"):
            problem(await decide(client, who, request_id, verdict), 403)
    assert (await sign_in(client, worker, NEW_PASSWORD)).status_code == 400
    # She still may not ask for roles she does not staff, nor outside her organisation.
    problem(await ask_password(client, manager, other_manager), 403)
    outsider = await factory.user(await factory.organization(), Role.social_worker)
    problem(await ask_password(client, manager, outsider), 404)

    approved = await decide(client, admins[0], request_id, "approve")
    assert approved.status_code == 200, approved.text
    assert (await sign_in(client, worker, NEW_PASSWORD)).status_code == 200


async def test_nobody_approves_a_reset_of_her_own_account(
    client: httpx.AsyncClient, factory: Factory, admins: tuple[Actor, Actor]
) -> None:
    first, second = admins
    asked = await ask_password(client, first, second)
    assert asked.status_code == 202, asked.text
    problem(await decide(client, second, asked.json()["id"], "approve"), 403)
    assert (await sign_in(client, second, NEW_PASSWORD)).status_code == 400
    third = await factory.platform_admin()
    assert (await decide(client, third, asked.json()["id"], "approve")).status_code == 200
    assert (await sign_in(client, second, NEW_PASSWORD)).status_code == 200


async def test_a_declined_request_changes_nothing_and_may_be_withdrawn(
    client: httpx.AsyncClient,
    worker: Actor,
    admins: tuple[Actor, Actor],
    connection: AsyncConnection,
) -> None:
    first, second = admins
    asked = await ask_password(client, first, worker)
    # One pending reset of a kind per person.
    problem(await ask_password(client, second, worker, "yet another passphrase"), 409)
    declined = await decide(client, second, asked.json()["id"], "decline")
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    assert await stored_hash(connection, asked.json()["id"]) is None
    problem(await decide(client, second, asked.json()["id"], "approve"), 409)
    assert (await sign_in(client, worker)).status_code == 200
    assert (await client.get(f"{API}/me", headers=worker.headers)).status_code == 200

    # Its requester may withdraw one (decline it), never approve it.
    again = await ask_password(client, first, worker)
    assert again.status_code == 202, again.text
    withdrawn = await decide(client, first, again.json()["id"], "decline")
    assert withdrawn.status_code == 200, withdrawn.text
    assert ("decline", "user") in await events_of(connection, again.json()["id"])
    assert (await sign_in(client, worker, NEW_PASSWORD)).status_code == 400


async def test_a_request_expires_unapplied(
    client: httpx.AsyncClient,
    factory: Factory,
    organization: UUID,
    worker: Actor,
    admins: tuple[Actor, Actor],
    connection: AsyncConnection,
) -> None:
    first, second = admins
    listed = (await ask_password(client, first, worker)).json()
    other = await factory.user(organization, Role.analyst)
    approached = (await ask_password(client, first, other)).json()
    assert listed["expires_at"] > listed["requested_at"]
    await connection.execute(
        text("UPDATE reset_request SET expires_at = now() - interval '1 second'")
    )
    # Approving an overdue request fails, and it is marked expired all the same.
    problem(await decide(client, second, approached["id"], "approve"), 409)
    assert (await sign_in(client, other, NEW_PASSWORD)).status_code == 400
    assert await events_of(connection, approached["id"]) == [
        ("create", "user"),
        ("expire", "system"),
    ]
    assert await stored_hash(connection, approached["id"]) is None
    # Listing marks the others.
    assert await pending_ids(client, second) == []
    expired = await pending_ids(client, second, status="expired")
    assert {listed["id"], approached["id"]} <= set(expired)
    assert await events_of(connection, listed["id"]) == [("create", "user"), ("expire", "system")]
    assert await stored_hash(connection, listed["id"]) is None
    problem(await decide(client, second, listed["id"], "approve"), 409)
    assert (await sign_in(client, worker, NEW_PASSWORD)).status_code == 400
    # An expired request no longer blocks a new one.
    assert (await ask_password(client, first, worker)).status_code == 202


async def test_unknown_requests_and_bad_passwords(
    client: httpx.AsyncClient, worker: Actor, admins: tuple[Actor, Actor]
) -> None:
    first, second = admins
    problem(await decide(client, second, str(uuid.uuid4()), "approve"), 404)
    problem(await ask_password(client, first, uuid.uuid4()), 404)
    problem(await ask_password(client, first, worker, "short"), 422)
    assert await pending_ids(client, second) == []


# -- second factors -------------------------------------------------------------------------
async def test_a_second_factor_reset_waits_for_a_second_platform_admin(
    client: httpx.AsyncClient,
    factory: Factory,
    organization: UUID,
    admins: tuple[Actor, Actor],
    connection: AsyncConnection,
) -> None:
    first, second = admins
    manager = await factory.user(organization, Role.program_manager)
    started = await client.post(f"{API}/me/second-factor", headers=manager.headers)
    secret = started.json()["secret"]
    confirmed = await client.post(
        f"{API}/me/second-factor/confirm",
        json={"otp": pyotp.TOTP(secret).now()},
        headers=manager.headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert (await sign_in(client, manager)).status_code == 400  # a code is needed

    reset_url = f"{API}/users/{manager.id}/second-factor/reset"
    asked = await client.post(reset_url, headers=first.headers)
    assert asked.status_code == 202, asked.text
    assert asked.json()["kind"] == "second_factor"
    problem(await client.post(reset_url, headers=second.headers), 409)
    problem(await decide(client, first, asked.json()["id"], "approve"), 403)
    assert (await sign_in(client, manager)).status_code == 400

    approved = await decide(client, second, asked.json()["id"], "approve")
    assert approved.status_code == 200, approved.text
    # Gone, with her sessions: she signs in with her password and may enrol again.
    problem(await client.get(f"{API}/me", headers=manager.headers), 401)
    assert (await sign_in(client, manager)).status_code == 200
    remaining = await connection.scalar(
        text("SELECT count(*) FROM second_factor WHERE user_id = :u"), {"u": manager.id}
    )
    assert remaining == 0
    assert await connection.scalar(text("SELECT count(*) FROM recovery_code")) == 0
    assert ("approve", "user") in await events_of(connection, asked.json()["id"])
    # Nothing left to reset.
    problem(await client.post(reset_url, headers=first.headers), 409)


# -- never a machine ------------------------------------------------------------------------
async def test_an_integration_client_never_asks_for_a_reset(
    client: httpx.AsyncClient,
    factory: Factory,
    organization: UUID,
    worker: Actor,
    app: Any,
) -> None:
    """Even a client whose token names users:manage (a grant written straight to the database
    would) is refused, and nothing is asked for."""
    registered = await factory.integration_client(organization, Role.program_manager, scopes=[])
    token = app.state.container.identity.tokens.issue_access_token(
        TokenSubject(
            principal_kind="client",
            id=registered.id,
            organization_id=organization,
            role=Role.program_manager.value,
            access_version=1,
            scopes=("users:manage", "reset-requests:read", "reset-requests:decide"),
        ),
        600,
    )
    machine = Actor(registered.id, organization, Role.program_manager, bearer(token))
    problem(await ask_password(client, machine, worker), 403)
    problem(
        await client.post(f"{API}/users/{worker.id}/second-factor/reset", headers=machine.headers),
        403,
    )
    problem(await client.get(REQUESTS, headers=machine.headers), 403)
    admin = await factory.platform_admin()
    assert await pending_ids(client, admin) == []
    assert (await sign_in(client, worker, NEW_PASSWORD)).status_code == 400
