"""Signing in and out: token grants, refresh-token rotation, and who a bearer token is."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from domain.audit.repeats import RepeatedEvents
from domain.audit.trail import authorize, record
from domain.common.errors import (
    InvalidClient,
    InvalidGrant,
    NotAuthenticated,
    TooManyRequests,
)
from domain.common.principal import Principal, PrincipalKind, Role
from domain.common.request_context import current_request
from domain.common.settings import Settings
from domain.devices.errors import DeviceRevoked
from domain.devices.schemas import DEVICE_ID_HEADER
from domain.devices.service import DeviceService
from domain.identity import policies
from domain.identity.passwords import Passwords
from domain.identity.schemas import Me, SecondFactorProof, TokenResponse
from domain.identity.second_factor import SecondFactorService
from domain.identity.throttle import Attempt, LoginThrottle
from domain.identity.tokens import TokenService, TokenSubject
from domain.identity.totp import OneTimePasswords
from domain.integration_clients.service import granted_scopes
from persistence.access import AccessCheck
from persistence.models.app_user import AppUser
from persistence.models.auth_session import AuthSession
from persistence.models.base import utcnow
from persistence.models.enums import AuditAction, AuditOutcome
from persistence.models.refresh_token import RefreshToken
from persistence.repositories.auth_sessions import AuthSessionRepository
from persistence.repositories.integration_clients import IntegrationClientRepository
from persistence.repositories.login_throttle import LoginThrottleRepository
from persistence.repositories.users import UserRepository
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

REFRESH_PREFIX = "r1_"
WRONG_CREDENTIALS = "The email or password is not correct."


def _refresh_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _same_device(bound: UUID, presented: str | None) -> bool:
    try:
        return presented is not None and UUID(presented.strip()) == bound
    except ValueError:
        return False


def _new_refresh_token() -> tuple[str, bytes]:
    token = REFRESH_PREFIX + secrets.token_urlsafe(32)
    return token, _refresh_digest(token)


@dataclass(frozen=True)
class IdentityConfig:
    """What the identity service needs besides the unit of work (built once per process)."""

    settings: Settings
    tokens: TokenService
    passwords: Passwords
    throttle: LoginThrottle
    repeats: RepeatedEvents
    otp: OneTimePasswords = field(default_factory=OneTimePasswords)


class AuthService:
    def __init__(self, uow: UnitOfWork, config: IdentityConfig) -> None:
        self.uow = uow
        self.config = config
        self.settings = config.settings
        self.users = UserRepository(uow)
        self.sessions = AuthSessionRepository(uow)

    # -- grants ---------------------------------------------------------------------------
    async def password_grant(
        self,
        email: str,
        password: str,
        second_factor: SecondFactorProof | None = None,
        device_id: UUID | None = None,
    ) -> TokenResponse:
        """Sign a person in (with a code too once she has a second factor); with
        ``device_id``, on that registered device of hers, to which the session is bound.
        Raises TooManyRequests, or InvalidGrant that never says whether the email exists
        (SecondFactorRequired / SecondFactorRejected after a right password; a device not
        hers), DeviceRevoked."""
        now = utcnow()
        throttle, throttle_repo = self.config.throttle, LoginThrottleRepository(self.uow)
        # Counted before the password is checked (see domain/identity/throttle.py).
        attempt = await throttle.attempt(
            throttle_repo, throttle.account_key(email), current_request().client_address
        )
        if attempt.retry_after is not None:
            self._refused(attempt, "user")
            raise TooManyRequests(
                "Too many failed sign-ins; try again later.", retry_after=attempt.retry_after
            )

        user = await self.users.by_email(email.strip().lower())
        ok = await asyncio.to_thread(
            self.config.passwords.verify, user.password_hash if user else None, password
        )
        if user is None or not ok or user.disabled_at is not None:
            self.config.repeats.record(
                self.uow,
                None,
                AuditAction.login_failed,
                "user",
                user.id if user else None,
                key=f"failed:{attempt.subject_key}",
                organization_id=user.organization_id if user else None,
                outcome=AuditOutcome.failure,
            )
            raise InvalidGrant(WRONG_CREDENTIALS)

        # Her second factor, once she has one. Until it is proved the attempt stays counted
        # as a failure (a wrong or missing code included); the slot is given back only when
        # both factors are right.
        enrolment_only = await SecondFactorService(self.uow, self.config).at_sign_in(
            user, second_factor
        )
        await throttle.succeeded(throttle_repo, attempt)
        if device_id is not None:
            await DeviceService(self.uow).for_sign_in(user.id, device_id)
        if self.config.passwords.needs_rehash(user.password_hash):
            user.password_hash = await asyncio.to_thread(self.config.passwords.hash, password)
        user.last_login_at = now
        await self.users.save(user)
        auth_session = AuthSession(
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=self.settings.session_max_age_seconds),
            device_id=device_id,
        )
        refresh, digest = _new_refresh_token()
        await self.sessions.add(
            auth_session,
            None
            if enrolment_only
            else RefreshToken(
                session_id=auth_session.id,
                token_hash=digest,
                created_at=now,
                expires_at=self._refresh_expiry(now, auth_session.expires_at),
            ),
        )
        principal = self._user_principal(user.id, user.organization_id, user.role, auth_session.id)
        record(self.uow, principal, AuditAction.login, "user", user.id)
        if enrolment_only:
            return await self._user_tokens(
                user, auth_session.id, None, enrolment_only=True, device_id=device_id
            )
        return await self._user_tokens(user, auth_session.id, refresh, device_id=device_id)

    async def refresh_grant(
        self, refresh_token: str, device_id: UUID | None = None
    ) -> TokenResponse:
        """Rotate a refresh token. Reusing a rotated one revokes its whole session (family).
        A session bound to a device is refreshed from that device only (``device_id``), and
        the device's ``last_seen_at`` is stamped. Raises InvalidGrant, DeviceRevoked."""
        now = utcnow()
        found = await self.sessions.token_for_update(_refresh_digest(refresh_token))
        if found is None:
            raise InvalidGrant("The refresh token is not valid.")
        token, auth_session = found
        if token.rotated_at is not None:
            session_id = auth_session.id

            async def revoke_family() -> None:
                await self.sessions.revoke(session_id, now, "reuse")

            self.uow.on_rollback(revoke_family)
            record(
                self.uow,
                None,
                AuditAction.token_reuse_detected,
                "auth_session",
                session_id,
                outcome=AuditOutcome.denied,
                durable=True,
            )
            raise InvalidGrant("The refresh token is not valid.")
        user = await self.users.get(auth_session.user_id, RowScope.everything())
        devices = DeviceService(self.uow)
        if auth_session.revoked_at is not None:
            refusal = await devices.refusal(auth_session.id)
            if isinstance(refusal, DeviceRevoked):
                raise refusal
        if (
            auth_session.revoked_at is not None
            or auth_session.expires_at <= now
            or token.expires_at <= now
            or user is None
            or user.disabled_at is not None
        ):
            raise InvalidGrant("The refresh token is not valid.")
        if await SecondFactorService(self.uow, self.config).must_enrol(user):
            raise InvalidGrant("Sign in again: your role needs a second factor.")
        if auth_session.device_id is not None:
            if device_id != auth_session.device_id:
                raise InvalidGrant("The refresh token is bound to another device.")
            await devices.for_sign_in(user.id, auth_session.device_id)
        token.rotated_at = now
        refresh, digest = _new_refresh_token()
        await self.sessions.add_token(
            RefreshToken(
                session_id=auth_session.id,
                token_hash=digest,
                created_at=now,
                expires_at=self._refresh_expiry(now, auth_session.expires_at),
            )
        )
        principal = self._user_principal(user.id, user.organization_id, user.role, auth_session.id)
        record(self.uow, principal, AuditAction.token_refresh, "auth_session", auth_session.id)
        return await self._user_tokens(
            user, auth_session.id, refresh, device_id=auth_session.device_id
        )

    async def client_credentials_grant(
        self, client_id: str, client_secret: str, scope: str | None
    ) -> TokenResponse:
        """Authenticate an integration client, throttled like a person's sign-in (per client
        id and per address). Raises TooManyRequests, InvalidClient, InvalidGrant (scope)."""
        throttle, throttle_repo = self.config.throttle, LoginThrottleRepository(self.uow)
        attempt = await throttle.attempt(
            throttle_repo, throttle.client_key(client_id), current_request().client_address
        )
        if attempt.retry_after is not None:
            self._refused(attempt, "integration_client")
            raise TooManyRequests(
                "Too many failed attempts; try again later.", retry_after=attempt.retry_after
            )
        try:
            client_uuid: UUID | None = UUID(client_id)
        except ValueError:
            client_uuid = None
        clients = IntegrationClientRepository(self.uow)
        client = None
        if client_uuid is not None:
            client = await clients.get(client_uuid, RowScope.everything())
        presented = hashlib.sha256(client_secret.encode()).digest()
        if (
            client is None
            or not hmac.compare_digest(client.secret_hash, presented)
            or client.disabled_at is not None
        ):
            self.config.repeats.record(
                self.uow,
                None,
                AuditAction.login_failed,
                "integration_client",
                client.id if client else None,
                key=f"failed:{attempt.subject_key}",
                organization_id=client.organization_id if client else None,
                outcome=AuditOutcome.failure,
            )
            raise InvalidClient("Client authentication failed.")
        await throttle.succeeded(throttle_repo, attempt)
        granted = granted_scopes(client)
        requested = set(scope.split()) if scope else granted
        if not requested <= granted:
            raise InvalidGrant("A requested scope is not granted to this client.")
        client.last_used_at = utcnow()
        await clients.save(client)
        principal = Principal(
            kind=PrincipalKind.client,
            id=client.id,
            organization_id=client.organization_id,
            role=Role(client.role),
            scopes=frozenset(requested),
        )
        record(self.uow, principal, AuditAction.login, "integration_client", client.id)
        ttl = self.settings.client_token_ttl_seconds
        access = self.config.tokens.issue_access_token(
            TokenSubject(
                principal_kind="client",
                id=client.id,
                organization_id=client.organization_id,
                role=str(client.role),
                access_version=client.access_version,
                scopes=tuple(sorted(requested)),
            ),
            ttl,
        )
        return TokenResponse(access_token=access, expires_in=ttl, scope=" ".join(sorted(requested)))

    async def revoke(self, principal: Principal, token: str | None) -> None:
        """End a session: the one ``token`` (a refresh token, or an access token) belongs
        to, or the caller's current one. Tokens of other people, and tokens that are not
        valid, are silently ignored (RFC 7009)."""
        authorize(self.uow, principal, policies.REVOKE, "auth_session")
        now = utcnow()
        session_id: UUID | None = principal.session_id
        if token:
            session_id = await self._session_of(token, principal)
        if session_id is not None and principal.kind is PrincipalKind.user:
            await self.sessions.revoke(session_id, now, "logout")
            record(self.uow, principal, AuditAction.logout, "auth_session", session_id)

    # -- bearer tokens --------------------------------------------------------------------
    async def authenticate(self, access_token: str, device_id: str | None = None) -> Principal:
        """The principal an access token stands for. The token's signature and claims are
        checked here, and in one query the database confirms that the account (and, for a
        person, the session) is still live and unchanged since the token was issued: disabled
        accounts, revoked sessions and changed roles or districts fail at once. A token bound
        to a device is accepted only with that device's id (``device_id``, the X-Device-Id
        header). Raises NotAuthenticated (DeviceRevoked: its device was revoked)."""
        principal, check = await self.claimed(access_token, device_id)
        if not await self.is_live(check):
            raise await self.refusal(check)
        return principal

    async def refusal(self, check: AccessCheck) -> NotAuthenticated:
        """What a token that failed the liveness check is told (a wipe instruction when its
        session was ended by revoking its device)."""
        return await DeviceService(self.uow).refusal(check.session_id)

    async def claimed(
        self, access_token: str, device_id: str | None = None
    ) -> tuple[Principal, AccessCheck]:
        """Who the token says the caller is, and what the database must still confirm (hot
        reads fold that check into their own statement). A person with more districts than a
        token lists has them read from the database here. A token bound to a device needs
        that device's id in ``device_id``. Raises NotAuthenticated."""
        claims = self.config.tokens.verify_access_token(access_token)
        if claims.device_id is not None and not _same_device(claims.device_id, device_id):
            raise NotAuthenticated(
                f"The access token is bound to a device: send its id in {DEVICE_ID_HEADER}."
            )
        try:
            role = Role(claims.role)
        except ValueError as exc:
            raise NotAuthenticated("The access token is not valid.") from exc
        kind = PrincipalKind.user if claims.principal_kind == "user" else PrincipalKind.client
        districts = claims.district_ids
        if claims.districts_in_database:
            districts = await self.users.scope_districts(claims.subject)
        principal = Principal(
            kind=kind,
            id=claims.subject,
            organization_id=claims.organization_id,
            role=role,
            district_ids=districts,
            scopes=frozenset(claims.scopes or ()),
            session_id=claims.session_id,
            must_enrol_second_factor=claims.enrolment_only,
            device_id=claims.device_id,
        )
        check = AccessCheck(
            kind=kind.value,
            subject_id=claims.subject,
            access_version=claims.access_version,
            session_id=claims.session_id,
        )
        return principal, check

    async def is_live(self, check: AccessCheck) -> bool:
        """Whether the account (and session) behind a token still stand, unchanged."""
        if check.kind == "user":
            return await self.users.access_is_live(
                check.subject_id, check.session_id, check.access_version
            )
        return await IntegrationClientRepository(self.uow).access_is_live(
            check.subject_id, check.access_version
        )

    def me(self, principal: Principal) -> Me:
        """The caller as the server sees her now."""
        from domain.policies import all_policies

        if not policies.READ_ME.permits(principal):  # pragma: no cover - any principal may
            raise NotAuthenticated()
        allowed = sorted(
            name
            for name, rule in all_policies().items()
            if rule.permits(principal) and not rule.any_authenticated
        )
        return Me(
            id=principal.id,
            kind=principal.kind,
            organization_id=principal.organization_id,
            role=principal.role,
            district_ids=sorted(principal.district_ids),
            scopes=allowed,
        )

    # -- helpers --------------------------------------------------------------------------
    def _refused(self, attempt: Attempt, entity_type: str) -> None:
        """Audit a throttled attempt: once per refusing key and window, counted."""
        self.config.repeats.record(
            self.uow,
            None,
            AuditAction.login_failed,
            entity_type,
            key=f"refused:{attempt.refused_by}",
            outcome=AuditOutcome.denied,
        )

    async def _session_of(self, token: str, principal: Principal) -> UUID | None:
        """The caller's session a refresh or access token belongs to (None otherwise)."""
        if token.startswith(REFRESH_PREFIX):
            found = await self.sessions.token_for_update(_refresh_digest(token))
            if found is not None and found[1].user_id == principal.id:
                return found[1].id
            return None
        try:
            claims = self.config.tokens.verify_access_token(token)
        except NotAuthenticated:
            return None
        return claims.session_id if claims.subject == principal.id else None

    def _refresh_expiry(self, now: datetime, session_expiry: datetime) -> datetime:
        return min(now + timedelta(seconds=self.settings.refresh_token_ttl_seconds), session_expiry)

    async def _user_tokens(
        self,
        user: AppUser,
        session_id: UUID,
        refresh: str | None,
        *,
        enrolment_only: bool = False,
        device_id: UUID | None = None,
    ) -> TokenResponse:
        ttl = self.settings.access_token_ttl_seconds
        subject = TokenSubject(
            principal_kind="user",
            id=user.id,
            organization_id=user.organization_id,
            role=str(user.role),
            access_version=user.access_version,
            district_ids=tuple(await self.users.district_ids(user.id)),
            session_id=session_id,
            enrolment_only=enrolment_only,
            device_id=device_id,
        )
        access = self.config.tokens.issue_access_token(subject, ttl)
        return TokenResponse(
            access_token=access,
            expires_in=ttl,
            refresh_token=refresh,
            second_factor_enrolment_required=True if enrolment_only else None,
        )

    @staticmethod
    def _user_principal(
        user_id: UUID, organization_id: UUID, role: str, session_id: UUID
    ) -> Principal:
        return Principal(
            kind=PrincipalKind.user,
            id=user_id,
            organization_id=organization_id,
            role=Role(role),
            session_id=session_id,
        )
