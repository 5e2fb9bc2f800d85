from __future__ import annotations

from uuid import UUID

from sqlmodel import Field

from persistence.models.base import Entity, enum_column
from persistence.models.enums import OrganizationKind


class Organization(Entity, table=True):
    """An organisation on the platform: the tenant that owns records.

    It has no owning ``organization_id`` of its own: it is the owner.
    """

    __tablename__ = "organization"

    name: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    kind: OrganizationKind = Field(sa_type=enum_column(OrganizationKind, "organization_kind"))
    state_id: UUID | None = Field(default=None, foreign_key="state.id", index=True)
