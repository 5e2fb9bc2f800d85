"""Scoring an assessment: pure functions over an instrument's structure and the answers given.

No database here: the service loads the instrument into an :class:`InstrumentSpec`, and these
functions check the answers, score them and compare scores with the baseline.

How an instrument is scored (its ``rules`` are data; only the kinds of rule live in code):

- every section: the mean of its ``score`` items, rounded half up to 2 decimals (null when the
  section has no score item answered); overall: the mean of the section means, so that every
  domain weighs the same however many items it holds (IJM: a domain score is the mean of its
  sub-domains);
- ``bands``: the weights of the ``yes_no`` items answered yes are added up, per section and in
  all, and the total falls in the first band whose ``max`` it does not exceed (the last band
  has no ``max``); ``sets_case_risk`` makes the band the case's risk level;
- ``needs``: the elements whose ``yes_no`` item is answered yes (the element is the item code
  before its last dot: ``medical_care.need`` -> ``medical_care``);
- ``priorities``: the elements the survivor ranked (1 first .. 5; 0 = not now), in her order.

What must be answered: every ``score`` item, and, when the instrument has bands, every
``yes_no`` item too (an unanswered risk factor would silently lower the band). Rank items and
other yes/no items may be left out (left out = not ranked, not marked). A survivor gives each
rank from 1 to 5 at most once in one assessment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from domain.common.errors import BusinessRuleViolation
from persistence.models.case_vocabulary import ResponseType

RANK_MAX = 5
_TWO_PLACES = Decimal("0.01")
# How many missing item codes an error names (the rest are counted).
_NAMED_MISSING = 10


@dataclass(frozen=True, slots=True)
class Band:
    """Totals up to ``max`` (inclusive) fall in ``level``; the last band has no ``max``."""

    level: str
    max: int | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    bands: tuple[Band, ...] = ()
    sets_case_risk: bool = False
    needs: bool = False
    priorities: bool = False

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> Rules:
        """The rules of an instrument as stored in ``assessment_instrument.rules``."""
        data = data or {}
        bands = tuple(
            Band(level=str(band["level"]), max=band.get("max")) for band in data.get("bands") or ()
        )
        return cls(
            bands=bands,
            sets_case_risk=bool(data.get("sets_case_risk", False)),
            needs=bool(data.get("needs", False)),
            priorities=bool(data.get("priorities", False)),
        )


@dataclass(frozen=True, slots=True)
class ItemSpec:
    id: UUID
    code: str
    section: str
    response_type: ResponseType
    weight: int = 1


@dataclass(frozen=True, slots=True)
class SectionSpec:
    code: str
    items: tuple[ItemSpec, ...]


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    code: str
    sections: tuple[SectionSpec, ...]
    rules: Rules = field(default_factory=Rules)
    scale_min: int = 1
    scale_max: int = 4

    def items(self) -> Iterator[ItemSpec]:
        """Every item, in the instrument's order."""
        for section in self.sections:
            yield from section.items

    def value_range(self, item: ItemSpec) -> tuple[int, int]:
        """The lowest and highest value an answer to ``item`` may take."""
        if item.response_type is ResponseType.score:
            return self.scale_min, self.scale_max
        if item.response_type is ResponseType.yes_no:
            return 0, 1
        return 0, RANK_MAX

    def required(self) -> list[ItemSpec]:
        """The items every assessment must answer."""
        needed = {ResponseType.score}
        if self.rules.bands:
            needed.add(ResponseType.yes_no)
        return [item for item in self.items() if item.response_type in needed]


def element_of(code: str) -> str:
    """The element an item is about: its code before the last dot."""
    return code.rsplit(".", 1)[0] if "." in code else code


