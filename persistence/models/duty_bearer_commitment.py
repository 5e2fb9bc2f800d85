from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.leadership_vocabulary import CommitmentStatus


class DutyBearerCommitment(Entity, OrganizationOwned, table=True):
    """What a duty bearer promised, by whom, by when; followed up and escalated."""

    __tablename__ = "duty_bearer_commitment"

    engagement_id: UUID = Field(foreign_key="duty_bearer_engagement.id", index=True, nullable=False)
    commitment: str = Field(max_length=1000)
    committed_by: str = Field(max_length=200)
    due_on: date | None = None
    status: CommitmentStatus = Field(sa_type=enum_column(CommitmentStatus, "commitment_status"))
    followed_up_on: date | None = None
    escalated_on: date | None = None
    escalated_to: str | None = Field(default=None, max_length=200)
