from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from persistence.models.organization import Organization
from persistence.repositories.base import EntityRepository


class OrganizationRepository(EntityRepository[Organization]):
    model = Organization

    def organization_column(self) -> Any:
        # An organisation is its own owner: scope by its id.
        return Organization.id

    async def name_taken(self, name: str) -> bool:
        stmt = sa.select(sa.literal(True)).where(sa.func.lower(Organization.name) == name.lower())
        return bool((await self.session.scalars(stmt)).first())
