from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.organization import Organization
from persistence.repositories.base import EntityRepository


class OrganizationRepository(EntityRepository[Organization]):
    model = Organization

    def organization_column(self) -> Any:
        # An organisation is its own owner: scope by its id.
        return Organization.id

    async def by_name(self, name: str) -> Organization | None:
        """The organisation of this name, whatever its case (names are unique that way)."""
        stmt = sa.select(Organization).where(sa.func.lower(Organization.name) == name.lower())
        return (await self.session.scalars(stmt)).first()

    async def name_taken(self, name: str) -> bool:
        stmt = sa.select(sa.literal(True)).where(sa.func.lower(Organization.name) == name.lower())
        return bool((await self.session.scalars(stmt)).first())

    async def names(self, ids: Sequence[UUID]) -> list[str]:
        """The names of these organisations, in the order given."""
        stmt = sa.select(col(Organization.id), col(Organization.name)).where(
            col(Organization.id).in_(list(ids))
        )
        found = {row[0]: row[1] for row in await self.session.execute(stmt)}
        return [found[i] for i in ids if i in found]
