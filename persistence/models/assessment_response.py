from __future__ import annotations

from uuid import UUID

from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class AssessmentResponse(SQLModel, table=True):
    """The answer to one item in one assessment (scores and ranks as integers, yes = 1)."""

    __tablename__ = "assessment_response"

    assessment_id: UUID = Field(foreign_key="assessment.id", primary_key=True, ondelete="CASCADE")
    item_id: UUID = Field(foreign_key="assessment_item.id", primary_key=True)
    value: int
