"""Organisations: the tenants of the platform."""

from __future__ import annotations

from uuid import UUID

from sqlmodel import col

from domain.audit.trail import authorize, record
from domain.common.errors import Conflict
from domain.common.ids import reject_taken_id
from domain.common.listing import BY_NAME, paginate
from domain.common.pagination import Page, PageRequest
from domain.common.principal import Principal
from domain.common.records import require
from domain.geography.lookups import require_state
from domain.organizations import policies
from domain.organizations.schemas import (
    OrganizationCreate,
    OrganizationPage,
    OrganizationRead,
    OrganizationUpdate,
)
from persistence.models.base import touch
from persistence.models.enums import AuditAction, OrganizationKind
from persistence.models.organization import Organization
from persistence.repositories.organizations import OrganizationRepository
from persistence.uow import UnitOfWork

ENTITY = "organization"


class OrganizationService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.repo = OrganizationRepository(uow)

    async def create(self, principal: Principal, data: OrganizationCreate) -> OrganizationRead:
        """Register an organisation. Raises Conflict on a taken name or id."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY)
        await reject_taken_id(self.uow, principal, self.repo, data.id, "organization")
        if await self.repo.name_taken(data.name):
            raise Conflict("An organisation with this name already exists.")
        if data.state_id is not None:
            await require_state(self.uow, data.state_id)
        organization = Organization(
            name=data.name, kind=data.kind, state_id=data.state_id, created_by=principal.id
        )
        if data.id is not None:
            organization.id = data.id
        await self.repo.add(organization)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            organization.id,
            organization_id=organization.id,
        )
        return OrganizationRead.model_validate(organization)

    async def named_or_new_lead(self, principal: Principal, name: str) -> UUID:
        """The id of the organisation called ``name`` (whatever its case), registered first as
        a lead NGO when there is none (the first admin's organisation, from the CLI). Raises
        what :meth:`create` raises."""
        organization = await self.repo.by_name(name)
        if organization is not None:
            return organization.id
        created = await self.create(
            principal, OrganizationCreate(name=name, kind=OrganizationKind.lead_ngo)
        )
        return created.id

    async def get(self, principal: Principal, organization_id: UUID) -> OrganizationRead:
        """One organisation in the caller's scope. Raises NotFound otherwise."""
        authorize(self.uow, principal, policies.READ, ENTITY, organization_id)
        organization = await require(
            self.repo.get(organization_id, policies.visible(principal)), "Organisation"
        )
        return OrganizationRead.model_validate(organization)

    async def list(
        self, principal: Principal, page: PageRequest, kind: OrganizationKind | None = None
    ) -> Page[OrganizationRead]:
        """Organisations in the caller's scope, by name."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        scope = policies.visible(principal)
        where = [col(Organization.kind) == kind] if kind else []
        return await paginate(
            page,
            BY_NAME,
            fetch=lambda after, limit: self.repo.page(
                scope,
                where=where,
                order=[Organization.name, Organization.id],
                after=after,
                limit=limit,
            ),
            to_read=lambda rows: [OrganizationRead.model_validate(o) for o in rows],
            page_type=OrganizationPage,
            count=lambda: self.repo.count(scope, where=where),
        )

    async def update(
        self,
        principal: Principal,
        organization_id: UUID,
        data: OrganizationUpdate,
        expected_version: int,
    ) -> OrganizationRead:
        """Change an organisation. Raises NotFound, PreconditionFailed, Conflict."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, organization_id)
        organization = await require(
            self.repo.get_for_update(organization_id, policies.visible(principal)),
            "Organisation",
            version=expected_version,
        )
        changes = data.changes()
        new_name = changes.get("name")
        if new_name and new_name.lower() != organization.name.lower():
            if await self.repo.name_taken(new_name):
                raise Conflict("An organisation with this name already exists.")
        if changes.get("state_id") is not None:
            await require_state(self.uow, changes["state_id"])
        for field, value in changes.items():
            setattr(organization, field, value)
        touch(organization)
        await self.repo.save(organization)
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            organization.id,
            organization_id=organization.id,
        )
        return OrganizationRead.model_validate(organization)
