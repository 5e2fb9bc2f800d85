"""Complaints, FIRs and court cases, their hearings and victim compensation, as the API speaks
them. Amounts are integer paise."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field, model_validator

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, Personal, ReadModel, RequestBody
from persistence.clock import today
from persistence.models.case_vocabulary import ProceedingKind, ProceedingStatus

# Ten thousand crore rupees: far above any compensation, well inside BIGINT.
MAX_PAISE = 10**13
Paise = Annotated[int, Field(ge=0, le=MAX_PAISE, description="Integer paise (Rs 1 = 100).")]
Section = Annotated[str, Field(min_length=1, max_length=100)]
Number = Field(default=None, min_length=1, max_length=100)
Name = Field(default=None, min_length=1, max_length=200)


class LegalDetails(RequestBody):
    """Numbers, places and people of the proceeding: sealed at rest, never in the case's
    history."""

    fir_or_complaint_number: str | None = Number
    police_station: str | None = Name
    court: str | None = Name
    court_case_number: str | None = Number
    sections_of_law: list[Section] = Field(default_factory=list, max_length=40)
    lawyer: str | None = Name


class LegalDetailsUpdate(PatchBody):
    """The details to change; absent keys stay, ``null`` clears one."""

    nullable_fields = frozenset(
        {"fir_or_complaint_number", "police_station", "court", "court_case_number", "lawyer"}
    )

    fir_or_complaint_number: str | None = Number
    police_station: str | None = Name
    court: str | None = Name
    court_case_number: str | None = Number
    sections_of_law: list[Section] | None = Field(default=None, max_length=40)
    lawyer: str | None = Name


class LegalDetailsRead(ReadModel):
    fir_or_complaint_number: str | None = None
    police_station: str | None = None
    court: str | None = None
    court_case_number: str | None = None
    sections_of_law: list[str] = Field(default_factory=list)
    lawyer: str | None = None


class LegalProceedingCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "fir",
                    "status": "investigation",
                    "filed_on": "2026-10-21",
                    "details": {
                        "fir_or_complaint_number": "412/2026",
                        "police_station": "Canning PS",
                        "sections_of_law": ["IPC 370", "ITPA 5"],
                    },
                    "witness_protection_needed": True,
                    "compensation_applied_on": "2026-11-02",
                }
            ]
        }
    )

    id: UUID | None = None
    kind: ProceedingKind
    status: ProceedingStatus = ProceedingStatus.filed
    filed_on: date | None = None
    details: LegalDetails = Field(default_factory=LegalDetails)
    witness_protection_needed: bool = False
    compensation_applied_on: date | None = None
    compensation_awarded_paise: Paise | None = None
    compensation_awarded_on: date | None = None
    compensation_paid_paise: Paise | None = None
    compensation_paid_on: date | None = None


class LegalProceedingUpdate(PatchBody):
    """What changed: the stage, details, witness protection, or compensation (each rule is
    checked on the record as it will be)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "chargesheet",
                    "details": {"court": "District Court, Alipore"},
                },
                {
                    "compensation_awarded_paise": 30000000,
                    "compensation_awarded_on": "2027-03-14",
                },
                {"compensation_paid_paise": 15000000, "compensation_paid_on": "2027-09-01"},
            ]
        }
    )
    nullable_fields = frozenset(
        {
            "filed_on",
            "compensation_applied_on",
            "compensation_awarded_paise",
            "compensation_awarded_on",
            "compensation_paid_paise",
            "compensation_paid_on",
        }
    )

    status: ProceedingStatus | None = None
    filed_on: date | None = None
    details: LegalDetailsUpdate | None = None
    witness_protection_needed: bool | None = None
    compensation_applied_on: date | None = None
    compensation_awarded_paise: Paise | None = None
    compensation_awarded_on: date | None = None
    compensation_paid_paise: Paise | None = None
    compensation_paid_on: date | None = None


class LegalProceedingRead(ReadModel):
    id: UUID
    case_id: UUID
    organization_id: UUID
    kind: ProceedingKind
    status: ProceedingStatus
    filed_on: date | None
    details: Annotated[LegalDetailsRead, Personal()]
    witness_protection_needed: bool
    compensation_applied_on: date | None
    compensation_awarded_paise: int | None
    compensation_awarded_on: date | None
    compensation_paid_paise: int | None
    compensation_paid_on: date | None
    compensation_outstanding_paise: int | None = Field(
        description="Awarded and not yet paid; null when nothing was awarded."
    )
    days_since_award_unpaid: int | None = Field(
        description="Days since the award while any of it is unpaid; null when nothing was "
        "awarded or all is paid."
    )
    created_at: datetime
    updated_at: datetime
    version: int


class HearingCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "held_on": "2027-01-12",
                    "next_hearing_on": "2027-02-09",
                    "outcome": "Her statement recorded in camera; accused's bail opposed.",
                }
            ]
        }
    )

    id: UUID | None = None
    held_on: date
    next_hearing_on: date | None = None
    outcome: str | None = Field(
        default=None, min_length=1, max_length=10_000, description="Sealed at rest."
    )

    @model_validator(mode="after")
    def _dates(self) -> HearingCreate:
        if self.held_on > today():
            raise ValueError("held_on may not lie in the future")
        if self.next_hearing_on is not None and self.next_hearing_on <= self.held_on:
            raise ValueError("next_hearing_on must come after held_on")
        return self


class HearingRead(ReadModel):
    id: UUID
    proceeding_id: UUID
    case_id: UUID
    held_on: date
    next_hearing_on: date | None
    outcome: Annotated[str | None, Personal()]
    created_at: datetime
    version: int


LegalProceedingPage = Page[LegalProceedingRead]
HearingPage = Page[HearingRead]
