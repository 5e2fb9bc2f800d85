from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, Personal, RequestBody
from domain.common.staff import OrganizationName, StaffName
from persistence.models.case_vocabulary import (
    CaseEventKind,
    CaseStatus,
    ClosureReason,
    ExploitationType,
    RecruitmentMethod,
    ReferralSource,
    RiskLevel,
    TraffickingStatus,
)

Reason = Field(min_length=3, max_length=2000, description="In words; sealed at rest.")


class TraffickingContext(RequestBody):
    """Where and how she was trafficked (HTCDS terms). Free text is sealed."""

    trafficking_status: TraffickingStatus = TraffickingStatus.possible
    exploitation_types: list[ExploitationType] = Field(default_factory=list, max_length=11)
    recruitment_method: RecruitmentMethod | None = None
    destination_state: str | None = Field(default=None, max_length=100)
    destination_country: str | None = Field(
        default=None, min_length=2, max_length=2, pattern=r"^[A-Z]{2}$"
    )
    recruited_on: date | None = None
    identified_on: date | None = None
    returned_on: date | None = None
    details: str | None = Field(
        default=None, max_length=4000, description="Places, circumstances; sealed at rest."
    )


class CaseCreate(TraffickingContext):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "survivor_id": "3b9a7f3e-6f0c-4a52-8d1e-8d0f3c1a2b4c",
                    "district_id": "0b8e8f38-5c55-5f6e-8d0e-0c4bb0b1a2f3",
                    "referral_source": "police_ahtu",
                    "trafficking_status": "actual",
                    "exploitation_types": ["sexual_exploitation"],
                    "recruitment_method": "job_offer",
                    "destination_state": "Maharashtra",
                    "identified_on": "2026-10-02",
                    "returned_on": "2026-10-20",
                }
            ]
        }
    )

    id: UUID | None = None
    survivor_id: UUID
    district_id: UUID
    referral_source: ReferralSource
    assigned_worker_id: UUID | None = Field(
        default=None, description="Defaults to the caller when she is a social worker."
    )
    team: str | None = Field(default=None, max_length=100)
    risk_level: RiskLevel = RiskLevel.low
    opened_on: date | None = Field(default=None, description="Defaults to today.")


class CaseUpdate(PatchBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"trafficking_status": "actual", "risk_level": "medium"}]}
    )
    nullable_fields = frozenset(
        {
            "recruitment_method",
            "destination_state",
            "destination_country",
            "recruited_on",
            "identified_on",
            "returned_on",
            "details",
            "team",
        }
    )

    trafficking_status: TraffickingStatus | None = None
    exploitation_types: list[ExploitationType] | None = Field(default=None, max_length=11)
    recruitment_method: RecruitmentMethod | None = None
    destination_state: str | None = Field(default=None, max_length=100)
    destination_country: str | None = Field(
        default=None, min_length=2, max_length=2, pattern=r"^[A-Z]{2}$"
    )
    recruited_on: date | None = None
    identified_on: date | None = None
    returned_on: date | None = None
    details: str | None = Field(default=None, max_length=4000)
    referral_source: ReferralSource | None = None
    risk_level: RiskLevel | None = None
    team: str | None = Field(default=None, max_length=100)


class CaseTransition(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"to": "closed", "closure_reason": "goals_achieved", "reason": "Plan completed."}
            ]
        }
    )

    to: CaseStatus
    reason: str = Reason
    closure_reason: ClosureReason | None = Field(default=None, description="Required when closing.")


class CaseAssignment(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "assigned_worker_id": "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
                    "reason": "Rupa moves to the North 24 Parganas team.",
                }
            ]
        }
    )

    assigned_worker_id: UUID
    team: str | None = Field(default=None, max_length=100)
    reason: str = Reason


class CaseRead(BaseModel):
    id: UUID
    case_number: str
    survivor_id: UUID
    organization_id: UUID
    district_id: UUID
    assigned_worker_id: UUID | None
    team: str | None
    status: CaseStatus
    closure_reason: ClosureReason | None
    risk_level: RiskLevel
    referral_source: ReferralSource
    trafficking_status: TraffickingStatus
    exploitation_types: list[str]
    recruitment_method: RecruitmentMethod | None
    destination_state: str | None
    destination_country: str | None
    recruited_on: date | None
    identified_on: date | None
    returned_on: date | None
    opened_on: date
    closed_on: date | None
    flags: list[str] = Field(
        description="high_risk, overdue_follow_up, consent_expiring, no_consent"
    )
    created_at: datetime
    updated_at: datetime
    version: int


class CaseDetail(CaseRead):
    details: Annotated[str | None, Personal()] = Field(
        description="Sealed trafficking details, opened for you."
    )


class TimelineEntry(BaseModel):
    id: UUID
    kind: CaseEventKind
    occurred_at: datetime
    actor_id: UUID | None
    actor_name: StaffName
    actor_organization_id: UUID | None = Field(description="The organisation she works for.")
    actor_organization_name: OrganizationName
    subject_id: UUID | None
    detail: dict[str, Any]
    note: Annotated[str | None, Personal()] = Field(
        description="A remark in words, when one was recorded."
    )


CasePage = Page[CaseRead]
TimelinePage = Page[TimelineEntry]
