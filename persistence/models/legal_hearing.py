from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound
from persistence.models.case_bound import CaseBound


class LegalHearing(Entity, OrganizationOwned, PlaceBound, CaseBound, table=True):
    """A hearing of a proceeding; what happened is sealed."""

    __tablename__ = "legal_hearing"

    proceeding_id: UUID = Field(foreign_key="legal_proceeding.id", index=True, nullable=False)
    held_on: date
    next_hearing_on: date | None = None
    outcome_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
