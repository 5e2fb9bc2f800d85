from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.case_vocabulary import (
    CaseStatus,
    ClosureReason,
    RecruitmentMethod,
    ReferralSource,
    RiskLevel,
    TraffickingStatus,
)


class SurvivorCase(Entity, OrganizationOwned, table=True):
    """One case of a survivor with an organisation (she may have several over time:
    re-trafficking, reopening). Held by an organisation, in a district, assigned to a social
    worker; its trafficking context in HTCDS terms. Details that could locate people
    (destination address, recruiter descriptions) are sealed in ``context_enc``."""

    __tablename__ = "survivor_case"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "case_number"),
        sa.Index(
            "ix_survivor_case_organization_id_district_id_created_at_id",
            "organization_id",
            "district_id",
            "created_at",
            "id",
        ),
        sa.Index(
            "ix_survivor_case_assigned_worker_id_created_at_id",
            "assigned_worker_id",
            "created_at",
            "id",
        ),
    )

    survivor_id: UUID = Field(foreign_key="survivor.id", index=True, nullable=False)
    district_id: UUID = Field(foreign_key="district.id", nullable=False)
    case_number: str = Field(max_length=40)
    assigned_worker_id: UUID | None = Field(default=None, foreign_key="app_user.id")
    team: str | None = Field(default=None, max_length=100)
    status: CaseStatus = Field(sa_type=enum_column(CaseStatus, "case_status"))
    closure_reason: ClosureReason | None = Field(
        default=None, sa_type=enum_column(ClosureReason, "closure_reason")
    )
    risk_level: RiskLevel = Field(sa_type=enum_column(RiskLevel, "risk_level"))
    referral_source: ReferralSource = Field(sa_type=enum_column(ReferralSource, "referral_source"))
    trafficking_status: TraffickingStatus = Field(
        sa_type=enum_column(TraffickingStatus, "trafficking_status")
    )
    exploitation_types: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(sa.String(40)),
        sa_column_kwargs={"server_default": "{}"},
    )
    recruitment_method: RecruitmentMethod | None = Field(
        default=None, sa_type=enum_column(RecruitmentMethod, "recruitment_method")
    )
    destination_state: str | None = Field(default=None, max_length=100)
    destination_country: str | None = Field(default=None, max_length=2)
    recruited_on: date | None = None
    identified_on: date | None = None
    returned_on: date | None = None
    opened_on: date
    closed_on: date | None = None
    context_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
