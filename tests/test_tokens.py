"""Bearer access tokens: every forged, stale, mis-typed or revoked token gets the same 401.

Valid tokens are signed with python-jose and the test key; the attacks that the library itself
must refuse (``alg=none``, HS256 keyed with our public key) are crafted by hand, so that the
test does not depend on the library's own encoder agreeing to produce them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from annotated_types import MaxLen
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from jose import jwk, jwt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from api.container import Container
from domain.common.principal import Role
from domain.common.settings import Settings
from domain.identity.keys import generate_private_key_pem, public_key_pem
from domain.identity.tokens import (
    MAX_DISTRICTS_IN_TOKEN,
    MAX_TOKEN_BYTES,
    REQUIRED_CLAIMS,
    TokenSubject,
)
from domain.users.schemas import UserCreate
from persistence.database import Database
from persistence.models.district import District
from tests.factories import (
    DEFAULT_PASSWORD,
    NORTH_24,
    SOUTH_24,
    WEST_BENGAL,
    Actor,
    CaseFactory,
    Factory,
)

API = "/api/v1"
ME = f"{API}/me"
TOKEN = f"{API}/auth/token"
USERS = f"{API}/users"
CLIENTS = f"{API}/integration-clients"
ORGS = f"{API}/organizations"
INVALID_TOKEN = "The access token is not valid."
KID = "test-1"


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


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def sign(claims: dict[str, Any], key_pem: str, **headers: Any) -> str:
    """An ES256 token signed with ``key_pem``; ``kid`` defaults to the server's active kid."""
    headers.setdefault("kid", KID)
    return str(jwt.encode(claims, key_pem, algorithm="ES256", headers=headers))


def hs256_by_hand(claims: dict[str, Any], secret: bytes, kid: str | None = KID) -> str:
    header: dict[str, Any] = {"alg": "HS256", "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    signing_input = f"{b64url_json(header)}.{b64url_json(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


@dataclass
class Signed:
    """A person with a live sign-in session, and the claims of a valid token for it."""

    actor: Actor
    session_id: UUID
    settings: Settings
    key: str

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.settings.jwt_issuer,
            "aud": self.settings.jwt_audience,
            "sub": str(self.actor.id),
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
            "typ": "access",
            "pty": "user",
            "sid": str(self.session_id),
            "org": str(self.actor.organization_id),
            "role": self.actor.role.value,
            "av": 1,
            "dst": [str(SOUTH_24)],
        }
        claims.update(changes)
        return claims

    def token(self, **changes: Any) -> str:
        return sign(self.claims(**changes), self.key)


@pytest.fixture
async def signed(factory: Factory, settings: Settings, signing_key: str) -> Signed:
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))
    issued = jwt.get_unverified_claims(worker.headers["Authorization"].removeprefix("Bearer "))
    return Signed(worker, UUID(issued["sid"]), settings, signing_key)


