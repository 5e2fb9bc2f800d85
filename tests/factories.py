"""Small async helpers that create records through the domain services (as the system) and
mint tokens for them, so tests read as the field would describe them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from pydantic import SecretStr

from domain.common.principal import Role, system_principal
from domain.identity.tokens import TokenSubject
from domain.integration_clients.schemas import IntegrationClientCreate
from domain.integration_clients.service import IntegrationClientService
from domain.organizations.schemas import OrganizationCreate
from domain.organizations.service import OrganizationService
from domain.users.schemas import UserCreate
from domain.users.service import UserService
from persistence.clock import wall_time
from persistence.crypto import Place
from persistence.database import Database
from persistence.models.app_user import AppUser
from persistence.models.auth_session import AuthSession
from persistence.models.case_vocabulary import (
    CaseStatus,
    ReferralSource,
    RiskLevel,
    Sex,
    TraffickingStatus,
)
from persistence.models.enums import OrganizationKind
from persistence.models.integration_client import IntegrationClient
from persistence.models.organization import Organization
from persistence.models.survivor import Survivor
from persistence.models.survivor_case import SurvivorCase
from persistence.repositories.users import UserRepository
from persistence.uow import UnitOfWork

DEFAULT_PASSWORD = "a long test passphrase"
GEOGRAPHY = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/geography")
WEST_BENGAL = uuid.uuid5(GEOGRAPHY, "state:WB")


def wb_district(name: str) -> UUID:
    """Id of a seeded West Bengal district (ids are UUIDv5 of the name)."""
    return uuid.uuid5(GEOGRAPHY, f"district:WB:{name}")


SOUTH_24 = wb_district("South 24 Parganas")
NORTH_24 = wb_district("North 24 Parganas")


@dataclass
class Actor:
    """Someone calling the API: who she is and the headers that carry her token."""

    id: UUID
    organization_id: UUID
    role: Role
    headers: dict[str, str] = field(default_factory=dict)
    email: str | None = None
    secret: str | None = None  # integration clients


class Factory:
    def __init__(self, container: Any, database: Database) -> None:
        self.container = container
        self.database = database
        self.system = system_principal()

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.database)

    async def organization(
        self, name: str | None = None, kind: OrganizationKind = OrganizationKind.partner_ngo
    ) -> UUID:
        async with self.uow() as uow:
            created = await OrganizationService(uow).create(
                self.system,
                OrganizationCreate(name=name or f"Org {uuid.uuid4().hex[:8]}", kind=kind),
            )
        return created.id

    async def user(
        self,
        organization_id: UUID,
        role: Role,
        *,
        districts: tuple[UUID, ...] = (),
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        name: str = "Test Person",
        work_contact: str | None = None,
    ) -> Actor:
        email = email or f"{role.value}.{uuid.uuid4().hex[:8]}@example.org"
        async with self.uow() as uow:
            created = await UserService(uow, self.container.identity.passwords).create(
                self.system,
                UserCreate(
                    email=email,
                    full_name=name,
                    work_contact=work_contact,
                    role=role,
                    organization_id=organization_id,
                    district_ids=list(districts),
                    password=SecretStr(password),
                ),
            )
        actor = Actor(id=created.id, organization_id=organization_id, role=role, email=email)
        actor.headers = await self.user_headers(actor.id)
        return actor

    async def user_headers(self, user_id: UUID) -> dict[str, str]:
        """A bearer header for a fresh sign-in session of the user (no password round)."""
        now = wall_time()  # sessions live in the machine's time, whatever the test's clock
        session = AuthSession(user_id=user_id, created_at=now, expires_at=now + timedelta(days=1))
        async with self.uow() as uow:
            uow.session.add(session)
        async with self.uow() as uow:
            user = await uow.session.get(AppUser, user_id)
            assert user is not None
            districts = await UserRepository(uow).district_ids(user_id)
        token = self.container.identity.tokens.issue_access_token(
            TokenSubject(
                principal_kind="user",
                id=user.id,
                organization_id=user.organization_id,
                role=str(user.role),
                access_version=user.access_version,
                district_ids=tuple(districts),
                session_id=session.id,
            ),
            600,
        )
        return {"Authorization": f"Bearer {token}"}

    async def integration_client(
        self, organization_id: UUID, role: Role, scopes: list[str], *, unchecked: bool = False
    ) -> Actor:
        """A client granted ``scopes`` by the platform admin. ``unchecked``: the scopes are
        written straight into its row, past the grant's checks, as a tampered database would
        hold them (a person's acts: the policies must refuse them all the same)."""
        async with self.uow() as uow:
            created = await IntegrationClientService(uow).create(
                self.system,
                IntegrationClientCreate(
                    name=f"Client {uuid.uuid4().hex[:6]}",
                    organization_id=organization_id,
                    role=role,
                    scopes=[] if unchecked else scopes,
                ),
            )
            if unchecked:
                row = await uow.session.get(IntegrationClient, created.id)
                assert row is not None
                row.scopes = list(scopes)
        token = self.container.identity.tokens.issue_access_token(
            TokenSubject(
                principal_kind="client",
                id=created.id,
                organization_id=organization_id,
                role=role.value,
                access_version=1,
                scopes=tuple(sorted(scopes)),
            ),
            600,
        )
        return Actor(
            id=created.id,
            organization_id=organization_id,
            role=role,
            headers={"Authorization": f"Bearer {token}"},
            secret=created.client_secret,
        )

    async def platform_admin(self) -> Actor:
        organization = await self.organization(kind=OrganizationKind.lead_ngo)
        return await self.user(organization, Role.platform_admin)


# -- case management ------------------------------------------------------------------------
class CaseFactory:
    """Survivors and cases written straight to the tables (sealed as the services seal them),
    so that tests of one area do not depend on the services of another."""

    def __init__(self, factory: Factory) -> None:
        self.factory = factory

    async def survivor(
        self,
        organization_id: UUID,
        *,
        district_id: UUID = SOUTH_24,
        name: str = "Test Survivor",
        phone: str | None = None,
        created_by: UUID | None = None,
        birth_year: int | None = 1998,
    ) -> UUID:
        survivor = Survivor(
            organization_id=organization_id,
            district_id=district_id,
            personal_enc=b"",
            sex=Sex.female,
            birth_year=birth_year,
            languages=["bn"],
            created_by=created_by,
        )
        async with self.factory.uow() as uow:
            survivor.personal_enc = uow.cipher.seal_json(
                {"given_name": name, "phone": phone},
                Place("survivor", "personal_enc", survivor.id),
            )
            uow.session.add(survivor)
        return survivor.id

    async def case(
        self,
        organization_id: UUID,
        survivor_id: UUID,
        *,
        district_id: UUID = SOUTH_24,
        assigned_worker_id: UUID | None = None,
        status: CaseStatus = CaseStatus.active,
        risk_level: RiskLevel = RiskLevel.low,
    ) -> UUID:
        case = SurvivorCase(
            organization_id=organization_id,
            survivor_id=survivor_id,
            district_id=district_id,
            case_number=f"T-{uuid.uuid4().hex[:10]}",
            assigned_worker_id=assigned_worker_id,
            status=status,
            risk_level=risk_level,
            referral_source=ReferralSource.other_ngo,
            trafficking_status=TraffickingStatus.actual,
            exploitation_types=["sexual_exploitation"],
            opened_on=date(2026, 1, 15),
        )
        async with self.factory.uow() as uow:
            uow.session.add(case)
        return case.id

    async def allow_district_visibility(self, organization_id: UUID, allowed: bool = True) -> None:
        async with self.factory.uow() as uow:
            organization = await uow.session.get(Organization, organization_id)
            assert organization is not None
            organization.district_case_visibility = allowed
