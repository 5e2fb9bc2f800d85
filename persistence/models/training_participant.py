from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned


class TrainingParticipant(Entity, OrganizationOwned, table=True):
    """Someone taking part in a training: a survivor, a survivor leader (a user), or a partner
    organisation's staff; attendance (sessions attended), completion, certificate, and pre/post
    scores (0-100)."""

    __tablename__ = "training_participant"

    training_id: UUID = Field(foreign_key="training.id", index=True, nullable=False)
    survivor_id: UUID | None = Field(default=None, foreign_key="survivor.id", index=True)
    user_id: UUID | None = Field(default=None, foreign_key="app_user.id", index=True)
    partner_organization_id: UUID | None = Field(default=None, foreign_key="organization.id")
    sessions_attended: int | None = None
    completed_on: date | None = None
    certificate: str | None = Field(default=None, max_length=120)
    pre_score: int | None = None
    post_score: int | None = None
