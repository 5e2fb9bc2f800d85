"""Access tokens: the only module that touches python-jose.

One asymmetric algorithm (ES256) is pinned when signing and when verifying; the verification
key is chosen by ``kid`` among configured keys only (``jku``, ``x5u``, ``jwk`` headers are never
followed); ``exp``, ``iat``, ``iss``, ``aud``, ``sub`` and ``typ`` are required; oversized tokens
and JWE are refused before parsing. Refresh tokens are opaque (see ``service.py``), so a
refresh token can never pass as an access token.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from uuid import UUID

from jose import jwk, jwt
from jose.backends.base import Key
from jose.exceptions import JOSEError

from domain.common.errors import NotAuthenticated

ALGORITHM = "ES256"
ACCESS_TOKEN_TYP = "access"
HEADER_TYP = "at+jwt"  # RFC 9068
MAX_TOKEN_BYTES = 4096
CLOCK_SKEW_SECONDS = 10
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "typ", "jti")
_FORBIDDEN_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c", "crit", "zip", "enc"})


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: UUID
    principal_kind: str  # "user" or "client"
    session_id: UUID | None
    token_id: str
    expires_at: int
    scopes: tuple[str, ...] | None = None  # clients: the scopes asked for at issue


class KeyRing:
    """The signing key and every key accepted for verification, by kid."""

    def __init__(self, signing_kid: str, signing_pem: str, public_pems: Mapping[str, str]):
        self.signing_kid = signing_kid
        self._signing_key: Key = jwk.construct(signing_pem, ALGORITHM)
        self._verification: dict[str, Key] = {
            kid: jwk.construct(pem, ALGORITHM) for kid, pem in public_pems.items()
        }
        self._verification[signing_kid] = self._signing_key.public_key()

    @property
    def signing_key(self) -> Key:
        return self._signing_key

    def verification_key(self, kid: object) -> Key | None:
        if not isinstance(kid, str):
            return None
        return self._verification.get(kid)

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._verification)


class TokenService:
    """Issues and verifies access tokens."""

    def __init__(
        self,
        keyring: KeyRing,
        *,
        issuer: str,
        audience: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keyring = keyring
        self.issuer = issuer
        self.audience = audience
        self._clock = clock

    def issue_access_token(
        self,
        subject: UUID,
        principal_kind: str,
        ttl_seconds: int,
        session_id: UUID | None = None,
        scopes: list[str] | None = None,
    ) -> str:
        now = int(self._clock())
        claims: dict[str, object] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(subject),
            "iat": now,
            "nbf": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
            "typ": ACCESS_TOKEN_TYP,
            "pty": principal_kind,
        }
        if session_id is not None:
            claims["sid"] = str(session_id)
        if scopes is not None:
            claims["scope"] = " ".join(scopes)
        return str(
            jwt.encode(
                claims,
                self.keyring.signing_key,
                algorithm=ALGORITHM,
                headers={"kid": self.keyring.signing_kid, "typ": HEADER_TYP},
            )
        )

    def verify_access_token(self, token: str) -> AccessClaims:
        """The token's claims, or NotAuthenticated for any defect (never says which)."""
        if not token or len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
            raise NotAuthenticated("The access token is not valid.")
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM or _FORBIDDEN_HEADERS.intersection(header):
                raise NotAuthenticated("The access token is not valid.")
            key = self.keyring.verification_key(header.get("kid"))
            if key is None:
                raise NotAuthenticated("The access token is not valid.")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require_exp": True,
                    "require_iat": True,
                    "require_iss": True,
                    "require_aud": True,
                    "require_sub": True,
                    "require_jti": True,
                    "leeway": CLOCK_SKEW_SECONDS,
                },
            )
        except JOSEError as exc:
            raise NotAuthenticated("The access token is not valid.") from exc
        return _access_claims(claims, self._clock())


def _access_claims(claims: Mapping[str, object], now: float) -> AccessClaims:
    invalid = NotAuthenticated("The access token is not valid.")
    if any(name not in claims for name in REQUIRED_CLAIMS):
        raise invalid
    if claims.get("typ") != ACCESS_TOKEN_TYP or claims.get("pty") not in {"user", "client"}:
        raise invalid
    iat, exp = claims["iat"], claims["exp"]
    if not isinstance(iat, int) or not isinstance(exp, int) or iat > now + CLOCK_SKEW_SECONDS:
        raise invalid
    try:
        subject = UUID(str(claims["sub"]))
        sid = claims.get("sid")
        session_id = UUID(str(sid)) if sid is not None else None
    except ValueError as exc:
        raise invalid from exc
    if claims["pty"] == "user" and session_id is None:
        raise invalid
    scope = claims.get("scope")
    if scope is not None and not isinstance(scope, str):
        raise invalid
    return AccessClaims(
        subject=subject,
        principal_kind=str(claims["pty"]),
        session_id=session_id,
        token_id=str(claims["jti"]),
        expires_at=exp,
        scopes=tuple(scope.split()) if isinstance(scope, str) else None,
    )