def client_claims(actor: Actor, settings: Settings, **changes: Any) -> dict[str, Any]:
    """The claims of a valid token for an integration client (no session, granted scopes)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(actor.id),
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "typ": "access",
        "pty": "client",
        "org": str(actor.organization_id),
        "role": actor.role.value,
        "av": 1,
        "scope": "organizations:read",
    }
    claims.update(changes)
    return claims


def payload_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = json.loads(b64url_decode(token.split(".")[1]))
    return claims


def with_payload(token: str, **changes: Any) -> str:
    """``token`` with claims changed and its original signature kept (a forgery)."""
    head, payload, signature = token.split(".")
    claims = {**json.loads(b64url_decode(payload)), **changes}
    return f"{head}.{b64url_json(claims)}.{signature}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthenticated(response: httpx.Response, detail: str | None = INVALID_TOKEN) -> None:
    """401 problem+json with the request id, a Bearer challenge, and no hint of the defect."""
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401
    assert body["request_id"]
    assert body["request_id"] == response.headers["x-request-id"]
    if detail is not None:
        assert body["detail"] == detail
    assert response.headers["cache-control"] == "no-store"


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(ME, headers=bearer(token))


# -- the baseline: what a good token looks like ---------------------------------------------
async def test_hand_built_valid_token_is_accepted(
    client: httpx.AsyncClient, signed: Signed
) -> None:
    """The control for every test below: these claims, signed with our key, do pass."""
    # They name the holder as the server itself does when it issues her a token.
    issued = payload_of(signed.actor.headers["Authorization"].removeprefix("Bearer "))
    hand_built = signed.claims()
    for claim in ("sub", "pty", "sid", "org", "role", "av", "dst"):
        assert hand_built[claim] == issued[claim], claim
    response = await me(client, signed.token())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(signed.actor.id)
    assert body["kind"] == "user"
    assert body["organization_id"] == str(signed.actor.organization_id)
    assert body["role"] == "social_worker"
    assert body["district_ids"] == [str(SOUTH_24)]


async def test_issued_token_shape(factory: Factory, settings: Settings) -> None:
    tokens = factory.container.identity.tokens
    subject, session, organization = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    token = tokens.issue_access_token(
        TokenSubject(
            principal_kind="user",
            id=subject,
            organization_id=organization,
            role="social_worker",
            access_version=7,
            district_ids=(NORTH_24, SOUTH_24),
            session_id=session,
        ),
        600,
    )
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256"
    assert header["kid"] == KID
    assert header["typ"] == "at+jwt"
    claims = jwt.get_unverified_claims(token)
    assert set(REQUIRED_CLAIMS) <= set(claims)
    assert claims["iss"] == settings.jwt_issuer
    assert claims["aud"] == settings.jwt_audience
    assert claims["typ"] == "access"
    assert claims["exp"] - claims["iat"] == 600
    assert (claims["pty"], claims["sub"], claims["sid"]) == ("user", str(subject), str(session))
    assert (claims["org"], claims["role"], claims["av"]) == (
        str(organization),
        "social_worker",
        7,
    )
    assert claims["dst"] == sorted([str(NORTH_24), str(SOUTH_24)])
    assert "scope" not in claims
    verified = tokens.verify_access_token(token)
    assert verified.subject == subject
    assert verified.principal_kind == "user"
    assert verified.session_id == session
    assert verified.organization_id == organization
    assert verified.role == "social_worker"
    assert verified.access_version == 7
    assert verified.district_ids == {NORTH_24, SOUTH_24}
    assert verified.scopes is None


async def test_issued_client_token_shape(factory: Factory) -> None:
    tokens = factory.container.identity.tokens
    subject, organization = uuid.uuid4(), uuid.uuid4()
    token = tokens.issue_access_token(
        TokenSubject(
            principal_kind="client",
            id=subject,
            organization_id=organization,
            role="analyst",
            access_version=3,
            scopes=("organizations:read", "metrics:read"),
        ),
        300,
    )
    claims = jwt.get_unverified_claims(token)
    assert set(REQUIRED_CLAIMS) <= set(claims)
    assert (claims["pty"], claims["org"], claims["role"], claims["av"]) == (
        "client",
        str(organization),
        "analyst",
        3,
    )
    assert claims["scope"] == "metrics:read organizations:read"
    assert "sid" not in claims
    assert "dst" not in claims
    verified = tokens.verify_access_token(token)
    assert verified.subject == subject
    assert verified.session_id is None
    assert verified.district_ids == frozenset()
    assert set(verified.scopes or ()) == {"metrics:read", "organizations:read"}


# -- no token, wrong scheme -----------------------------------------------------------------
async def test_no_token(client: httpx.AsyncClient) -> None:
    response = await client.get(ME)
    assert_unauthenticated(response, detail=None)


async def test_basic_scheme_is_not_a_bearer_token(
    client: httpx.AsyncClient, signed: Signed
) -> None:
    response = await client.get(ME, headers={"Authorization": f"Basic {signed.token()}"})
    assert_unauthenticated(response, detail=None)


@pytest.mark.parametrize("garbage", ["x", "a.b.c", "....", "eyJ.eyJ.", "Bearer"])
async def test_garbage_token(client: httpx.AsyncClient, garbage: str) -> None:
    assert_unauthenticated(await me(client, garbage))


# -- algorithm confusion --------------------------------------------------------------------
@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none(client: httpx.AsyncClient, signed: Signed, alg: str) -> None:
    header = {"alg": alg, "typ": "JWT", "kid": KID}
    unsigned = f"{b64url_json(header)}.{b64url_json(signed.claims())}."
    assert_unauthenticated(await me(client, unsigned))


@pytest.mark.parametrize("kid", [KID, None])
@pytest.mark.parametrize("encoding", ["pem", "der"])
async def test_hs256_keyed_with_our_public_key(
    client: httpx.AsyncClient, signed: Signed, encoding: str, kid: str | None
) -> None:
    """The classic key-confusion attack: the public key used as an HMAC secret."""
    pem = public_key_pem(signed.key)
    if encoding == "pem":
        secret = pem.encode()
    else:
        public = serialization.load_pem_public_key(pem.encode())
        secret = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    forged = hs256_by_hand(signed.claims(), secret, kid=kid)
    assert_unauthenticated(await me(client, forged))


async def test_other_asymmetric_algorithm_with_our_key(
    client: httpx.AsyncClient, signed: Signed
) -> None:
    """A token claiming ES384 (not the pinned ES256) is refused even if it would verify."""
    token = signed.token()
    head, payload, signature = token.split(".")
    header = json.loads(b64url_decode(head))
    header["alg"] = "ES384"
    assert_unauthenticated(await me(client, f"{b64url_json(header)}.{payload}.{signature}"))


# -- time, audience, issuer -----------------------------------------------------------------
async def test_expired_token(client: httpx.AsyncClient, signed: Signed) -> None:
    now = int(time.time())
    token = signed.token(iat=now - 3600, nbf=now - 3600, exp=now - 60)
    assert_unauthenticated(await me(client, token))


async def test_token_issued_in_the_future(client: httpx.AsyncClient, signed: Signed) -> None:
    now = int(time.time())
    token = signed.token(iat=now + 3600, nbf=now - 10, exp=now + 7200)
    assert_unauthenticated(await me(client, token))


@pytest.mark.parametrize("audience", ["someone-else", ["someone-else"], ""])
async def test_wrong_audience(client: httpx.AsyncClient, signed: Signed, audience: Any) -> None:
    assert_unauthenticated(await me(client, signed.token(aud=audience)))


@pytest.mark.parametrize("issuer", ["https://evil.example", "shakti-mis ", ""])
async def test_wrong_issuer(client: httpx.AsyncClient, signed: Signed, issuer: str) -> None:
    assert_unauthenticated(await me(client, signed.token(iss=issuer)))


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
async def test_missing_required_claim(
    client: httpx.AsyncClient, signed: Signed, claim: str
) -> None:
    claims = signed.claims()
    del claims[claim]
    assert_unauthenticated(await me(client, sign(claims, signed.key)))


@pytest.mark.parametrize(
    "changes",
    [
        {"pty": "system"},
        {"sid": None},
        {"sid": "not-a-uuid"},
        {"sub": "not-a-uuid"},
        {"iat": "0"},
        {"org": "not-a-uuid"},
        {"role": "overlord"},
        {"role": 1},
        {"av": "1"},
        {"av": True},
        {"av": 1.0},
        {"dst": str(SOUTH_24)},
        {"dst": ["not-a-uuid"]},
        {"dst": [str(uuid.uuid4()) for _ in range(61)]},
        {"scope": ["organizations:read"]},
        {"dst_lookup": "yes"},
        {"dst_lookup": 1},
        {"dst_lookup": True},  # and a district list as well
    ],
    ids=[
        "principal-kind",
        "no-session",
        "bad-session",
        "bad-subject",
        "string-iat",
        "bad-organization",
        "unknown-role",
        "number-role",
        "string-version",
        "bool-version",
        "float-version",
        "string-districts",
        "bad-district",
        "too-many-districts",
        "list-scope",
        "string-lookup",
        "number-lookup",
        "lookup-and-list",
    ],
)
async def test_malformed_claims(
    client: httpx.AsyncClient, signed: Signed, changes: dict[str, Any]
) -> None:
    claims = signed.claims(**changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    assert_unauthenticated(await me(client, sign(claims, signed.key)))


async def test_a_client_token_cannot_ask_for_a_district_lookup(
    client: httpx.AsyncClient, factory: Factory, settings: Settings, signing_key: str
) -> None:
    actor = await factory.integration_client(
        await factory.organization(), Role.analyst, ["organizations:read"]
    )
    assert (await me(client, sign(client_claims(actor, settings), signing_key))).status_code == 200
    forged = sign(client_claims(actor, settings, dst_lookup=True), signing_key)
    assert_unauthenticated(await me(client, forged))


# -- lifetime -------------------------------------------------------------------------------
async def test_a_correctly_signed_token_that_lives_too_long_is_refused(
    client: httpx.AsyncClient, signed: Signed, factory: Factory, settings: Settings
) -> None:
    """Signed with the real key, but living two hours: this server never issues such a token,
    so it is not one of ours (a stolen signing key would otherwise mint long-lived ones)."""
    now = int(time.time())
    longest = max(settings.access_token_ttl_seconds, settings.client_token_ttl_seconds)
    assert (await me(client, signed.token(iat=now, nbf=now, exp=now + longest))).status_code == 200
    assert_unauthenticated(await me(client, signed.token(iat=now, nbf=now, exp=now + 7200)))
    assert_unauthenticated(await me(client, signed.token(iat=now, nbf=now, exp=now + longest + 1)))
    # Backdating iat does not help: exp - iat is what counts.
    assert_unauthenticated(await me(client, signed.token(iat=now - 7000, nbf=now, exp=now + 200)))
    actor = await factory.integration_client(
        await factory.organization(), Role.analyst, ["organizations:read"]
    )
    long_client = client_claims(actor, settings, iat=now, nbf=now, exp=now + 7200)
    assert_unauthenticated(await me(client, sign(long_client, signed.key)))


def test_the_server_does_not_issue_tokens_longer_than_its_maximum(factory: Factory) -> None:
    tokens = factory.container.identity.tokens
    subject = TokenSubject(
        principal_kind="client",
        id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        role="analyst",
        access_version=1,
        scopes=(),
    )
    with pytest.raises(ValueError, match="lifetime"):
        tokens.issue_access_token(subject, tokens.max_lifetime_seconds + 1)


# -- districts ------------------------------------------------------------------------------
async def test_a_user_with_the_most_districts_the_schema_allows_signs_in(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """The schema allows more districts than a token lists: such a token says so, and her
    districts are read from the database (her scope is whole, on the fast lane too)."""
    limit = next(
        rule.max_length
        for rule in UserCreate.model_fields["district_ids"].metadata
        if isinstance(rule, MaxLen)
    )
    assert limit > MAX_DISTRICTS_IN_TOKEN
    districts = [uuid.uuid4() for _ in range(limit)]
    async with factory.uow() as uow:
        for n, district in enumerate(districts):
            uow.session.add(
                District(id=district, state_id=WEST_BENGAL, name=f"Test {n:03} {district}")
            )
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker, districts=tuple(districts))

    signed_in = await client.post(
        TOKEN,
        data={"grant_type": "password", "username": worker.email, "password": DEFAULT_PASSWORD},
    )
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["access_token"]
    assert len(token) < MAX_TOKEN_BYTES
    claims = payload_of(token)
    assert "dst" not in claims
    assert claims["dst_lookup"] is True

    mine = await me(client, token)
    assert mine.status_code == 200, mine.text
    assert mine.json()["district_ids"] == sorted(str(d) for d in districts)

    # A case in her last district, not assigned to her: her district scope reaches it.
    cases = CaseFactory(factory)
    await cases.allow_district_visibility(organization)
    case = await cases.case(
        organization, await cases.survivor(organization), district_id=districts[-1]
    )
    read = await client.get(f"{API}/cases/{case}", headers=bearer(token))
    assert read.status_code == 200, read.text
    listed = await client.get(f"{API}/cases", headers=bearer(token))
    assert [c["id"] for c in listed.json()["items"]] == [str(case)]


# -- wrong kind of token --------------------------------------------------------------------
async def test_refresh_token_as_bearer(client: httpx.AsyncClient, signed: Signed) -> None:
    grant = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "password",
            "username": signed.actor.email,
            "password": DEFAULT_PASSWORD,
        },
    )
    assert grant.status_code == 200, grant.text
    refresh = grant.json()["refresh_token"]
    assert refresh.startswith("r1_")
    assert_unauthenticated(await me(client, refresh))
    # The session is live: its access token does work.
    assert (await me(client, grant.json()["access_token"])).status_code == 200


@pytest.mark.parametrize("typ", ["refresh", "id", "", None])
async def test_signed_token_of_another_type(
    client: httpx.AsyncClient, signed: Signed, typ: str | None
) -> None:
    assert_unauthenticated(await me(client, signed.token(typ=typ)))


# -- tampering ------------------------------------------------------------------------------
async def test_tampered_signature(client: httpx.AsyncClient, signed: Signed) -> None:
    head, payload, signature = signed.token().split(".")
    raw = bytearray(b64url_decode(signature))
    raw[len(raw) // 2] ^= 0x01
    assert_unauthenticated(await me(client, f"{head}.{payload}.{b64url(bytes(raw))}"))


async def test_truncated_signature(client: httpx.AsyncClient, signed: Signed) -> None:
    head, payload, signature = signed.token().split(".")
    assert_unauthenticated(await me(client, f"{head}.{payload}.{signature[:-8]}"))


async def test_tampered_payload(
    client: httpx.AsyncClient, signed: Signed, factory: Factory
) -> None:
    """Swapping the subject for a platform admin's, keeping the signature, gets nothing."""
    admin = await factory.platform_admin()
    head, _, signature = signed.token().split(".")
    payload = b64url_json(signed.claims(sub=str(admin.id)))
    assert_unauthenticated(await me(client, f"{head}.{payload}.{signature}"))


