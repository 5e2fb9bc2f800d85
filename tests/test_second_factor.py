"""The second factor (TOTP, RFC 6238): enrolling, confirming, signing in with a code or a
recovery code, replay and clock drift, throttling of wrong codes, the secret sealed at rest and
re-sealed by a key rotation, and roles that must enrol (production's default)."""

from __future__ import annotations

import dataclasses
import re
import uuid
from urllib.parse import parse_qs, urlparse
from uuid import UUID

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from api.container import Container
from domain.common.errors import NotAuthenticated
from domain.common.principal import Role
from domain.common.settings import SECOND_FACTOR_ROLES, Environment, Settings
from domain.identity.tokens import TokenSubject
from domain.identity.totp import OneTimePasswords, recovery_digest
from persistence.crypto import FieldCipher, Place, decode_key, new_key_text
from persistence.database import Database
from persistence.key_rotation import SEALED_COLUMNS, reseal_column
from tests.factories import DEFAULT_PASSWORD, SOUTH_24, Actor, Factory

API = "/api/v1"
TOKEN = f"{API}/auth/token"
ME = f"{API}/me"
ENROL = f"{API}/me/second-factor"
CONFIRM = f"{API}/me/second-factor/confirm"
PROBLEM = "urn:shakti-mis:problem:"
# A fixed moment (2027-01-15T08:00:00Z) on the clock the server's code checks read: the tests
# move it step by step, so that which 30-second step a code belongs to never depends on when
# the test runs.
T0 = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


# -- fixtures and helpers -------------------------------------------------------------------
@pytest.fixture(scope="module")
def shared_app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def container_for(settings: Settings, database: Database, clock: Clock) -> Container:
    container = Container.build(settings, database)
    container.identity = dataclasses.replace(container.identity, otp=OneTimePasswords(clock))
    return container


@pytest.fixture
def app(shared_app: FastAPI, settings: Settings, database: Database, clock: Clock) -> FastAPI:
    """The shared app on this test's transaction, its code checks on the test's clock."""
    shared_app.state.container = container_for(settings, database, clock)
    return shared_app


@pytest.fixture
async def organization(factory: Factory) -> UUID:
    return await factory.organization()


@pytest.fixture
async def manager(factory: Factory, organization: UUID) -> Actor:
    return await factory.user(organization, Role.program_manager)


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


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json")
    kind: str = response.json()["type"]
    return kind.removeprefix(PROBLEM)


def code_at(secret: str, moment: float) -> str:
    return pyotp.TOTP(secret).at(moment)


