from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.case_bound import CaseBound
from persistence.models.case_vocabulary import ConsentMethod


class CarePlanAgreement(Entity, OrganizationOwned, PlaceBound, CaseBound, table=True):
    """The survivor's agreement to her plan as it stood (the goals and their versions), who
    witnessed it and when."""

    __tablename__ = "care_plan_agreement"

    agreed_on: date
    method: ConsentMethod = Field(sa_type=enum_column(ConsentMethod, "agreement_method"))
    witnessed_by: UUID | None = Field(default=None, foreign_key="app_user.id")
    goal_ids: list[UUID] = Field(default_factory=list, sa_type=ARRAY(sa.Uuid))
    notes_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
