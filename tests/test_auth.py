"""Signing in and out: the password, refresh and client-credentials grants, throttling of
failed sign-ins, revocation, and the caller's own identity and password."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from jose import jwt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from api.container import Container
from api.middleware import TrustedProxies
from api.settings import HttpSettings
from domain.common.principal import Role
from domain.common.settings import Settings
from persistence.database import Database
from persistence.repositories.login_throttle import LoginThrottleRepository, ThrottleRule
from persistence.uow import UnitOfWork
from tests.factories import DEFAULT_PASSWORD, NORTH_24, SOUTH_24, Actor, Factory

TOKEN = "/api/v1/auth/token"
REVOKE = "/api/v1/auth/revoke"
ME = "/api/v1/me"
NEW_PASSWORD = "another long passphrase"
CLIENT_ADDRESS = "203.0.113.7"  # the test client's address (conftest)


# -- fixtures and helpers -------------------------------------------------------------------
@pytest.fixture(scope="module")
def shared_app(settings: Settings) -> FastAPI:
    """One app for the module (building one per test costs more than the tests themselves)."""
    return create_app(settings)


@pytest.fixture
def app(shared_app: FastAPI, settings: Settings, database: Database) -> FastAPI:
    """The shared app, bound to this test's rolled-back transaction."""
    shared_app.state.container = Container.build(settings, database)
    return shared_app


@pytest.fixture
async def organization(factory: Factory) -> UUID:
    return await factory.organization()


@pytest.fixture
async def worker(factory: Factory, organization: UUID) -> Actor:
    return await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(
    client: httpx.AsyncClient, email: str | None, password: str = DEFAULT_PASSWORD
) -> httpx.Response:
    assert email is not None
    return await client.post(
        TOKEN, data={"grant_type": "password", "username": email, "password": password}
    )


@dataclass
class Tokens:
    access: str
    refresh: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access)


async def signed_in(client: httpx.AsyncClient, actor: Actor) -> Tokens:
    response = await sign_in(client, actor.email)
    assert response.status_code == 200, response.text
    return Tokens(response.json()["access_token"], response.json()["refresh_token"])


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": token})


