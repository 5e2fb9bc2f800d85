"""What every rendering of the report shows in each place a figure goes: a number in its unit,
or the word that stands for no number ("suppressed", or "-" where there is nothing to show).

The workbook and the page both take their figures from here, so they show the same numbers
and the same gaps; each only decides how a number looks (a cell format, a text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.evidence.figures import shown
from domain.evidence.schemas import BreakdownValue, Number, ReportFigure, TrendPoint
from persistence.clock import IST

INTERNAL_MARK = "INTERNAL \N{EM DASH} not for publication"
SUPPRESSED = "suppressed"
NOTHING = "-"  # no figure: a ratio over zero, a change from a suppressed or zero figure

PERCENT = "percent"
MONEY = "paise"
RECORDS = "records"


@dataclass(frozen=True, slots=True)
class Entry:
    """One figure as shown: ``value`` is in the report's unit (paise, percentage points)."""

    value: Number | None
    unit: str
    suppressed: bool

    @property
    def number(self) -> Number | None:
        """The number to show, or None when a word stands in its place."""
        return None if self.suppressed else self.value

    @property
    def text(self) -> str:
        """The figure as people read it: 1,23,456; ₹12,34,567.50; 62.5%; or the word."""
        if self.suppressed:
            return SUPPRESSED
        if self.value is None:
            return NOTHING
        return shown(self.value, self.unit, suppressed=False, k=0)


# The columns of the table of every figure: (field, heading).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("value", "Value"),
    ("previous", "Previous value"),
    ("change", "Change"),
    ("change_percent", "Change %"),
    ("excluded", "Left out: no consent"),
)


def entries(figure: ReportFigure) -> dict[str, Entry]:
    """A figure's row of the table, by the fields of :data:`COLUMNS`. A change is shown only
    when both figures are; the count left out for consent is null exactly when suppressed."""
    either_hidden = figure.suppressed or figure.previous_suppressed
    return {
        "value": Entry(figure.value, figure.unit, figure.suppressed),
        "previous": Entry(figure.previous_value, figure.unit, figure.previous_suppressed),
        "change": Entry(figure.change, figure.unit, either_hidden),
        "change_percent": Entry(figure.change_percent, PERCENT, either_hidden),
        "excluded": Entry(
            figure.excluded_for_consent, RECORDS, figure.excluded_for_consent is None
        ),
    }


def point(figure: ReportFigure, item: TrendPoint | BreakdownValue) -> Entry:
    """A month of the trend or a district of the breakdown."""
    return Entry(item.value, figure.unit, item.suppressed)


def plotted(figure: ReportFigure, items: Sequence[TrendPoint | BreakdownValue]) -> bool:
    """Whether a chart of these has anything to draw (suppressed figures are skipped)."""
    return any(point(figure, item).number is not None for item in items)


def district_name(item: BreakdownValue) -> str:
    if item.label:
        return item.label
    return "District not recorded" if item.key is None else "Unnamed district"


def stock_or_flow(figure: ReportFigure) -> str:
    return "stock (at the period's end)" if figure.temporal == "stock" else "flow (over the period)"


def day(value: date) -> str:
    return f"{value:%d %B %Y}"


def span(starts_on: date, ends_on: date) -> str:
    return f"{day(starts_on)} to {day(ends_on)}"


def moment(value: datetime) -> str:
    """An instant in India Standard Time."""
    return f"{value.astimezone(IST):%d %B %Y, %H:%M} IST"


def protection(internal: bool, k: int) -> str:
    if internal:
        return "Not suppressed: exact small figures for internal use."
    return f"Figures about fewer than {k} persons are suppressed."
