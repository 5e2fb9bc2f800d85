from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, enum_column
from persistence.models.enums import OrganizationKind


class Organization(Entity, table=True):
    """An organisation on the platform: the tenant that owns records.

    It has no owning ``organization_id`` of its own: it is the owner.
    """

    __tablename__ = "organization"
    __table_args__ = (
        # Names are unique whatever their case ("Shakti" and "SHAKTI" are one organisation).
        sa.Index("uq_organization_name_lower", sa.func.lower(sa.column("name")), unique=True),
        sa.Index("ix_organization_name_id", "name", "id"),
    )

    name: str = Field(max_length=200)
    kind: OrganizationKind = Field(sa_type=enum_column(OrganizationKind, "organization_kind"))
    state_id: UUID | None = Field(default=None, foreign_key="state.id", index=True)
    # Whether its social workers see the cases of their districts, not only their own.
    district_case_visibility: bool = Field(
        default=False, sa_column_kwargs={"server_default": sa.false()}
    )
