"""Panchasutra grading (DAY-NRLM's five norms), pure: from facts counted in the group's records
and thresholds kept as data (``shg_grading_rule``), a grade and the group's eligibility for the
revolving fund (RF) and the community investment fund (CIF).

The norms, each a percentage over the rules' look-back window (the last ``window_months`` up to
the date asked about, or since formation when the group is younger):

1. **regular meetings**: meetings held / meetings expected by the group's frequency (capped at
   100 %), times the share of members present (present or late) at those held;
2. **regular savings**: the share of (meeting, member) pairs where the member saved at least
   the group's fixed saving per meeting (reversed deposits do not count);
3. **internal lending**: internal loans outstanding / members' savings, as of the date (the
   share of the group's own money at work, capped at 100 %);
4. **timely repayment**: the share of instalments of internal loans due in the window that
   were covered by their due date (not applicable when none fell due);
5. **books up to date**: meetings recorded with their minutes / meetings expected (the books
   fall behind when sheets or minutes stop being recorded).

A norm is graded A at or above its ``a`` threshold, B at or above ``b``, else C; each A is
worth 2 points and each B 1. The score is the points as a percentage of the most the
applicable norms can give; the group is A at or above ``grade_a_min_score``, B at or above
``grade_b_min_score``, else C. A group younger than one meeting period is not graded yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.common.schemas import RequestBody
from domain.shgs.loans import add_months, months_between
from persistence.models.livelihood_vocabulary import MeetingFrequency

Grade = Literal["A", "B", "C"]
_RANK = {"A": 0, "B": 1, "C": 2}
_POINTS = {"A": 2, "B": 1, "C": 0}


class Norm(StrEnum):
    regular_meetings = "regular_meetings"
    regular_savings = "regular_savings"
    internal_lending = "internal_lending"
    timely_repayment = "timely_repayment"
    books_up_to_date = "books_up_to_date"


class NormThresholds(BaseModel):
    """Grade A at or above ``a`` percent, B at or above ``b``, else C."""

    model_config = ConfigDict(extra="forbid")

    a: float = Field(ge=0, le=100)
    b: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> NormThresholds:
        if self.b > self.a:
            raise ValueError("b may not be above a")
        return self


class FundRule(BaseModel):
    """When a group may receive a fund: its age, its grade, and whether the revolving fund must
    have come first."""

    model_config = ConfigDict(extra="forbid")

    min_age_months: int = Field(ge=0, le=120)
    min_grade: Grade
    requires_revolving_fund: bool = False


class GradingRules(RequestBody):
    """The thresholds of Panchasutra grading for one organisation (or the shared default).
    A request body (PUT /shgs/grading-rules), so a RequestBody."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "window_months": 6,
                    "regular_meetings": {"a": 90, "b": 60},
                    "regular_savings": {"a": 90, "b": 60},
                    "internal_lending": {"a": 60, "b": 30},
                    "timely_repayment": {"a": 80, "b": 60},
                    "books_up_to_date": {"a": 90, "b": 60},
                    "grade_a_min_score": 80,
                    "grade_b_min_score": 50,
                    "revolving_fund": {"min_age_months": 3, "min_grade": "B"},
                    "community_investment_fund": {
                        "min_age_months": 6,
                        "min_grade": "A",
                        "requires_revolving_fund": True,
                    },
                }
            ]
        },
    )

    window_months: int = Field(ge=1, le=36, description="Look-back window of the norms.")
    regular_meetings: NormThresholds
    regular_savings: NormThresholds
    internal_lending: NormThresholds
    timely_repayment: NormThresholds
    books_up_to_date: NormThresholds
    grade_a_min_score: float = Field(ge=0, le=100)
    grade_b_min_score: float = Field(ge=0, le=100)
    revolving_fund: FundRule
    community_investment_fund: FundRule

    @model_validator(mode="after")
    def _ordered(self) -> GradingRules:
        if self.grade_b_min_score > self.grade_a_min_score:
            raise ValueError("grade_b_min_score may not be above grade_a_min_score")
        return self

    def thresholds(self, norm: Norm) -> NormThresholds:
        value: NormThresholds = getattr(self, norm.value)
        return value


@dataclass(frozen=True, slots=True)
class GradingFacts:
    """What the records say over the window (counted by the repository in one statement)."""

    meetings_held: int = 0
    meetings_with_minutes: int = 0
    attendance_rows: int = 0
    attended_rows: int = 0  # present or late
    saving_pairs: int = 0  # (meeting, member) pairs of the window
    saved_pairs: int = 0  # of which the member saved at least the fixed amount
    internal_outstanding_paise: int = 0
    savings_paise: int = 0
    instalments_due: int = 0  # of internal loans, due in the window
    instalments_on_time: int = 0
    revolving_fund_received: bool = False
    community_investment_fund_received: bool = False


