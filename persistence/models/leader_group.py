from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound


class LeaderGroup(Entity, OrganizationOwned, PlaceBound, table=True):
    """A collective of survivor leaders in a district, linked to a national survivors' forum
    (an organisation record, e.g. ILFAT)."""

    __tablename__ = "leader_group"

    name: str = Field(max_length=200)
    formed_on: date
    forum_organization_id: UUID | None = Field(default=None, foreign_key="organization.id")
