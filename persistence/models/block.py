from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity


class Block(Entity, table=True):
    """A community development block of a district."""

    __tablename__ = "block"
    __table_args__ = (sa.UniqueConstraint("district_id", "name"),)

    district_id: UUID = Field(foreign_key="district.id", index=True)
    name: str = Field(max_length=100)
