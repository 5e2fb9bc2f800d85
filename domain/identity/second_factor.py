"""A person's second factor (TOTP): enrolling, confirming, replacing and removing her own, and
the check at sign-in.

Only the roles of SECOND_FACTOR_ROLES enrol (people, never integration clients). Once she has
one, signing in with her password needs a current code or a recovery code as well; a wrong one
counts as a failed sign-in. A role of ``Settings.second_factor_roles`` without one signs in to
enrol only. Wrong codes at the enrolment endpoints are throttled like wrong passwords, so a
stolen access token cannot guess its way to replacing or removing her factor.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import (
    BusinessRuleViolation,
    InvalidState,
    NotFound,
    PermissionDenied,
    SecondFactorRejected,
    SecondFactorRequired,
    TooManyRequests,
)
from domain.common.principal import Principal, PrincipalKind, Role
from domain.common.request_context import current_request
from domain.identity import policies
from domain.identity.schemas import (
    RecoveryCodes,
    SecondFactorConfirm,
    SecondFactorEnrolment,
    SecondFactorProof,
)
from domain.identity.totp import new_recovery_codes, recovery_digest
from persistence.crypto import Place
from persistence.models.app_user import AppUser
from persistence.models.base import utcnow
from persistence.models.enums import AuditAction, AuditOutcome
from persistence.models.second_factor import SecondFactor
from persistence.repositories.auth_sessions import AuthSessionRepository
from persistence.repositories.login_throttle import LoginThrottleRepository, ThrottleRule
from persistence.repositories.second_factors import SecondFactorRepository
from persistence.repositories.users import UserRepository
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

if TYPE_CHECKING:
    from domain.identity.service import IdentityConfig

ENTITY = "second_factor"
WRONG_CODE = "The code is not correct, or was used already."


def _place(factor_id: UUID) -> Place:
    return Place(ENTITY, "secret_enc", factor_id)


class SecondFactorService:
    def __init__(self, uow: UnitOfWork, config: IdentityConfig) -> None:
        self.uow = uow
        self.config = config
        self.factors = SecondFactorRepository(uow)
        self.users = UserRepository(uow)

    # -- her own -------------------------------------------------------------------------
    async def start(
        self, principal: Principal, proof: SecondFactorProof | None
    ) -> SecondFactorEnrolment:
        """Begin enrolling a second factor: a new secret, in force once a code of it is
        confirmed. Replacing one she has needs a code of it (or a recovery code). Raises
        PermissionDenied, BusinessRuleViolation (code missing or wrong), TooManyRequests."""
        user = await self._caller(principal)
        current = await self.factors.confirmed(user.id)
        if current is not None:
            await self._prove(principal, user, current, proof, "to replace your second factor")
        await self.factors.delete_of_user(user.id, pending_only=True)
        otp = self.config.otp
        secret = otp.new_secret()
        factor = SecondFactor(user_id=user.id, secret_enc=b"")
        factor.secret_enc = self.uow.cipher.seal(secret.encode(), _place(factor.id))
        await self.factors.add(factor)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            factor.id,
            organization_id=user.organization_id,
        )
        return SecondFactorEnrolment(
            secret=secret, otpauth_uri=otp.provisioning_uri(secret, user.email)
        )

    async def confirm(self, principal: Principal, body: SecondFactorConfirm) -> RecoveryCodes:
        """Put the enrolment in force with its first code (replacing any factor she had) and
        answer fresh recovery codes, once. Her other sessions end. Raises InvalidState (no
        enrolment), BusinessRuleViolation (wrong code), TooManyRequests."""
        user = await self._caller(principal)
        pending = await self.factors.pending(user.id)
        if pending is None:
            raise InvalidState("There is no enrolment to confirm: start one first.")
        rules = await self._guard(user)
        if not await self._code_matches(pending, body.otp):
            self._count_wrong_code(rules)
            raise BusinessRuleViolation(WRONG_CODE, field="otp")
        now = utcnow()
        previous = await self.factors.confirmed(user.id)
        if previous is not None:
            await self.factors.delete(previous.id)
            # The old row must be gone before the new one takes its place (one per person).
            await self.uow.session.flush()
        pending.confirmed_at = now
        await self.factors.save(pending)
        codes = new_recovery_codes()
        await self.factors.add_recovery_codes(
            pending.id, [digest for digest in map(recovery_digest, codes) if digest]
        )
        # Sessions opened without the factor end; this one proved it just now.
        await AuthSessionRepository(self.uow).revoke_all_of_user(
            user.id, now, "second_factor_enrolled", keep=principal.session_id
        )
        record(
            self.uow,
            principal,
            AuditAction.enable,
            ENTITY,
            pending.id,
            organization_id=user.organization_id,
        )
        return RecoveryCodes(recovery_codes=codes)

    async def remove(self, principal: Principal, proof: SecondFactorProof) -> None:
        """Remove her second factor, with a code of it (or a recovery code). Raises NotFound
        (none), InvalidState (her role needs one), BusinessRuleViolation, TooManyRequests."""
        user = await self._caller(principal)
        current = await self.factors.confirmed(user.id)
        if current is None:
            raise NotFound("You have no second factor.")
        if Role(user.role) in self.config.settings.second_factor_roles:
            raise InvalidState(
                "Your role needs a second factor: enrol a new one to replace it instead."
            )
        await self._prove(principal, user, current, proof, "to remove your second factor")
        await self.factors.delete_of_user(user.id)
        record(
            self.uow,
            principal,
            AuditAction.delete,
            ENTITY,
            current.id,
            organization_id=user.organization_id,
        )

    # -- signing in ----------------------------------------------------------------------
    async def at_sign_in(self, user: AppUser, proof: SecondFactorProof | None) -> bool:
        """After her password was found right: check her second factor, if she has one.
        Returns True when her role needs one she has not enrolled (the session may then only
        enrol). Raises SecondFactorRequired (none sent), SecondFactorRejected (wrong or used;
        counted as a failed sign-in)."""
        factor = await self.factors.confirmed(user.id)
        if factor is None:
            return Role(user.role) in self.config.settings.second_factor_roles
        if proof is None or not proof.given:
            raise SecondFactorRequired(
                "Your account has a second factor: send the code from your authenticator app "
                "as otp (or a recovery code as recovery_code) with your password."
            )
        if not await self._accepts(None, user, factor, proof):
            # The sign-in's attempt stays counted as a failure (the password grant gives its
            # slot back only once both factors are proved); one counted event per window.
            self.config.repeats.record(
                self.uow,
                None,
                AuditAction.login_failed,
                "user",
                user.id,
                key=f"second-factor:{self.config.throttle.account_key(user.email)}",
                organization_id=user.organization_id,
                outcome=AuditOutcome.failure,
            )
            raise SecondFactorRejected(WRONG_CODE)
        return False

    async def must_enrol(self, user: AppUser) -> bool:
        """Whether her role needs a second factor she has not enrolled."""
        if Role(user.role) not in self.config.settings.second_factor_roles:
            return False
        return await self.factors.confirmed(user.id) is None

    # -- helpers --------------------------------------------------------------------------
    async def _caller(self, principal: Principal) -> AppUser:
        """The calling person, locked (her enrolment steps must not interleave)."""
        authorize(self.uow, principal, policies.SECOND_FACTOR, ENTITY)
        if principal.kind is not PrincipalKind.user:
            raise PermissionDenied("Only people have a second factor.")
        user = await self.users.get_for_update(principal.id, RowScope.everything())
        if user is None:  # pragma: no cover - her token was just found live
            raise NotFound("User not found.")
        return user

    async def _prove(
        self,
        principal: Principal,
        user: AppUser,
        factor: SecondFactor,
        proof: SecondFactorProof | None,
        why: str,
    ) -> None:
        if proof is None or not proof.given:
            raise BusinessRuleViolation(
                f"Send a current code (otp) or a recovery code (recovery_code) {why}.",
                field="otp",
            )
        rules = await self._guard(user)
        if not await self._accepts(principal, user, factor, proof):
            self._count_wrong_code(rules)
            field = "otp" if proof.otp is not None else "recovery_code"
            raise BusinessRuleViolation(WRONG_CODE, field=field)

    async def _accepts(
        self,
        principal: Principal | None,
        user: AppUser,
        factor: SecondFactor,
        proof: SecondFactorProof,
    ) -> bool:
        """Whether the code proves the factor; spends it (the step, or the recovery code)."""
        if proof.otp is not None:
            return await self._code_matches(factor, proof.otp)
        digest = recovery_digest(proof.recovery_code or "")
        if digest is None:
            return False
        used = await self.factors.use_recovery_code(factor.id, digest, utcnow())
        if used is not None:
            # A recovery code spent is worth an auditor's look (a lost phone, or a thief).
            record(
                self.uow,
                principal,
                AuditAction.update,
                "recovery_code",
                used,
                organization_id=user.organization_id,
            )
        return used is not None

    async def _code_matches(self, factor: SecondFactor, code: str) -> bool:
        secret = self.uow.cipher.open(factor.secret_enc, _place(factor.id)).decode()
        step = self.config.otp.matching_step(secret, code)
        return step is not None and await self.factors.claim_step(factor.id, step)

    async def _guard(self, user: AppUser) -> list[ThrottleRule]:
        """The throttle of codes sent to the enrolment endpoints (her account, and her account
        from this address, as at sign-in): refuse while they wait. Raises TooManyRequests."""
        throttle = self.config.throttle
        rules = throttle.rules(
            throttle.account_key(user.email),
            throttle.address_key(current_request().client_address),
        )
        wait = await LoginThrottleRepository(self.uow).waiting_until(
            [rule.key for rule in rules], utcnow()
        )
        if wait is not None:
            retry_after = max(1, math.ceil((wait - utcnow()).total_seconds()))
            raise TooManyRequests(
                "Too many failed attempts; try again later.", retry_after=retry_after
            )
        return rules

    def _count_wrong_code(self, rules: list[ThrottleRule]) -> None:
        """Count a wrong code once the request's transaction is rolled back (so that it is
        kept whatever the request's own connection is)."""
        repo = LoginThrottleRepository(self.uow)

        async def count() -> None:
            await repo.reserve(rules, utcnow())

        self.uow.on_rollback(count)
