"""The scheme catalogue and entitlement applications as the API speaks them. Money is integer
paise (Rs 1 = 100)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field, model_validator

from domain.common.dates import HorizonDate
from domain.common.pagination import Page
from domain.common.schemas import Personal, ReadModel, RequestBody
from domain.common.staff import OrganizationName, StaffName
from domain.livelihoods.schemas import Paise
from persistence.clock import today
from persistence.models.livelihood_vocabulary import ApplicationStatus

Code = Annotated[
    str, Field(min_length=2, max_length=60, pattern=r"^[a-z][a-z0-9_]*$", examples=["pan"])
]
DocumentCode = Annotated[str, Field(min_length=2, max_length=80, pattern=r"^[a-z][a-z0-9_]*$")]
Note = Field(
    default=None, min_length=1, max_length=2000, description="Who said what; sealed at rest."
)
Office = Field(
    default=None,
    min_length=1,
    max_length=200,
    description="The office applied to (e.g. BDO Canning-I): an institution, not her address.",
)


class AmountPeriod(StrEnum):
    once = "once"
    per_day = "per_day"
    monthly = "monthly"
    yearly = "yearly"


class RejectionReason(StrEnum):
    """Why an office refused (a code; what was said goes in the sealed note)."""

    documents_incomplete = "documents_incomplete"
    not_eligible = "not_eligible"
    verification_failed = "verification_failed"
    duplicate_application = "duplicate_application"
    other = "other"


class Coverage(StrEnum):
    received = "received"
    partly_received = "partly_received"
    in_progress = "in_progress"
    rejected = "rejected"
    not_applied = "not_applied"


# -- the catalogue --------------------------------------------------------------------------
class SchemeCreate(RequestBody):
    """A scheme, or a new version of one (same code, a later ``effective_from``): it
    supersedes the version before it from that day."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "lakshmir_bhandar",
                    "name": "Lakshmir Bhandar",
                    "state_id": "397a19ed-63f8-580f-9a98-4b9d7004b2db",
                    "benefit": "Monthly cash support to women aged 25 to 60: Rs 1,500, Rs 1,700 "
                    "for SC/ST women. Amounts are data: check them against the current order.",
                    "amount_paise": 150000,
                    "amount_period": "monthly",
                    "documents_required": ["aadhaar", "swasthya_sathi", "bank_account"],
                    "applied_at": "Duare Sarkar camp",
                    "effective_from": "2027-04-01",
                }
            ]
        }
    )

    code: Code
    name: str = Field(min_length=1, max_length=200)
    state_id: UUID | None = Field(default=None, description="The state's own scheme; null: all.")
    benefit: str = Field(min_length=1, max_length=1000)
    amount_paise: Paise | None = None
    amount_period: AmountPeriod | None = None
    documents_required: list[DocumentCode] = Field(default_factory=list, max_length=30)
    applied_at: str | None = Field(
        default=None, min_length=1, max_length=200, description="Where one applies."
    )
    effective_from: date
    effective_to: HorizonDate | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SchemeCreate:
        if (self.amount_paise is None) != (self.amount_period is None):
            raise ValueError("amount_paise and amount_period go together")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to may not lie before effective_from")
        if len(set(self.documents_required)) != len(self.documents_required):
            raise ValueError("each document at most once")
        return self


class SchemeRead(ReadModel):
    id: UUID
    code: str
    name: str
    state_id: UUID | None
    benefit: str
    amount_paise: int | None
    amount_period: AmountPeriod | None
    documents_required: list[str]
    applied_at: str | None
    effective_from: date
    effective_to: date | None = Field(description="Null while no later version supersedes it.")
    in_effect: bool = Field(description="In effect today.")
    created_at: datetime
    updated_at: datetime
    version: int


class SchemePage(Page[SchemeRead]):
    """One page of the scheme catalogue."""


