from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.leadership_vocabulary import AdvocacyKind, AdvocacyLevel


class AdvocacyAction(Entity, OrganizationOwned, table=True):
    """Policy engagement: with which body, at which level, what was asked and what came of
    it; ``evidence`` snapshots the indicator values cited at the time."""

    __tablename__ = "advocacy_action"

    level: AdvocacyLevel = Field(sa_type=enum_column(AdvocacyLevel, "advocacy_level"))
    body: str = Field(max_length=200)
    kind: AdvocacyKind = Field(sa_type=enum_column(AdvocacyKind, "advocacy_kind"))
    state_id: UUID | None = Field(default=None, foreign_key="state.id")
    acted_on: date
    ask: str = Field(max_length=2000)
    outcome: str | None = Field(default=None, max_length=2000)
    documents: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(sa.String(500)),
        sa_column_kwargs={"server_default": "{}"},
    )
    evidence: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSONB, sa_column_kwargs={"server_default": "{}"}
    )