async def test_signed_subject_with_someone_elses_session(
    client: httpx.AsyncClient, signed: Signed, factory: Factory
) -> None:
    """A session id only vouches for the person it belongs to."""
    admin = await factory.platform_admin()
    assert_unauthenticated(await me(client, signed.token(sub=str(admin.id))))


# -- keys -----------------------------------------------------------------------------------
async def test_unknown_kid_with_our_key(client: httpx.AsyncClient, signed: Signed) -> None:
    token = sign(signed.claims(), signed.key, kid="test-2")
    assert_unauthenticated(await me(client, token))


async def test_unknown_kid_with_another_key(client: httpx.AsyncClient, signed: Signed) -> None:
    token = sign(signed.claims(), generate_private_key_pem(), kid="attacker")
    assert_unauthenticated(await me(client, token))


async def test_known_kid_with_another_key(client: httpx.AsyncClient, signed: Signed) -> None:
    assert_unauthenticated(await me(client, sign(signed.claims(), generate_private_key_pem())))


@pytest.mark.parametrize("kid", [None, 1, ["test-1"]], ids=["absent", "number", "list"])
async def test_kid_not_a_known_string(client: httpx.AsyncClient, signed: Signed, kid: Any) -> None:
    head, payload, _ = signed.token().split(".")
    header = json.loads(b64url_decode(head))
    if kid is None:
        del header["kid"]
    else:
        header["kid"] = kid
    # Re-sign over the new header so only the kid is at fault.
    signing_input = f"{b64url_json(header)}.{payload}"
    key = jwk.construct(signed.key, "ES256")
    token = f"{signing_input}.{b64url(key.sign(signing_input.encode()))}"
    assert_unauthenticated(await me(client, token))


