from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from persistence.models.base import Entity


class ShgGradingRule(Entity, table=True):
    """The thresholds of Panchasutra grading as data: one row per organisation (or the shared
    default with no organisation). Changing them needs no release."""

    __tablename__ = "shg_grading_rule"

    organization_id: UUID | None = Field(
        default=None, foreign_key="organization.id", sa_column_kwargs={"unique": True}
    )
    rules: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
