from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, enum_column
from persistence.models.case_vocabulary import ResponseType


class AssessmentItem(Entity, table=True):
    """One question of a section, answered as a score, yes/no, or the survivor's own rank.
    ``weight`` counts the item in rule-based scores (e.g. re-trafficking risk)."""

    __tablename__ = "assessment_item"
    __table_args__ = (sa.UniqueConstraint("section_id", "code"),)

    section_id: UUID = Field(foreign_key="assessment_section.id", index=True)
    code: str = Field(max_length=80)
    prompt: str = Field(max_length=500)
    response_type: ResponseType = Field(sa_type=enum_column(ResponseType, "response_type"))
    position: int
    weight: int = 1