def _attacker_jwk(pem: str) -> dict[str, Any]:
    public = jwk.construct(pem, "ES256").public_key().to_dict()
    return {name: value for name, value in public.items() if name != "alg"}


@pytest.mark.parametrize("header", ["jku", "jwk", "x5u"])
async def test_key_location_headers_with_our_key(
    client: httpx.AsyncClient, signed: Signed, header: str
) -> None:
    """Even correctly signed, a token that points elsewhere for its key is refused."""
    value: Any = (
        _attacker_jwk(generate_private_key_pem())
        if header == "jwk"
        else "https://evil.example/keys.json"
    )
    token = sign(signed.claims(), signed.key, **{header: value})
    assert_unauthenticated(await me(client, token))


async def test_embedded_jwk_of_attacker(client: httpx.AsyncClient, signed: Signed) -> None:
    attacker = generate_private_key_pem()
    token = sign(signed.claims(), attacker, jwk=_attacker_jwk(attacker))
    assert_unauthenticated(await me(client, token))
    token = sign(signed.claims(), attacker, kid="attacker", jku="https://evil.example/jwks")
    assert_unauthenticated(await me(client, token))


# -- shape and size -------------------------------------------------------------------------
async def test_jwe_shaped_token(client: httpx.AsyncClient, signed: Signed) -> None:
    header = b64url_json({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": KID})
    parts = [
        header,
        b64url(b"k" * 32),
        b64url(b"i" * 12),
        b64url_json(signed.claims()),
        b64url(b"t" * 16),
    ]
    assert_unauthenticated(await me(client, ".".join(parts)))


async def test_four_part_token(client: httpx.AsyncClient, signed: Signed) -> None:
    assert_unauthenticated(await me(client, signed.token() + ".extra"))


async def test_oversized_token(client: httpx.AsyncClient, signed: Signed) -> None:
    """Correctly signed, but past the size limit: refused before it is parsed."""
    token = signed.token(pad="x" * MAX_TOKEN_BYTES)
    assert len(token) > MAX_TOKEN_BYTES
    assert_unauthenticated(await me(client, token))


async def test_token_just_under_the_limit_is_accepted(
    client: httpx.AsyncClient, signed: Signed
) -> None:
    base = len(signed.token(pad=""))
    # Base64 grows by 4/3; leave some slack under the limit.
    token = signed.token(pad="x" * ((MAX_TOKEN_BYTES - base) * 3 // 4 - 8))
    assert MAX_TOKEN_BYTES - 16 < len(token) <= MAX_TOKEN_BYTES
    assert (await me(client, token)).status_code == 200


# -- valid tokens whose holder is no longer trusted -----------------------------------------
async def test_token_of_user_disabled_since(
    client: httpx.AsyncClient, signed: Signed, factory: Factory
) -> None:
    token = signed.token()
    assert (await me(client, token)).status_code == 200
    admin = await factory.platform_admin()
    disabled = await client.post(f"/api/v1/users/{signed.actor.id}/disable", headers=admin.headers)
    assert disabled.status_code == 200, disabled.text
    assert_unauthenticated(await me(client, token))
    assert_unauthenticated(await client.get(ME, headers=signed.actor.headers))
    # Enabling the account again does not bring its old sessions back.
    enabled = await client.post(f"/api/v1/users/{signed.actor.id}/enable", headers=admin.headers)
    assert enabled.status_code == 200, enabled.text
    assert_unauthenticated(await me(client, token))


async def test_token_of_user_disabled_without_ending_sessions(
    client: httpx.AsyncClient, signed: Signed, connection: AsyncConnection
) -> None:
    """Disabling ends sessions too, but the account's own flag is checked on every request
    (an account disabled by any other path, its sessions left alone, still gets nothing)."""
    token = signed.token()
    await connection.execute(
        text("UPDATE app_user SET disabled_at = :now WHERE id = :id"),
        {"now": datetime.now(UTC), "id": signed.actor.id},
    )
    assert_unauthenticated(await me(client, token))


async def test_token_of_revoked_session(
    client: httpx.AsyncClient, signed: Signed, connection: AsyncConnection
) -> None:
    token = signed.token()
    assert (await me(client, token)).status_code == 200
    await connection.execute(
        text("UPDATE auth_session SET revoked_at = :now, revoked_reason = 'logout' WHERE id = :id"),
        {"now": datetime.now(UTC), "id": signed.session_id},
    )
    assert_unauthenticated(await me(client, token))


async def test_token_of_expired_session(
    client: httpx.AsyncClient, signed: Signed, connection: AsyncConnection
) -> None:
    assert (await me(client, signed.token())).status_code == 200
    # Expired by the database's clock (the session check runs there).
    await connection.execute(
        text("UPDATE auth_session SET expires_at = now() - interval '1 second' WHERE id = :id"),
        {"id": signed.session_id},
    )
    assert_unauthenticated(await me(client, signed.token()))


async def test_token_of_unknown_session(client: httpx.AsyncClient, signed: Signed) -> None:
    assert_unauthenticated(await me(client, signed.token(sid=str(uuid.uuid4()))))


async def test_user_token_of_unknown_subject(client: httpx.AsyncClient, signed: Signed) -> None:
    assert_unauthenticated(await me(client, signed.token(sub=str(uuid.uuid4()))))


async def test_client_token_of_a_user_id(client: httpx.AsyncClient, signed: Signed) -> None:
    """A user's id presented as an integration client's is not a client."""
    claims = signed.claims(pty="client", scope="organizations:read")
    del claims["sid"]
    assert_unauthenticated(await me(client, sign(claims, signed.key)))


async def test_token_of_user_enabled_again_needs_a_new_one(
    client: httpx.AsyncClient, signed: Signed, factory: Factory
) -> None:
    """Disabling and enabling each move the account's access version: a token issued before
    either is dead, one issued after names the new version and works."""
    admin = await factory.platform_admin()
    url = f"{USERS}/{signed.actor.id}"
    assert (await client.post(f"{url}/disable", headers=admin.headers)).status_code == 200
    while_disabled = await factory.user_headers(signed.actor.id)
    assert_unauthenticated(await client.get(ME, headers=while_disabled))
    assert (await client.post(f"{url}/enable", headers=admin.headers)).status_code == 200
    assert_unauthenticated(await client.get(ME, headers=while_disabled))
    fresh = await factory.user_headers(signed.actor.id)
    claims = payload_of(fresh["Authorization"].removeprefix("Bearer "))
    assert claims["av"] == 3
    assert (await client.get(ME, headers=fresh)).status_code == 200
    # In the live session, only the current version passes.
    assert_unauthenticated(await me(client, signed.token(sid=claims["sid"], av=1)))
    assert_unauthenticated(await me(client, signed.token(sid=claims["sid"], av=2)))
    assert (await me(client, signed.token(sid=claims["sid"], av=3))).status_code == 200
    # The sessions the disabling ended stay ended, whatever version a token names.
    assert_unauthenticated(await me(client, signed.token(av=3)))


# -- tokens name who the holder is: the access version ends them when that changes ----------
async def test_user_token_of_an_older_access_version(
    client: httpx.AsyncClient, signed: Signed, connection: AsyncConnection
) -> None:
    token = signed.token()
    assert (await me(client, token)).status_code == 200  # verified, and remembered
    await connection.execute(
        text("UPDATE app_user SET access_version = 2 WHERE id = :id"), {"id": signed.actor.id}
    )
    # The remembered verification does not spare the check against the account.
    assert_unauthenticated(await me(client, token))
    assert_unauthenticated(await client.get(ME, headers=signed.actor.headers))
    assert_unauthenticated(await me(client, signed.token(av=0)))
    assert_unauthenticated(await me(client, signed.token(av=3)))  # nor a version to come
    assert (await me(client, signed.token(av=2))).status_code == 200


async def test_client_token_of_an_older_access_version(
    client: httpx.AsyncClient,
    factory: Factory,
    settings: Settings,
    signing_key: str,
    connection: AsyncConnection,
) -> None:
    organization = await factory.organization()
    integration = await factory.integration_client(
        organization, Role.analyst, ["organizations:read"]
    )
    token = sign(client_claims(integration, settings), signing_key)
    assert (await client.get(ORGS, headers=integration.headers)).status_code == 200
    assert (await me(client, token)).status_code == 200
    await connection.execute(
        text("UPDATE integration_client SET access_version = 2 WHERE id = :id"),
        {"id": integration.id},
    )
    assert_unauthenticated(await me(client, token))
    assert_unauthenticated(await client.get(ORGS, headers=integration.headers))
    assert_unauthenticated(
        await me(client, sign(client_claims(integration, settings, av=3), signing_key))
    )
    current = sign(client_claims(integration, settings, av=2), signing_key)
    assert (await me(client, current)).status_code == 200
    assert (await client.get(ORGS, headers=bearer(current))).status_code == 200


async def test_changing_her_districts_or_role_ends_her_tokens(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """Her tokens name her role and districts: a change ends them at once, and the next token
    she gets (refreshed or signed in anew) names the change."""
    admin = await factory.platform_admin()
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))
    url = f"{USERS}/{worker.id}"
    grant = await client.post(
        TOKEN,
        data={"grant_type": "password", "username": worker.email, "password": DEFAULT_PASSWORD},
    )
    assert grant.status_code == 200, grant.text
    first = grant.json()["access_token"]
    assert (await me(client, first)).json()["district_ids"] == [str(SOUTH_24)]

    moved = await client.patch(
        url,
        json={"district_ids": [str(NORTH_24)]},
        headers={**admin.headers, "If-Match": '"v1"'},
    )
    assert moved.status_code == 200, moved.text
    assert_unauthenticated(await me(client, first))
    assert_unauthenticated(await client.get(ME, headers=worker.headers))

    refreshed = await client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": grant.json()["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()["access_token"]
    claims = payload_of(second)
    assert (claims["dst"], claims["role"], claims["av"]) == ([str(NORTH_24)], "social_worker", 2)
    shown = (await me(client, second)).json()
    assert (shown["district_ids"], shown["role"]) == ([str(NORTH_24)], "social_worker")

    promoted = await client.patch(
        url, json={"role": "program_manager"}, headers={**admin.headers, "If-Match": '"v2"'}
    )
    assert promoted.status_code == 200, promoted.text
    assert_unauthenticated(await me(client, second))
    again = await client.post(
        TOKEN,
        data={"grant_type": "password", "username": worker.email, "password": DEFAULT_PASSWORD},
    )
    assert again.status_code == 200, again.text
    third = again.json()["access_token"]
    assert (payload_of(third)["role"], payload_of(third)["av"]) == ("program_manager", 3)
    shown = (await me(client, third)).json()
    assert (shown["district_ids"], shown["role"]) == ([str(NORTH_24)], "program_manager")

    # A change the token does not name leaves it alone.
    renamed = await client.patch(
        url, json={"full_name": "Rupa Mondal"}, headers={**admin.headers, "If-Match": '"v3"'}
    )
    assert renamed.status_code == 200, renamed.text
    assert (await me(client, third)).status_code == 200


async def client_token(client: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def test_changing_a_clients_scopes_or_role_ends_its_tokens(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    created = await client.post(
        CLIENTS,
        json={"name": "Dashboard", "organization_id": str(organization), "role": "analyst",
              "scopes": ["organizations:read"]},
        headers=admin.headers,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    client_id, secret = created.json()["id"], created.json()["client_secret"]
    url = f"{CLIENTS}/{client_id}"
    first = await client_token(client, client_id, secret)
    assert (await client.get(ORGS, headers=bearer(first))).status_code == 200

    narrowed = await client.patch(
        url, json={"scopes": ["metrics:read"]}, headers={**admin.headers, "If-Match": '"v1"'}
    )
    assert narrowed.status_code == 200, narrowed.text
    assert_unauthenticated(await client.get(ORGS, headers=bearer(first)))
    assert_unauthenticated(await me(client, first))
    second = await client_token(client, client_id, secret)
    assert (payload_of(second)["scope"], payload_of(second)["av"]) == ("metrics:read", 2)
    assert (await me(client, second)).json()["scopes"] == ["metrics:read"]
    assert (await client.get(ORGS, headers=bearer(second))).status_code == 403

    changed = await client.patch(
        url,
        json={"role": "partner_staff", "scopes": ["organizations:read"]},
        headers={**admin.headers, "If-Match": '"v2"'},
    )
    assert changed.status_code == 200, changed.text
    assert_unauthenticated(await me(client, second))
    third = await client_token(client, client_id, secret)
    assert (payload_of(third)["role"], payload_of(third)["av"]) == ("partner_staff", 3)
    shown = (await me(client, third)).json()
    assert (shown["role"], shown["scopes"]) == ("partner_staff", ["organizations:read"])
    assert (await client.get(ORGS, headers=bearer(third))).status_code == 200

    # Renaming names nothing in the token; rotating the secret ends its tokens.
    renamed = await client.patch(
        url, json={"name": "Board"}, headers={**admin.headers, "If-Match": '"v3"'}
    )
    assert renamed.status_code == 200, renamed.text
    assert (await me(client, third)).status_code == 200
    rotated = await client.post(f"{url}/rotate-secret", headers=admin.headers)
    assert rotated.status_code == 200, rotated.text
    assert_unauthenticated(await me(client, third))
    fourth = await client_token(client, client_id, rotated.json()["client_secret"])
    assert payload_of(fourth)["av"] == 4
    assert (await me(client, fourth)).status_code == 200


@pytest.mark.parametrize("claim", ["org", "role", "dst", "av", "sid"])
async def test_a_user_token_naming_more_than_was_issued_fails_its_signature(
    client: httpx.AsyncClient, signed: Signed, factory: Factory, claim: str
) -> None:
    """Claims are trusted because they are signed: changing who the holder is (another
    organisation, a higher role, more districts) breaks the signature, even where the account
    check alone would not notice."""
    issued = signed.actor.headers["Authorization"].removeprefix("Bearer ")
    other_organization = await factory.organization()
    other_session = payload_of((await factory.user_headers(signed.actor.id))["Authorization"])
    value = {
        "org": str(other_organization),
        "role": Role.platform_admin.value,
        "dst": sorted([str(SOUTH_24), str(NORTH_24)]),
        "av": payload_of(issued)["av"] + 1,
        "sid": other_session["sid"],
    }[claim]
    assert payload_of(issued)[claim] != value
    forged = with_payload(issued, **{claim: value})
    assert_unauthenticated(await me(client, forged))
    # The same claims, signed by us, would have passed (the organisation, role, districts
    # and the other session are all live): only the signature stands in the way.
    if claim != "av":
        resigned = sign(payload_of(forged), signed.key)
        assert (await me(client, resigned)).status_code == 200
    assert (await me(client, issued)).status_code == 200


@pytest.mark.parametrize("claim", ["org", "role", "scope"])
async def test_a_client_token_naming_more_than_was_issued_fails_its_signature(
    client: httpx.AsyncClient, factory: Factory, claim: str
) -> None:
    organization = await factory.organization()
    other_organization = await factory.organization()
    integration = await factory.integration_client(
        organization, Role.analyst, ["organizations:read"]
    )
    issued = integration.headers["Authorization"].removeprefix("Bearer ")
    value = {
        "org": str(other_organization),
        "role": Role.program_manager.value,
        "scope": "organizations:read users:read users:manage",
    }[claim]
    forged = with_payload(issued, **{claim: value})
    assert_unauthenticated(await client.get(ORGS, headers=bearer(forged)))
    assert_unauthenticated(await me(client, forged))
    assert (await client.get(ORGS, headers=bearer(issued))).status_code == 200
