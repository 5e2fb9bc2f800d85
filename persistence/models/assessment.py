from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound
from persistence.models.case_bound import CaseBound


class Assessment(Entity, OrganizationOwned, PlaceBound, CaseBound, table=True):
    """One sitting of an instrument with a survivor. ``scores`` caches the section scores
    computed from the responses (mean of score items; risk points and band)."""

    __tablename__ = "assessment"
    __table_args__ = (
        sa.Index(
            "ix_assessment_case_id_instrument_id_conducted_on",
            "case_id",
            "instrument_id",
            "conducted_on",
        ),
    )

    instrument_id: UUID = Field(foreign_key="assessment_instrument.id", nullable=False)
    conducted_on: date
    conducted_by: UUID | None = Field(default=None, foreign_key="app_user.id")
    scores: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSONB, sa_column_kwargs={"server_default": "{}"}
    )
    notes_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
