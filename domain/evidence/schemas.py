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
    aggregate: Literal["count", "sum", "median", "p90"]


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
    computed_at: datetime = Field(
        description="When the figures were computed: now, or up to SHAKTI_EVIDENCE_MAX_AGE_SECONDS "
        "ago (30 by default) when an answer kept from then still stood but for records changed "
        "since (never for a change of consent). The oldest figure's time."
    )


# -- figures cited elsewhere -----------------------------------------------------------------


class CitedFigure(BaseModel):
    """One indicator's total for a range, as cited where its records cannot be read (an
    advocacy action's evidence, a lead organisation's view of a partner): small figures
    suppressed."""

    indicator: str = Field(
        description="The catalogue code (`GET /api/v1/indicators/{code}` defines it). In "
        "evidence saved before the catalogue existed: the name of a retired count, kept as "
        "it was."
    )
    version: int | None = Field(
        default=None, description="The catalogue version evaluated (null before the catalogue)."
    )
    name: str | None = None
    outcome: int | None = None
    unit: str | None = None
    temporal: Literal["stock", "flow"] | None = Field(
        default=None,
        description="`stock`: read at the range's end; `flow`: counted over the range.",
    )
    value: Number | None = Field(description="Null when suppressed (or a ratio over zero).")
    suppressed: bool


# -- dashboards and the report ---------------------------------------------------------------


class Protection(BaseModel):
    applied: bool = Field(description="False only for an internal figure.")
    k: int


class Headline(BaseModel):
    """A figure with the one before it (the previous period of the same length)."""

    code: str
    name: str
    unit: str
    temporal: Literal["stock", "flow"]
    value: Number | None
    suppressed: bool
    previous_value: Number | None
    previous_suppressed: bool
    change: Number | None = Field(description="value - previous_value, when both are shown.")
    change_percent: float | None = Field(description="The change as a percentage of before.")


class OutcomeSection(BaseModel):
    outcome: int
    title: str
    headlines: list[Headline]


class OutcomesDashboard(BaseModel):
    starts_on: date
    ends_on: date
    previous_starts_on: date
    previous_ends_on: date
    organization_ids: list[UUID]
    internal: bool
    suppression: Protection
    computed_at: datetime = Field(
        description="When the figures were computed: now, or up to SHAKTI_EVIDENCE_MAX_AGE_SECONDS "
        "ago (30 by default) when an answer kept from then still stood but for records changed "
        "since (never for a change of consent). The oldest figure's time."
    )
    outcomes: list[OutcomeSection]


class BreakdownValue(BaseModel):
    key: str | None = Field(description="The breakdown's value: a code, or a place's id.")
    label: str | None = Field(description="A place's name.")
    value: Number | None
    suppressed: bool


class ProgressPanel(BaseModel):
    indicator: str
    name: str
    unit: str
    breakdown: str
    total: Headline
    values: list[BreakdownValue] = Field(description="This period's figure per value.")


class CaseProgress(BaseModel):
    """Progress across cases, in aggregate: the progress map of every case taken together."""

    starts_on: date
    ends_on: date
    previous_starts_on: date
    previous_ends_on: date
    organization_ids: list[UUID]
    internal: bool
    suppression: Protection
    computed_at: datetime = Field(
        description="When the figures were computed: now, or up to SHAKTI_EVIDENCE_MAX_AGE_SECONDS "
        "ago (30 by default) when an answer kept from then still stood but for records changed "
        "since (never for a change of consent). The oldest figure's time."
    )
    panels: list[ProgressPanel]


class TrendPoint(BaseModel):
    period: str
    starts_on: date
    ends_on: date
    value: Number | None
    suppressed: bool


class ReportFigure(BaseModel):
    code: str
    version: int
    name: str
    definition: str
    unit: str
    factor: int
    temporal: Literal["stock", "flow"]
    value: Number | None
    text: str = Field(description="The value as people read it (1,23,456; ₹; %).")
    suppressed: bool
    previous_value: Number | None
    previous_suppressed: bool
    change: Number | None
    change_percent: float | None
    excluded_for_consent: int | None
    trend: list[TrendPoint] = Field(description="Each month (or quarter) of the range.")
    by_district: list[BreakdownValue] = Field(description="The whole range, by district.")


class ReportOutcome(BaseModel):
    outcome: int
    title: str
    sentences: list[str]
    figures: list[ReportFigure]


class OutcomeReport(BaseModel):
    title: str
    organizations: list[str]
    organization_ids: list[UUID]
    starts_on: date
    ends_on: date
    previous_starts_on: date
    previous_ends_on: date
    trend_period: PeriodKind
    internal: bool
    suppression: Protection
    computed_at: datetime = Field(
        description="When the figures were computed: now, or up to SHAKTI_EVIDENCE_MAX_AGE_SECONDS "
        "ago (30 by default) when an answer kept from then still stood but for records changed "
        "since (never for a change of consent). The oldest figure's time."
    )
    summary: list[str] = Field(description="The achievement lines, written from the figures.")
    outcomes: list[ReportOutcome]
    notes: list[str]
