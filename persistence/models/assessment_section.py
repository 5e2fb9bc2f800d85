from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity


class AssessmentSection(Entity, table=True):
    """A domain of an instrument (e.g. "safety", or a CBR component)."""

    __tablename__ = "assessment_section"
    __table_args__ = (sa.UniqueConstraint("instrument_id", "code"),)

    instrument_id: UUID = Field(foreign_key="assessment_instrument.id", index=True)
    code: str = Field(max_length=60)
    name: str = Field(max_length=200)
    position: int
