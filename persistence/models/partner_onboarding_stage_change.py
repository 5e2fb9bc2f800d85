from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import enum_column, utcnow
from persistence.models.leadership_vocabulary import OnboardingStage


class PartnerOnboardingStageChange(SQLModel, table=True):
    """One move of a partner's onboarding: from, to, on which day, who, and why (organisational
    notes, no personal data). The first row of an onboarding has no ``from_stage``."""

    __tablename__ = "partner_onboarding_stage_change"
    __table_args__ = (
        sa.Index(
            "ix_partner_onboarding_stage_change_onboarding_id_at", "onboarding_id", "at", "id"
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    onboarding_id: UUID = Field(foreign_key="partner_onboarding.id", nullable=False)
    organization_id: UUID = Field(foreign_key="organization.id", nullable=False)
    from_stage: OnboardingStage | None = Field(
        default=None, sa_type=enum_column(OnboardingStage, "from_onboarding_stage")
    )
    to_stage: OnboardingStage = Field(sa_type=enum_column(OnboardingStage, "to_onboarding_stage"))
    changed_on: date
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    by: UUID | None = None
    note: str | None = Field(default=None, max_length=1000)
