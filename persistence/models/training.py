from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.livelihood_vocabulary import TrainingTopic


class Training(Entity, OrganizationOwned, PlaceBound, table=True):
    """A course or workshop: livelihood skills for survivors, leadership for survivor
    leaders, CBR practice for partner organisations. ``provider_organization_id`` gives it."""

    __tablename__ = "training"

    topic: TrainingTopic = Field(sa_type=enum_column(TrainingTopic, "training_topic"))
    course: str = Field(max_length=200)
    provider_organization_id: UUID | None = Field(default=None, foreign_key="organization.id")
    facilitators: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(sa.String(120)),
        sa_column_kwargs={"server_default": "{}"},
    )
    starts_on: date
    ends_on: date | None = None
    # Sessions planned: a participant's attendance is counted against it.
    session_count: int | None = None