@dataclass(frozen=True, slots=True)
class NormResult:
    norm: Norm
    value: float | None  # percent; None when not applicable yet
    grade: Grade | None
    thresholds: NormThresholds


@dataclass(frozen=True, slots=True)
class FundEligibility:
    eligible: bool
    received: bool
    reasons: tuple[str, ...]  # why not, as codes


@dataclass(frozen=True, slots=True)
class GradingResult:
    as_of: date
    window_start: date
    age_months: int
    meetings_expected: int
    norms: tuple[NormResult, ...]
    score: float | None
    grade: Grade | None
    revolving_fund: FundEligibility
    community_investment_fund: FundEligibility


def window_start(formed_on: date, as_of: date, rules: GradingRules) -> date:
    """The window's first day: ``window_months`` before ``as_of``, not before formation."""
    return max(formed_on, add_months(as_of, -rules.window_months))


def meetings_expected(frequency: MeetingFrequency, start: date, end: date) -> int:
    """Meetings a group of this frequency should hold after ``start`` up to ``end``."""
    days = (end - start).days
    if days <= 0:
        return 0
    if frequency is MeetingFrequency.weekly:
        return days // 7
    if frequency is MeetingFrequency.fortnightly:
        return days // 14
    return months_between(start, end)


def _percent(part: int, whole: int) -> float:
    return min(100.0, 100.0 * part / whole) if whole > 0 else 0.0


def _grade(value: float, thresholds: NormThresholds) -> Grade:
    if value >= thresholds.a:
        return "A"
    if value >= thresholds.b:
        return "B"
    return "C"


def norm_values(facts: GradingFacts, expected: int) -> dict[Norm, float | None]:
    """Each norm's percentage (None: not applicable yet)."""
    if expected == 0:
        return dict.fromkeys(Norm)
    meeting_rate = min(1.0, facts.meetings_held / expected)
    attendance_rate = facts.attended_rows / facts.attendance_rows if facts.attendance_rows else 0.0
    return {
        Norm.regular_meetings: 100.0 * meeting_rate * attendance_rate,
        Norm.regular_savings: _percent(facts.saved_pairs, facts.saving_pairs),
        Norm.internal_lending: _percent(facts.internal_outstanding_paise, facts.savings_paise),
        Norm.timely_repayment: (
            _percent(facts.instalments_on_time, facts.instalments_due)
            if facts.instalments_due
            else None
        ),
        Norm.books_up_to_date: _percent(facts.meetings_with_minutes, expected),
    }


def _fund(
    rule: FundRule, age: int, grade: Grade | None, received: bool, rf_received: bool
) -> FundEligibility:
    reasons = []
    if received:
        reasons.append("already_received")
    if age < rule.min_age_months:
        reasons.append("too_young")
    if grade is None:
        reasons.append("not_graded")
    elif _RANK[grade] > _RANK[rule.min_grade]:
        reasons.append("grade_below_minimum")
    if rule.requires_revolving_fund and not rf_received:
        reasons.append("revolving_fund_not_received")
    return FundEligibility(eligible=not reasons, received=received, reasons=tuple(reasons))


def grade(
    facts: GradingFacts,
    rules: GradingRules,
    *,
    formed_on: date,
    frequency: MeetingFrequency,
    as_of: date,
) -> GradingResult:
    """The group's grade on ``as_of`` from the facts of its window."""
    start = window_start(formed_on, as_of, rules)
    expected = meetings_expected(frequency, start, as_of)
    results = []
    for norm, value in norm_values(facts, expected).items():
        thresholds = rules.thresholds(norm)
        shown = None if value is None else round(value, 1)
        results.append(
            NormResult(
                norm, shown, None if value is None else _grade(value, thresholds), thresholds
            )
        )
    graded = [r.grade for r in results if r.grade is not None]
    score: float | None = None
    overall: Grade | None = None
    if graded:
        score = round(100.0 * sum(_POINTS[g] for g in graded) / (2 * len(graded)), 1)
        overall = (
            "A"
            if score >= rules.grade_a_min_score
            else "B"
            if score >= rules.grade_b_min_score
            else "C"
        )
    age = months_between(formed_on, as_of)
    rf = facts.revolving_fund_received
    return GradingResult(
        as_of=as_of,
        window_start=start,
        age_months=age,
        meetings_expected=expected,
        norms=tuple(results),
        score=score,
        grade=overall,
        revolving_fund=_fund(rules.revolving_fund, age, overall, rf, rf),
        community_investment_fund=_fund(
            rules.community_investment_fund,
            age,
            overall,
            facts.community_investment_fund_received,
            rf,
        ),
    )
