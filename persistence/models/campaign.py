from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.leadership_vocabulary import CampaignKind


class Campaign(Entity, OrganizationOwned, PlaceBound, table=True):
    """A campaign or community event and whom it reached, counted by group."""

    __tablename__ = "campaign"

    kind: CampaignKind = Field(sa_type=enum_column(CampaignKind, "campaign_kind"))
    title: str = Field(max_length=200)
    place: str | None = Field(default=None, max_length=200)
    held_on: date
    leader_group_id: UUID | None = Field(default=None, foreign_key="leader_group.id")
    partner_organization_ids: list[UUID] = Field(default_factory=list, sa_type=ARRAY(sa.Uuid))
    reached_women: int = 0
    reached_men: int = 0
    reached_youth: int = 0
    reached_children: int = 0
    outcomes: str | None = Field(default=None, max_length=2000)
