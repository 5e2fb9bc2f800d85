from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned


class LeaderGroupMeeting(Entity, OrganizationOwned, table=True):
    """A meeting of a leader group: who came (member ids), agenda, minutes (sealed)."""

    __tablename__ = "leader_group_meeting"

    group_id: UUID = Field(foreign_key="leader_group.id", index=True, nullable=False)
    held_on: date
    agenda: str | None = Field(default=None, max_length=1000)
    attended_member_ids: list[UUID] = Field(default_factory=list, sa_type=ARRAY(sa.Uuid))
    minutes_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
