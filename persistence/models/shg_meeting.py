from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned


class ShgMeeting(Entity, OrganizationOwned, table=True):
    """One meeting of an SHG: attendance, minutes and resolutions (sealed), and the money of
    its collection sheet (ledger entries with this meeting)."""

    __tablename__ = "shg_meeting"
    __table_args__ = (sa.UniqueConstraint("shg_id", "held_on"),)

    shg_id: UUID = Field(foreign_key="shg.id", index=True, nullable=False)
    held_on: date
    minutes_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
