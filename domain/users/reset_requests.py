"""Resets of another person's password or second factor, approved by a second platform admin.

Whoever may manage an account (a platform admin; a program manager for the field roles she
staffs) may ask for a reset; nothing changes until a platform admin who is neither the
requester nor the person herself approves it. Then the reset is applied and every session of
hers ends. A request expires unapplied after ``Settings.reset_request_ttl_seconds``.

The new password is chosen by the requester, who hands it over to the person, and is hashed
(argon2id) when the request is made: it is never stored in clear, the approver never sees it,
and the hash is dropped when the request is declined or expires. (Had the approver chosen it,
a second admin would have to reach the person too, and would then know her password.)

Every step is audited: the request (``create``), ``approve``, ``decline`` and ``expire``
(by the system), and what an approval changes.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

from domain.audit.trail import authorize, record, record_denied
from domain.common.errors import (
    Conflict,
    InvalidState,
    NotFound,
    PermissionDenied,
)
from domain.common.listing import Keyset, paginate
from domain.common.pagination import PageRequest
from domain.common.policy import Policy
from domain.common.principal import Principal, PrincipalKind, Role, system_principal
from domain.common.records import require
from domain.common.settings import Settings
from domain.identity.passwords import Passwords
from domain.users import policies
from domain.users.schemas import ResetRequestPage, ResetRequestRead
from domain.users.service import UserService
from persistence.models.app_user import AppUser
from persistence.models.base import utcnow
from persistence.models.enums import AuditAction
from persistence.models.reset_request import ResetKind, ResetRequest, ResetStatus
from persistence.repositories.auth_sessions import AuthSessionRepository
from persistence.repositories.reset_requests import ResetRequestRepository
from persistence.repositories.second_factors import SecondFactorRepository
from persistence.repositories.users import UserRepository
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

ENTITY = "reset_request"
EVERYTHING = RowScope.everything()


REQUESTED: Keyset[ResetRequest] = Keyset(
    "requested", 2, lambda request: (request.requested_at, request.id)
)


def _read(request: ResetRequest) -> ResetRequestRead:
    return ResetRequestRead.model_validate(request)


class ResetRequestService:
    def __init__(self, uow: UnitOfWork, passwords: Passwords, settings: Settings) -> None:
        self.uow = uow
        self.passwords = passwords
        self.settings = settings
        self.requests = ResetRequestRepository(uow)
        self.users = UserRepository(uow)

    # -- asking ---------------------------------------------------------------------------
    async def request_password_reset(
        self, principal: Principal, user_id: UUID, password: str
    ) -> ResetRequestRead:
        """Ask for a new password for someone (it takes effect once another platform admin
        approves). Raises NotFound (outside the caller's scope), PermissionDenied (a role
        she may not manage), Conflict (one already pending)."""
        target = await self._target(principal, user_id)
        await self._expire_overdue()
        await self._no_pending(target, ResetKind.password)
        password_hash = await asyncio.to_thread(self.passwords.hash, password)
        return await self._open(principal, target, ResetKind.password, password_hash)

    async def request_second_factor_reset(
        self, principal: Principal, user_id: UUID
    ) -> ResetRequestRead:
        """Ask for someone's second factor to be removed (she enrols a new one at her next
        sign-in), once another platform admin approves. Raises NotFound, PermissionDenied,
        InvalidState (she has none), Conflict (one already pending)."""
        target = await self._target(principal, user_id)
        if not await SecondFactorRepository(self.uow).has_any(target.id):
            raise InvalidState("This account has no second factor to reset.")
        await self._expire_overdue()
        await self._no_pending(target, ResetKind.second_factor)
        return await self._open(principal, target, ResetKind.second_factor, None)

    # -- deciding -------------------------------------------------------------------------
    async def list(
        self, principal: Principal, page: PageRequest, status: ResetStatus | None = None
    ) -> ResetRequestPage:
        """Reset requests, oldest first: the pending ones unless ``status`` says otherwise."""
        self._authorize(principal, policies.READ_RESET_REQUESTS)
        await self._expire_overdue()
        statuses = [status or ResetStatus.pending]
        return await paginate(
            page,
            REQUESTED,
            fetch=lambda after, limit: self.requests.page(
                EVERYTHING, statuses=statuses, after=after, limit=limit
            ),
            to_read=lambda rows: [_read(request) for request in rows],
            page_type=ResetRequestPage,
            count=lambda: self.requests.count(EVERYTHING, statuses=statuses),
        )

    async def approve(self, principal: Principal, request_id: UUID) -> ResetRequestRead:
        """Apply a pending reset: the new password, or the removal of her second factor;
        every session of hers ends. Raises NotFound, PermissionDenied (one's own request, or
        a reset of one's own account), InvalidState (decided or expired)."""
        request = await self._pending(principal, request_id)
        if request.requested_by == principal.id:
            record_denied(self.uow, principal, ENTITY, request.id)
            raise PermissionDenied("You asked for this reset: another platform admin approves it.")
        if request.user_id == principal.id:
            record_denied(self.uow, principal, ENTITY, request.id)
            raise PermissionDenied("A reset of your own account is approved by another admin.")
        target = await self.users.get_for_update(request.user_id, EVERYTHING)
        if target is None:  # pragma: no cover - the foreign key keeps her
            raise NotFound("Reset request not found.")
        now = utcnow()
        if request.kind is ResetKind.password:
            if request.password_hash is None:  # pragma: no cover - a pending one holds it
                raise InvalidState("The request holds no new password.")
            await UserService(self.uow, self.passwords).store_password_hash(
                target, request.password_hash
            )
            record(
                self.uow,
                principal,
                AuditAction.update,
                "user",
                target.id,
                organization_id=target.organization_id,
            )
        else:
            removed = await SecondFactorRepository(self.uow).delete_of_user(target.id)
            await AuthSessionRepository(self.uow).revoke_all_of_user(
                target.id, now, "second_factor_reset"
            )
            for factor_id in removed:
                record(
                    self.uow,
                    principal,
                    AuditAction.delete,
                    "second_factor",
                    factor_id,
                    organization_id=target.organization_id,
                )
        return await self._decide(principal, request, ResetStatus.approved, AuditAction.approve)

    async def decline(self, principal: Principal, request_id: UUID) -> ResetRequestRead:
        """Refuse (or, for its requester, withdraw) a pending reset; nothing changes. Raises
        NotFound, InvalidState (decided or expired)."""
        request = await self._pending(principal, request_id)
        return await self._decide(principal, request, ResetStatus.declined, AuditAction.decline)

    # -- helpers --------------------------------------------------------------------------
    def _authorize(self, principal: Principal, policy: Policy) -> None:
        authorize(self.uow, principal, policy, ENTITY)
        if principal.kind is not PrincipalKind.user:
            # Resets are people's business: a machine credential never asks for or decides one.
            record_denied(self.uow, principal, ENTITY)
            raise PermissionDenied("Only people ask for and decide resets.")

    async def _target(self, principal: Principal, user_id: UUID) -> AppUser:
        """The account to reset: in the caller's scope (else 404) and hers to manage (403)."""
        authorize(self.uow, principal, policies.MANAGE, "user", user_id)
        if principal.kind is not PrincipalKind.user:
            record_denied(self.uow, principal, "user", user_id)
            raise PermissionDenied("Only people ask for resets.")
        # Locked: two requests for her must not race past the one-pending rule.
        target = await require(
            self.users.get_for_update(user_id, policies.visible(principal)), "User"
        )
        if not policies.may_assign(principal, Role(target.role)):
            record_denied(self.uow, principal, "user", target.id)
            raise PermissionDenied("You may not manage accounts with this role.")
        return target

    async def _no_pending(self, target: AppUser, kind: ResetKind) -> None:
        if await self.requests.pending_exists(target.id, kind):
            raise Conflict(
                "A reset of this kind is already waiting for approval for this account: a "
                "platform admin approves or declines it first."
            )

    async def _open(
        self,
        principal: Principal,
        target: AppUser,
        kind: ResetKind,
        password_hash: str | None,
    ) -> ResetRequestRead:
        now = utcnow()
        request = ResetRequest(
            kind=kind,
            user_id=target.id,
            organization_id=target.organization_id,
            requested_by=principal.id,
            requested_at=now,
            expires_at=now + timedelta(seconds=self.settings.reset_request_ttl_seconds),
            password_hash=password_hash,
        )
        await self.requests.add(request)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            request.id,
            organization_id=target.organization_id,
        )
        return _read(request)

    async def _pending(self, principal: Principal, request_id: UUID) -> ResetRequest:
        """The request, locked, if it is still pending. An overdue one is marked expired
        (kept, and audited, even though the answer is an error)."""
        self._authorize(principal, policies.DECIDE_RESET_REQUESTS)
        request = await require(
            self.requests.get_for_update(request_id, EVERYTHING), "Reset request"
        )
        if request.status is ResetStatus.pending and request.expires_at <= utcnow():
            requests, expired_id, moment = self.requests, request.id, utcnow()

            async def expire() -> None:
                await requests.expire_overdue(moment, only=expired_id)

            self.uow.on_rollback(expire)
            record(
                self.uow,
                system_principal(),
                AuditAction.expire,
                ENTITY,
                request.id,
                organization_id=request.organization_id,
                durable=True,
            )
            raise InvalidState("The request expired unapplied; ask for a new one.")
        if request.status is not ResetStatus.pending:
            raise InvalidState(f"The request was {request.status.value} already.")
        return request

    async def _decide(
        self,
        principal: Principal,
        request: ResetRequest,
        status: ResetStatus,
        action: AuditAction,
    ) -> ResetRequestRead:
        request.status = status
        request.decided_by = principal.id
        request.decided_at = utcnow()
        request.password_hash = None
        await self.requests.save(request)
        record(
            self.uow,
            principal,
            action,
            ENTITY,
            request.id,
            organization_id=request.organization_id,
        )
        return _read(request)

    async def _expire_overdue(self) -> None:
        """Mark pending requests whose time ran out as expired, each audited (by the system)."""
        system = system_principal()
        for request_id, organization_id in await self.requests.expire_overdue(utcnow()):
            record(
                self.uow,
                system,
                AuditAction.expire,
                ENTITY,
                request_id,
                organization_id=organization_id,
            )
