"""The outcome report as an Excel workbook (xlsxwriter): a summary sheet opened by the
achievement lines, one sheet per outcome (its lines, a table of every figure with the previous
value and the change, and for each indicator its trend and its districts with native charts),
and a definitions sheet.

Numbers are numbers (money in rupees, percentages as percentages) with Indian digit grouping
(1,23,456); a suppressed figure is the word "suppressed", never a number, and the charts skip
it (they draw from a hidden column where it is blank). Every text is written as a string, so
nothing a name holds (``=cmd|...``) becomes a formula or a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from decimal import Decimal
from io import BytesIO
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from domain.evidence.rendering.entries import (
    COLUMNS,
    INTERNAL_MARK,
    MONEY,
    PERCENT,
    Entry,
    district_name,
    entries,
    moment,
    plotted,
    point,
    protection,
    span,
    stock_or_flow,
)
from domain.evidence.schemas import Number, OutcomeReport, ReportFigure, ReportOutcome

# Indian grouping for 0 to 99,99,99,999 that adapts to the number typed into the cell: Excel
# and LibreOffice allow two conditions, so lakh and crore are the conditions.
RUPEE = '"\N{INDIAN RUPEE SIGN}"'
INDIAN = r"[>=10000000]{p}##\,##\,##\,##0{d};[>=100000]{p}##\,##\,##0{d};{p}##,##0{d}"
CHART_ROWS = 15  # a chart's height in rows (288 px at 20 px a row)
CHART_WIDTH = 480
# Columns of an outcome sheet. The table of every figure takes A to I; each indicator's trend
# is in A:B and its districts in D:E; the charts draw from the hidden columns K and L.
TREND_CHART_COLUMN = 10
DISTRICT_CHART_COLUMN = 11
CHARTS_AT = 6  # the charts float from column G


def _decimals(value: Number, unit: str) -> int:
    """The decimals a figure shows, as its text does: at most 3; money always 2."""
    if unit == MONEY:
        return 2
    exponent = Decimal(str(value)).normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return min(places, 3)


def _exact_digits(integer_digits: int, prefix: str, tail: str) -> str:
    """A one-section pattern for exactly this many integer digits, grouped the Indian way (a
    spreadsheet adds the minus sign itself to a one-section format)."""
    if integer_digits <= 5:
        return f"{prefix}#,##0{tail}"
    groups = ["##0"]
    remaining = integer_digits - 3
    while remaining > 0:
        groups.insert(0, "#" * min(2, remaining))
        remaining -= 2
    return prefix + r"\,".join(groups) + tail


def number_format(value: Number, unit: str) -> str:
    """The cell format of a figure, given in the report's unit (paise; percentage points):
    ``1,23,456``; ``₹12,34,567.50``; ``62.5%``."""
    decimals = _decimals(value, unit)
    tail = "." + "0" * decimals if decimals else ""
    if unit == PERCENT:
        return f"0{tail}%"
    prefix = RUPEE if unit == MONEY else ""
    shown = Decimal(str(value)) / 100 if unit == MONEY else Decimal(str(value))
    rounded = abs(round(shown, decimals))
    if shown >= 0 and rounded < 1_000_000_000:
        return INDIAN.format(p=prefix, d=tail)
    # A fall (negative), or 100 crore and more: one section sized to the number, because
    # conditional sections lose or double the minus sign in one spreadsheet or another.
    return _exact_digits(len(str(int(rounded))), prefix, tail)


def sheet_value(value: Number, unit: str) -> float | int:
    """The number a cell holds for a figure: rupees from paise, a fraction for a percentage."""
    if unit in (MONEY, PERCENT):
        return float(Decimal(str(value)) / 100)
    return value


class _Formats:
    """Cell formats, made once each (a workbook keeps every format it is given)."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.numbers: dict[str, Format] = {}
        self.internal = book.add_format(
            {"bold": True, "font_size": 16, "font_color": "#9C0006", "bg_color": "#FFC7CE"}
        )
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.heading = book.add_format({"bold": True, "font_size": 12})
        self.header = book.add_format(
            {"bold": True, "bottom": 1, "bg_color": "#F2F2F2", "text_wrap": True}
        )
        self.label = book.add_format({"bold": True})
        self.text = book.add_format({})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.note = book.add_format({"italic": True, "font_color": "#595959"})
        self.word = book.add_format({"italic": True, "font_color": "#7F7F7F", "align": "right"})

    def number(self, value: Number, unit: str) -> Format:
        pattern = number_format(value, unit)
        found = self.numbers.get(pattern)
        if found is None:
            found = self.book.add_format({"num_format": pattern})
            self.numbers[pattern] = found
        return found