async def enrol(
    client: httpx.AsyncClient, actor: Actor, clock: Clock, headers: dict[str, str] | None = None
) -> tuple[str, list[str]]:
    """Enrol and confirm a second factor at the clock's moment; its secret and recovery
    codes."""
    headers = headers or actor.headers
    started = await client.post(ENROL, headers=headers)
    assert started.status_code == 201, started.text
    secret: str = started.json()["secret"]
    confirmed = await client.post(
        CONFIRM, json={"otp": code_at(secret, clock.now)}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
    codes: list[str] = confirmed.json()["recovery_codes"]
    return secret, codes


async def audit_of(connection: AsyncConnection, entity_type: str) -> list[tuple[str, str]]:
    rows = await connection.execute(
        text(
            "SELECT action::text, outcome::text FROM audit_event WHERE entity_type = :t "
            "ORDER BY seq"
        ),
        {"t": entity_type},
    )
    return [(row[0], row[1]) for row in rows]


async def login_failures(connection: AsyncConnection, user_id: UUID) -> int:
    count = await connection.scalar(
        text("SELECT count(*) FROM audit_event WHERE action = 'login_failed' AND entity_id = :id"),
        {"id": user_id},
    )
    return int(count or 0)


# -- enrolling and signing in ---------------------------------------------------------------
async def test_enrol_confirm_and_sign_in_with_a_code(
    client: httpx.AsyncClient, manager: Actor, clock: Clock, connection: AsyncConnection
) -> None:
    started = await client.post(ENROL, headers=manager.headers)
    assert started.status_code == 201, started.text
    body = started.json()
    secret = body["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)  # 160 bits, base32
    uri = urlparse(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert parse_qs(uri.query)["secret"] == [secret]
    assert parse_qs(uri.query)["issuer"] == ["Shakti MIS"]
    assert (body["digits"], body["period_seconds"]) == (6, 30)

    # Not in force until confirmed: the password alone still signs her in.
    assert (await sign_in(client, manager)).status_code == 200
    wrong = await client.post(CONFIRM, json={"otp": "000000"}, headers=manager.headers)
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["errors"][0]["loc"] == ["body", "otp"]
    assert (await sign_in(client, manager)).status_code == 200

    confirmed = await client.post(
        CONFIRM, json={"otp": code_at(secret, clock.now)}, headers=manager.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", code) for code in codes)

    # The password alone is refused now, in a way an app can tell from a wrong password.
    alone = await sign_in(client, manager)
    assert alone.status_code == 400, alone.text
    assert alone.json()["error"] == "invalid_grant"
    assert problem_type(alone) == "second-factor-required"
    wrong_password = await sign_in(client, manager, "not her password at all", otp="123456")
    assert problem_type(wrong_password) == "invalid_grant"

    clock.now += 30
    with_code = await sign_in(client, manager, otp=code_at(secret, clock.now))
    assert with_code.status_code == 200, with_code.text
    assert with_code.json()["refresh_token"]
    assert with_code.json()["second_factor_enrolment_required"] is None
    users = await client.get(f"{API}/users", headers=bearer(with_code.json()["access_token"]))
    assert users.status_code == 200

    assert await audit_of(connection, "second_factor") == [
        ("create", "success"),
        ("enable", "success"),
    ]


async def test_confirming_ends_her_other_sessions(
    client: httpx.AsyncClient, manager: Actor, clock: Clock
) -> None:
    elsewhere = await sign_in(client, manager)
    other = bearer(elsewhere.json()["access_token"])
    assert (await client.get(ME, headers=other)).status_code == 200
    await enrol(client, manager, clock)
    # The session opened without the factor ends; the one that confirmed it goes on.
    assert (await client.get(ME, headers=other)).status_code == 401
    refreshed = await client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": elsewhere.json()["refresh_token"]},
    )
    assert refreshed.status_code == 400
    assert (await client.get(ME, headers=manager.headers)).status_code == 200


async def test_a_code_works_once(client: httpx.AsyncClient, manager: Actor, clock: Clock) -> None:
    secret, _ = await enrol(client, manager, clock)
    # The code that confirmed the factor cannot sign her in (same step).
    confirm_code = await sign_in(client, manager, otp=code_at(secret, clock.now))
    assert problem_type(confirm_code) == "second-factor-rejected"

    clock.now += 60
    code = code_at(secret, clock.now)
    assert (await sign_in(client, manager, otp=code)).status_code == 200
    replayed = await sign_in(client, manager, otp=code)
    assert replayed.status_code == 400
    assert replayed.json()["error"] == "invalid_grant"
    assert problem_type(replayed) == "second-factor-rejected"
    # An earlier step, within the drift allowed, is refused once a later one was used.
    assert problem_type(await sign_in(client, manager, otp=code_at(secret, clock.now - 30))) == (
        "second-factor-rejected"
    )
    clock.now += 30
    assert (await sign_in(client, manager, otp=code_at(secret, clock.now))).status_code == 200


async def test_one_step_of_clock_drift_either_way_and_no_more(
    client: httpx.AsyncClient, manager: Actor, clock: Clock
) -> None:
    secret, _ = await enrol(client, manager, clock)
    clock.now += 600
    for skew in (-60, 60):  # two steps behind or ahead
        far = await sign_in(client, manager, otp=code_at(secret, clock.now + skew))
        assert problem_type(far) == "second-factor-rejected", skew
    behind = await sign_in(client, manager, otp=code_at(secret, clock.now - 30))
    assert behind.status_code == 200, behind.text
    ahead = await sign_in(client, manager, otp=code_at(secret, clock.now + 30))
    assert ahead.status_code == 200, ahead.text


async def test_a_wrong_code_is_a_failed_sign_in(
    client: httpx.AsyncClient,
    manager: Actor,
    clock: Clock,
    settings: Settings,
    connection: AsyncConnection,
) -> None:
    secret, codes = await enrol(client, manager, clock)
    clock.now += 300
    before = await login_failures(connection, manager.id)
    for wrong in ({"otp": "12345x"}, {"otp": "000000"}, {"recovery_code": "aaaa-bbbb-cccc-dddd"}):
        response = await sign_in(client, manager, **wrong)
        assert response.status_code == 400, response.text
        assert problem_type(response) == "second-factor-rejected"
        assert secret not in response.text
    # Recorded once per window with a count (see domain/audit/repeats.py), never three rows.
    assert await login_failures(connection, manager.id) == before + 1
    assert settings.login_max_failures_per_account == 3
    # The throttle counted them: even the right code (and a recovery code) waits now.
    locked = await sign_in(client, manager, otp=code_at(secret, clock.now))
    assert locked.status_code == 429, locked.text
    assert "Retry-After" in locked.headers
    assert (await sign_in(client, manager, recovery_code=codes[0])).status_code == 429


async def test_until_both_factors_are_proved_the_sign_in_counts_as_a_failure(
    client: httpx.AsyncClient, manager: Actor, clock: Clock
) -> None:
    """A right password without a code (or with a wrong one) stays a failed attempt for the
    throttle: the slot it took is given back only when both factors are right, which also
    forgets her earlier failures."""
    secret, _ = await enrol(client, manager, clock)
    clock.now += 300
    for _ in range(2):
        assert problem_type(await sign_in(client, manager)) == "second-factor-required"
    # Both factors: she is in, and the two attempts before are forgotten.
    assert (await sign_in(client, manager, otp=code_at(secret, clock.now))).status_code == 200
    clock.now += 30
    assert (await sign_in(client, manager, otp="000000")).status_code == 400
    assert problem_type(await sign_in(client, manager)) == "second-factor-required"
    assert (await sign_in(client, manager, otp="000001")).status_code == 400
    # Three failures since her last sign-in (the limit): even the right code waits now.
    assert (await sign_in(client, manager, otp=code_at(secret, clock.now))).status_code == 429


async def test_a_recovery_code_signs_her_in_once(
    client: httpx.AsyncClient, manager: Actor, clock: Clock, connection: AsyncConnection
) -> None:
    _, codes = await enrol(client, manager, clock)
    first = await sign_in(client, manager, recovery_code=codes[0])
    assert first.status_code == 200, first.text
    again = await sign_in(client, manager, recovery_code=codes[0])
    assert again.status_code == 400
    assert problem_type(again) == "second-factor-rejected"
    # Typed as people type: upper case, spaces instead of dashes.
    typed = codes[1].upper().replace("-", " ")
    assert (await sign_in(client, manager, recovery_code=typed)).status_code == 200
    assert await audit_of(connection, "recovery_code") == [
        ("update", "success"),
        ("update", "success"),
    ]
    both = await sign_in(client, manager, otp="123456", recovery_code=codes[2])
    assert both.status_code == 400
    # Only digests are stored.
    stored = [
        bytes(row[0])
        for row in await connection.execute(text("SELECT code_hash FROM recovery_code"))
    ]
    assert len(stored) == 10
    assert recovery_digest(codes[2]) in stored
    assert not any(code.replace("-", "").encode() in digest for code in codes for digest in stored)


async def test_the_secret_is_sealed_at_rest_and_a_key_rotation_reseals_it(
    client: httpx.AsyncClient,
    manager: Actor,
    clock: Clock,
    connection: AsyncConnection,
    database: Database,
    settings: Settings,
) -> None:
    secret, _ = await enrol(client, manager, clock)
    row = (
        await connection.execute(
            text("SELECT id, secret_enc FROM second_factor WHERE user_id = :u"), {"u": manager.id}
        )
    ).one()
    sealed = bytes(row.secret_enc)
    assert secret.encode() not in sealed
    assert secret.lower().encode() not in sealed.lower()
    cipher = database.cipher
    assert cipher is not None
    assert cipher.open(sealed, Place("second_factor", "secret_enc", row.id)) == secret.encode()

    # rotate-keys re-seals it under a new key; with only the new key she still signs in.
    spec = next(s for s in SEALED_COLUMNS if s.table == "second_factor")
    assert spec.column == "secret_enc"
    old_kid = settings.data_active_kid
    assert old_kid is not None
    index_key = decode_key(settings.blind_index_key.get_secret_value())  # type: ignore[union-attr]
    new_key = decode_key(new_key_text())
    old_key = decode_key(settings.data_keys[old_kid].get_secret_value())
    database.cipher = FieldCipher({old_kid: old_key, "rotated": new_key}, "rotated", index_key)
    report = await reseal_column(database, spec)
    assert report.resealed == 1
    database.cipher = FieldCipher({"rotated": new_key}, "rotated", index_key)
    resealed = (
        await connection.execute(
            text("SELECT secret_enc FROM second_factor WHERE id = :id"), {"id": row.id}
        )
    ).scalar_one()
    assert database.cipher.key_id(bytes(resealed)) == "rotated"
    clock.now += 60
    assert (await sign_in(client, manager, otp=code_at(secret, clock.now))).status_code == 200


# -- replacing and removing -----------------------------------------------------------------
async def test_enrolling_again_needs_a_code_and_the_old_factor_holds_until_confirmed(
    client: httpx.AsyncClient, manager: Actor, clock: Clock
) -> None:
    old_secret, codes = await enrol(client, manager, clock)
    clock.now += 60
    without = await client.post(ENROL, headers=manager.headers)
    assert without.status_code == 422, without.text
    wrong = await client.post(ENROL, json={"otp": "000000"}, headers=manager.headers)
    assert wrong.status_code == 422, wrong.text
    started = await client.post(ENROL, json={"recovery_code": codes[0]}, headers=manager.headers)
    assert started.status_code == 201, started.text
    new_secret = started.json()["secret"]
    assert new_secret != old_secret
    # Until the new one is confirmed, the old one signs her in.
    clock.now += 30
    assert (await sign_in(client, manager, otp=code_at(old_secret, clock.now))).status_code == 200
    clock.now += 30
    confirmed = await client.post(
        CONFIRM, json={"otp": code_at(new_secret, clock.now)}, headers=manager.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    clock.now += 30
    old = await sign_in(client, manager, otp=code_at(old_secret, clock.now))
    assert problem_type(old) == "second-factor-rejected"
    # The old recovery codes went with the old factor.
    assert (await sign_in(client, manager, recovery_code=codes[1])).status_code == 400
    fresh = confirmed.json()["recovery_codes"][0]
    assert (await sign_in(client, manager, recovery_code=fresh)).status_code == 200
    assert (await sign_in(client, manager, otp=code_at(new_secret, clock.now))).status_code == 200


async def test_removing_needs_a_code(
    client: httpx.AsyncClient, manager: Actor, clock: Clock, connection: AsyncConnection
) -> None:
    secret, _ = await enrol(client, manager, clock)
    clock.now += 60
    without = await client.request("DELETE", ENROL, json={}, headers=manager.headers)
    assert without.status_code == 422, without.text
    wrong = await client.request("DELETE", ENROL, json={"otp": "000000"}, headers=manager.headers)
    assert wrong.status_code == 422, wrong.text
    assert problem_type(await sign_in(client, manager)) == "second-factor-required"
    removed = await client.request(
        "DELETE", ENROL, json={"otp": code_at(secret, clock.now)}, headers=manager.headers
    )
    assert removed.status_code == 204, removed.text
    assert (await sign_in(client, manager)).status_code == 200
    gone = await client.request("DELETE", ENROL, json={"otp": "123456"}, headers=manager.headers)
    assert gone.status_code == 404
    assert (await audit_of(connection, "second_factor"))[-1] == ("delete", "success")


async def test_wrong_codes_at_the_enrolment_endpoints_are_throttled(
    client: httpx.AsyncClient, manager: Actor, clock: Clock
) -> None:
    """A stolen access token must not allow guessing codes to remove or replace her factor."""
    secret, _ = await enrol(client, manager, clock)
    clock.now += 60
    for n in range(3):
        guess = {"otp": f"{n:06d}"}
        response = await client.request("DELETE", ENROL, json=guess, headers=manager.headers)
        assert response.status_code == 422, response.text
    right = {"otp": code_at(secret, clock.now)}
    locked = await client.request("DELETE", ENROL, json=right, headers=manager.headers)
    assert locked.status_code == 429, locked.text
    assert (await client.post(ENROL, json=right, headers=manager.headers)).status_code == 429


async def test_only_platform_admins_and_program_managers_enrol(
    client: httpx.AsyncClient, factory: Factory, organization: UUID
) -> None:
    for role in Role:
        person = await factory.user(organization, role, districts=(SOUTH_24,))
        response = await client.post(ENROL, headers=person.headers)
        if role in SECOND_FACTOR_ROLES:
            assert response.status_code == 201, (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert problem_type(response) == "forbidden"


async def test_an_integration_client_never_holds_a_second_factor(
    client: httpx.AsyncClient, factory: Factory, organization: UUID, app: FastAPI
) -> None:
    """Even a client whose token names the scope (a grant written straight to the database
    would) is refused at every second-factor endpoint."""
    registered = await factory.integration_client(organization, Role.program_manager, scopes=[])
    token = app.state.container.identity.tokens.issue_access_token(
        TokenSubject(
            principal_kind="client",
            id=registered.id,
            organization_id=organization,
            role=Role.program_manager.value,
            access_version=1,
            scopes=("me:second-factor",),
        ),
        600,
    )
    headers = bearer(token)
    for method, path, body in (
        ("POST", ENROL, None),
        ("POST", CONFIRM, {"otp": "123456"}),
        ("DELETE", ENROL, {"otp": "123456"}),
    ):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, path, response.text)


def test_only_a_person_token_may_be_limited_to_enrolment(app: FastAPI) -> None:
    tokens = app.state.container.identity.tokens
    forged = tokens.issue_access_token(
        TokenSubject(
            principal_kind="client",
            id=uuid.uuid4(),
            organization_id=uuid.uuid4(),
            role="program_manager",
            access_version=1,
            scopes=(),
            enrolment_only=True,
        ),
        600,
    )
    with pytest.raises(NotAuthenticated):
        tokens.verify_access_token(forged)


# -- roles that must enrol ------------------------------------------------------------------
def test_production_requires_it_of_admins_and_managers_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SHAKTI_SECOND_FACTOR_REQUIRED_ROLES", raising=False)
    assert Settings(env=Environment.development).second_factor_roles == frozenset()
    assert Settings(env=Environment.production).second_factor_roles == {
        Role.platform_admin,
        Role.program_manager,
    }
    monkeypatch.setenv("SHAKTI_SECOND_FACTOR_REQUIRED_ROLES", "platform_admin")
    assert Settings(env=Environment.production).second_factor_roles == {Role.platform_admin}
    monkeypatch.setenv("SHAKTI_SECOND_FACTOR_REQUIRED_ROLES", "")
    assert Settings(env=Environment.production).second_factor_roles == frozenset()
    monkeypatch.setenv("SHAKTI_SECOND_FACTOR_REQUIRED_ROLES", "program_manager,social_worker")
    with pytest.raises(ValidationError):
        Settings()


@pytest.fixture
def production(app: FastAPI, settings: Settings, database: Database, clock: Clock) -> Settings:
    """The app serving with production's defaults (the keys of the test settings are not
    development keys; the start-up checks are tested in test_cli)."""
    live = settings.model_copy(update={"env": Environment.production})
    assert live.second_factor_required_roles is None
    app.state.container = container_for(live, database, clock)
    return live


async def test_in_production_a_manager_without_one_may_only_enrol(
    production: Settings,
    client: httpx.AsyncClient,
    factory: Factory,
    organization: UUID,
    manager: Actor,
    clock: Clock,
) -> None:
    survivor_case = f"{API}/cases/{uuid.uuid4()}"
    signed_in = await sign_in(client, manager)
    assert signed_in.status_code == 200, signed_in.text
    answer = signed_in.json()
    assert answer["second_factor_enrolment_required"] is True
    assert answer["refresh_token"] is None
    limited = bearer(answer["access_token"])

    me = await client.get(ME, headers=limited)
    assert me.status_code == 200
    assert me.json()["scopes"] == ["me:second-factor"]
    for method, path, body in (
        ("GET", f"{API}/users", None),
        ("GET", f"{API}/cases", None),  # the fast lane
        ("GET", survivor_case, None),
        ("POST", f"{ME}/password", {"current_password": "x", "new_password": "y" * 12}),
        ("GET", f"{API}/organizations", None),
    ):
        refused = await client.request(method, path, json=body, headers=limited)
        assert refused.status_code == 403, (path, refused.text)
        assert problem_type(refused) == "second-factor-enrolment-required"
        assert "second factor" in refused.json()["detail"]

    secret, _ = await enrol(client, manager, clock, headers=limited)
    # Confirmed, yet this token stays what it was; she signs in again with a code.
    assert (await client.get(f"{API}/users", headers=limited)).status_code == 403
    clock.now += 30
    full = await sign_in(client, manager, otp=code_at(secret, clock.now))
    assert full.status_code == 200, full.text
    assert full.json()["second_factor_enrolment_required"] is None
    assert full.json()["refresh_token"]
    users = await client.get(f"{API}/users", headers=bearer(full.json()["access_token"]))
    assert users.status_code == 200
    # Her role needs one: she may replace it, not remove it.
    clock.now += 30
    removal = await client.request(
        "DELETE",
        ENROL,
        json={"otp": code_at(secret, clock.now)},
        headers=bearer(full.json()["access_token"]),
    )
    assert removal.status_code == 409, removal.text
    # The limited token may still log out.
    assert (await client.post(f"{API}/auth/revoke", headers=limited)).status_code == 200
    assert (await client.get(ME, headers=limited)).status_code == 401


async def test_in_production_other_roles_sign_in_as_before(
    production: Settings, client: httpx.AsyncClient, factory: Factory, organization: UUID
) -> None:
    worker = await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))
    signed_in = await sign_in(client, worker)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["second_factor_enrolment_required"] is None
    assert signed_in.json()["refresh_token"]
    cases = await client.get(f"{API}/cases", headers=bearer(signed_in.json()["access_token"]))
    assert cases.status_code == 200


async def test_a_session_from_before_the_requirement_cannot_refresh_past_it(
    app: FastAPI,
    client: httpx.AsyncClient,
    manager: Actor,
    settings: Settings,
    database: Database,
    clock: Clock,
) -> None:
    before = await sign_in(client, manager)
    assert before.json()["refresh_token"]
    required = settings.model_copy(
        update={"second_factor_required_roles": frozenset({Role.program_manager})}
    )
    app.state.container = container_for(required, database, clock)
    refreshed = await client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": before.json()["refresh_token"]},
    )
    assert refreshed.status_code == 400, refreshed.text
    assert "second factor" in refreshed.json()["detail"]
    again = await sign_in(client, manager)
    assert again.json()["second_factor_enrolment_required"] is True
