"""The demo's organisations (a lead NGO, a partner NGO, a government department that care
plans name) and an account for every role, all with the one demo password."""

from __future__ import annotations

import uuid

from pydantic import SecretStr

from domain.common.principal import Role, system_principal
from domain.organizations.schemas import OrganizationCreate
from domain.organizations.service import OrganizationService
from domain.users.schemas import UserCreate
from domain.users.service import UserService
from persistence.models.enums import OrganizationKind
from seeds.context import DemoContext, DemoUser
from seeds.vocabulary import (
    DEMO_NAMESPACE,
    DISTRICT_CODES,
    EMAIL_DOMAIN,
    LEAD_ORGANIZATION_ID,
    STAFF,
    WEST_BENGAL,
)

ORGANIZATIONS = (
    # key, name, kind (the lead organisation's id is the demo's marker)
    ("lead", "Shakti Demo Trust (synthetic demo data)", OrganizationKind.lead_ngo),
    ("partner", "Ichamati Demo Sakhi Samiti (synthetic demo data)", OrganizationKind.partner_ngo),
    (
        "wcd",
        "Demo Women and Child Development Office (synthetic demo data)",
        OrganizationKind.government_department,
    ),
)


async def seed_organizations(ctx: DemoContext) -> None:
    system = system_principal()
    service = OrganizationService(ctx.uow)
    ctx.at(ctx.began_on)
    for key, name, kind in ORGANIZATIONS:
        organization_id = (
            LEAD_ORGANIZATION_ID
            if key == "lead"
            else uuid.uuid5(DEMO_NAMESPACE, f"organization:{key}")
        )
        created = await service.create(
            system,
            OrganizationCreate(id=organization_id, name=name, kind=kind, state_id=WEST_BENGAL),
        )
        ctx.organizations[key] = created.id
        ctx.counts["organizations"] += 1


async def seed_users(ctx: DemoContext) -> None:
    system = system_principal()
    service = UserService(ctx.uow, ctx.passwords)
    ctx.at(ctx.began_on)
    districts = {code: district_id for district_id, code in DISTRICT_CODES.items()}
    for key, role, full_name, organization_key, district_codes in STAFF:
        district_ids = tuple(districts[code] for code in district_codes)
        created = await service.create(
            system,
            UserCreate(
                email=f"{key}@{EMAIL_DOMAIN}",
                full_name=full_name,
                role=Role(role),
                organization_id=ctx.organizations[organization_key],
                district_ids=list(district_ids),
                password=SecretStr(ctx.password),
            ),
        )
        ctx.users[key] = DemoUser(
            key=key,
            id=created.id,
            email=created.email,
            full_name=created.full_name,
            role=created.role,
            organization_id=created.organization_id,
            district_ids=district_ids,
        )
        ctx.counts["users"] += 1
