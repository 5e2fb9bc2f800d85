from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.leadership_vocabulary import OnboardingStage


class PartnerOnboarding(Entity, OrganizationOwned, table=True):
    """A state and partner organisation taken through the expansion of the model, by the lead
    organisation (``organization_id``)."""

    __tablename__ = "partner_onboarding"

    partner_organization_id: UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    state_id: UUID = Field(foreign_key="state.id", nullable=False)
    stage: OnboardingStage = Field(sa_type=enum_column(OnboardingStage, "onboarding_stage"))
    stage_since: date
    agreement_signed_on: date | None = None
    notes: str | None = Field(default=None, max_length=2000)
