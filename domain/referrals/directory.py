"""The service directory: organisations of the government department, service provider and
partner NGO kinds, the services they offer and the districts they cover. Referrals are made
from it. It holds no personal data: reads are open to anyone signed in and not audited;
changes are audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record, record_denied
from domain.common.errors import (
    BusinessRuleViolation,
    PermissionDenied,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import BY_NAME, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal, PrincipalKind, Role
from domain.common.records import check_version, require
from domain.referrals import policies
from domain.referrals.schemas import (
    DIRECTORY_KINDS,
    ServiceOfferingCreate,
    ServiceOfferingRead,
    ServiceOfferingUpdate,
    ServiceProviderPage,
    ServiceProviderRead,
)
from persistence.models.base import touch, utcnow
from persistence.models.case_vocabulary import ServiceKind
from persistence.models.enums import AuditAction
from persistence.models.organization import Organization
from persistence.models.service_offering import ServiceOffering
from persistence.repositories.referrals import DirectoryRepository
from persistence.uow import UnitOfWork

ENTITY = policies.SERVICE_OFFERING
_KINDS = sorted(DIRECTORY_KINDS)


class DirectoryService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.directory = DirectoryRepository(uow)

    async def list(
        self,
        principal: Principal,
        page: PageRequest,
        service: ServiceKind | None = None,
        district_id: UUID | None = None,
    ) -> ServiceProviderPage:
        """Directory organisations by name; with ``service`` and/or ``district_id`` only those
        offering that service there, each with the matching offerings. Raises BadRequest
        (cursor)."""
        authorize(self.uow, principal, policies.DIRECTORY_READ, ENTITY)

        async def shown(organizations: Sequence[Organization]) -> list[ServiceProviderRead]:
            offerings = await self.directory.offerings_of(
                [o.id for o in organizations], service, district_id
            )
            return [_provider(o, offerings) for o in organizations]

        return await paginate(
            page,
            BY_NAME,
            fetch=lambda after, limit: self.directory.providers_page(
                _KINDS, service, district_id, after, limit
            ),
            to_read=shown,
            count=lambda: self.directory.providers_count(_KINDS, service, district_id),
            page_type=ServiceProviderPage,
        )

    async def get(self, principal: Principal, organization_id: UUID) -> ServiceProviderRead:
        """One directory organisation with all its offerings. Raises NotFound."""
        authorize(self.uow, principal, policies.DIRECTORY_READ, ENTITY)
        organization = await self._provider(organization_id)
        offerings = await self.directory.offerings_of([organization.id])
        return _provider(organization, offerings)

    async def create_offering(
        self, principal: Principal, organization_id: UUID, data: ServiceOfferingCreate
    ) -> ServiceOfferingRead:
        """Add a service the organisation offers. Raises NotFound (not in the directory),
        PermissionDenied (another organisation's), BusinessRuleViolation (districts), Conflict
        (id taken)."""
        authorize(self.uow, principal, policies.DIRECTORY_MANAGE, ENTITY)
        organization = await self._provider(organization_id)
        self._check_keeper(principal, organization)
        await self._check_districts(data.district_ids)
        await reject_taken_id(self.uow, principal, self.directory, data.id, "service_offering")
        offering = ServiceOffering(
            organization_id=organization.id,
            service_kind=data.service_kind,
            name=data.name,
            description=data.description,
            district_ids=list(data.district_ids),
            created_by=principal.id,
        )
        if data.id is not None:
            offering.id = data.id
        await self.directory.add(offering)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            offering.id,
            organization_id=organization.id,
        )
        return ServiceOfferingRead.model_validate(offering)

    async def update_offering(
        self,
        principal: Principal,
        organization_id: UUID,
        offering_id: UUID,
        data: ServiceOfferingUpdate,
        expected_version: int,
    ) -> ServiceOfferingRead:
        """Change an offering (kind, name, description, districts). Raises NotFound,
        PermissionDenied, PreconditionFailed, BusinessRuleViolation."""
        authorize(self.uow, principal, policies.DIRECTORY_MANAGE, ENTITY, offering_id)
        organization = await self._provider(organization_id)
        self._check_keeper(principal, organization)
        offering = await require(
            self.directory.offering(organization.id, offering_id, for_update=True),
            "Service offering",
        )
        check_version(offering, expected_version, "offering")
        changes: dict[str, Any] = data.changes()
        if "district_ids" in changes:
            await self._check_districts(changes["district_ids"])
        for field, value in changes.items():
            setattr(offering, field, value)
        touch(offering)
        await self.directory.save(offering)
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            offering.id,
            organization_id=organization.id,
        )
        return ServiceOfferingRead.model_validate(offering)

    async def delete_offering(
        self, principal: Principal, organization_id: UUID, offering_id: UUID
    ) -> None:
        """Take an offering out of the directory (kept for the referrals that name it).
        Raises NotFound, PermissionDenied."""
        authorize(self.uow, principal, policies.DIRECTORY_MANAGE, ENTITY, offering_id)
        organization = await self._provider(organization_id)
        self._check_keeper(principal, organization)
        offering = await require(
            self.directory.offering(organization.id, offering_id, for_update=True),
            "Service offering",
        )
        offering.deleted_at = utcnow()
        touch(offering)
        await self.directory.save(offering)
        record(
            self.uow,
            principal,
            AuditAction.delete,
            ENTITY,
            offering.id,
            organization_id=organization.id,
        )

    # -- helpers ------------------------------------------------------------------------------
    async def _provider(self, organization_id: UUID) -> Organization:
        return await require(
            self.directory.directory_organization(organization_id, _KINDS), "Service provider"
        )

    def _check_keeper(self, principal: Principal, organization: Organization) -> None:
        if principal.kind is PrincipalKind.system or principal.role is Role.platform_admin:
            return
        if not principal.in_organization(organization.id):
            record_denied(self.uow, principal, ENTITY)
            raise PermissionDenied("You keep only your own organisation's service offerings.")

    async def _check_districts(self, district_ids: Sequence[UUID]) -> None:
        if await self.directory.unknown_districts(district_ids):
            raise BusinessRuleViolation("A district named does not exist.", field="district_ids")


def _provider(
    organization: Organization, offerings: Sequence[ServiceOffering]
) -> ServiceProviderRead:
    return ServiceProviderRead(
        id=organization.id,
        name=organization.name,
        kind=organization.kind,
        state_id=organization.state_id,
        services=[
            ServiceOfferingRead.model_validate(o)
            for o in offerings
            if o.organization_id == organization.id
        ],
    )
