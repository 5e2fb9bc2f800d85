"""Integration clients: service principals of an organisation (partner systems, dashboards).

The platform admin registers a client with a role and scopes; a person's acts (people-only
policies) are never granted. ``referrals:inbox`` is granted and revoked by a program manager of
the client's own organisation (:meth:`IntegrationClientService.set_inbox`)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from uuid import UUID

from sqlmodel import col

from domain.audit.trail import authorize, record
from domain.common.errors import BusinessRuleViolation
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED, paginate
from domain.common.pagination import Page, PageRequest
from domain.common.principal import Principal, PrincipalKind, Role
from domain.common.records import check_version, require
from domain.integration_clients import policies
from domain.integration_clients.schemas import (
    IntegrationClientCreate,
    IntegrationClientPage,
    IntegrationClientRead,
    IntegrationClientUpdate,
    IntegrationClientWithSecret,
)
from domain.referrals.policies import INBOX
from domain.referrals.policies import READ as READ_REFERRALS
from persistence.models.base import touch, utcnow
from persistence.models.enums import AuditAction
from persistence.models.integration_client import IntegrationClient
from persistence.repositories.integration_clients import IntegrationClientRepository
from persistence.repositories.organizations import OrganizationRepository
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

ENTITY = "integration_client"
SECRET_PREFIX = "shk_"  # noqa: S105 - a prefix that makes leaked secrets findable


def new_secret() -> tuple[str, bytes]:
    """A client secret and the digest that is stored."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    return secret, secret_digest(secret)


def secret_digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _read(client: IntegrationClient) -> IntegrationClientRead:
    return IntegrationClientRead(
        id=client.id,
        name=client.name,
        organization_id=client.organization_id,
        role=Role(client.role),
        scopes=sorted(client.scopes),
        inbox_granted_by=client.inbox_granted_by,
        inbox_granted_at=client.inbox_granted_at,
        disabled=client.disabled_at is not None,
        disabled_at=client.disabled_at,
        secret_rotated_at=client.secret_rotated_at,
        last_used_at=client.last_used_at,
        created_at=client.created_at,
        updated_at=client.updated_at,
        version=client.version,
    )


def granted_scopes(client: IntegrationClient) -> frozenset[str]:
    """The scopes a client's tokens may carry: the platform admin's grant, and
    ``referrals:inbox`` only when a program manager of its organisation granted it."""
    scopes = set(client.scopes) - {INBOX.name}
    if client.inbox_granted_at is not None and Role(client.role) in INBOX.roles:
        scopes.add(INBOX.name)
    return frozenset(scopes)


def _check_grant(role: Role, scopes: Iterable[str]) -> list[str]:
    from domain.policies import all_policies

    if role not in policies.GRANTABLE_ROLES:
        raise BusinessRuleViolation("Integration clients cannot hold this role.", field="role")
    known = all_policies()
    chosen = sorted(set(scopes))
    for scope in chosen:
        rule = known.get(scope)
        if rule is None or rule.any_authenticated:
            raise BusinessRuleViolation(f"The scope '{scope}' is unknown.", field="scopes")
        if rule.people_only:
            raise BusinessRuleViolation(
                f"The scope '{scope}' is a person's act (people only): an integration client "
                "can never hold it. A machine credential that can make, change or become a "
                "person, assign cases, override consent or read safety reports goes round "
                "every other rule.",
                field="scopes",
            )
        if rule is INBOX:
            raise BusinessRuleViolation(
                f"The scope '{scope}' brings the client survivors' personal data: only a "
                "program manager of the client's organisation grants it "
                "(POST /api/v1/integration-clients/{client_id}/inbox).",
                field="scopes",
            )
        if role not in rule.roles:
            raise BusinessRuleViolation(
                f"The scope '{scope}' is not allowed for the role '{role.value}'.",
                field="scopes",
            )
    return chosen


