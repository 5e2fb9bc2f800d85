from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity


class District(Entity, table=True):
    """A district of a state: the unit of field operations and of district scope."""

    __tablename__ = "district"
    __table_args__ = (sa.UniqueConstraint("state_id", "name"),)

    state_id: UUID = Field(foreign_key="state.id", index=True)
    name: str = Field(max_length=100)
