from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.livelihood_vocabulary import ApplicationStatus


class EntitlementApplication(Entity, OrganizationOwned, PlaceBound, table=True):
    """A survivor's application for a scheme, followed to its outcome (received in part or
    whole, rejected, appealed). ``last_moved_at`` drives the "stalled" flag."""

    __tablename__ = "entitlement_application"

    survivor_id: UUID = Field(foreign_key="survivor.id", index=True, nullable=False)
    scheme_id: UUID = Field(foreign_key="scheme.id", index=True, nullable=False)
    status: ApplicationStatus = Field(sa_type=enum_column(ApplicationStatus, "application_status"))
    office: str | None = Field(default=None, max_length=200)
    applied_on: date | None = None
    sanctioned_on: date | None = None
    sanctioned_paise: int | None = Field(default=None, sa_type=sa.BigInteger)
    received_paise: int | None = Field(default=None, sa_type=sa.BigInteger)
    received_on: date | None = None
    rejection_reason: str | None = Field(default=None, max_length=500)
    last_moved_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
