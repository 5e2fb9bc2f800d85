"""Assessment instruments and case assessments as the API speaks them."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from domain.assessments.scoring import RANK_MAX
from domain.common.pagination import Page
from domain.common.schemas import Personal, ReadModel, RequestBody
from domain.common.staff import StaffName
from persistence.models.case_vocabulary import ResponseType, RiskLevel

MAX_SECTIONS = 30
MAX_ITEMS_PER_SECTION = 100
MAX_ITEMS = 500
MAX_BANDS = 10

SECTION_CODE = r"^[a-z][a-z0-9_]{0,59}$"
# Item codes may carry a dotted suffix (``medical_care.status``): the part before the last dot
# names the element, for needs and priorities.
ITEM_CODE = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
_ITEM_CODE = re.compile(ITEM_CODE)

SectionCode = Annotated[str, Field(pattern=SECTION_CODE, max_length=60)]
ItemCode = Annotated[str, Field(pattern=ITEM_CODE, max_length=80)]


# -- instruments ----------------------------------------------------------------------------
class RiskBand(BaseModel):
    """Totals up to ``max`` (inclusive) fall in ``level``; the last band has no ``max``."""

    model_config = ConfigDict(extra="forbid")

    max: int | None = Field(default=None, ge=0, le=100_000)
    level: SectionCode


class InstrumentRules(BaseModel):
    """How the instrument is scored, as data. Sections always get the mean of their score
    items. ``bands`` add up the weights of yes answers and name a band for the total;
    ``sets_case_risk`` makes that band the case's risk level (bands named low, medium, high);
    ``needs`` lists the elements whose yes/no item is answered yes; ``priorities`` lists the
    elements the survivor ranked, in her order; ``scale_labels`` names the points of the
    scale."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "bands": [
                        {"max": 3, "level": "low"},
                        {"max": 7, "level": "medium"},
                        {"level": "high"},
                    ],
                    "sets_case_risk": True,
                }
            ]
        },
    )

    bands: list[RiskBand] | None = Field(default=None, min_length=1, max_length=MAX_BANDS)
    sets_case_risk: bool = False
    needs: bool = False
    priorities: bool = False
    scale_labels: dict[str, Annotated[str, Field(min_length=1, max_length=60)]] | None = Field(
        default=None, max_length=101
    )

    @model_validator(mode="after")
    def _bands_in_order(self) -> InstrumentRules:
        if self.bands is not None:
            *bounded, last = self.bands
            if last.max is not None:
                raise ValueError("the last band has no max: it takes every higher total")
            maxima = [band.max for band in bounded]
            if any(m is None for m in maxima):
                raise ValueError("every band but the last has a max")
            if maxima != sorted(set(maxima)):  # type: ignore[type-var]
                raise ValueError("band maxima rise from band to band")
            levels = [band.level for band in self.bands]
            if len(set(levels)) != len(levels):
                raise ValueError("each band has its own level")
        if self.sets_case_risk:
            risk_levels = {level.value for level in RiskLevel}
            if self.bands is None or any(b.level not in risk_levels for b in self.bands):
                raise ValueError(
                    "sets_case_risk needs bands named after risk levels (low, medium, high)"
                )
        return self


class InstrumentItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: ItemCode = Field(description="Unique within the instrument, e.g. `savings.status`.")
    prompt: str = Field(min_length=1, max_length=500)
    response_type: ResponseType = Field(
        description="score: an integer on the instrument's scale; yes_no: 0 or 1; rank: the "
        f"survivor's own priority 1 (first) .. {RANK_MAX}, 0 = not now."
    )
    weight: int = Field(
        default=1, ge=0, le=100, description="Points a yes adds up to (instruments with bands)."
    )


class InstrumentSectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: SectionCode
    name: str = Field(min_length=1, max_length=200)
    items: list[InstrumentItemCreate] = Field(min_length=1, max_length=MAX_ITEMS_PER_SECTION)