class _Writer:
    def __init__(self, report: OutcomeReport, book: Workbook) -> None:
        self.report = report
        self.book = book
        self.formats = _Formats(book)

    def sheet(self, name: str) -> tuple[Worksheet, int]:
        """A new sheet, its first line the internal mark when the report is internal; the next
        free row."""
        sheet = self.book.add_worksheet(name)
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        if self.report.internal:
            sheet.set_header(f'&C&"-,Bold"&14{INTERNAL_MARK}')
            sheet.write_string(0, 0, INTERNAL_MARK, self.formats.internal)
            sheet.set_row(0, 24)
            return sheet, 1
        return sheet, 0

    def entry(self, sheet: Worksheet, row: int, column: int, entry: Entry) -> None:
        number = entry.number
        if number is None:
            sheet.write_string(row, column, entry.text, self.formats.word)
        else:
            cell_format = self.formats.number(number, entry.unit)
            sheet.write_number(row, column, sheet_value(number, entry.unit), cell_format)

    # -- the summary --------------------------------------------------------------------------

    def summary(self) -> None:
        report = self.report
        sheet, row = self.sheet("Summary")
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, 1, 100)
        sheet.write_string(row, 0, report.title, self.formats.title)
        row += 1
        for line in report.summary:
            sheet.write_string(row, 0, line, self.formats.text)
            row += 1
        row += 1
        facts = (
            ("Organisations", "; ".join(report.organizations)),
            ("Period", span(report.starts_on, report.ends_on)),
            ("Compared with", span(report.previous_starts_on, report.previous_ends_on)),
            ("Trend by", report.trend_period.value.replace("_", " ")),
            ("Small figures", protection(report.internal, report.suppression.k)),
            ("Computed at", moment(report.computed_at)),
        )
        for label, value in facts:
            sheet.write_string(row, 0, label, self.formats.label)
            sheet.write_string(row, 1, value, self.formats.text)
            row += 1
        for outcome in report.outcomes:
            row += 1
            sheet.write_string(row, 0, _outcome_title(outcome), self.formats.heading)
            row += 1
            for line in outcome.sentences:
                sheet.write_string(row, 1, line, self.formats.text)
                row += 1
        row += 1
        sheet.write_string(row, 0, "Notes", self.formats.heading)
        row += 1
        for note in report.notes:
            sheet.write_string(row, 1, note, self.formats.wrap)
            # Spreadsheets do not size a wrapped row on opening: give it its lines.
            sheet.set_row(row, 15 * (len(note) // 95 + 1))
            row += 1
        sheet.activate()

    # -- one sheet per outcome ----------------------------------------------------------------

    def outcome(self, outcome: ReportOutcome) -> None:
        report = self.report
        sheet, row = self.sheet(f"Outcome {outcome.outcome}")
        for column, width in enumerate((30, 44, 12, 24, 16, 16, 16, 12, 14)):
            sheet.set_column(column, column, width)
        sheet.set_column(TREND_CHART_COLUMN, DISTRICT_CHART_COLUMN, None, None, {"hidden": True})
        sheet.write_string(row, 0, _outcome_title(outcome), self.formats.title)
        row += 1
        sheet.write_string(
            row,
            0,
            f"{span(report.starts_on, report.ends_on)}, compared with "
            f"{span(report.previous_starts_on, report.previous_ends_on)}",
            self.formats.note,
        )
        row += 1
        for line in outcome.sentences:
            sheet.write_string(row, 0, line, self.formats.text)
            row += 1
        if not outcome.figures:
            sheet.write_string(row + 1, 0, "No indicator of this outcome is in this report.")
            return
        row += 1
        headings = ["Code", "Indicator", "Unit", "Stock or flow", *(h for _, h in COLUMNS)]
        for column, heading in enumerate(headings):
            sheet.write_string(row, column, heading, self.formats.header)
        sheet.freeze_panes(row + 1, 0)
        row += 1
        for figure in outcome.figures:
            sheet.write_string(row, 0, figure.code, self.formats.text)
            sheet.write_string(row, 1, figure.name, self.formats.text)
            sheet.write_string(row, 2, _unit(figure.unit), self.formats.text)
            sheet.write_string(row, 3, figure.temporal, self.formats.text)
            for offset, entry in enumerate(entries(figure).values()):
                self.entry(sheet, row, 4 + offset, entry)
            row += 1
        for figure in outcome.figures:
            row = self.figure(sheet, row + 1, figure)

    def figure(self, sheet: Worksheet, row: int, figure: ReportFigure) -> int:
        """An indicator's trend and districts with their charts; the next free row."""
        sheet.write_string(row, 0, f"{figure.name} ({figure.code})", self.formats.heading)
        name_cell = (row, 0)
        sheet.write_string(row + 1, 0, figure.definition, self.formats.note)
        top = row + 2
        sheet.write_string(top, 0, _trend_heading(self.report), self.formats.header)
        sheet.write_string(top, 1, "Value", self.formats.header)
        sheet.write_string(top, 3, "District", self.formats.header)
        sheet.write_string(top, 4, "Value", self.formats.header)
        for index, trend_point in enumerate(figure.trend, start=top + 1):
            entry = point(figure, trend_point)
            sheet.write_string(index, 0, trend_point.period, self.formats.text)
            self.entry(sheet, index, 1, entry)
            self._chart_value(sheet, index, TREND_CHART_COLUMN, entry)
        for index, district in enumerate(figure.by_district, start=top + 1):
            entry = point(figure, district)
            sheet.write_string(index, 3, district_name(district), self.formats.text)
            self.entry(sheet, index, 4, entry)
            self._chart_value(sheet, index, DISTRICT_CHART_COLUMN, entry)
        if not figure.by_district:
            sheet.write_string(top + 1, 3, "No figures by district.", self.formats.note)
        sheet_name = sheet.get_name()
        if plotted(figure, figure.trend):
            chart = self._chart(
                "line" if figure.temporal == "stock" else "column",
                figure,
                name_cell,
                [sheet_name, top + 1, 0, top + len(figure.trend), 0],
                [
                    sheet_name,
                    top + 1,
                    TREND_CHART_COLUMN,
                    top + len(figure.trend),
                    TREND_CHART_COLUMN,
                ],
            )
            sheet.insert_chart(top, CHARTS_AT, chart)
        if plotted(figure, figure.by_district):
            chart = self._chart(
                "bar",
                figure,
                name_cell,
                [sheet_name, top + 1, 3, top + len(figure.by_district), 3],
                [
                    sheet_name,
                    top + 1,
                    DISTRICT_CHART_COLUMN,
                    top + len(figure.by_district),
                    DISTRICT_CHART_COLUMN,
                ],
            )
            sheet.insert_chart(top, CHARTS_AT, chart, {"x_offset": CHART_WIDTH + 16})
        height = max(len(figure.trend), len(figure.by_district), CHART_ROWS)
        return top + height + 2

    def _chart_value(self, sheet: Worksheet, row: int, column: int, entry: Entry) -> None:
        """What a chart draws: the number, or a blank it skips (never a word it would draw
        as zero)."""
        number = entry.number
        if number is None:
            sheet.write_blank(row, column, None)
        else:
            sheet.write_number(row, column, sheet_value(number, entry.unit))

    def _chart(
        self,
        kind: str,
        figure: ReportFigure,
        name_cell: tuple[int, int],
        categories: Sequence[Any],
        values: Sequence[Any],
    ) -> Any:
        chart = self.book.add_chart({"type": kind})
        series: dict[str, Any] = {
            "name": [categories[0], *name_cell],
            "categories": list(categories),
            "values": list(values),
        }
        if kind == "line":
            series["marker"] = {"type": "circle", "size": 6}
        chart.add_series(series)
        # The title is the indicator's name, read from its cell: a chart copied elsewhere
        # still says what it shows, and no text is ever read as a formula.
        chart.set_title({"name": [categories[0], *name_cell], "name_font": {"size": 10}})
        chart.set_legend({"none": True})
        values_axis = {
            "num_format": _axis_format(figure.unit),
            "major_gridlines": {"visible": True},
        }
        if kind == "bar":
            # In a bar chart the x axis is the values' and the y axis the districts'.
            chart.set_x_axis(values_axis)
            chart.set_y_axis({"name": "District", "reverse": True})  # top to bottom, as listed
        else:
            chart.set_x_axis({"name": _trend_heading(self.report)})
            chart.set_y_axis(values_axis)
        chart.show_blanks_as("gap")  # a suppressed figure is skipped, never drawn as zero
        chart.show_hidden_data()  # the values are in hidden columns
        chart.set_size({"width": CHART_WIDTH, "height": 288})
        return chart

    # -- definitions --------------------------------------------------------------------------

    def definitions(self) -> None:
        sheet, row = self.sheet("Definitions")
        headings = ("Outcome", "Code", "Name", "Definition", "Unit", "Stock or flow", "Version")
        for column, width in enumerate((9, 30, 40, 80, 12, 26, 8)):
            sheet.set_column(column, column, width)
        for column, heading in enumerate(headings):
            sheet.write_string(row, column, heading, self.formats.header)
        sheet.freeze_panes(row + 1, 0)
        for outcome in self.report.outcomes:
            for figure in outcome.figures:
                row += 1
                sheet.write_number(row, 0, outcome.outcome, self.formats.wrap)
                sheet.write_string(row, 1, figure.code, self.formats.wrap)
                sheet.write_string(row, 2, figure.name, self.formats.wrap)
                sheet.write_string(row, 3, figure.definition, self.formats.wrap)
                sheet.write_string(row, 4, _unit(figure.unit), self.formats.wrap)
                sheet.write_string(row, 5, stock_or_flow(figure), self.formats.wrap)
                sheet.write_number(row, 6, figure.version, self.formats.wrap)


def _outcome_title(outcome: ReportOutcome) -> str:
    return f"Outcome {outcome.outcome}: {outcome.title}"


def _unit(unit: str) -> str:
    return "rupees" if unit == MONEY else unit


def _trend_heading(report: OutcomeReport) -> str:
    return "Month" if report.trend_period.value == "month" else "Quarter"


def _axis_format(unit: str) -> str:
    if unit == PERCENT:
        return "0%"
    return INDIAN.format(p=RUPEE if unit == MONEY else "", d="")


def workbook(report: OutcomeReport) -> bytes:
    """The report as an .xlsx file. The same report gives the same bytes."""
    output = BytesIO()
    book = xlsxwriter.Workbook(
        output,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    book.set_properties(
        {
            "title": report.title,
            "subject": "Outcome report",
            "status": INTERNAL_MARK if report.internal else "",
            "comments": protection(report.internal, report.suppression.k),
            # The report's own moment, so that the same report gives the same file.
            "created": report.computed_at.astimezone(UTC),
        }
    )
    writer = _Writer(report, book)
    writer.summary()
    for outcome in report.outcomes:
        writer.outcome(outcome)
    writer.definitions()
    book.close()
    return output.getvalue()
