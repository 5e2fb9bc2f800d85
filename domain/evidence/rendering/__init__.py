"""The outcome report's renderings: the same OutcomeReport as an Excel workbook or as one
self-contained printable HTML page (its JSON form is the object itself)."""

from __future__ import annotations

from enum import StrEnum

from domain.evidence.schemas import OutcomeReport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML = "text/html"


class ReportFormat(StrEnum):
    json = "json"
    xlsx = "xlsx"
    html = "html"


def render(report: OutcomeReport, report_format: ReportFormat) -> tuple[bytes, str, str]:
    """The report's bytes, media type and file suffix."""
    if report_format is ReportFormat.xlsx:
        from domain.evidence.rendering.xlsx import workbook

        return workbook(report), XLSX, ".xlsx"
    if report_format is ReportFormat.html:
        from domain.evidence.rendering.html import page

        return page(report).encode(), f"{HTML}; charset=utf-8", ".html"
    raise ValueError(f"{report_format} is not rendered")