class InstrumentCreate(RequestBody):
    """An organisation's own instrument: sections of items, in the order given, on one scale.
    Codes are unique within the organisation and differ from the shared instruments' codes;
    an instrument is not changed once defined (a new version is a new code)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "shg_readiness",
                    "name": "Readiness to join a self-help group",
                    "description": "Asked before a survivor joins an SHG.",
                    "scale_min": 1,
                    "scale_max": 4,
                    "rules": {"priorities": True},
                    "sections": [
                        {
                            "code": "savings",
                            "name": "Savings habit",
                            "items": [
                                {
                                    "code": "savings.status",
                                    "prompt": "Saves a fixed amount every month",
                                    "response_type": "score",
                                },
                                {
                                    "code": "savings.priority",
                                    "prompt": "Her own priority for saving",
                                    "response_type": "rank",
                                },
                            ],
                        }
                    ],
                }
            ]
        }
    )

    code: SectionCode
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    scale_min: int = Field(default=1, ge=0, le=100)
    scale_max: int = Field(default=4, ge=1, le=100)
    rules: InstrumentRules = Field(default_factory=InstrumentRules)
    sections: list[InstrumentSectionCreate] = Field(min_length=1, max_length=MAX_SECTIONS)

    @model_validator(mode="after")
    def _consistent(self) -> InstrumentCreate:
        if self.scale_min >= self.scale_max:
            raise ValueError("scale_min lies below scale_max")
        sections = Counter(section.code for section in self.sections)
        if any(n > 1 for n in sections.values()):
            raise ValueError("section codes are unique within the instrument")
        items = [item for section in self.sections for item in section.items]
        if len(items) > MAX_ITEMS:
            raise ValueError(f"an instrument holds at most {MAX_ITEMS} items")
        codes = Counter(item.code for item in items)
        if any(n > 1 for n in codes.values()):
            raise ValueError("item codes are unique within the instrument")
        types = {item.response_type for item in items}
        rules = self.rules
        if (rules.bands or rules.needs) and ResponseType.yes_no not in types:
            raise ValueError("bands and needs count yes_no items: the instrument has none")
        if rules.priorities and ResponseType.rank not in types:
            raise ValueError("priorities come from rank items: the instrument has none")
        for key in rules.scale_labels or {}:
            if not key.isdigit() or not self.scale_min <= int(key) <= self.scale_max:
                raise ValueError("scale_labels name points of the scale")
        return self


class InstrumentItemRead(ReadModel):
    id: UUID
    code: str
    prompt: str
    response_type: ResponseType
    position: int
    weight: int
    min_value: int = Field(description="The lowest answer the item takes.")
    max_value: int = Field(description="The highest answer the item takes.")


class InstrumentSectionRead(ReadModel):
    id: UUID
    code: str
    name: str
    position: int
    items: list[InstrumentItemRead]


class InstrumentSummary(ReadModel):
    id: UUID
    code: str
    name: str
    description: str
    organization_id: UUID | None = Field(
        description="The organisation the instrument belongs to; null for a shared one."
    )
    shared: bool
    scale_min: int
    scale_max: int
    rules: InstrumentRules
    created_at: datetime
    version: int


class InstrumentRead(InstrumentSummary):
    sections: list[InstrumentSectionRead]


InstrumentPage = Page[InstrumentSummary]


# -- assessments ----------------------------------------------------------------------------
def _response_key(key: str) -> str:
    if len(key) <= 80 and _ITEM_CODE.match(key):
        return key
    try:
        return str(UUID(key))
    except ValueError:
        raise ValueError("responses are keyed by item id or item code") from None


class AssessmentCreate(RequestBody):
    """One sitting of an instrument with the survivor. ``responses`` maps each item (by id or
    code) to its answer: a score on the instrument's scale, 1/0 for yes/no, her rank 1..5 or
    0 for a rank item. Every score item is answered (and every yes/no item of an instrument
    with risk bands); unknown items are refused. ``notes`` are sealed at rest."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "instrument_id": "cddf1185-55a4-521b-aa6d-bc9d72abdacd",
                    "conducted_on": "2026-11-20",
                    "responses": {
                        "recruiter_contact": 0,
                        "threats": 1,
                        "perpetrator_nearby": 1,
                        "debt": 1,
                        "no_income": 0,
                        "food_insecurity": 0,
                        "unsafe_family_member": 0,
                        "family_pressure": 1,
                        "previous_retrafficking": 0,
                        "unsafe_migration_plan": 0,
                        "unverified_job_offer": 0,
                        "minor_out_of_school": 0,
                    },
                    "notes": "Met at the block office; her mother joined for the last part.",
                }
            ]
        }
    )

    id: UUID | None = None
    instrument_id: UUID
    conducted_on: date = Field(description="Not in the future, nor before the case opened.")
    conducted_by: UUID | None = Field(
        default=None,
        description="The program manager or social worker of the case's organisation who sat "
        "with her; by default the caller.",
    )
    # Each within its item's range (checked against the instrument); never beyond 0-100.
    responses: dict[str, Annotated[StrictInt, Field(ge=0, le=100)]] = Field(
        min_length=1, max_length=MAX_ITEMS
    )
    notes: str | None = Field(default=None, min_length=1, max_length=4000)

    @field_validator("responses", mode="before")
    @classmethod
    def _keys(cls, value: object) -> object:
        if isinstance(value, dict):
            normal = {_response_key(str(k)): v for k, v in value.items()}
            if len(normal) != len(value):
                raise ValueError("an item is named twice")
            return normal
        return value


class AssessmentPriority(BaseModel):
    element: str
    rank: int


class AssessmentScores(BaseModel):
    """Scores cached when the assessment was recorded."""

    sections: dict[str, float | None] = Field(
        description="Per section code: the mean of its score items (2 decimals), or null."
    )
    overall: float | None = Field(description="The mean of the section means, or null.")
    points: int | None = Field(default=None, description="Weighted yes answers (risk bands).")
    section_points: dict[str, int] | None = None
    band: str | None = Field(default=None, description="The band the points fall in.")
    needs: list[str] | None = Field(
        default=None, description="Elements marked as a need (CBR matrix)."
    )
    priorities: list[AssessmentPriority] | None = Field(
        default=None, description="Elements she ranked, her first priority first."
    )


class AssessmentChange(BaseModel):
    """The difference from the baseline: the first assessment of the same instrument for the
    case (by date conducted). The baseline itself shows 0 wherever it has a score."""

    baseline_id: UUID
    baseline_conducted_on: date
    is_baseline: bool
    sections: dict[str, float | None]
    overall: float | None
    points: int | None = None
    section_points: dict[str, int | None] | None = None
    band_from: str | None = Field(default=None, description="The baseline's band.")


class AssessmentResponseRead(BaseModel):
    item_id: UUID
    code: str
    section: str
    value: int


class AssessmentSummary(ReadModel):
    id: UUID
    case_id: UUID
    instrument_id: UUID
    instrument_code: str
    conducted_on: date
    conducted_by: UUID | None
    conducted_by_name: StaffName
    scores: AssessmentScores
    change: AssessmentChange
    created_by: UUID | None
    created_at: datetime
    version: int


class AssessmentRead(AssessmentSummary):
    responses: list[AssessmentResponseRead] = Field(description="In the instrument's order.")
    notes: Annotated[str | None, Personal()]


AssessmentPage = Page[AssessmentSummary]
