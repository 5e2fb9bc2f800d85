"""Who acted, by name: the staff members (or integration clients) behind the ids that
timelines and lists carry, and the organisations they work for. Two queries for a whole page,
whatever its length."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.app_user import AppUser
from persistence.models.integration_client import IntegrationClient
from persistence.models.organization import Organization
from persistence.repositories.session import Repository


@dataclass(frozen=True, slots=True)
class Actor:
    """A person's account (``work_contact`` as she gave it) or an integration client."""

    id: UUID
    name: str
    work_contact: str | None
    organization_id: UUID | None


class StaffRepository(Repository):
    async def actors(self, ids: Iterable[UUID]) -> dict[UUID, Actor]:
        """The accounts and clients holding these ids (whatever their state: a record keeps
        the name of whoever made it, after she leaves)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        users: Any = sa.select(
            col(AppUser.id),
            col(AppUser.full_name).label("name"),
            col(AppUser.work_contact),
            col(AppUser.organization_id),
        ).where(col(AppUser.id).in_(wanted))
        clients: Any = sa.select(
            col(IntegrationClient.id),
            col(IntegrationClient.name),
            sa.null().label("work_contact"),
            col(IntegrationClient.organization_id),
        ).where(col(IntegrationClient.id).in_(wanted))
        rows: sa.Result[Any] = await self.session.execute(sa.union_all(users, clients))
        return {
            row.id: Actor(row.id, row.name, row.work_contact, row.organization_id) for row in rows
        }

    async def organization_names(self, ids: Iterable[UUID]) -> dict[UUID, str]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        stmt = sa.select(col(Organization.id), col(Organization.name)).where(
            col(Organization.id).in_(wanted)
        )
        return {row[0]: row[1] for row in await self.session.execute(stmt)}