async def me_status(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return (await client.get(ME, headers=headers)).status_code


def assert_problem(response: httpx.Response, status: int, error: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    if error is not None:
        assert body["error"] == error


def sha256(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


async def audit_rows(connection: AsyncConnection, *responses: httpx.Response) -> list[Any]:
    request_ids = [response.headers["x-request-id"] for response in responses]
    result = await connection.execute(
        text(
            "SELECT request_id, e.action::text AS action, outcome::text AS outcome, entity_type, "
            "entity_id, actor_type::text AS actor_type, organization_id, "
            "coalesce(t.repeat_count, 1) AS repeat_count "
            "FROM audit_event e LEFT JOIN audit_tally t ON t.event_id = e.id "
            "WHERE request_id = ANY(:ids) ORDER BY seq"
        ),
        {"ids": request_ids},
    )
    return list(result.mappings())


# -- password grant -------------------------------------------------------------------------
async def test_password_grant(
    client: httpx.AsyncClient, worker: Actor, connection: AsyncConnection
) -> None:
    response = await sign_in(client, worker.email)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= 900
    assert body.get("scope") is None
    access, refresh_token = body["access_token"], body["refresh_token"]
    assert jwt.get_unverified_header(access)["alg"] == "ES256"
    claims = jwt.get_unverified_claims(access)
    assert claims["sub"] == str(worker.id)
    assert claims["exp"] - claims["iat"] == body["expires_in"]
    # The refresh token is opaque: not a JWT, nothing to decode.
    assert re.fullmatch(r"r1_[A-Za-z0-9_-]{40,}", refresh_token)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"

    assert await me_status(client, bearer(access)) == 200

    # Stored: the password only as argon2id, the refresh token only as its digest.
    stored = (
        await connection.execute(
            text("SELECT password_hash, last_login_at FROM app_user WHERE id = :id"),
            {"id": worker.id},
        )
    ).one()
    assert stored.password_hash.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in stored.password_hash
    assert stored.last_login_at is not None
    tokens = (
        await connection.execute(
            text(
                "SELECT rt.token_hash FROM refresh_token rt JOIN auth_session s "
                "ON s.id = rt.session_id WHERE s.user_id = :id"
            ),
            {"id": worker.id},
        )
    ).scalars()
    assert [bytes(digest) for digest in tokens] == [sha256(refresh_token)]

    events = await audit_rows(connection, response)
    assert [(e["action"], e["outcome"], e["entity_id"]) for e in events] == [
        ("login", "success", worker.id)
    ]


async def test_email_is_matched_without_case_or_spaces(
    client: httpx.AsyncClient, worker: Actor
) -> None:
    assert worker.email is not None
    response = await sign_in(client, f"  {worker.email.upper()} ")
    assert response.status_code == 200, response.text


def _without_request_id(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    request_id = response.headers["x-request-id"]
    headers = {k: v for k, v in response.headers.items() if k != "x-request-id"}
    return response.status_code, headers, response.content.replace(request_id.encode(), b"")


async def test_wrong_password_and_unknown_email_answer_alike(
    client: httpx.AsyncClient, worker: Actor, factory: Factory, organization: UUID
) -> None:
    wrong_password = await sign_in(client, worker.email, "not the password at all")
    unknown_email = await sign_in(client, "nobody.here@example.org", DEFAULT_PASSWORD)
    disabled = await factory.user(organization, Role.social_worker)
    admin = await factory.platform_admin()
    assert (
        await client.post(f"/api/v1/users/{disabled.id}/disable", headers=admin.headers)
    ).status_code == 200
    disabled_right_password = await sign_in(client, disabled.email, DEFAULT_PASSWORD)

    assert_problem(wrong_password, 400, "invalid_grant")
    assert wrong_password.json()["detail"] == "The email or password is not correct."
    assert "www-authenticate" not in wrong_password.headers
    assert _without_request_id(unknown_email) == _without_request_id(wrong_password)
    assert _without_request_id(disabled_right_password) == _without_request_id(wrong_password)
    assert (
        len(
            {
                r.headers["x-request-id"]
                for r in (wrong_password, unknown_email, disabled_right_password)
            }
        )
        == 3
    )


@pytest.mark.parametrize(
    "data",
    [
        {"grant_type": "password", "username": "someone@example.org"},
        {"grant_type": "password", "password": DEFAULT_PASSWORD},
        {"grant_type": "password", "username": "", "password": ""},
    ],
    ids=["no-password", "no-username", "empty"],
)
async def test_password_grant_needs_both_fields(
    client: httpx.AsyncClient, data: dict[str, str]
) -> None:
    assert_problem(await client.post(TOKEN, data=data), 400, "invalid_grant")


# -- throttling -----------------------------------------------------------------------------
def _retry_after(response: httpx.Response) -> int:
    assert_problem(response, 429)
    value = response.headers["retry-after"]
    assert value.isdigit(), value
    return int(value)


async def test_an_address_that_failed_is_locked_out_of_the_account(
    client: httpx.AsyncClient,
    worker: Actor,
    factory: Factory,
    organization: UUID,
    settings: Settings,
    app: FastAPI,
) -> None:
    failures = [await sign_in(client, worker.email, f"wrong guess {n}") for n in range(3)]
    for failure in failures:
        assert_problem(failure, 400, "invalid_grant")

    # Locked: even the right password is refused, and says nothing about it being right.
    locked = await sign_in(client, worker.email, DEFAULT_PASSWORD)
    assert 0 < _retry_after(locked) <= settings.login_lockout_seconds + 1
    locked_again = await sign_in(client, worker.email, "wrong guess again")
    assert _retry_after(locked_again) > 0
    assert locked.json()["detail"] == locked_again.json()["detail"]
    assert worker.email not in locked.text

    # The account is locked from this address, not the address: someone else signs in here...
    colleague = await factory.user(organization, Role.social_worker)
    assert (await sign_in(client, colleague.email)).status_code == 200
    # ...and not the account: she signs in from her own device at once.
    elsewhere = httpx.ASGITransport(app=app, client=("198.51.100.23", 40000))
    async with httpx.AsyncClient(transport=elsewhere, base_url="http://testserver") as phone:
        assert (await sign_in(phone, worker.email)).status_code == 200


async def test_failed_and_throttled_sign_ins_are_counted_not_appended(
    client: httpx.AsyncClient, worker: Actor, connection: AsyncConnection
) -> None:
    """An anonymous loop cannot fill the trail: each key's failures (and refusals) in a window
    are one event with a count, and the events survive the rollback of the failed request."""
    failures = [await sign_in(client, worker.email, f"wrong guess {n}") for n in range(3)]
    storm = [await sign_in(client, worker.email, f"guess {n}") for n in range(40)]
    assert {r.status_code for r in failures} == {400}
    assert {r.status_code for r in storm} == {429}

    events = await audit_rows(connection, *failures, *storm)
    assert [
        (e["action"], e["outcome"], e["entity_id"], e["repeat_count"], e["request_id"])
        for e in events
    ] == [
        ("login_failed", "failure", worker.id, 3, failures[0].headers["x-request-id"]),
        ("login_failed", "denied", None, 40, storm[0].headers["x-request-id"]),
    ]
    assert {e["actor_type"] for e in events} == {"anonymous"}
    assert events[0]["organization_id"] == worker.organization_id


async def test_repeat_counts_are_shown_in_the_audit_list(
    client: httpx.AsyncClient, worker: Actor, factory: Factory
) -> None:
    failures = [await sign_in(client, worker.email, f"wrong guess {n}") for n in range(3)]
    admin = await factory.platform_admin()
    listed = await client.get(
        "/api/v1/audit-events",
        params={"action": "login_failed", "entity_id": str(worker.id)},
        headers=admin.headers,
    )
    assert listed.status_code == 200, listed.text
    (event,) = listed.json()["items"]
    assert event["request_id"] == failures[0].headers["x-request-id"]
    assert event["repeat_count"] == 3
    assert event["last_repeated_at"] is not None
    # Events that do not repeat count once.
    login = await client.get(
        "/api/v1/audit-events", params={"action": "search"}, headers=admin.headers
    )
    assert {e["repeat_count"] for e in login.json()["items"]} == {1}
    assert {e["last_repeated_at"] for e in login.json()["items"]} == {None}


async def test_address_is_throttled_after_failures(
    client: httpx.AsyncClient, factory: Factory, organization: UUID, app: FastAPI
) -> None:
    first, second, third, fourth = [
        await factory.user(organization, Role.social_worker) for _ in range(4)
    ]
    for _ in range(3):
        assert_problem(await sign_in(client, first.email, "wrong guess"), 400)
    assert_problem(await sign_in(client, first.email), 429)

    # Another account from the same address keeps working until the address limit (6).
    assert (await sign_in(client, second.email)).status_code == 200
    for _ in range(2):
        assert_problem(await sign_in(client, second.email, "wrong guess"), 400)
    assert (await sign_in(client, third.email)).status_code == 200
    assert_problem(await sign_in(client, third.email, "wrong guess"), 400)  # the 6th failure

    # Now the address is locked: an account that never failed is refused too...
    assert _retry_after(await sign_in(client, fourth.email)) > 0
    assert_problem(await sign_in(client, "nobody.here@example.org", "whatever it is"), 429)

    # ...from this address only.
    elsewhere = httpx.ASGITransport(app=app, client=("198.51.100.23", 40000))
    async with httpx.AsyncClient(transport=elsewhere, base_url="http://testserver") as other:
        assert (await sign_in(other, fourth.email)).status_code == 200


def from_address(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_an_attacker_can_delay_the_owner_but_never_lock_her_out(
    client: httpx.AsyncClient, worker: Actor, app: FastAPI, settings: Settings, factory: Factory
) -> None:
    """A targeted worker signs in from her own device once a short, bounded delay has passed,
    however many addresses guess at her password."""
    now = [datetime.now(UTC)]
    factory.container.identity.throttle.clock = lambda: now[0]
    cap = settings.login_account_max_delay_seconds

    for _ in range(settings.login_max_failures_per_account):  # the attacker's own address
        assert_problem(await sign_in(client, worker.email, "a wrong guess"), 400)
    assert _retry_after(await sign_in(client, worker.email, "a wrong guess")) > cap

    # Other addresses keep guessing: past login_account_delay_after failures each one makes
    # the account wait longer (whatever the password), up to the cap.
    waits: list[int] = []
    for n in range(12):
        async with from_address(app, f"198.51.100.{n + 1}") as bot:
            answer = await sign_in(bot, worker.email, "another wrong guess")
            if answer.status_code == 429:
                waits.append(_retry_after(answer))
                now[0] += timedelta(seconds=waits[-1])
                answer = await sign_in(bot, worker.email, "another wrong guess")
            assert_problem(answer, 400)
    first = settings.login_max_failures_per_account  # failures before the bots began
    delayed = 12 - (settings.login_account_delay_after - first)
    base = settings.login_account_delay_seconds
    assert waits == [min(base * 2**k, cap) for k in range(delayed)]
    assert waits[-1] == cap

    async with from_address(app, "203.0.113.200") as phone:
        waiting = await sign_in(phone, worker.email)  # her right password, during the delay
        assert 0 < _retry_after(waiting) <= cap
        now[0] += timedelta(seconds=_retry_after(waiting))
        assert (await sign_in(phone, worker.email)).status_code == 200

    # The address that guessed first is still shut out of her account...
    assert_problem(await sign_in(client, worker.email), 429)
    # ...and her success cleared the account's delay: the next guess elsewhere is judged.
    async with from_address(app, "198.51.100.99") as bot:
        assert_problem(await sign_in(bot, worker.email, "a wrong guess"), 400)


async def test_parallel_guesses_are_counted_before_the_password_is_checked(
    settings: Settings, committed_db: Database
) -> None:
    """Twelve wrong passwords at once from one address: no more than the limit are judged
    (each takes a slot before its hash is computed), the rest are refused."""
    app = create_app(settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    worker = await factory.user(await factory.organization(), Role.social_worker)
    async with from_address(app, "203.0.113.77") as attacker:
        answers = await asyncio.gather(
            *(sign_in(attacker, worker.email, f"parallel guess {n}") for n in range(12))
        )
    codes = sorted(answer.status_code for answer in answers)
    judged = codes.count(400)
    assert 1 <= judged <= settings.login_max_failures_per_account, codes
    assert codes.count(429) == 12 - judged, codes
    throttle = app.state.container.identity.throttle
    account = throttle.account_key(worker.email or "")
    pair = throttle.pair_key(account, throttle.address_key("203.0.113.77"))
    async with committed_db.engine.connect() as connection:
        counted = (
            await connection.execute(
                text("SELECT failures FROM login_throttle WHERE key = :key"), {"key": pair}
            )
        ).scalar_one()
    assert counted == judged


async def test_a_slot_reserved_after_the_unit_began_survives_its_rollback(
    committed_db: Database,
) -> None:
    """Reserved in a transaction of its own (a second connection once the unit's has begun
    one): the count stands however the request ends."""
    now = datetime.now(UTC)
    rule = ThrottleRule("address:reserved-apart", timedelta(minutes=15), limit=3)

    async def failing_request() -> None:
        async with UnitOfWork(committed_db) as uow:
            await uow.session.execute(text("SELECT 1"))  # the unit's transaction has begun
            reservation = await LoginThrottleRepository(uow).reserve([rule], now)
            assert reservation.refused_by is None
            raise RuntimeError("the request fails")

    with pytest.raises(RuntimeError, match="the request fails"):
        await failing_request()
    async with committed_db.engine.connect() as connection:
        failures = (
            await connection.execute(
                text("SELECT failures FROM login_throttle WHERE key = :key"), {"key": rule.key}
            )
        ).scalar_one()
    assert failures == 1


def test_the_account_delay_cannot_be_shorter_than_its_start() -> None:
    with pytest.raises(ValueError, match="SHAKTI_LOGIN_ACCOUNT_DELAY_SECONDS"):
        Settings(login_account_delay_seconds=30, login_account_max_delay_seconds=10)


# -- the client's address, through trusted proxies only ------------------------------------
PROXY = "192.0.2.10"  # the reverse proxy the test app trusts


@pytest.fixture
async def behind_proxy(
    settings: Settings, database: Database
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """An app that trusts PROXY, with a client connecting through it and one connecting from
    an untrusted address (both may send X-Forwarded-For)."""
    proxied = create_app(
        settings, database, HttpSettings(forwarded_allow_ips=f"{PROXY}, 10.0.0.0/8")
    )
    via_proxy = httpx.ASGITransport(app=proxied, client=(PROXY, 50000))
    direct = httpx.ASGITransport(app=proxied, client=("198.51.100.7", 50000))
    async with (
        httpx.AsyncClient(transport=via_proxy, base_url="http://testserver") as through,
        httpx.AsyncClient(transport=direct, base_url="http://testserver") as untrusted,
    ):
        yield through, untrusted


def forwarded(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def test_a_trusted_proxy_gives_each_user_her_own_address_limit(
    behind_proxy: tuple[httpx.AsyncClient, httpx.AsyncClient],
    factory: Factory,
    organization: UUID,
) -> None:
    """Behind the proxy, wrong passwords from one user's address lock that address only."""
    through, _ = behind_proxy
    users = [await factory.user(organization, Role.social_worker) for _ in range(4)]
    attacker = "203.0.113.50"
    for user in users[:3]:
        for _ in range(2):  # 6 failures: the address limit
            response = await through.post(
                TOKEN,
                data={"grant_type": "password", "username": user.email, "password": "wrong one"},
                headers=forwarded(attacker),
            )
            assert_problem(response, 400)

    def sign_in_from(address: str) -> Any:
        return through.post(
            TOKEN,
            data={
                "grant_type": "password",
                "username": users[3].email,
                "password": DEFAULT_PASSWORD,
            },
            headers=forwarded(address),
        )

    assert_problem(await sign_in_from(attacker), 429)
    # A client cannot pick another address by prepending one: the proxy appends the peer it
    # saw, and that right-most untrusted address is the one counted.
    assert_problem(await sign_in_from(f"198.51.100.99, {attacker}"), 429)
    # Through a chain of trusted proxies (10.0.0.0/8), still the attacker's address.
    assert_problem(await sign_in_from(f"{attacker}, 10.1.2.3"), 429)
    # Everyone else behind the same proxy signs in.
    assert (await sign_in_from("203.0.113.51")).status_code == 200


async def test_an_untrusted_peer_cannot_choose_its_address(
    behind_proxy: tuple[httpx.AsyncClient, httpx.AsyncClient],
    factory: Factory,
    organization: UUID,
) -> None:
    _, untrusted = behind_proxy
    users = [await factory.user(organization, Role.social_worker) for _ in range(4)]
    for n, user in enumerate(users[:3] * 2):  # 6 failures, each claiming another address
        response = await untrusted.post(
            TOKEN,
            data={"grant_type": "password", "username": user.email, "password": "wrong one"},
            headers=forwarded(f"203.0.113.{n + 1}"),
        )
        assert_problem(response, 400)
    # The header was ignored: all six counted against the peer's own address.
    response = await untrusted.post(
        TOKEN,
        data={"grant_type": "password", "username": users[3].email, "password": DEFAULT_PASSWORD},
        headers=forwarded("203.0.113.200"),
    )
    assert_problem(response, 429)


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("198.51.100.7", "203.0.113.5", "198.51.100.7"),  # untrusted peer: header ignored
        (PROXY, "203.0.113.5", "203.0.113.5"),
        (PROXY, "203.0.113.9, 203.0.113.5", "203.0.113.5"),  # right-most untrusted
        (PROXY, "203.0.113.5, 10.0.0.7", "203.0.113.5"),  # skipping trusted proxies
        (PROXY, "203.0.113.5:4711", "203.0.113.5"),
        (PROXY, "[2001:db8::5]:4711", "2001:db8::5"),
        (PROXY, "2001:db8::5", "2001:db8::5"),
        (PROXY, "10.0.0.7, 10.0.0.8", "10.0.0.7"),  # all trusted: the left-most
        (PROXY, "", PROXY),
    ],
)
def test_the_client_address(peer: str, header: str, expected: str) -> None:
    proxies = TrustedProxies([PROXY, "10.0.0.0/8"])
    scope: dict[str, Any] = {
        "client": (peer, 1234),
        "headers": [(b"x-forwarded-for", header.encode())],
        "scheme": "http",
    }
    assert proxies.apply(scope) == expected
    assert scope["client"][0] == expected


def test_forwarded_proto_is_believed_from_a_trusted_proxy_only() -> None:
    proxies = TrustedProxies([PROXY])
    for peer, scheme in ((PROXY, "https"), ("198.51.100.7", "http")):
        scope: dict[str, Any] = {
            "client": (peer, 1),
            "headers": [(b"x-forwarded-proto", b"https")],
            "scheme": "http",
        }
        proxies.apply(scope)
        assert scope["scheme"] == scheme


def test_production_refuses_to_trust_every_peer() -> None:
    from api.settings import http_problems

    (problem,) = http_problems(HttpSettings(forwarded_allow_ips="10.0.0.2, *"))
    assert "SHAKTI_FORWARDED_ALLOW_IPS" in problem
    assert "\n" not in problem
    assert http_problems(HttpSettings(forwarded_allow_ips="10.0.0.2")) == []
    with pytest.raises(ValueError, match="not an IP address"):
        HttpSettings(forwarded_allow_ips="proxy.example.org")


async def test_success_clears_the_account_counter(client: httpx.AsyncClient, worker: Actor) -> None:
    for _ in range(2):
        assert_problem(await sign_in(client, worker.email, "wrong guess"), 400)
    assert (await sign_in(client, worker.email)).status_code == 200
    for _ in range(2):
        assert_problem(await sign_in(client, worker.email, "wrong guess"), 400)
    assert (await sign_in(client, worker.email)).status_code == 200


async def test_throttle_table_holds_no_email_or_address(
    client: httpx.AsyncClient, worker: Actor, factory: Factory, connection: AsyncConnection
) -> None:
    assert worker.email is not None
    for _ in range(3):
        await sign_in(client, worker.email, "wrong guess")
    rows = (
        await connection.execute(
            text("SELECT key, failures, row_to_json(t)::text AS raw FROM login_throttle t")
        )
    ).all()
    throttle = factory.container.identity.throttle
    counted = {row.key: row.failures for row in rows}
    account, address = throttle.account_key(worker.email), throttle.address_key(CLIENT_ADDRESS)
    assert counted[account] == 3
    assert counted[address] == 3
    assert counted[throttle.pair_key(account, address)] == 3
    tallies = (
        await connection.execute(text("SELECT key, row_to_json(t)::text AS raw FROM audit_tally t"))
    ).all()
    assert [tally.key for tally in tallies] == [f"failed:{account}"]
    for row in rows:
        assert re.fullmatch(r"(account|address|pair):[0-9a-f]{40}", row.key)
    for row in [*rows, *tallies]:
        raw = row.raw.lower()
        assert worker.email.lower() not in raw
        assert worker.email.split("@")[0].lower() not in raw
        assert CLIENT_ADDRESS not in raw
        # Keyed: not a plain digest anyone could compute from a list of emails or addresses.
        for plain in (worker.email.lower(), CLIENT_ADDRESS):
            assert hashlib.sha256(plain.encode()).hexdigest()[:40] not in raw


# -- refresh tokens -------------------------------------------------------------------------
async def test_refresh_rotates(client: httpx.AsyncClient, worker: Actor) -> None:
    first = await signed_in(client, worker)
    response = await refresh(client, first.refresh)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= 900
    assert body["refresh_token"].startswith("r1_")
    assert body["refresh_token"] != first.refresh
    assert body["access_token"] != first.access
    assert await me_status(client, bearer(body["access_token"])) == 200
    # Same session: the access token of the sign-in still works too.
    assert await me_status(client, first.headers) == 200
    same_session = {
        jwt.get_unverified_claims(token)["sid"] for token in (first.access, body["access_token"])
    }
    assert len(same_session) == 1

    assert_problem(await refresh(client, first.refresh), 400, "invalid_grant")


async def test_reusing_a_rotated_token_revokes_the_family(
    client: httpx.AsyncClient, worker: Actor, connection: AsyncConnection
) -> None:
    first = await signed_in(client, worker)
    other_session = await signed_in(client, worker)
    rotated = await refresh(client, first.refresh)
    assert rotated.status_code == 200
    second = Tokens(rotated.json()["access_token"], rotated.json()["refresh_token"])

    reuse = await refresh(client, first.refresh)
    assert_problem(reuse, 400, "invalid_grant")
    assert reuse.json()["detail"] == "The refresh token is not valid."

    # The whole family is gone: the newest refresh token and every access token of it.
    assert_problem(await refresh(client, second.refresh), 400, "invalid_grant")
    assert await me_status(client, first.headers) == 401
    assert await me_status(client, second.headers) == 401
    # Another sign-in of the same person is a different family and lives on.
    assert await me_status(client, other_session.headers) == 200
    assert (await refresh(client, other_session.refresh)).status_code == 200

    sid = jwt.get_unverified_claims(first.access)["sid"]
    reason = (
        await connection.execute(
            text("SELECT revoked_reason FROM auth_session WHERE id = :id"), {"id": sid}
        )
    ).scalar_one()
    assert reason == "reuse"
    events = await audit_rows(connection, reuse)
    assert [(e["action"], e["outcome"], str(e["entity_id"])) for e in events] == [
        ("token_reuse_detected", "denied", sid)
    ]


async def test_expired_refresh_token(
    client: httpx.AsyncClient, worker: Actor, connection: AsyncConnection
) -> None:
    tokens = await signed_in(client, worker)
    await connection.execute(
        text("UPDATE refresh_token SET expires_at = :at WHERE token_hash = :digest"),
        {"at": datetime.now(UTC) - timedelta(seconds=1), "digest": sha256(tokens.refresh)},
    )
    assert_problem(await refresh(client, tokens.refresh), 400, "invalid_grant")


async def test_refresh_of_expired_session(
    client: httpx.AsyncClient, worker: Actor, connection: AsyncConnection
) -> None:
    tokens = await signed_in(client, worker)
    await connection.execute(
        text("UPDATE auth_session SET expires_at = :at WHERE user_id = :id"),
        {"at": datetime.now(UTC) - timedelta(seconds=1), "id": worker.id},
    )
    assert_problem(await refresh(client, tokens.refresh), 400, "invalid_grant")


@pytest.mark.parametrize(
    "token",
    ["r1_" + "A" * 43, "r1_", "not-a-refresh-token", "eyJhbGciOiJFUzI1NiJ9.e30.sig"],
    ids=["unknown", "prefix-only", "garbage", "jwt-shaped"],
)
async def test_unknown_refresh_token(client: httpx.AsyncClient, token: str) -> None:
    response = await refresh(client, token)
    assert_problem(response, 400, "invalid_grant")


async def test_refresh_token_is_required(client: httpx.AsyncClient) -> None:
    response = await client.post(TOKEN, data={"grant_type": "refresh_token"})
    assert_problem(response, 400, "invalid_grant")


async def test_access_token_is_not_a_refresh_token(
    client: httpx.AsyncClient, worker: Actor
) -> None:
    tokens = await signed_in(client, worker)
    too_long = await refresh(client, tokens.access)  # longer than any refresh token
    assert_problem(too_long, 422)
    assert tokens.access not in too_long.text  # validation errors never echo the input
    assert_problem(await refresh(client, tokens.access[:200]), 400, "invalid_grant")


async def test_refresh_of_disabled_user(
    client: httpx.AsyncClient, worker: Actor, factory: Factory
) -> None:
    tokens = await signed_in(client, worker)
    admin = await factory.platform_admin()
    disabled = await client.post(f"/api/v1/users/{worker.id}/disable", headers=admin.headers)
    assert disabled.status_code == 200, disabled.text
    assert_problem(await refresh(client, tokens.refresh), 400, "invalid_grant")
    assert await me_status(client, tokens.headers) == 401


# -- client credentials ---------------------------------------------------------------------
SCOPES = ["organizations:read", "users:read"]


@pytest.fixture
async def integration(factory: Factory, organization: UUID) -> Actor:
    return await factory.integration_client(organization, Role.program_manager, scopes=SCOPES)


def client_form(integration: Actor, **changes: str) -> dict[str, str]:
    assert integration.secret is not None
    form = {
        "grant_type": "client_credentials",
        "client_id": str(integration.id),
        "client_secret": integration.secret,
    }
    form.update(changes)
    return form


def basic(client_id: str, secret: str) -> dict[str, str]:
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def assert_client_token(response: httpx.Response, integration: Actor, scope: str) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= 900
    assert body["scope"] == scope
    assert body.get("refresh_token") is None
    access: str = body["access_token"]
    claims = jwt.get_unverified_claims(access)
    assert claims["sub"] == str(integration.id)
    assert claims["scope"] == scope
    assert "sid" not in claims
    return access


async def test_client_credentials_in_form(
    client: httpx.AsyncClient,
    integration: Actor,
    organization: UUID,
    connection: AsyncConnection,
) -> None:
    response = await client.post(TOKEN, data=client_form(integration))
    access = assert_client_token(response, integration, "organizations:read users:read")
    me = await client.get(ME, headers=bearer(access))
    assert me.status_code == 200, me.text
    assert me.json() == {
        "id": str(integration.id),
        "kind": "client",
        "organization_id": str(organization),
        "role": "program_manager",
        "district_ids": [],
        "scopes": SCOPES,
    }
    last_used = (
        await connection.execute(
            text("SELECT last_used_at FROM integration_client WHERE id = :id"),
            {"id": integration.id},
        )
    ).scalar_one()
    assert last_used is not None


async def test_client_credentials_with_basic_auth(
    client: httpx.AsyncClient, integration: Actor
) -> None:
    assert integration.secret is not None
    response = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers=basic(str(integration.id), integration.secret),
    )
    access = assert_client_token(response, integration, "organizations:read users:read")
    assert await me_status(client, bearer(access)) == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"client_secret": "cs_wrong"},
        {"client_id": str(uuid.uuid4())},
        {"client_id": "not-a-uuid"},
        {"client_secret": ""},
    ],
    ids=["wrong-secret", "unknown-client", "non-uuid-client", "no-secret"],
)
async def test_client_authentication_fails(
    client: httpx.AsyncClient, integration: Actor, changes: dict[str, str]
) -> None:
    response = await client.post(TOKEN, data=client_form(integration, **changes))
    assert_problem(response, 401, "invalid_client")
    assert response.json()["detail"] == "Client authentication failed."
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_wrong_secret_over_basic_auth(
    client: httpx.AsyncClient, integration: Actor, connection: AsyncConnection
) -> None:
    response = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers=basic(str(integration.id), "cs_wrong"),
    )
    assert_problem(response, 401, "invalid_client")
    events = await audit_rows(connection, response)
    assert [(e["action"], e["outcome"], e["entity_id"]) for e in events] == [
        ("login_failed", "failure", integration.id)
    ]


async def test_failed_client_credentials_are_throttled_and_counted(
    client: httpx.AsyncClient,
    integration: Actor,
    connection: AsyncConnection,
    app: FastAPI,
    settings: Settings,
) -> None:
    """50 wrong secrets from one address: a handful judged, the rest refused, and two counted
    audit events instead of fifty."""
    answers = [
        await client.post(TOKEN, data=client_form(integration, client_secret=f"cs_wrong{n}"))
        for n in range(50)
    ]
    judged = settings.login_max_failures_per_account
    assert [r.status_code for r in answers] == [401] * judged + [429] * (50 - judged)
    assert int(answers[-1].headers["retry-after"]) > 0
    events = await audit_rows(connection, *answers)
    assert [
        (e["action"], e["outcome"], e["entity_type"], e["entity_id"], e["repeat_count"])
        for e in events
    ] == [
        ("login_failed", "failure", "integration_client", integration.id, judged),
        ("login_failed", "denied", "integration_client", None, 50 - judged),
    ]
    # The right secret is refused from that address too, but the client is not locked: its
    # system signs in from its own address.
    assert_problem(await client.post(TOKEN, data=client_form(integration)), 429)
    own = httpx.ASGITransport(app=app, client=("198.51.100.80", 40000))
    async with httpx.AsyncClient(transport=own, base_url="http://testserver") as system:
        assert (await system.post(TOKEN, data=client_form(integration))).status_code == 200


async def test_unknown_client_ids_lock_the_address(
    client: httpx.AsyncClient, integration: Actor, connection: AsyncConnection, settings: Settings
) -> None:
    """Random client ids (and ids that are not even UUIDs) count against the address."""
    forms = [client_form(integration, client_id=str(uuid.uuid4())) for _ in range(40)]
    forms[1]["client_id"] = "not-a-uuid"
    answers = [await client.post(TOKEN, data=form) for form in forms]
    judged = settings.login_max_failures_per_address
    assert [r.status_code for r in answers] == [401] * judged + [429] * (40 - judged)
    events = await audit_rows(connection, *answers)
    assert [(e["outcome"], e["repeat_count"]) for e in events] == [("failure", 1)] * judged + [
        ("denied", 40 - judged)
    ]
    # A real client from this address waits too (the address is locked, not the client).
    assert_problem(await client.post(TOKEN, data=client_form(integration)), 429)


async def test_scope_not_granted(client: httpx.AsyncClient, integration: Actor) -> None:
    for scope in ("users:manage", "organizations:read users:manage", "me:read"):
        response = await client.post(TOKEN, data=client_form(integration, scope=scope))
        assert_problem(response, 400, "invalid_grant")


async def test_a_right_secret_asking_for_too_much_is_not_a_failed_attempt(
    client: httpx.AsyncClient, integration: Actor, settings: Settings
) -> None:
    for _ in range(settings.login_max_failures_per_account + 2):
        response = await client.post(TOKEN, data=client_form(integration, scope="users:manage"))
        assert_problem(response, 400, "invalid_grant")
    assert (await client.post(TOKEN, data=client_form(integration))).status_code == 200


async def test_narrowed_scope(client: httpx.AsyncClient, integration: Actor) -> None:
    response = await client.post(TOKEN, data=client_form(integration, scope="organizations:read"))
    access = assert_client_token(response, integration, "organizations:read")
    me = await client.get(ME, headers=bearer(access))
    assert me.status_code == 200, me.text
    assert me.json()["scopes"] == ["organizations:read"]
    # The narrowed token really is narrow: users:read is refused.
    users = await client.get("/api/v1/users", headers=bearer(access))
    assert users.status_code == 403, users.text


async def test_disabled_client(
    client: httpx.AsyncClient, integration: Actor, factory: Factory
) -> None:
    response = await client.post(TOKEN, data=client_form(integration))
    access = assert_client_token(response, integration, "organizations:read users:read")
    admin = await factory.platform_admin()
    disabled = await client.post(
        f"/api/v1/integration-clients/{integration.id}/disable", headers=admin.headers
    )
    assert disabled.status_code == 200, disabled.text
    response = await client.get(ME, headers=bearer(access))
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert_problem(await client.post(TOKEN, data=client_form(integration)), 401, "invalid_client")


async def test_client_secret_stored_as_digest_only(
    integration: Actor, connection: AsyncConnection
) -> None:
    assert integration.secret is not None
    row = (
        await connection.execute(
            text(
                "SELECT secret_hash, row_to_json(c)::text AS raw FROM integration_client c "
                "WHERE id = :id"
            ),
            {"id": integration.id},
        )
    ).one()
    assert bytes(row.secret_hash) == sha256(integration.secret)
    assert integration.secret not in row.raw
    assert integration.secret.split("_", 1)[-1] not in row.raw


# -- revocation and odd requests ------------------------------------------------------------
async def test_revoke_current_session(
    client: httpx.AsyncClient, worker: Actor, connection: AsyncConnection
) -> None:
    tokens = await signed_in(client, worker)
    other = await signed_in(client, worker)
    response = await client.post(REVOKE, headers=tokens.headers)
    assert response.status_code == 200, response.text
    assert await me_status(client, tokens.headers) == 401
    assert_problem(await refresh(client, tokens.refresh), 400, "invalid_grant")
    # Only that session ended.
    assert await me_status(client, other.headers) == 200
    events = await audit_rows(connection, response)
    assert [(e["action"], e["outcome"]) for e in events] == [("logout", "success")]


async def test_revoke_own_refresh_token_of_another_session(
    client: httpx.AsyncClient, worker: Actor
) -> None:
    current = await signed_in(client, worker)
    phone = await signed_in(client, worker)
    response = await client.post(
        REVOKE,
        data={"token": phone.refresh, "token_type_hint": "refresh_token"},
        headers=current.headers,
    )
    assert response.status_code == 200, response.text
    assert await me_status(client, phone.headers) == 401
    assert await me_status(client, current.headers) == 200


async def test_revoke_someone_elses_refresh_token_is_a_no_op(
    client: httpx.AsyncClient, worker: Actor, factory: Factory, organization: UUID
) -> None:
    victim = await signed_in(client, worker)
    attacker_actor = await factory.user(organization, Role.social_worker)
    attacker = await signed_in(client, attacker_actor)
    response = await client.post(REVOKE, data={"token": victim.refresh}, headers=attacker.headers)
    assert response.status_code == 200, response.text
    assert await me_status(client, victim.headers) == 200
    assert await me_status(client, attacker.headers) == 200
    assert (await refresh(client, victim.refresh)).status_code == 200


async def test_revoke_unknown_token_answers_200(client: httpx.AsyncClient, worker: Actor) -> None:
    tokens = await signed_in(client, worker)
    response = await client.post(REVOKE, data={"token": "r1_unknown"}, headers=tokens.headers)
    assert response.status_code == 200, response.text
    assert await me_status(client, tokens.headers) == 200


async def test_revoke_needs_authentication(client: httpx.AsyncClient, worker: Actor) -> None:
    tokens = await signed_in(client, worker)
    response = await client.post(REVOKE, data={"token": tokens.refresh})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    # Nothing was revoked.
    assert (await refresh(client, tokens.refresh)).status_code == 200


@pytest.mark.parametrize("grant_type", ["authorization_code", "implicit", "PASSWORD", "x"])
async def test_unsupported_grant_type(client: httpx.AsyncClient, grant_type: str) -> None:
    response = await client.post(TOKEN, data={"grant_type": grant_type})
    assert_problem(response, 400, "unsupported_grant_type")


async def test_json_body_on_token_endpoint(client: httpx.AsyncClient, worker: Actor) -> None:
    response = await client.post(
        TOKEN,
        json={"grant_type": "password", "username": worker.email, "password": DEFAULT_PASSWORD},
    )
    assert_problem(response, 415)
    assert "access_token" not in response.text


async def test_json_body_on_revoke_endpoint(client: httpx.AsyncClient, worker: Actor) -> None:
    tokens = await signed_in(client, worker)
    response = await client.post(REVOKE, json={"token": tokens.refresh}, headers=tokens.headers)
    assert_problem(response, 415)
    assert await me_status(client, tokens.headers) == 200


# -- me -------------------------------------------------------------------------------------
async def test_me(client: httpx.AsyncClient, factory: Factory, organization: UUID) -> None:
    manager = await factory.user(organization, Role.program_manager, districts=(NORTH_24, SOUTH_24))
    response = await client.get(ME, headers=manager.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"id", "kind", "organization_id", "role", "district_ids", "scopes"}
    assert body["id"] == str(manager.id)
    assert body["kind"] == "user"
    assert body["organization_id"] == str(organization)
    assert body["role"] == "program_manager"
    assert body["district_ids"] == sorted([str(NORTH_24), str(SOUTH_24)])
    assert body["scopes"] == sorted(body["scopes"])
    assert {"organizations:read", "users:read", "users:manage"} <= set(body["scopes"])
    assert "organizations:manage" not in body["scopes"]


async def test_me_scopes_follow_the_role(
    client: httpx.AsyncClient, worker: Actor, factory: Factory
) -> None:
    body = (await client.get(ME, headers=worker.headers)).json()
    assert body["role"] == "social_worker"
    assert "users:manage" not in body["scopes"]
    admin = await factory.platform_admin()
    admin_scopes = (await client.get(ME, headers=admin.headers)).json()["scopes"]
    assert {"organizations:manage", "users:manage"} <= set(admin_scopes)


async def _password_hash(connection: AsyncConnection, user_id: UUID) -> str:
    return str(
        (
            await connection.execute(
                text("SELECT password_hash FROM app_user WHERE id = :id"), {"id": user_id}
            )
        ).scalar_one()
    )


async def test_change_password_with_wrong_current_password(
    client: httpx.AsyncClient, worker: Actor, connection: AsyncConnection
) -> None:
    before = await _password_hash(connection, worker.id)
    other = await signed_in(client, worker)
    response = await client.post(
        f"{ME}/password",
        json={"current_password": "not my password at all", "new_password": NEW_PASSWORD},
        headers=worker.headers,
    )
    assert_problem(response, 422)
    assert "not my password" not in response.text
    assert NEW_PASSWORD not in response.text
    assert await _password_hash(connection, worker.id) == before
    assert await me_status(client, worker.headers) == 200
    assert await me_status(client, other.headers) == 200
    assert (await sign_in(client, worker.email, NEW_PASSWORD)).status_code == 400
    assert (await sign_in(client, worker.email)).status_code == 200


async def test_change_password(
    client: httpx.AsyncClient, worker: Actor, connection: AsyncConnection
) -> None:
    before = await _password_hash(connection, worker.id)
    current = await signed_in(client, worker)
    other = await signed_in(client, worker)
    response = await client.post(
        f"{ME}/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=current.headers,
    )
    assert response.status_code == 204, response.text
    assert response.content == b""

    after = await _password_hash(connection, worker.id)
    assert after != before
    assert after.startswith("$argon2id$")
    # Every other session ends (the factory's and the second sign-in); this one goes on.
    assert await me_status(client, current.headers) == 200
    assert await me_status(client, other.headers) == 401
    assert await me_status(client, worker.headers) == 401
    assert_problem(await refresh(client, other.refresh), 400, "invalid_grant")
    assert (await refresh(client, current.refresh)).status_code == 200

    assert_problem(await sign_in(client, worker.email), 400, "invalid_grant")
    assert (await sign_in(client, worker.email, NEW_PASSWORD)).status_code == 200


async def test_change_password_needs_a_valid_new_password(
    client: httpx.AsyncClient, worker: Actor
) -> None:
    response = await client.post(
        f"{ME}/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "short"},
        headers=worker.headers,
    )
    assert_problem(response, 422)
    assert await me_status(client, worker.headers) == 200
    assert (await sign_in(client, worker.email)).status_code == 200


async def test_change_password_needs_authentication(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{ME}/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert_problem(response, 401)


# -- additions: RFC 6750 challenge, access tokens at /revoke, throttled password change ----
async def test_no_credentials_challenge_carries_no_error_code(client: httpx.AsyncClient) -> None:
    """RFC 6750 3.1: without credentials the challenge names no error; with a bad token it
    says invalid_token."""
    bare = await client.get(ME)
    assert_problem(bare, 401)
    assert bare.headers["www-authenticate"] == 'Bearer realm="shakti-mis"'
    bad = await client.get(ME, headers=bearer("not.a.token"))
    assert_problem(bad, 401)
    assert bad.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_revoke_with_an_access_token_ends_its_session(
    client: httpx.AsyncClient, worker: Actor
) -> None:
    current = await signed_in(client, worker)
    phone = await signed_in(client, worker)
    response = await client.post(
        REVOKE,
        data={"token": phone.access, "token_type_hint": "access_token"},
        headers=current.headers,
    )
    assert response.status_code == 200, response.text
    assert await me_status(client, phone.headers) == 401
    assert_problem(await refresh(client, phone.refresh), 400, "invalid_grant")
    assert await me_status(client, current.headers) == 200


async def test_revoke_with_someone_elses_access_token_is_a_no_op(
    client: httpx.AsyncClient, worker: Actor, factory: Factory, organization: UUID
) -> None:
    victim = await signed_in(client, worker)
    attacker = await signed_in(client, await factory.user(organization, Role.social_worker))
    response = await client.post(REVOKE, data={"token": victim.access}, headers=attacker.headers)
    assert response.status_code == 200, response.text
    assert await me_status(client, victim.headers) == 200


async def test_guessing_the_current_password_is_throttled(
    client: httpx.AsyncClient, worker: Actor, settings: Settings
) -> None:
    """A stolen access token must not allow unlimited guesses at the password."""
    attempt = {"current_password": "a wrong guess here", "new_password": NEW_PASSWORD}
    for _ in range(settings.login_max_failures_per_account):
        response = await client.post(f"{ME}/password", json=attempt, headers=worker.headers)
        assert_problem(response, 422)
    throttled = await client.post(
        f"{ME}/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=worker.headers,
    )
    assert_problem(throttled, 429)
    assert int(throttled.headers["retry-after"]) > 0
    # The right password was not accepted while locked, and signing in is locked too.
    assert (await sign_in(client, worker.email, NEW_PASSWORD)).status_code == 429
