from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.leadership_vocabulary import LeaderRole


class LeaderGroupMember(Entity, OrganizationOwned, table=True):
    """A survivor leader in a group: her user account (role survivor_leader) and, when the
    organisation also holds her survivor record, that link (shown to case workers only)."""

    __tablename__ = "leader_group_member"

    group_id: UUID = Field(foreign_key="leader_group.id", index=True, nullable=False)
    user_id: UUID | None = Field(default=None, foreign_key="app_user.id", index=True)
    survivor_id: UUID | None = Field(default=None, foreign_key="survivor.id")
    role: LeaderRole = Field(sa_type=enum_column(LeaderRole, "leader_role"))
    joined_on: date
    left_on: date | None = None
