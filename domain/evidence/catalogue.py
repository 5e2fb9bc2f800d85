"""The indicator catalogue as the evaluator reads it: each indicator is a measure (with filters
and an aggregate) or a ratio of two, checked against the measure definitions.

A new indicator that combines existing measures is a catalogue row (a migration adds a version),
never code. :func:`problems` says what is wrong with a row; a test runs it over the whole
catalogue.
"""

from __future__ import annotations

import string
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from persistence.evidence.cube import available_breakdowns
from persistence.evidence.measure import Measure, MeasureKind
from persistence.evidence.measures import MEASURES
from persistence.models.indicator import Indicator

# A count of distinct units, a sum or median of their amounts, or a ratio of two measures.
IndicatorKind = Literal["count", "sum", "median", "p90", "ratio"]


class Suppression(StrEnum):
    """``people``: cells about fewer than k persons are hidden (counts by their persons, sums
    and medians by the persons they add up over). ``none``: figures about groups, events or
    organisations, not persons (SHGs formed, trainings held, partners by stage)."""

    people = "people"
    none = "none"


class MeasureUse(BaseModel):
    """A measure, narrowed by filters on its dimensions, aggregated one way."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure: str
    filters: dict[str, list[str]] = Field(default_factory=dict)
    aggregate: Literal["count", "sum", "median", "p90"] = "count"

    @property
    def definition(self) -> Measure:
        return MEASURES[self.measure]


# The placeholders an achievement sentence may use.
SENTENCE_FIELDS = frozenset({"value", "districts"})


class IndicatorDefinition(BaseModel):
    """One version of an indicator, as the catalogue row holds it."""

    model_config = ConfigDict(frozen=True)

    code: str
    version: int
    name: str
    outcome: int
    definition: str
    kind: IndicatorKind
    numerator: MeasureUse
    denominator: MeasureUse | None = None
    factor: int = 1
    unit: str
    breakdowns: tuple[str, ...] = ()
    suppression: Suppression
    headline_rank: int | None = None
    sentence: str | None = None
    effective_from: date
    effective_to: date | None = None

    @classmethod
    def of(cls, row: Indicator) -> IndicatorDefinition:
        return cls(
            code=row.code,
            version=row.version,
            name=row.name,
            outcome=row.outcome,
            definition=row.definition,
            kind=row.kind,
            numerator=MeasureUse.model_validate(row.numerator),
            denominator=None
            if row.denominator is None
            else MeasureUse.model_validate(row.denominator),
            factor=row.factor,
            unit=row.unit,
            breakdowns=tuple(row.breakdowns),
            suppression=Suppression(row.suppression),
            headline_rank=row.headline_rank,
            sentence=row.sentence,
            effective_from=row.effective_from,
            effective_to=row.effective_to,
        )

    @property
    def uses(self) -> tuple[MeasureUse, ...]:
        return (self.numerator,) if self.denominator is None else (self.numerator, self.denominator)

    @property
    def temporal(self) -> MeasureKind:
        """A stock (read at the period's end) or a flow (counted over the period)."""
        return self.numerator.definition.kind

    @property
    def leader_groups(self) -> bool:
        """Whether it can be narrowed to a survivor leader's own groups."""
        return all(use.definition.leader_groups for use in self.uses)


def problems(definition: IndicatorDefinition) -> list[str]:
    """Everything wrong with a catalogue row (empty when it can be evaluated)."""
    found: list[str] = []
    if not 1 <= definition.outcome <= 5:
        found.append("outcome must be 1 to 5")
    if (definition.kind == "ratio") != (definition.denominator is not None):
        found.append("a ratio, and only a ratio, has a denominator")
    for use in definition.uses:
        measure = MEASURES.get(use.measure)
        if measure is None:
            found.append(f"unknown measure {use.measure!r}")
            continue
        for name, values in use.filters.items():
            dimension = measure.dimension(name)
            if dimension is None:
                found.append(f"{use.measure} has no dimension {name!r} to filter by")
            elif dimension.values is not None and not set(values) <= set(dimension.values):
                found.append(f"{use.measure}.{name}: unknown values {sorted(values)}")
            elif not values:
                found.append(f"{use.measure}.{name}: an empty filter")
        if use.aggregate in ("median", "p90") and measure.kind is MeasureKind.stock:
            found.append(f"{use.measure} is a stock: it has no median or percentile")
        if use.aggregate != "count" and measure.amount is None:
            found.append(f"{use.measure} has no amount to {use.aggregate}")
        unsupported = set(definition.breakdowns) - set(available_breakdowns(measure))
        if unsupported:
            found.append(f"{use.measure} cannot be broken down by {sorted(unsupported)}")
    if definition.kind != "ratio" and definition.kind != definition.numerator.aggregate:
        found.append("the kind must be the numerator's aggregate")
    kinds = {use.definition.kind for use in definition.uses if use.measure in MEASURES}
    if len(kinds) > 1:
        found.append("a ratio's two measures must both be stocks or both flows")
    if definition.sentence is not None:
        names = {name for _, name, _, _ in string.Formatter().parse(definition.sentence) if name}
        if not names <= SENTENCE_FIELDS or "value" not in names:
            found.append(f"the sentence may use {sorted(SENTENCE_FIELDS)} and must use value")
        if "districts" in names and "district" not in definition.breakdowns:
            found.append("a sentence naming districts needs the district breakdown")
    return found
