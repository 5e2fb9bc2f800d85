from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.case_bound import CaseBound
from persistence.models.case_vocabulary import CbrComponent, GoalStatus, Responsible


class CarePlanGoal(Entity, OrganizationOwned, PlaceBound, CaseBound, table=True):
    """A goal the survivor set for herself, ranked by her, under one CBR component; its
    wording and actions are sealed (goals speak of her life)."""

    __tablename__ = "care_plan_goal"

    component: CbrComponent = Field(sa_type=enum_column(CbrComponent, "cbr_component"))
    rank: int = Field(description="The survivor's own priority: 1 comes first.")
    goal_enc: bytes = Field(sa_type=sa.LargeBinary)
    responsible: Responsible = Field(sa_type=enum_column(Responsible, "responsible"))
    responsible_organization_id: UUID | None = Field(default=None, foreign_key="organization.id")
    target_on: date | None = None
    review_on: date | None = None
    status: GoalStatus = Field(sa_type=enum_column(GoalStatus, "goal_status"))
    achieved_on: date | None = None
