"""The demands and issues register as the API speaks it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, Personal, RequestBody
from persistence.models.demand_vocabulary import (
    DemandCategory,
    DemandEventKind,
    DemandLinkKind,
    DemandPriority,
    DemandResolution,
    DemandStatus,
    EscalationLevel,
)

MAX_LINKS = 50
# Seeded districts (South 24 Parganas, West Bengal): the examples name real ids.
_SOUTH_24 = "f6d82d05-cc82-58d1-a3a8-820198e02bc2"

Title = Annotated[str, Field(min_length=3, max_length=200)]
Words = Annotated[str, Field(min_length=1, max_length=4000)]
Reason = Annotated[str, Field(min_length=3, max_length=2000)]
PlaceName = Annotated[str, Field(min_length=1, max_length=120)]


class DemandLinkRef(BaseModel):
    """A record the demand is about."""

    model_config = ConfigDict(extra="forbid")

    kind: DemandLinkKind
    id: UUID


def _unique_links(value: list[DemandLinkRef] | None) -> list[DemandLinkRef] | None:
    if value is not None and len({(link.kind, link.id) for link in value}) != len(value):
        raise ValueError("each record is linked once")
    return value


class DemandCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Ration cards stuck at the Canning I block office",
                    "description": "Eleven applications filed in August have had no answer; "
                    "the clerk asks for documents the scheme does not require.",
                    "category": "entitlement",
                    "priority": "high",
                    "district_id": _SOUTH_24,
                    "gram_panchayat": "Jharkhali",
                    "links": [
                        {"kind": "scheme", "id": "0b7f3c1e-6d2a-5e4f-9a8b-7c6d5e4f3a2b"},
                    ],
                }
            ]
        }
    )

    id: UUID | None = Field(default=None, description="Client-chosen id (offline creation).")
    title: Title = Field(description="What must be done or resolved; say what, never who.")
    description: Words | None = Field(
        default=None, description="The details (sealed at rest; never sent to integration clients)."
    )
    category: DemandCategory
    priority: DemandPriority = Field(
        default=DemandPriority.medium,
        description="Sets the due date from the service level of the priority.",
    )
    district_id: UUID
    block_id: UUID | None = Field(default=None, description="A block of the district.")
    gram_panchayat: PlaceName | None = None
    owner_id: UUID | None = Field(
        default=None,
        description="The program manager or social worker of the register who answers for it "
        "(staff only).",
    )
    links: list[DemandLinkRef] = Field(
        default_factory=list,
        max_length=MAX_LINKS,
        description="Cases, referrals, SHGs, leader groups, schemes, duty-bearer engagements "
        "and advocacy actions it is about. A survivor leader names one of her groups; partner "
        "staff name the referrals made to their organisation that it is about.",
    )

    _links = field_validator("links")(_unique_links)


class DemandUpdate(PatchBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"priority": "urgent", "owner_id": "3f2e1d0c-9b8a-4765-8432-10fedcba9876"},
                {"block_id": None, "gram_panchayat": "Gosaba"},
            ]
        }
    )
    nullable_fields = frozenset({"description", "block_id", "gram_panchayat", "owner_id"})

    title: Title | None = None
    description: Words | None = None
    category: DemandCategory | None = None
    priority: DemandPriority | None = Field(
        default=None, description="A new priority sets the due date again from the day raised."
    )
    district_id: UUID | None = None
    block_id: UUID | None = None
    gram_panchayat: PlaceName | None = None
    owner_id: UUID | None = None
    links: list[DemandLinkRef] | None = Field(
        default=None,
        max_length=MAX_LINKS,
        description="The whole set of links (replaces it). Links you may not see (a case "
        "outside your scope) are kept.",
    )

    _links = field_validator("links")(_unique_links)


class DemandTransition(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"to": "acknowledged"},
                {
                    "to": "disposed",
                    "resolution": "resolved",
                    "note": "The block office issued all eleven ration cards on 2 December.",
                },
                {"to": "open", "note": "Three of the cards were issued in wrong names."},
            ]
        }
    )

    to: DemandStatus = Field(
        description="acknowledged (from open), in_progress (from open or acknowledged), "
        "disposed (from acknowledged or in_progress; needs `resolution`), withdrawn (before it "
        "is disposed; needs `note`), open (reopen a disposed one; needs `note`)."
    )
    resolution: DemandResolution | None = Field(
        default=None, description="How it was disposed (required with `disposed`, only then)."
    )
    note: Reason | None = Field(
        default=None,
        description="What was done, or why (required to withdraw or reopen); sealed at rest.",
    )

    @model_validator(mode="after")
    def _resolution_with_disposal(self) -> DemandTransition:
        if (self.resolution is not None) != (self.to is DemandStatus.disposed):
            raise ValueError("a resolution is given with disposed, and only then")
        return self


class DemandEscalation(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "to": "district",
                    "note": "Raised with the District Magistrate's office at the monthly review.",
                }
            ]
        }
    )

    to: EscalationLevel = Field(
        description="A higher level than the present one (block, district, state, national)."
    )
    note: Reason | None = Field(default=None, description="To whom, how (sealed at rest).")


class CommentCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"body": "The BDO has promised a camp at the panchayat on Friday."}]
        }
    )

    body: Words


class CommentRead(BaseModel):
    """One comment of a demand's thread."""

    id: UUID
    demand_id: UUID
    author_id: UUID | None
    author_organization_id: UUID | None
    body: Annotated[str | None, Personal()]
    created_at: datetime