def round2(value: Fraction | Decimal) -> float:
    """Half up to 2 decimals (never banker's rounding: 2.125 -> 2.13)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return float(value.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP))


def _mean(values: Sequence[int] | Sequence[Fraction]) -> Fraction | None:
    if not values:
        return None
    return Fraction(sum(values, Fraction(0)), len(values))


def band_for(points: int, bands: Sequence[Band]) -> str:
    """The level of the first band whose ``max`` the points do not exceed."""
    for band in bands:
        if band.max is None or points <= band.max:
            return band.level
    return bands[-1].level


# -- checking the answers ------------------------------------------------------------------
def _parse_id(key: str) -> UUID | None:
    try:
        return UUID(key)
    except ValueError:
        return None


def resolve(instrument: InstrumentSpec, responses: Mapping[str, int]) -> dict[UUID, int]:
    """The answers by item id, checked against the instrument: each key names an item (by id
    or code) once, each value lies in its item's range, every required item is answered and
    each rank is given once. Raises BusinessRuleViolation naming the first problem."""
    by_code = {item.code: item for item in instrument.items()}
    by_id = {item.id: item for item in instrument.items()}
    answers: dict[UUID, int] = {}
    for key, value in responses.items():
        item_id = _parse_id(key)
        item = by_id.get(item_id) if item_id is not None else by_code.get(key)
        where = f"responses.{key}"
        if item is None:
            raise BusinessRuleViolation("The instrument has no such item.", field=where)
        if item.id in answers:
            raise BusinessRuleViolation(
                "The item is answered twice (by its id and by its code).", field=where
            )
        low, high = instrument.value_range(item)
        if isinstance(value, bool) or not low <= value <= high:
            raise BusinessRuleViolation(
                f"A {item.response_type.value} answer lies between {low} and {high}.",
                field=where,
            )
        answers[item.id] = value
    missing = [item.code for item in instrument.required() if item.id not in answers]
    if missing:
        named = ", ".join(missing[:_NAMED_MISSING])
        more = len(missing) - _NAMED_MISSING
        if more > 0:
            named += f" and {more} more"
        raise BusinessRuleViolation(
            f"Every required item is answered; missing: {named}.", field="responses"
        )
    ranked: dict[int, str] = {}
    for item in instrument.items():
        rank = answers.get(item.id, 0)
        if item.response_type is ResponseType.rank and rank > 0:
            if rank in ranked:
                raise BusinessRuleViolation(
                    f"Each rank from 1 to {RANK_MAX} is given to one element only.",
                    field=f"responses.{item.code}",
                )
            ranked[rank] = item.code
    return answers


# -- scoring ------------------------------------------------------------------------------
def score(instrument: InstrumentSpec, answers: Mapping[UUID, int]) -> dict[str, Any]:
    """The scores of checked answers (see the module's docstring), as stored in
    ``assessment.scores``."""
    means: dict[str, Fraction | None] = {}
    for section in instrument.sections:
        values = [
            answers[item.id]
            for item in section.items
            if item.response_type is ResponseType.score and item.id in answers
        ]
        means[section.code] = _mean(values)
    present = [mean for mean in means.values() if mean is not None]
    overall = _mean(present)
    scores: dict[str, Any] = {
        "sections": {code: None if m is None else round2(m) for code, m in means.items()},
        "overall": None if overall is None else round2(overall),
    }
    rules = instrument.rules
    if rules.bands:
        section_points = {
            section.code: sum(
                item.weight
                for item in section.items
                if item.response_type is ResponseType.yes_no and answers.get(item.id) == 1
            )
            for section in instrument.sections
        }
        points = sum(section_points.values())
        scores["section_points"] = section_points
        scores["points"] = points
        scores["band"] = band_for(points, rules.bands)
    if rules.needs:
        scores["needs"] = [
            element_of(item.code)
            for item in instrument.items()
            if item.response_type is ResponseType.yes_no and answers.get(item.id) == 1
        ]
    if rules.priorities:
        ranked = sorted(
            (answers[item.id], position, element_of(item.code))
            for position, item in enumerate(instrument.items())
            if item.response_type is ResponseType.rank and answers.get(item.id, 0) > 0
        )
        scores["priorities"] = [{"element": element, "rank": rank} for rank, _, element in ranked]
    return scores


def _difference(current: Any, baseline: Any) -> float | None:
    if current is None or baseline is None:
        return None
    return round2(Decimal(str(current)) - Decimal(str(baseline)))


def change(current: Mapping[str, Any], baseline: Mapping[str, Any]) -> dict[str, Any]:
    """How the scores moved since the baseline: per section and overall, the difference of the
    means (null where either is missing); with bands, of the points too. The baseline compared
    with itself shows 0 wherever it has a score."""
    base_sections = baseline.get("sections") or {}
    moved: dict[str, Any] = {
        "sections": {
            code: _difference(value, base_sections.get(code))
            for code, value in (current.get("sections") or {}).items()
        },
        "overall": _difference(current.get("overall"), baseline.get("overall")),
    }
    if "points" in current:
        base_points = baseline.get("section_points") or {}
        moved["section_points"] = {
            code: None if base_points.get(code) is None else value - base_points[code]
            for code, value in (current.get("section_points") or {}).items()
        }
        moved["points"] = (
            None if baseline.get("points") is None else current["points"] - baseline["points"]
        )
        moved["band_from"] = baseline.get("band")
    return moved
