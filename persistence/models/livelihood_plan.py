from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound


class LivelihoodPlan(Entity, OrganizationOwned, PlaceBound, table=True):
    """A survivor's livelihood plan: her aspirations (sealed), her skills, the options she
    is exploring (LivelihoodOption)."""

    __tablename__ = "livelihood_plan"

    survivor_id: UUID = Field(
        foreign_key="survivor.id", nullable=False, sa_column_kwargs={"unique": True}
    )
    aspirations_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    skills: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(sa.String(80)),
        sa_column_kwargs={"server_default": "{}"},
    )
    options: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(sa.String(40)),
        sa_column_kwargs={"server_default": "{}"},
    )
