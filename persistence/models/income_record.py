from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound


class IncomeRecord(Entity, OrganizationOwned, PlaceBound, table=True):
    """A survivor's income for one month (first day of the month), in paise."""

    __tablename__ = "income_record"
    __table_args__ = (sa.UniqueConstraint("survivor_id", "month", "source"),)

    survivor_id: UUID = Field(foreign_key="survivor.id", index=True, nullable=False)
    month: date
    source: str = Field(max_length=40)
    amount_paise: int = Field(sa_type=sa.BigInteger)