# -- applications -----------------------------------------------------------------------------
class ApplicationCreate(RequestBody):
    """Start following a survivor's application: gathering documents, or already applied
    (then the office and date)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "survivor_id": "3c2b1a09-8f7e-4d6c-9b5a-0e1f2d3c4b5a",
                    "scheme_id": "5511a125-10a1-5fe9-bf0f-cb5996eb173b",
                    "note": "Her Aadhaar has her old address; correction first",
                },
                {
                    "survivor_id": "3c2b1a09-8f7e-4d6c-9b5a-0e1f2d3c4b5a",
                    "scheme_id": "5511a125-10a1-5fe9-bf0f-cb5996eb173b",
                    "status": "applied",
                    "office": "BDO Canning-I",
                    "applied_on": "2026-11-20",
                },
            ]
        }
    )

    id: UUID | None = None
    survivor_id: UUID
    scheme_id: UUID = Field(description="A version of the scheme (see /schemes).")
    status: ApplicationStatus = Field(
        default=ApplicationStatus.documents_gathering,
        description="documents_gathering, or applied (with office and applied_on).",
    )
    office: str | None = Office
    applied_on: date | None = None
    note: str | None = Note

    @model_validator(mode="after")
    def _start(self) -> ApplicationCreate:
        if self.status not in (ApplicationStatus.documents_gathering, ApplicationStatus.applied):
            raise ValueError("an application starts as documents_gathering or applied")
        applied = self.status is ApplicationStatus.applied
        if applied and (self.office is None or self.applied_on is None):
            raise ValueError("an application already made names its office and applied_on")
        if not applied and (self.office is not None or self.applied_on is not None):
            raise ValueError("office and applied_on go with status applied")
        if self.applied_on is not None and self.applied_on > today():
            raise ValueError("applied_on may not lie in the future")
        return self


# What each move records besides the note.
DATED = frozenset(
    {
        ApplicationStatus.applied,
        ApplicationStatus.sanctioned,
        ApplicationStatus.received,
        ApplicationStatus.partly_received,
    }
)
WITH_AMOUNT = frozenset(
    {ApplicationStatus.sanctioned, ApplicationStatus.received, ApplicationStatus.partly_received}
)


class ApplicationTransition(RequestBody):
    """Move an application on. ``applied`` needs ``office``; ``rejected`` needs ``reason``;
    ``sanctioned``, ``received`` and ``partly_received`` may carry ``amount_paise`` (sanctioned:
    the amount awarded; received: the amount paid this time). ``on`` (default today) is the
    day it happened, for applied, sanctioned and received."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"to": "applied", "office": "BDO Canning-I", "on": "2026-11-20"},
                {"to": "sanctioned", "amount_paise": 30000000, "note": "DLSA order of 14 March"},
                {"to": "partly_received", "amount_paise": 15000000, "on": "2027-09-01"},
                {"to": "rejected", "reason": "documents_incomplete", "note": "Age proof missing"},
            ]
        }
    )

    to: ApplicationStatus
    on: date | None = None
    note: str | None = Note
    office: str | None = Office
    amount_paise: Paise | None = None
    reason: RejectionReason | None = None

    @model_validator(mode="after")
    def _fields_of_the_move(self) -> ApplicationTransition:
        if (self.office is not None) != (self.to is ApplicationStatus.applied):
            raise ValueError("office goes with (and is needed by) a move to applied")
        if (self.reason is not None) != (self.to is ApplicationStatus.rejected):
            raise ValueError("reason goes with (and is needed by) a move to rejected")
        if self.amount_paise is not None and self.to not in WITH_AMOUNT:
            raise ValueError("amount_paise goes with sanctioned, received or partly_received")
        if self.on is not None and self.to not in DATED:
            raise ValueError("on goes with applied, sanctioned, received or partly_received")
        if self.on is not None and self.on > today():
            raise ValueError("on may not lie in the future")
        return self


class ApplicationRead(ReadModel):
    id: UUID
    survivor_id: UUID
    organization_id: UUID
    scheme_id: UUID
    scheme_code: str
    scheme_name: str
    status: ApplicationStatus
    office: str | None
    applied_on: date | None
    sanctioned_on: date | None
    sanctioned_paise: int | None = Field(description="The amount awarded, when there is one.")
    received_paise: int | None = Field(description="All paid so far.")
    received_on: date | None = Field(description="The day of the latest payment or receipt.")
    rejection_reason: RejectionReason | None
    last_moved_at: datetime
    stalled: bool = Field(
        description="Still open and not moved for the configured number of days "
        "(SHAKTI_ENTITLEMENT_STALLED_DAYS)."
    )
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class ApplicationPage(Page[ApplicationRead]):
    """One page of entitlement applications."""


class StatusChangeRead(ReadModel):
    id: UUID
    application_id: UUID
    from_status: ApplicationStatus | None = Field(description="Null for the first step.")
    to_status: ApplicationStatus
    at: datetime
    by: UUID | None
    by_name: StaffName
    by_organization_name: OrganizationName
    note: Annotated[str | None, Personal()]


class StatusChangePage(Page[StatusChangeRead]):
    """One page of an application's history, oldest first."""


class SchemeCoverage(ReadModel):
    scheme_code: str
    scheme_name: str
    scheme_id: UUID = Field(description="The version in effect (or the one she applied for).")
    coverage: Coverage
    application_id: UUID | None = Field(description="The application that decides coverage.")
    status: ApplicationStatus | None
    stalled: bool
    received_paise: int | None


class CoverageRead(ReadModel):
    """Her coverage across the schemes open to her (national ones and her home state's)."""

    survivor_id: UUID
    received: int
    partly_received: int
    in_progress: int
    rejected: int
    not_applied: int
    schemes: list[SchemeCoverage] = Field(description="By scheme code.")
