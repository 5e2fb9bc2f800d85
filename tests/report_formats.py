"""Reading the outcome report's workbook and page back, and checking every figure they show
against the JSON report (the data both are rendered from).

The expectations here are written independently of the renderers: money is shown in rupees
(paise / 100), a percentage as a fraction in a cell and as ``62.5%`` on the page, a suppressed
figure as the word ``suppressed``, no figure as ``-``; a change is shown only when both its
figures are, and the count left out for consent is null exactly when it is suppressed.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

INTERNAL_MARK = "INTERNAL \N{EM DASH} not for publication"
FIELDS = ("value", "previous", "change", "change_percent", "excluded")
# 1,23,456 / 12,34,56,789 / 999 (optionally ₹, a minus, decimals, a percent sign).
INDIAN = re.compile(r"^-?₹?(\d{1,2}(,\d{2})*,\d{3}|\d{1,3})(\.\d+)?%?$")


def shown_fields(figure: dict[str, Any]) -> dict[str, tuple[Any, str, bool]]:
    """Each shown field of a figure: (value in the report's unit, unit, suppressed)."""
    hidden = figure["suppressed"] or figure["previous_suppressed"]
    unit = figure["unit"]
    return {
        "value": (figure["value"], unit, figure["suppressed"]),
        "previous": (figure["previous_value"], unit, figure["previous_suppressed"]),
        "change": (figure["change"], unit, hidden),
        "change_percent": (figure["change_percent"], "percent", hidden),
        "excluded": (
            figure["excluded_for_consent"],
            "records",
            figure["excluded_for_consent"] is None,
        ),
    }


def figures(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [figure for outcome in report["outcomes"] for figure in outcome["figures"]]


# -- the workbook -----------------------------------------------------------------------------


def in_sheet(value: Any, unit: str, suppressed: bool) -> Any:
    """What a cell must hold: a word, or the number as a Decimal (rupees; a fraction)."""
    if suppressed:
        return "suppressed"
    if value is None:
        return "-"
    number = Decimal(str(value))
    return number / 100 if unit in ("paise", "percent") else number


def cell_number(value: Any) -> Any:
    return value if isinstance(value, str) else Decimal(str(value))


@dataclass
class Block:
    """One indicator's trend and districts on an outcome sheet."""

    trend: list[tuple[str, Any]] = field(default_factory=list)
    districts: list[tuple[str, Any]] = field(default_factory=list)


def open_workbook(content: bytes) -> Any:
    return openpyxl.load_workbook(BytesIO(content))


def column(sheet: Worksheet, letter: str) -> list[Any]:
    return [cell.value for cell in sheet[letter]]


def table_of_figures(sheet: Worksheet) -> dict[str, dict[str, Any]]:
    """The table of every figure: by code, the cells E to I."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Code")
    found = {}
    for row in rows[start + 1 :]:
        if row[0] is None:
            break
        found[row[0]] = dict(zip(FIELDS, row[4:9], strict=True))
    return found


def blocks(sheet: Worksheet) -> dict[str, Block]:
    """Each indicator's block, by code (read from its heading ``Name (code)``)."""
    rows = list(sheet.iter_rows(values_only=True))
    found = {}
    for index, row in enumerate(rows):
        if row[0] in ("Month", "Quarter") and row[1] == "Value":
            heading = rows[index - 2][0]
            code = heading.rsplit("(", 1)[1].rstrip(")")
            block = Block()
            for below in rows[index + 1 :]:
                if below[0] is None:
                    break
                block.trend.append((below[0], below[1]))
            for below in rows[index + 1 :]:
                if below[3] is None or below[4] is None:
                    break
                block.districts.append((below[3], below[4]))
            found[code] = block
    return found


def chart_references(content: bytes) -> list[tuple[str, str, str]]:
    """Every chart series in the file: (sheet, categories range, values range)."""
    found = []
    with zipfile.ZipFile(BytesIO(content)) as archive:
        for name in sorted(archive.namelist()):
            if not name.startswith("xl/charts/chart"):
                continue
            xml = archive.read(name).decode()
            categories = re.findall(r"<c:cat>.*?<c:f>(.*?)</c:f>", xml, re.S)
            values = re.findall(r"<c:val>.*?<c:f>(.*?)</c:f>", xml, re.S)
            assert len(categories) == len(values) == 1, name
            sheet, cells = values[0].rsplit("!", 1)
            found.append((sheet.strip("'"), categories[0].rsplit("!", 1)[1], cells))
    return found


def check_workbook(report: dict[str, Any], content: bytes) -> None:
    """Every figure of the JSON report is in the workbook, shown the same; the charts draw
    exactly the figures shown as numbers."""
    book = open_workbook(content)
    outcome_sheets = [f"Outcome {o['outcome']}" for o in report["outcomes"]]
    assert book.sheetnames == ["Summary", *outcome_sheets, "Definitions"]
    for sheet in book.worksheets:
        first = sheet["A1"].value
        if report["internal"]:
            assert first == INTERNAL_MARK, sheet.title
        else:
            assert first != INTERNAL_MARK, sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)  # no formula
                if not report["internal"] and isinstance(cell.value, str):
                    assert "INTERNAL" not in cell.value, (sheet.title, cell.coordinate)
    # The summary: the title, then the achievement lines; the notes at the end.
    lines = column(book["Summary"], "A")
    skip = 1 if report["internal"] else 0
    assert lines[skip] == report["title"]
    assert lines[skip + 1 : skip + 1 + len(report["summary"])] == report["summary"]
    notes_at = lines.index("Notes")
    notes = column(book["Summary"], "B")[notes_at + 1 : notes_at + 1 + len(report["notes"])]
    assert notes == report["notes"]
    expected_charts = 0
    for outcome in report["outcomes"]:
        sheet = book[f"Outcome {outcome['outcome']}"]
        sheet_lines = column(sheet, "A")
        for sentence in outcome["sentences"]:
            assert sentence in sheet_lines
        if not outcome["figures"]:
            continue
        table = table_of_figures(sheet)
        assert list(table) == [f["code"] for f in outcome["figures"]]
        by_code = blocks(sheet)
        for figure in outcome["figures"]:
            code = figure["code"]
            for name, (value, unit, suppressed) in shown_fields(figure).items():
                assert cell_number(table[code][name]) == in_sheet(value, unit, suppressed), (
                    code,
                    name,
                )
            block = by_code[code]
            assert [label for label, _ in block.trend] == [p["period"] for p in figure["trend"]]
            for (_, shown), trend_point in zip(block.trend, figure["trend"], strict=True):
                assert cell_number(shown) == in_sheet(
                    trend_point["value"], figure["unit"], trend_point["suppressed"]
                ), code
            if figure["by_district"]:
                assert [label for label, _ in block.districts] == [
                    d["label"] for d in figure["by_district"]
                ]
            for (_, shown), district in zip(block.districts, figure["by_district"], strict=True):
                assert cell_number(shown) == in_sheet(
                    district["value"], figure["unit"], district["suppressed"]
                ), code
            # A chart is drawn when it has a number to draw (not suppressed, not "no data").
            expected_charts += any(
                p["value"] is not None and not p["suppressed"] for p in figure["trend"]
            )
            expected_charts += any(
                d["value"] is not None and not d["suppressed"] for d in figure["by_district"]
            )
    # The charts: each draws from a column beside the figures it shows; what it draws is the
    # shown number, and a blank (skipped) where the figure is suppressed.
    references = chart_references(content)
    assert len(references) == expected_charts
    for sheet_name, categories, values in references:
        sheet = book[sheet_name]
        label_column = re.match(r"\$([A-Z]+)\$", categories)
        assert label_column is not None
        shown_column = chr(ord(label_column.group(1)) + 1)  # the value beside the label
        cells = values.replace("$", "")
        if ":" not in cells:
            cells = f"{cells}:{cells}"
        drawn = [cell.value for row in sheet[cells] for cell in row]
        first_row = int(re.findall(r"\d+", values)[0])
        for offset, value in enumerate(drawn):
            shown = sheet[f"{shown_column}{first_row + offset}"].value
            if isinstance(shown, str):
                assert shown in ("suppressed", "-")
                assert value is None, (sheet_name, values, offset)
            else:
                assert value == shown, (sheet_name, values, offset)
    definitions = list(book["Definitions"].iter_rows(values_only=True))
    skip = 2 if report["internal"] else 1
    assert [row[:5] + row[6:] for row in definitions[skip:]] == [
        (
            outcome["outcome"],
            figure["code"],
            figure["name"],
            figure["definition"],
            "rupees" if figure["unit"] == "paise" else figure["unit"],
            figure["version"],
        )
        for outcome in report["outcomes"]
        for figure in outcome["figures"]
    ]


# -- the page ---------------------------------------------------------------------------------


def on_page(value: Any, unit: str, suppressed: bool) -> Any:
    """What the page must say: a word, or the number as a Decimal to the places shown."""
    if suppressed:
        return "suppressed"
    if value is None:
        return "-"
    number = Decimal(str(value))
    return number / 100 if unit == "paise" else number


def page_number(text: str) -> Any:
    """A figure read off the page: the word, or the number it shows (grouping checked)."""
    if text in ("suppressed", "-"):
        return text
    assert INDIAN.match(text), text
    return Decimal(text.replace("₹", "").replace(",", "").replace("%", ""))


def same_number(read: Any, expected: Any) -> bool:
    """Equal to the places the page shows (at most 3 decimals; money 2)."""
    if isinstance(read, str) or isinstance(expected, str):
        return bool(read == expected)
    places = max(-read.as_tuple().exponent, 0)
    return bool(read == expected.quantize(Decimal(1).scaleb(-places)))


@dataclass
class Chart:
    kind: str
    code: str
    marks: int = 0


class ReportPage(HTMLParser):
    """The page's figures, texts, charts and anything that could fetch."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.texts: dict[str, list[str]] = {}
        self.banners: list[str] = []
        self.figures: dict[str, dict[str, str]] = {}
        self.trend: dict[str, list[tuple[str, str]]] = {}
        self.districts: dict[str, list[tuple[str, str, str]]] = {}
        self.charts: list[Chart] = []
        self.fetching: list[str] = []
        self.tags: set[str] = set()
        self.text = ""
        self.capture: list[str] | None = None

    def _inside(self, tag: str, attribute: str, value: str | None = None) -> str | None:
        for name, attrs in reversed(self.stack):
            if name == tag and attribute in attrs:
                found = attrs[attribute]
                if value is None or value in found.split():
                    return found
        return None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        for name in ("src", "href", "action", "data", "poster", "srcset", "background"):
            if name in values and values[name] != "data:,":
                self.fetching.append(f"{tag} {name}={values[name]}")
        if tag == "svg":
            code = self._inside("article", "data-code") or ""
            self.charts.append(Chart(values.get("class", ""), code))
        if tag in ("rect", "circle") and self.charts and self.stack[-1][0] in ("svg",):
            if values.get("class") in ("bar", "point"):
                self.charts[-1].marks += 1
        if tag in ("p", "li", "td", "th", "h1", "h2", "h3", "title"):
            self.capture = []
        self.stack.append((tag, values))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            name, attrs = self.stack.pop()
            if name == tag:
                break
        if self.capture is None or tag not in ("p", "li", "td", "th", "h1", "h2", "h3", "title"):
            return
        text = "".join(self.capture).strip()
        self.capture = None
        if tag == "p" and "internal" in attrs.get("class", "").split():
            self.banners.append(text)
        if tag == "li":
            section = self._inside("ul", "class") or self._inside("section", "class") or "page"
            self.texts.setdefault(section, []).append(text)
        if tag == "td" and "data-field" in attrs:
            code = self._inside("tr", "data-code")
            period = self._inside("tr", "data-period")
            district = self._inside("tr", "data-district")
            article = self._inside("article", "data-code") or ""
            if code is not None:
                self.figures.setdefault(code, {})[attrs["data-field"]] = text
            elif period is not None:
                self.trend.setdefault(article, []).append((period, text))
            elif district is not None:
                label = self._row_label
                self.districts.setdefault(article, []).append((district, label, text))
        if tag == "th" and self._inside("tr", "data-district") is not None:
            self._row_label = text

    _row_label = ""

    def handle_data(self, data: str) -> None:
        self.text += data
        if self.capture is not None:
            self.capture.append(data)


def read_page(content: str) -> ReportPage:
    parser = ReportPage()
    parser.feed(content)
    parser.close()
    return parser


def check_page(report: dict[str, Any], content: str) -> ReportPage:
    """Every figure of the JSON report is on the page, shown the same; the charts draw exactly
    the figures shown as numbers; nothing on the page fetches anything."""
    page = read_page(content)
    assert page.fetching == []
    assert not page.tags & {"script", "iframe", "object", "embed", "img", "video", "audio"}
    assert "http-equiv" in content
    assert "default-src 'none'" in content
    if report["internal"]:
        assert page.banners[0] == INTERNAL_MARK
        # The banner opens the page and each outcome's printed page.
        assert content.count(INTERNAL_MARK) >= len(report["outcomes"]) + 1
    else:
        assert page.banners == []
        assert "INTERNAL" not in content
    assert page.texts["summary"] == report["summary"]
    assert page.texts["notes"] == report["notes"]
    sentences = [line for o in report["outcomes"] for line in o["sentences"]]
    assert page.texts.get("sentences", []) == sentences
    shown_codes = [f["code"] for f in figures(report)]
    assert list(page.figures) == shown_codes
    expected_charts = []
    for figure in figures(report):
        code = figure["code"]
        for name, (value, unit, suppressed) in shown_fields(figure).items():
            read = page_number(page.figures[code][name])
            assert same_number(read, on_page(value, unit, suppressed)), (code, name, read)
        trend = page.trend.get(code, [])
        assert [period for period, _ in trend] == [p["period"] for p in figure["trend"]]
        for (_, text), trend_point in zip(trend, figure["trend"], strict=True):
            expected = on_page(trend_point["value"], figure["unit"], trend_point["suppressed"])
            assert same_number(page_number(text), expected), (code, text)
        districts = page.districts.get(code, [])
        assert [(key, label) for key, label, _ in districts] == [
            (d["key"] or "", d["label"]) for d in figure["by_district"]
        ]
        for (_, _, text), district in zip(districts, figure["by_district"], strict=True):
            expected = on_page(district["value"], figure["unit"], district["suppressed"])
            assert same_number(page_number(text), expected), (code, text)
        drawn = sum(1 for p in figure["trend"] if not p["suppressed"] and p["value"] is not None)
        if drawn:
            expected_charts.append(("chart trend", code, drawn))
        drawn = sum(
            1 for d in figure["by_district"] if not d["suppressed"] and d["value"] is not None
        )
        if drawn:
            expected_charts.append(("chart districts", code, drawn))
    assert [(c.kind, c.code, c.marks) for c in page.charts] == expected_charts
    return page
