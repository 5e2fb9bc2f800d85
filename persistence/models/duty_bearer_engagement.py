from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.leadership_vocabulary import DutyBearer


class DutyBearerEngagement(Entity, OrganizationOwned, PlaceBound, table=True):
    """A meeting with a duty bearer (police, panchayat, departments...) and the issues raised;
    commitments made there are followed up in duty_bearer_commitment."""

    __tablename__ = "duty_bearer_engagement"

    duty_bearer: DutyBearer = Field(sa_type=enum_column(DutyBearer, "duty_bearer"))
    office: str = Field(max_length=200)
    held_on: date
    leader_group_id: UUID | None = Field(default=None, foreign_key="leader_group.id")
    issues_raised: str = Field(max_length=4000)