class IntegrationClientService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.clients = IntegrationClientRepository(uow)

    async def create(
        self, principal: Principal, data: IntegrationClientCreate
    ) -> IntegrationClientWithSecret:
        """Register a client; its secret is returned once. Raises Conflict,
        BusinessRuleViolation (unknown organisation, role or scope)."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY)
        scopes = _check_grant(data.role, data.scopes)
        organizations = OrganizationRepository(self.uow)
        if await organizations.get(data.organization_id, policies.EVERYWHERE) is None:
            raise BusinessRuleViolation("The organisation does not exist.", field="organization_id")
        await reject_taken_id(self.uow, principal, self.clients, data.id, "integration_client")
        secret, digest = new_secret()
        client = IntegrationClient(
            name=data.name,
            organization_id=data.organization_id,
            role=data.role,
            scopes=scopes,
            secret_hash=digest,
            created_by=principal.id,
        )
        if data.id is not None:
            client.id = data.id
        await self.clients.add(client)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            client.id,
            organization_id=client.organization_id,
        )
        return IntegrationClientWithSecret(**_read(client).model_dump(), client_secret=secret)

    async def get(self, principal: Principal, client_id: UUID) -> IntegrationClientRead:
        """One client. Raises NotFound."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, client_id)
        return _read(await self._get(client_id))

    async def list(
        self, principal: Principal, page: PageRequest, organization_id: UUID | None = None
    ) -> Page[IntegrationClientRead]:
        """Clients, oldest first; optionally of one organisation."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY)
        where = (
            [col(IntegrationClient.organization_id) == organization_id] if organization_id else []
        )
        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.clients.page(
                policies.EVERYWHERE, where=where, after=after, limit=limit
            ),
            to_read=lambda rows: [_read(c) for c in rows],
            page_type=IntegrationClientPage,
            count=lambda: self.clients.count(policies.EVERYWHERE, where=where),
        )

    async def update(
        self,
        principal: Principal,
        client_id: UUID,
        data: IntegrationClientUpdate,
        expected_version: int,
    ) -> IntegrationClientRead:
        """Rename a client or change its role and scopes. Raises NotFound, PreconditionFailed,
        BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, client_id)
        client = await self._get(client_id, lock=True)
        check_version(client, expected_version, "client")
        changes = data.changes()
        role = changes.get("role", Role(client.role))
        if "role" in changes or "scopes" in changes:
            changes["scopes"] = _check_grant(role, changes.get("scopes", client.scopes))
        for field, value in changes.items():
            setattr(client, field, value)
        if Role(client.role) not in INBOX.roles:
            # A role that works no inbox ends the inbox grant with it.
            client.inbox_granted_by = client.inbox_granted_at = None
        if "role" in changes or "scopes" in changes:
            client.access_version += 1  # tokens name the role and scopes: end them
        touch(client)
        await self.clients.save(client)
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            client.id,
            organization_id=client.organization_id,
        )
        return _read(client)

    async def rotate_secret(
        self, principal: Principal, client_id: UUID
    ) -> IntegrationClientWithSecret:
        """Issue a new secret; the old one stops working at once. Raises NotFound."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, client_id)
        client = await self._get(client_id, lock=True)
        secret, digest = new_secret()
        client.secret_hash = digest
        client.access_version += 1  # a leaked secret's tokens end with it
        client.secret_rotated_at = utcnow()
        touch(client)
        await self.clients.save(client)
        record(
            self.uow,
            principal,
            AuditAction.secret_rotate,
            ENTITY,
            client.id,
            organization_id=client.organization_id,
        )
        return IntegrationClientWithSecret(**_read(client).model_dump(), client_secret=secret)

    async def set_disabled(
        self, principal: Principal, client_id: UUID, disabled: bool
    ) -> IntegrationClientRead:
        """Disable a client (its tokens stop working at once) or enable it again."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, client_id)
        client = await self._get(client_id, lock=True)
        if disabled != (client.disabled_at is not None):
            client.disabled_at = utcnow() if disabled else None
            client.access_version += 1
            touch(client)
            await self.clients.save(client)
        action = AuditAction.disable if disabled else AuditAction.enable
        record(
            self.uow, principal, action, ENTITY, client.id, organization_id=client.organization_id
        )
        return _read(client)

    async def set_inbox(
        self, principal: Principal, client_id: UUID, granted: bool
    ) -> IntegrationClientRead:
        """Grant (or revoke) ``referrals:inbox`` on a client of the caller's organisation: it
        then receives the consented fields of referrals addressed to the organisation. The
        client's tokens end (they name its scopes). Audited. Raises NotFound (a client of
        another organisation too), BusinessRuleViolation (a role that works no inbox, or
        without ``referrals:read``)."""
        authorize(self.uow, principal, policies.GRANT_INBOX, ENTITY, client_id)
        own = (
            policies.EVERYWHERE
            if principal.kind is PrincipalKind.system
            else RowScope.organization(principal.organization_id)
        )
        client = await self._get(client_id, lock=True, scope=own)
        if granted == (client.inbox_granted_at is not None):
            return _read(client)  # already so: nothing changes
        if granted:
            if Role(client.role) not in INBOX.roles:
                raise BusinessRuleViolation(
                    "Only a client with the role partner_staff or program_manager works a "
                    "referral inbox.",
                    field="role",
                )
            if READ_REFERRALS.name not in client.scopes:
                raise BusinessRuleViolation(
                    "The client reads referrals with referrals:read: ask the platform admin "
                    "to grant it first.",
                    field="scopes",
                )
            client.inbox_granted_by, client.inbox_granted_at = principal.id, utcnow()
        else:
            client.inbox_granted_by = client.inbox_granted_at = None
        client.access_version += 1  # tokens name the scopes: end them
        touch(client)
        await self.clients.save(client)
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            client.id,
            organization_id=client.organization_id,
        )
        return _read(client)

    async def _get(
        self, client_id: UUID, *, lock: bool = False, scope: RowScope = policies.EVERYWHERE
    ) -> IntegrationClient:
        return await require(
            self.clients.get(client_id, scope, for_update=lock),
            "Integration client",
        )