CommentPage = Page[CommentRead]


class DemandStep(BaseModel):
    """One step of a demand's history."""

    kind: DemandEventKind
    from_status: DemandStatus | None
    to_status: DemandStatus | None
    from_level: EscalationLevel | None
    to_level: EscalationLevel | None
    detail: dict[str, Any] = Field(
        description="Codes, dates and ids of the change (fields changed, resolution, due date, "
        "owner); never words."
    )
    note: Annotated[str | None, Personal()]
    actor_id: UUID | None
    actor_organization_id: UUID | None
    occurred_at: datetime


class DemandRead(BaseModel):
    """A demand of the register. ``links`` holds only what the caller may see (no case or
    referral outside her scope); ``overdue``: past its due date and still to be settled."""

    id: UUID
    organization_id: UUID = Field(description="The register it belongs to.")
    raised_by_organization_id: UUID
    title: str
    description: Annotated[str | None, Personal()]
    category: DemandCategory
    priority: DemandPriority
    status: DemandStatus
    resolution: DemandResolution | None
    escalation_level: EscalationLevel | None
    district_id: UUID | None
    block_id: UUID | None
    gram_panchayat: str | None
    owner_id: UUID | None
    links: list[DemandLinkRef]
    raised_on: date
    due_on: date
    overdue: bool
    next_escalation_on: date
    escalated_on: date | None
    disposed_on: date | None
    history: list[DemandStep] | None = Field(
        default=None, description="Every change, oldest first (single reads only)."
    )
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


DemandPage = Page[DemandRead]


class EscalationDue(BaseModel):
    """An overdue demand whose escalation is due, and the level suggested."""

    demand: DemandRead
    days_overdue: int = Field(description="Days since its due date.")
    suggested_level: EscalationLevel = Field(description="The next level above its present one.")


EscalationDuePage = Page[EscalationDue]


class AgeingRow(BaseModel):
    """Open demands of one category, by age band."""

    category: DemandCategory
    bands: dict[str, int] = Field(description="Open demands per age band (days since raised).")
    total: int


class AgeingReport(BaseModel):
    """Open demands (open, acknowledged, in progress) by category and age band, on a day."""

    as_of: date
    bands: list[str] = Field(description="The age bands, youngest first.")
    rows: list[AgeingRow]
    totals: dict[str, int] = Field(description="Open demands per age band, every category.")
    total: int
