from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned


class ReadinessAssessment(Entity, OrganizationOwned, table=True):
    """A CBR readiness assessment of a partner: criteria scored (instrument as data, see
    assessment_instrument), by the lead organisation."""

    __tablename__ = "readiness_assessment"

    partner_organization_id: UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    # Optional: criteria may be scored as data without a stored instrument.
    instrument_id: UUID | None = Field(default=None, foreign_key="assessment_instrument.id")
    assessed_on: date
    responses: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    scores: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
