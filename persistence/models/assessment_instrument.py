from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from persistence.models.base import Entity


class AssessmentInstrument(Entity, table=True):
    """An assessment tool as data: sections of items on a scale. ``organization_id`` is empty
    for the shared instruments seeded by migrations, and names the owner of an organisation's
    own. ``rules`` holds scoring rules as data (e.g. risk bands)."""

    __tablename__ = "assessment_instrument"
    __table_args__ = (sa.UniqueConstraint("organization_id", "code"),)

    organization_id: UUID | None = Field(default=None, foreign_key="organization.id", index=True)
    code: str = Field(max_length=60)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    scale_min: int = 1
    scale_max: int = 4
    rules: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSONB, sa_column_kwargs={"server_default": "{}"}
    )
