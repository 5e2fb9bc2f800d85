"""User accounts: staff, partner staff, survivor leaders, analysts and auditors."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, event, record, record_denied
from domain.common.errors import (
    BusinessRuleViolation,
    Conflict,
    InvalidState,
    NotFound,
    PermissionDenied,
    TooManyRequests,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import Keyset, paginate
from domain.common.pagination import Page, PageRequest
from domain.common.principal import Principal, PrincipalKind, Role
from domain.common.records import require
from domain.common.request_context import current_request
from domain.geography.lookups import require_districts
from domain.identity.passwords import Passwords
from domain.identity.throttle import LoginThrottle
from domain.users import policies
from domain.users.schemas import PasswordChange, UserCreate, UserPage, UserRead, UserUpdate
from persistence.models.app_user import AppUser
from persistence.models.base import touch, utcnow
from persistence.models.enums import AuditAction
from persistence.repositories.auth_sessions import AuthSessionRepository
from persistence.repositories.login_throttle import LoginThrottleRepository
from persistence.repositories.organizations import OrganizationRepository
from persistence.repositories.users import UserFilter, UserRepository
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

ENTITY = "user"


USERS_CREATED: Keyset[Mapping[str, Any]] = Keyset(
    "created", 2, lambda row: (row["created_at"], row["id"])
)


def _read(user: AppUser, district_ids: Sequence[UUID]) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        work_contact=user.work_contact,
        organization_id=user.organization_id,
        role=Role(user.role),
        district_ids=list(district_ids),
        disabled=user.disabled_at is not None,
        disabled_at=user.disabled_at,
        last_login_at=user.last_login_at,
        created_at=user.created_at,
        updated_at=user.updated_at,
        version=user.version,
    )


def _from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(row)
    values["district_ids"] = list(values["district_ids"] or ())
    values["disabled"] = values["disabled_at"] is not None
    return values


class UserService:
    def __init__(
        self, uow: UnitOfWork, passwords: Passwords, throttle: LoginThrottle | None = None
    ) -> None:
        self.uow = uow
        self.passwords = passwords
        self.throttle = throttle
        self.users = UserRepository(uow)

    async def create(self, principal: Principal, data: UserCreate) -> UserRead:
        """Open an account. Raises NotFound (organisation out of scope), PermissionDenied
        (role the caller may not give), Conflict (email or id taken), BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY)
        organization_id = data.organization_id or principal.organization_id
        if organization_id is None:
            raise BusinessRuleViolation("organization_id is required.", field="organization_id")
        scope = policies.visible(principal)
        if await OrganizationRepository(self.uow).get(organization_id, scope) is None:
            if principal.is_platform_admin:
                raise BusinessRuleViolation(
                    "The organisation does not exist.", field="organization_id"
                )
            raise NotFound("Organisation not found.")
        self._check_assignable(principal, data.role)
        await reject_taken_id(self.uow, principal, self.users, data.id, "user")
        if await self.users.email_taken(data.email):
            raise Conflict("An account with this email already exists.")
        await require_districts(self.uow, data.district_ids)
        password_hash = await asyncio.to_thread(
            self.passwords.hash, data.password.get_secret_value()
        )
        user = AppUser(
            email=data.email,
            full_name=data.full_name,
            work_contact=data.work_contact,
            role=data.role,
            organization_id=organization_id,
            password_hash=password_hash,
            password_changed_at=utcnow(),
            created_by=principal.id,
        )
        if data.id is not None:
            user.id = data.id
        await self.users.add(user)
        await self.users.set_districts(user.id, data.district_ids)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            user.id,
            organization_id=organization_id,
        )
        return _read(user, sorted(set(data.district_ids)))

    async def get(self, principal: Principal, user_id: UUID) -> UserRead:
        """One account in the caller's scope; the read is audited in the same statement.
        Raises NotFound."""
        authorize(self.uow, principal, policies.READ, ENTITY, user_id)
        row = await require(
            self.users.get_audited(
                user_id,
                policies.visible(principal),
                self.uow.audit_chain,
                event(principal, AuditAction.read, ENTITY, user_id),
            ),
            "User",
        )
        return UserRead.model_validate(_from_row(row))

    async def list(
        self,
        principal: Principal,
        page: PageRequest,
        *,
        organization_id: UUID | None = None,
        role: Role | None = None,
        disabled: bool | None = None,
    ) -> Page[UserRead]:
        """Accounts in the caller's scope, oldest first (the search is audited)."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        scope = policies.visible(principal)
        filters = UserFilter(organization_id, role.value if role else None, disabled)
        search = event(
            principal, AuditAction.search, ENTITY, organization_id=principal.organization_id
        )
        return await paginate(
            page,
            USERS_CREATED,
            fetch=lambda after, limit: self.users.page_audited(
                scope, filters, after, limit, self.uow.audit_chain, search
            ),
            to_read=lambda rows: [UserRead.model_validate(_from_row(row)) for row in rows],
            count=lambda: self.users.count_in(scope, filters),
            page_type=UserPage,
        )

    async def update(
        self, principal: Principal, user_id: UUID, data: UserUpdate, expected_version: int
    ) -> UserRead:
        """Change name, work contact, email, role or districts. Raises NotFound, PreconditionFailed,
        PermissionDenied, Conflict, BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, user_id)
        user = await self._locked(principal, user_id, expected_version)
        changes = data.changes()
        # Nobody changes her own role, whatever roles she may give (409 before any 403).
        if user.id == principal.id and changes.get("role", user.role) != user.role:
            raise InvalidState("You cannot change your own role.")
        self._check_assignable(principal, Role(user.role), user.id)
        if "role" in changes:
            self._check_assignable(principal, changes["role"], user.id)
        if "email" in changes and changes["email"] != user.email:
            if await self.users.email_taken(changes["email"]):
                raise Conflict("An account with this email already exists.")
        district_ids = changes.pop("district_ids", None)
        scope_changed = "role" in changes and changes["role"] != user.role
        if district_ids is not None:
            await require_districts(self.uow, district_ids)
            scope_changed = scope_changed or sorted(set(district_ids)) != (
                await self.users.district_ids(user.id)
            )
            await self.users.set_districts(user.id, district_ids)
        for field, value in changes.items():
            setattr(user, field, value)
        if scope_changed:
            # Her tokens name her role and districts: end them, her app signs in again.
            user.access_version += 1
        touch(user)
        await self.users.save(user)
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            user.id,
            organization_id=user.organization_id,
        )
        return _read(user, await self.users.district_ids(user.id))

    async def set_disabled(self, principal: Principal, user_id: UUID, disabled: bool) -> UserRead:
        """Disable an account (ending every session at once) or enable it again."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, user_id)
        user = await require(
            self.users.get_for_update(user_id, policies.visible(principal)), "User"
        )
        if user.id == principal.id:
            raise InvalidState("You cannot disable or enable your own account.")
        self._check_assignable(principal, Role(user.role), user.id)
        now = utcnow()
        if disabled and user.disabled_at is None:
            user.disabled_at = now
            user.access_version += 1
            await AuthSessionRepository(self.uow).revoke_all_of_user(user.id, now, "disabled")
            touch(user)
        elif not disabled and user.disabled_at is not None:
            user.disabled_at = None
            user.access_version += 1
            touch(user)
        await self.users.save(user)
        action = AuditAction.disable if disabled else AuditAction.enable
        record(self.uow, principal, action, ENTITY, user.id, organization_id=user.organization_id)
        return _read(user, await self.users.district_ids(user.id))

    async def change_own_password(self, principal: Principal, data: PasswordChange) -> None:
        """Change the caller's password; other sessions end. Raises BusinessRuleViolation
        when the current password is wrong."""
        authorize(self.uow, principal, policies.CHANGE_OWN_PASSWORD, ENTITY, principal.id)
        if principal.kind is not PrincipalKind.user:
            raise PermissionDenied("Only people have passwords.")
        # Guessing the current password with a stolen token is throttled like signing in
        # (counted before the user's row is locked and the password checked).
        throttle, repo = self.throttle, LoginThrottleRepository(self.uow)
        attempt = None
        email = await self.users.email_of(principal.id)
        if throttle is not None and email is not None:
            attempt = await throttle.attempt(
                repo, throttle.account_key(email), current_request().client_address
            )
            if attempt.retry_after is not None:
                raise TooManyRequests(
                    "Too many failed attempts; try again later.", retry_after=attempt.retry_after
                )
        user = await require(self.users.get_for_update(principal.id, RowScope.everything()), "User")
        ok = await asyncio.to_thread(
            self.passwords.verify, user.password_hash, data.current_password.get_secret_value()
        )
        if not ok:
            raise BusinessRuleViolation(
                "The current password is not correct.", field="current_password"
            )
        if throttle is not None and attempt is not None:
            await throttle.succeeded(repo, attempt)
        await self._set_password(
            user, data.new_password.get_secret_value(), keep_session=principal.session_id
        )
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            user.id,
            organization_id=user.organization_id,
        )

    # -- helpers --------------------------------------------------------------------------
    async def _set_password(
        self, user: AppUser, password: str, keep_session: UUID | None = None
    ) -> None:
        await self.store_password_hash(
            user, await asyncio.to_thread(self.passwords.hash, password), keep_session
        )

    async def store_password_hash(
        self, user: AppUser, password_hash: str, keep_session: UUID | None = None
    ) -> None:
        """Give her a new password (its argon2id hash): every session of hers but
        ``keep_session`` ends. (Resets of someone else's password come here once a second
        platform admin approved them: domain/users/reset_requests.py.)"""
        user.password_hash = password_hash
        now = utcnow()
        user.password_changed_at = now
        touch(user)
        await self.users.save(user)
        sessions = AuthSessionRepository(self.uow)
        await sessions.revoke_all_of_user(user.id, now, "password_changed", keep=keep_session)

    async def _in_scope(self, principal: Principal, user_id: UUID) -> AppUser:
        return await require(self.users.get(user_id, policies.visible(principal)), "User")

    async def _locked(self, principal: Principal, user_id: UUID, expected_version: int) -> AppUser:
        return await require(
            self.users.get_for_update(user_id, policies.visible(principal)),
            "User",
            version=expected_version,
        )

    def _check_assignable(
        self, principal: Principal, role: Role, user_id: UUID | None = None
    ) -> None:
        if not policies.may_assign(principal, role):
            record_denied(self.uow, principal, ENTITY, user_id)
            raise PermissionDenied("You may not manage accounts with this role.")
