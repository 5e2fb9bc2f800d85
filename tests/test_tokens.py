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
from domain.identity.tokens import MAX_TOKEN_BYTES, REQUIRED_CLAIMS
from persistence.database import Database
from tests.factories import DEFAULT_PASSWORD, SOUTH_24, Actor, Factory

ME = "/api/v1/me"
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
    response = await me(client, signed.token())
    assert response.status_code == 200, response.text
    assert response.json()["id"] == str(signed.actor.id)


async def test_issued_token_shape(factory: Factory, settings: Settings) -> None:
    tokens = factory.container.identity.tokens
    subject, session = uuid.uuid4(), uuid.uuid4()
    token = tokens.issue_access_token(subject, "user", 600, session_id=session)
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
    verified = tokens.verify_access_token(token)
    assert verified.subject == subject
    assert verified.session_id == session


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
    ],
    ids=["principal-kind", "no-session", "bad-session", "bad-subject", "string-iat"],
)
async def test_malformed_claims(
    client: httpx.AsyncClient, signed: Signed, changes: dict[str, Any]
) -> None:
    claims = signed.claims(**changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    assert_unauthenticated(await me(client, sign(claims, signed.key)))


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
    await connection.execute(
        text("UPDATE auth_session SET expires_at = :now WHERE id = :id"),
        {"now": datetime.now(UTC), "id": signed.session_id},
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
