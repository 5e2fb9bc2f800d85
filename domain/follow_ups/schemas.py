"""Follow-up visits and case notes as the API speaks them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, ConfigDict, Field, model_validator

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, Personal, ReadModel, RequestBody
from domain.common.staff import StaffName
from persistence.clock import business_date
from persistence.models.base import utcnow
from persistence.models.case_vocabulary import NoteConfidentiality, VisitKind, VisitStatus

# A device's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
Findings = Field(
    default=None,
    min_length=1,
    max_length=10_000,
    description="What was found, in words; sealed at rest.",
)
NextVisitOn = Field(
    default=None,
    description="When to visit next: a planned visit (same kind, same visitor) is added on "
    "that day, and its id is given as `next_visit_id`.",
)


def _not_in_future(moment: datetime | None) -> None:
    if moment is not None and moment > utcnow() + CLOCK_SKEW:
        raise ValueError("done_at may not lie in the future")


# -- visits ---------------------------------------------------------------------------------
class VisitCreate(RequestBody):
    """Plan a visit (``status`` planned, the default), or record one already made
    (``status`` done)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"kind": "home", "planned_on": "2026-12-08"},
                {
                    "kind": "phone",
                    "status": "done",
                    "done_at": "2026-12-01T11:30:00+05:30",
                    "findings": "Safe at home; asked about the tailoring course.",
                    "next_visit_on": "2026-12-15",
                },
            ]
        }
    )

    id: UUID | None = None
    kind: VisitKind
    status: Literal[VisitStatus.planned, VisitStatus.done] = VisitStatus.planned
    planned_on: date | None = Field(
        default=None, description="Required for a planned visit; a done one defaults to its day."
    )
    visited_by: UUID | None = Field(
        default=None, description="Who makes the visit; defaults to the caller."
    )
    done_at: AwareDatetime | None = Field(
        default=None, description="When it was made (done visits); defaults to now."
    )
    findings: str | None = Findings
    next_visit_on: date | None = NextVisitOn

    @model_validator(mode="after")
    def _fits_status(self) -> VisitCreate:
        if self.status is VisitStatus.planned:
            if self.planned_on is None:
                raise ValueError("planned_on is required to plan a visit")
            sent = [
                name for name in ("done_at", "findings", "next_visit_on") if getattr(self, name)
            ]
            if sent:
                raise ValueError(f"{', '.join(sent)} belong to a done visit")
        else:
            _not_in_future(self.done_at)
            day = business_date(self.done_at or utcnow())
            if self.next_visit_on is not None and self.next_visit_on <= day:
                raise ValueError("next_visit_on must come after the visit")
        return self


class VisitUpdate(PatchBody):
    """Record a planned visit done, missed or cancelled; or, while it is planned, move it to
    another day, kind or visitor."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "done",
                    "done_at": "2026-12-08T10:15:00+05:30",
                    "findings": "Her brother-in-law came by twice; she wants to move.",
                    "next_visit_on": "2026-12-15",
                },
                {"status": "missed", "next_visit_on": "2026-12-10"},
                {"planned_on": "2026-12-09"},
            ]
        }
    )

    status: Literal[VisitStatus.done, VisitStatus.missed, VisitStatus.cancelled] | None = None
    done_at: AwareDatetime | None = Field(
        default=None, description="When it was made (done); defaults to now."
    )
    findings: str | None = Findings
    next_visit_on: date | None = NextVisitOn
    planned_on: date | None = None
    kind: VisitKind | None = None
    visited_by: UUID | None = None

    @model_validator(mode="after")
    def _fits_status(self) -> VisitUpdate:
        sent = self.model_fields_set
        outcome = {"done_at", "findings", "next_visit_on"} & sent
        plan = {"planned_on", "kind", "visited_by"} & sent
        if self.status is None:
            if outcome:
                raise ValueError(f"{', '.join(sorted(outcome))} need status done or missed")
            if not plan:
                raise ValueError("nothing to change")
            return self
        if plan:
            raise ValueError("a visit is rescheduled or recorded, not both at once")
        if self.status is VisitStatus.cancelled and outcome:
            raise ValueError("a cancelled visit has no outcome")
        if self.status is VisitStatus.missed and "done_at" in sent:
            raise ValueError("a missed visit was not made: no done_at")
        _not_in_future(self.done_at)
        return self


class VisitRead(ReadModel):
    id: UUID
    case_id: UUID
    organization_id: UUID
    kind: VisitKind
    status: VisitStatus
    planned_on: date
    visited_by: UUID | None
    visited_by_name: StaffName
    done_at: datetime | None
    findings: Annotated[str | None, Personal()]
    next_visit_on: date | None
    next_visit_id: UUID | None = Field(
        description="The visit planned from `next_visit_on` when this one was recorded."
    )
    overdue: bool = Field(description="Still planned, and its day has passed.")
    created_at: datetime
    updated_at: datetime
    version: int


class DueVisit(ReadModel):
    """A planned visit on someone's list: the case's id and number, never the survivor's
    name."""

    id: UUID
    case_id: UUID
    case_number: str
    kind: VisitKind
    planned_on: date
    visited_by: UUID | None
    visited_by_name: StaffName
    days_overdue: int = Field(description="Days since its day passed; 0 when due today or later.")
    version: int


VisitPage = Page[VisitRead]
DueVisitPage = Page[DueVisit]


# -- notes ----------------------------------------------------------------------------------
class NoteCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"body": "Met her mother; the family is ready to have her back home."},
                {
                    "body": "Counselling session 3: sleeps better, nightmares less often.",
                    "confidentiality": "restricted",
                },
            ]
        }
    )

    id: UUID | None = None
    body: str = Field(min_length=1, max_length=20_000, description="Sealed at rest.")
    confidentiality: NoteConfidentiality = Field(
        default=NoteConfidentiality.standard,
        description="restricted (counselling): only its author and program managers read it.",
    )
    corrects_id: UUID | None = Field(
        default=None,
        description="The note of this case this one corrects (notes are never edited). A "
        "correction of a restricted note is restricted too.",
    )


class NoteRead(ReadModel):
    id: UUID
    case_id: UUID
    organization_id: UUID
    author_id: UUID
    author_name: StaffName
    confidentiality: NoteConfidentiality
    body: Annotated[str, Personal()]
    corrects_id: UUID | None
    created_at: datetime
    version: int


NotePage = Page[NoteRead]
