from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.livelihood_vocabulary import ActivityKind


class LivelihoodActivity(Entity, OrganizationOwned, PlaceBound, table=True):
    """A job or an enterprise of a survivor; what and where is sealed (it can locate her)."""

    __tablename__ = "livelihood_activity"

    survivor_id: UUID = Field(foreign_key="survivor.id", index=True, nullable=False)
    kind: ActivityKind = Field(sa_type=enum_column(ActivityKind, "activity_kind"))
    sector: str | None = Field(default=None, max_length=80)
    description_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    started_on: date
    ended_on: date | None = None
    investment_paise: int | None = Field(default=None, sa_type=sa.BigInteger)
