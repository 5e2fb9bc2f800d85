"""Evidence answers: the catalogue, an indicator's values, dashboards and the outcome report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from domain.common.pagination import Page
from domain.evidence.catalogue import IndicatorKind, Suppression
from domain.evidence.periods import PeriodKind

Number = int | float


class MeasureUseRead(BaseModel):
    measure: str = Field(description="The measure counted (see `measure_definition`).")
    measure_definition: str
    subject: str = Field(description="What one record of the measure is (a case, a referral).")
    filters: dict[str, list[str]] = Field(description="Values the measure is narrowed to.")
    aggregate: Literal["count", "sum", "median"]


class IndicatorRead(BaseModel):
    code: str
    version: int = Field(description="Definitions change by new versions; this one is in effect.")
    name: str
    outcome: int = Field(description="The Shakti outcome area, 1 to 5.")
    definition: str = Field(description="What it counts, in plain words.")
    kind: IndicatorKind
    temporal: Literal["stock", "flow"] = Field(
        description="`stock`: read at the period's end (never summed across periods); "
        "`flow`: counted over the period."
    )
    numerator: MeasureUseRead
    denominator: MeasureUseRead | None
    factor: int = Field(description="1 for a number, 100 for a percentage.")
    unit: str
    breakdowns: list[str] = Field(description="What `by` may name for this indicator.")
    filters: list[str] = Field(description="Dimensions `filter` may narrow.")
    suppression: Suppression
    leader_groups: bool = Field(description="Whether survivor leaders see it for their groups.")
    headline_rank: int | None = Field(description="Order among its outcome's headline figures.")
    effective_from: date
    effective_to: date | None


IndicatorPage = Page[IndicatorRead]


class PeriodRead(BaseModel):
    label: str = Field(examples=["2026-05", "2026-Q2", "FY2026-27 Q1", "FY2026-27"])
    starts_on: date
    ends_on: date
    evaluated_on: date = Field(
        description="The day a stock is read and consent is checked: the period's last day, or "
        "today while the period runs."
    )


class Cell(BaseModel):
    period: str = Field(description="The period's label.")
    breakdown: dict[str, str | None] = Field(
        description="The cell's value of each breakdown (an id for places, a code otherwise; "
        "null: not recorded). A breakdown absent from this object is totalled over: the cell "
        "with an empty `breakdown` is the period's total."
    )
    value: Number | None = Field(description="Null when suppressed (or a ratio over zero).")
    numerator: Number | None = Field(default=None, description="Ratios only.")
    denominator: Number | None = Field(default=None, description="Ratios only.")
    suppressed: bool


class Suppressed(BaseModel):
    applied: bool = Field(description="False only for an internal figure.")
    k: int = Field(description="Cells about 1 to k-1 persons are hidden.")
    rule: Suppression


class IndicatorValues(BaseModel):
    indicator: str
    version: int
    name: str
    unit: str
    factor: int
    temporal: Literal["stock", "flow"]
    period: PeriodKind
    periods: list[PeriodRead]
    breakdowns: list[str]
    cells: list[Cell] = Field(
        description="Every cell with a figure, and every margin; cells not listed are zero."
    )
    labels: dict[str, dict[str, str]] = Field(
        description="Names of the places in `breakdown`, by kind and id."
    )
    excluded_for_consent: int | None = Field(
        description="Records left out because the survivor's consent to aggregate reporting "
        "was not in force at the period's end (null when that count is itself suppressed)."
    )
    excluded_suppressed: bool
    suppression: Suppressed
    internal: bool = Field(
        description="True for an unsuppressed internal figure: not for publication."
    )
    organization_ids: list[UUID] = Field(description="The organisations counted.")
    computed_at: datetime = Field(description="When the figures were computed (live).")
