"""Identification referrals and safety reports as the API speaks them.

Each is answered in one of two views, told apart by ``view``: the person who submitted sees
her own submission (a referral with what she wrote and its status; a safety report with its
status only), the organisation's staff see the whole record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, model_validator

from domain.common.pagination import Page
from domain.common.schemas import Personal, ReadModel, RequestBody
from persistence.models.leadership_vocabulary import (
    IdentificationConcern,
    IdentificationStatus,
    SafetyReportKind,
)
from persistence.models.safety_report import SafetyReportStatus

MAX_NAMED_PERSONS = 20

DistrictField = Field(
    default=None,
    description="The district where she is. Defaults to the submitter's district when she "
    "has exactly one; must be one of hers when she has any.",
)


# -- identification referrals ---------------------------------------------------------------
class ReferralCreate(RequestBody):
    """A person at risk or a possible victim, with as little data as will do. Everything
    about her is sealed at rest."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "concern": "at_risk",
                    "name": "Rina (called Buri)",
                    "age_estimate": 16,
                    "place": "Near the ration shop, Basanti para 3",
                    "safe_contact": "Through me; not her uncle's phone",
                    "observations": "A man from outside promised her a job in Delhi.",
                }
            ]
        }
    )

    id: UUID | None = None
    concern: IdentificationConcern
    district_id: UUID | None = DistrictField
    name: str | None = Field(
        default=None, min_length=1, max_length=200, description="What she is called."
    )
    age_estimate: int | None = Field(default=None, ge=0, le=100)
    place: str | None = Field(
        default=None, min_length=1, max_length=300, description="Where she can be found."
    )
    safe_contact: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="How she can be reached safely (who is not a safe contact, too).",
    )
    observations: str = Field(
        min_length=1, max_length=2000, description="What the leader saw or heard."
    )


class ReferralDecision(RequestBody):
    """The organisation's decision on an intake lead: ``accepted`` (it will be looked into),
    ``declined`` (with ``reason``), or ``became_case`` (with ``case_id``, a case of the same
    organisation in the caller's case scope)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"decision": "accepted"},
                {"decision": "declined", "reason": "Already supported by the district CWC."},
                {"decision": "became_case", "case_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"},
            ]
        }
    )

    decision: Literal["accepted", "declined", "became_case"]
    reason: str | None = Field(
        default=None,
        min_length=3,
        max_length=1000,
        description="Why it was declined; required with declined, sealed, never shown to the "
        "leader.",
    )
    case_id: UUID | None = Field(default=None, description="Required with became_case.")

    @model_validator(mode="after")
    def _fields_of_decision(self) -> ReferralDecision:
        if (self.decision == "declined") != (self.reason is not None):
            raise ValueError("reason goes with, and only with, decision declined")
        if (self.decision == "became_case") != (self.case_id is not None):
            raise ValueError("case_id goes with, and only with, decision became_case")
        return self


class ReferralSubmission(ReadModel):
    """A referral as the leader who made it sees it: where it stands, not what she wrote
    (not even in the answer to her submission: a leader's phone can fall into the wrong
    hands), and nothing of who decided, why, or the case that followed."""

    view: Literal["submission"] = "submission"
    id: UUID
    concern: IdentificationConcern
    district_id: UUID | None
    status: IdentificationStatus
    submitted_at: datetime
    version: int


class IntakeLead(ReadModel):
    """A referral as the organisation's case workers see it: an intake lead."""

    view: Literal["intake_lead"] = "intake_lead"
    id: UUID
    organization_id: UUID
    concern: IdentificationConcern
    district_id: UUID | None
    name: Annotated[str | None, Personal()]
    age_estimate: int | None
    place: Annotated[str | None, Personal()]
    safe_contact: Annotated[str | None, Personal()]
    observations: Annotated[str, Personal()]
    status: IdentificationStatus
    submitted_by: UUID
    submitted_at: datetime
    decided_by: UUID | None
    decided_at: datetime | None
    decline_reason: Annotated[str | None, Personal()]
    case_id: UUID | None
    updated_at: datetime
    version: int


ReferralView = Annotated[ReferralSubmission | IntakeLead, Field(discriminator="view")]
ReferralPage = Page[ReferralView]


# -- safety reports -------------------------------------------------------------------------
class NamedPerson(RequestBody):
    """Someone the report names (an alleged recruiter, an agent): an allegation, sealed."""

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(
        default=None, min_length=1, max_length=500, description="Role, how to recognise him."
    )


class SafetyReportCreate(RequestBody):
    """A red flag or suspected recruitment seen in the community. Its content is sealed.

    A report is treated as an allegation (program managers only) unless it says
    ``names_persons: false`` and lists nobody: when in doubt, it is protected."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "suspected_recruitment",
                    "observed_on": "2026-11-20",
                    "place": "Canning bus stand",
                    "description": "A man offers girls work in a Bengaluru spa, advance paid.",
                    "named_persons": [{"name": "Babu", "description": "Drives a white Bolero"}],
                },
                {
                    "kind": "red_flag",
                    "names_persons": False,
                    "description": "Three girls of the para left for 'work' this week.",
                },
            ]
        }
    )

    id: UUID | None = None
    kind: SafetyReportKind
    district_id: UUID | None = DistrictField
    observed_on: date | None = Field(default=None, description="Not in the future.")
    place: str | None = Field(default=None, min_length=1, max_length=300)
    description: str = Field(min_length=1, max_length=4000)
    names_persons: bool | None = Field(
        default=None,
        description="Whether the report names or points at persons. Unless false (and "
        "named_persons empty), the report is an allegation.",
    )
    named_persons: list[NamedPerson] = Field(default_factory=list, max_length=MAX_NAMED_PERSONS)

    @model_validator(mode="after")
    def _names_agree(self) -> SafetyReportCreate:
        if self.names_persons is False and self.named_persons:
            raise ValueError("names_persons is false but named_persons lists someone")
        return self

    @property
    def is_allegation(self) -> bool:
        return self.names_persons is not False or bool(self.named_persons)


class SafetyReportReview(RequestBody):
    """A program manager moves a report on: received -> under_review -> action_taken ->
    closed (any later status may be set directly; closed is final). ``note`` says what was
    done (sealed)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "action_taken", "note": "Shared with the AHTU, Baruipur."},
            ]
        }
    )

    status: SafetyReportStatus
    note: str | None = Field(default=None, min_length=1, max_length=2000)


class SafetyReportReceipt(ReadModel):
    """A report as its reporter sees it after submitting: where it stands, not what it says."""

    view: Literal["receipt"] = "receipt"
    id: UUID
    kind: SafetyReportKind
    names_persons: bool
    district_id: UUID | None
    status: SafetyReportStatus
    submitted_at: datetime
    version: int


class SafetyReportRead(ReadModel):
    """A report with its content (program managers; social workers for reports naming nobody
    in their districts). Each such read is audited."""

    view: Literal["report"] = "report"
    id: UUID
    organization_id: UUID
    kind: SafetyReportKind
    names_persons: bool
    district_id: UUID | None
    status: SafetyReportStatus
    reported_by: UUID
    submitted_at: datetime
    observed_on: date | None
    place: Annotated[str | None, Personal()]
    description: Annotated[str, Personal()]
    named_persons: Annotated[list[NamedPerson], Personal()]
    reviewed_by: UUID | None
    reviewed_at: datetime | None
    review_note: Annotated[str | None, Personal()]
    updated_at: datetime
    version: int


SafetyReportView = Annotated[SafetyReportReceipt | SafetyReportRead, Field(discriminator="view")]
SafetyReportPage = Page[SafetyReportView]
