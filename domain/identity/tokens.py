"""Access tokens: the only module that touches python-jose.

One asymmetric algorithm (ES256) is pinned when signing and when verifying; the verification
key is chosen by ``kid`` among configured keys only (``jku``, ``x5u``, ``jwk`` headers are never
followed); ``exp``, ``iat``, ``iss``, ``aud``, ``sub``, ``typ`` and ``jti`` are required;
oversized tokens and JWE are refused before parsing. Refresh tokens are opaque (see
``service.py``), so a refresh token can never pass as an access token.

A token lives at most as long as this server issues them (``max_lifetime_seconds``): one whose
``exp - iat`` is longer is refused even when correctly signed.

A person's token may be bound to a registered device (``dev``, from the sign-in session):
requests with it must name that device (``X-Device-Id``), see ``domain/devices``.

A token also says who its holder is (organisation, role, districts, granted scopes) and the
``access_version`` of her account when it was issued. A person with more districts than a
token carries (``MAX_DISTRICTS_IN_TOKEN``) gets a token that says so (``dst_lookup``) instead
of listing them, and her districts are read from the database on each request.

Each request checks that version against the database (with the account's status and the
session's), so a change of role or districts, a disabled account and a revoked session all end
the token at once, while the claims spare a lookup of the rest.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from jose import jwk, jwt
from jose.backends.base import Key
from jose.exceptions import JOSEError

from domain.common.errors import NotAuthenticated

ALGORITHM = "ES256"
ACCESS_TOKEN_TYP = "access"  # noqa: S105 - a claim value
HEADER_TYP = "at+jwt"  # RFC 9068
MAX_TOKEN_BYTES = 4096
MAX_DISTRICTS_IN_TOKEN = 60  # beyond: the districts are read from the database (dst_lookup)
DISTRICTS_LOOKUP_CLAIM = "dst_lookup"
DEVICE_CLAIM = "dev"
CLOCK_SKEW_SECONDS = 10
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "typ", "jti", "pty", "org", "role", "av")
_FORBIDDEN_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c", "crit", "zip", "enc"})
_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class TokenSubject:
    """Who a token is issued to."""

    principal_kind: str  # "user" or "client"
    id: UUID
    organization_id: UUID
    role: str
    access_version: int
    district_ids: tuple[UUID, ...] = ()
    session_id: UUID | None = None
    scopes: tuple[str, ...] | None = None  # clients only
    # People only: the token reaches nothing but enrolling a second factor (claim "enr").
    enrolment_only: bool = False
    # People only: the registered device the sign-in session is bound to (claim "dev").
    device_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: UUID
    principal_kind: str
    organization_id: UUID
    role: str
    access_version: int
    district_ids: frozenset[UUID] = field(default_factory=frozenset)
    session_id: UUID | None = None
    scopes: tuple[str, ...] | None = None
    token_id: str = ""
    expires_at: int = 0
    # The token does not list her districts (too many): read them from the database.
    districts_in_database: bool = False
    enrolment_only: bool = False
    # Bound to this device: requests must say they come from it (the X-Device-Id header).
    device_id: UUID | None = None


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
    """Issues and verifies access tokens.

    Verified tokens are remembered (by their exact text, until they expire) so that a client
    sending the same token on every request pays for the signature check once.
    """

    def __init__(
        self,
        keyring: KeyRing,
        *,
        issuer: str,
        audience: str,
        max_lifetime_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keyring = keyring
        self.issuer = issuer
        self.audience = audience
        self.max_lifetime_seconds = max_lifetime_seconds
        self._clock = clock
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()

    def issue_access_token(self, subject: TokenSubject, ttl_seconds: int) -> str:
        if not 0 < ttl_seconds <= self.max_lifetime_seconds:
            raise ValueError("an access token's lifetime must lie within the configured maximum")
        now = int(self._clock())
        claims: dict[str, object] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(subject.id),
            "iat": now,
            "nbf": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
            "typ": ACCESS_TOKEN_TYP,
            "pty": subject.principal_kind,
            "org": str(subject.organization_id),
            "role": subject.role,
            "av": subject.access_version,
        }
        if len(subject.district_ids) > MAX_DISTRICTS_IN_TOKEN:
            claims[DISTRICTS_LOOKUP_CLAIM] = True
        elif subject.district_ids:
            claims["dst"] = [str(d) for d in sorted(subject.district_ids)]
        if subject.session_id is not None:
            claims["sid"] = str(subject.session_id)
        if subject.scopes is not None:
            claims["scope"] = " ".join(sorted(subject.scopes))
        if subject.enrolment_only:
            claims["enr"] = True
        if subject.device_id is not None:
            claims[DEVICE_CLAIM] = str(subject.device_id)
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
        now = self._clock()
        cached = self._verified.get(token)
        if cached is not None:
            if cached.expires_at + CLOCK_SKEW_SECONDS > now:
                return cached
            del self._verified[token]
        claims = self._verify(token, now)
        self._verified[token] = claims
        if len(self._verified) > _CACHE_SIZE:
            self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str, now: float) -> AccessClaims:
        invalid = NotAuthenticated("The access token is not valid.")
        if not token or len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
            raise invalid
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM or _FORBIDDEN_HEADERS.intersection(header):
                raise invalid
            key = self.keyring.verification_key(header.get("kid"))
            if key is None:
                raise invalid
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
            raise invalid from exc
        return _access_claims(claims, now, self.max_lifetime_seconds)


def _access_claims(
    claims: Mapping[str, object], now: float, max_lifetime_seconds: int
) -> AccessClaims:
    invalid = NotAuthenticated("The access token is not valid.")
    if any(name not in claims for name in REQUIRED_CLAIMS):
        raise invalid
    kind = claims["pty"]
    if claims.get("typ") != ACCESS_TOKEN_TYP or kind not in {"user", "client"}:
        raise invalid
    iat, exp, version = claims["iat"], claims["exp"], claims["av"]
    if not isinstance(iat, int) or not isinstance(exp, int) or iat > now + CLOCK_SKEW_SECONDS:
        raise invalid
    if isinstance(iat, bool) or isinstance(exp, bool) or exp - iat > max_lifetime_seconds:
        raise invalid  # longer-lived than this server issues: not one of ours, however signed
    if not isinstance(version, int) or isinstance(version, bool):
        raise invalid
    role, scope, districts = claims["role"], claims.get("scope"), claims.get("dst", [])
    if not isinstance(role, str) or (scope is not None and not isinstance(scope, str)):
        raise invalid
    if not isinstance(districts, list) or len(districts) > MAX_DISTRICTS_IN_TOKEN:
        raise invalid
    lookup = claims.get(DISTRICTS_LOOKUP_CLAIM, False)
    if not isinstance(lookup, bool) or (lookup and (districts or kind != "user")):
        raise invalid
    try:
        subject = UUID(str(claims["sub"]))
        organization = UUID(str(claims["org"]))
        sid = claims.get("sid")
        session_id = UUID(str(sid)) if sid is not None else None
        dev = claims.get(DEVICE_CLAIM)
        device_id = UUID(str(dev)) if dev is not None else None
        district_ids = frozenset(UUID(str(d)) for d in districts)
    except ValueError as exc:
        raise invalid from exc
    if (kind == "user") != (session_id is not None):
        raise invalid
    if device_id is not None and (kind != "user" or not isinstance(dev, str)):
        raise invalid
    enrolment_only = claims.get("enr", False)
    if not isinstance(enrolment_only, bool) or (enrolment_only and kind != "user"):
        raise invalid
    return AccessClaims(
        subject=subject,
        principal_kind=str(kind),
        organization_id=organization,
        role=role,
        access_version=version,
        district_ids=district_ids,
        session_id=session_id,
        scopes=tuple(scope.split()) if isinstance(scope, str) else None,
        token_id=str(claims["jti"]),
        expires_at=exp,
        districts_in_database=lookup,
        enrolment_only=enrolment_only,
        device_id=device_id,
    )
