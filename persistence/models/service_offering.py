from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.case_vocabulary import ServiceKind


class ServiceOffering(Entity, OrganizationOwned, table=True):
    """A service an organisation (government department, service provider, partner) offers,
    and the districts it covers: the directory referrals are made from. Public information."""

    __tablename__ = "service_offering"

    service_kind: ServiceKind = Field(sa_type=enum_column(ServiceKind, "service_kind"))
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    district_ids: list[UUID] = Field(default_factory=list, sa_type=ARRAY(sa.Uuid))
