"""Reporting periods: calendar months, quarters and years, and India's financial year (1 April to
31 March) with its quarters.

A period is a closed range of business dates (Asia/Kolkata). A *flow* indicator (new
registrations) counts what happened during a period; a *stock* (active cases) is read at the
period's end. A period that has not ended yet is read on its last day so far (today): its
figures are "to date".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

# Longest range one request may span, in days (a little over 10 years): bounds the work.
MAX_RANGE_DAYS = 3700
# Most periods one request may produce (ten years of months).
MAX_PERIODS = 120


class PeriodKind(StrEnum):
    month = "month"
    quarter = "quarter"  # calendar quarters: Jan-Mar, Apr-Jun, Jul-Sep, Oct-Dec
    year = "year"  # calendar years
    fy_quarter = "fy_quarter"  # financial-year quarters: Q1 is April-June
    fy = "fy"  # financial years, 1 April to 31 March
    whole = "whole"  # the requested range as one period


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    starts_on: date
    ends_on: date

    def evaluated_on(self, today: date) -> date:
        """The day a stock is read for this period: its last day, or today while it runs."""
        return min(self.ends_on, today)

    def length_days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def fy_start_year(day: date) -> int:
    """The calendar year in which the financial year holding ``day`` began."""
    return day.year if day.month >= 4 else day.year - 1


def fy_label(start_year: int) -> str:
    """``FY2026-27`` for the year from 1 April 2026 to 31 March 2027."""
    return f"FY{start_year}-{(start_year + 1) % 100:02d}"


def _period_of(kind: PeriodKind, day: date) -> Period:
    if kind is PeriodKind.month:
        start = _month_start(day)
        return Period(f"{start:%Y-%m}", start, _add_months(start, 1) - timedelta(days=1))
    if kind is PeriodKind.quarter:
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        number = (start.month - 1) // 3 + 1
        return Period(f"{start.year}-Q{number}", start, _add_months(start, 3) - timedelta(days=1))
    if kind is PeriodKind.year:
        return Period(str(day.year), date(day.year, 1, 1), date(day.year, 12, 31))
    if kind is PeriodKind.fy_quarter:
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        number = (start.month - 4) % 12 // 3 + 1
        label = f"{fy_label(fy_start_year(start))} Q{number}"
        return Period(label, start, _add_months(start, 3) - timedelta(days=1))
    if kind is PeriodKind.fy:
        year = fy_start_year(day)
        return Period(fy_label(year), date(year, 4, 1), date(year + 1, 3, 31))
    raise ValueError(f"no single period of kind {kind}")  # pragma: no cover


def periods(kind: PeriodKind, starts_on: date, ends_on: date) -> list[Period]:
    """The periods of ``kind`` that cover ``starts_on``..``ends_on``, clipped to that range (a
    range that starts mid-month gives a first month from that day)."""
    if ends_on < starts_on:
        raise ValueError("the range ends before it starts")
    if kind is PeriodKind.whole:
        return [Period(f"{starts_on.isoformat()}/{ends_on.isoformat()}", starts_on, ends_on)]
    found: list[Period] = []
    day = starts_on
    while day <= ends_on:
        whole = _period_of(kind, day)
        found.append(
            Period(whole.label, max(whole.starts_on, starts_on), min(whole.ends_on, ends_on))
        )
        day = whole.ends_on + timedelta(days=1)
    return found


def previous(starts_on: date, ends_on: date) -> tuple[date, date]:
    """The range of the same length just before ``starts_on``..``ends_on`` (for comparison).

    Whole months, quarters and years compare with the same number of whole months before
    them (Q2 with Q1, FY2026-27 with FY2025-26); any other range with as many days before it.
    """
    if starts_on.day == 1 and (ends_on + timedelta(days=1)).day == 1:
        months = (ends_on.year - starts_on.year) * 12 + ends_on.month - starts_on.month + 1
        start = _add_months(starts_on, -months)
        return start, starts_on - timedelta(days=1)
    days = (ends_on - starts_on).days + 1
    return starts_on - timedelta(days=days), starts_on - timedelta(days=1)
