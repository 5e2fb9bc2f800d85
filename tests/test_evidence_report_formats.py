"""The outcome report's three formats (JSON, XLSX, HTML) show the same numbers, every time: the
workbook is read back with openpyxl and the page is parsed, and every figure, previous figure,
change, month and district is compared with the JSON report. Suppressed figures are words and
charts skip them; an internal report says so in every format; every text is escaped; the page
fetches nothing, in a real browser."""

from __future__ import annotations

import http.server
import re
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.evidence.periods import PeriodKind
from domain.evidence.rendering.html import page
from domain.evidence.rendering.xlsx import workbook
from domain.evidence.schemas import (
    BreakdownValue,
    OutcomeReport,
    Protection,
    ReportFigure,
    ReportOutcome,
    TrendPoint,
)
from tests.browser import BROWSER_OWN, CHROMIUM, NEEDS_CHROMIUM, Recorder, chromium
from tests.evidence_world import EvidenceWorld, evidence_fixtures, ist
from tests.factories import NORTH_24, SOUTH_24
from tests.report_formats import (
    INTERNAL_MARK,
    check_page,
    check_workbook,
    open_workbook,
    read_page,
    table_of_figures,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# -- a report made by hand: money, percentages, decimals, falls, suppressed figures, names ---

NASTY = '=HYPERLINK("http://x.invalid","x") <script>alert(\'x\')</script> & "Sisters"'


def _figure(code: str, unit: str, **fields: Any) -> ReportFigure:
    base: dict[str, Any] = {
        "code": code,
        "version": 2,
        "name": f"Name of {code}",
        "definition": f"What {code} counts, <b>in plain words</b> & more.",
        "unit": unit,
        "factor": 100 if unit == "percent" else 1,
        "temporal": "flow",
        "text": "(not shown by the renderings)",
        "suppressed": False,
        "previous_suppressed": False,
        "change": None,
        "change_percent": None,
        "excluded_for_consent": 0,
        "trend": [],
        "by_district": [],
    }
    return ReportFigure(**{**base, **fields})


def _month(label: str, value: float | None, suppressed: bool = False) -> TrendPoint:
    year, month = (int(part) for part in label.split("-"))
    return TrendPoint(
        period=label,
        starts_on=date(year, month, 1),
        ends_on=date(year, month, 28),
        value=value,
        suppressed=suppressed,
    )


def _district(label: str, value: float | None, suppressed: bool = False) -> BreakdownValue:
    return BreakdownValue(key=f"key-{label[:8]}", label=label, value=value, suppressed=suppressed)


def made_report(*, internal: bool) -> OutcomeReport:
    money = _figure(
        "savings_mobilised",
        "paise",
        value=12345675,  # ₹1,23,456.75
        previous_value=98765432100,  # ₹98,76,54,321.00
        change=12345675 - 98765432100,  # a fall of ₹98,75,30,864.25
        change_percent=-99.9,
        trend=[
            _month("2026-04", 1000000),
            _month("2026-05", None, suppressed=True),
            _month("2026-06", 11345675),
        ],
        by_district=[_district(NASTY, 12345675), _district("North 24 Parganas", None, True)],
    )
    percent = _figure(
        "loan_repayment_rate",
        "percent",
        temporal="stock",
        value=62.5,
        previous_value=50,
        change=12.5,
        change_percent=25.0,
        trend=[_month("2026-04", 60), _month("2026-05", 33.3), _month("2026-06", 62.5)],
    )
    median = _figure(
        "referral_days_median",
        "days",
        value=12.5,
        previous_value=None,
        previous_suppressed=True,
        excluded_for_consent=None,
        trend=[_month("2026-04", 7.25), _month("2026-05", None, True), _month("2026-06", 14)],
        by_district=[_district("South 24 Parganas", None, True)],
    )
    large = _figure(
        "campaign_reach",
        "persons",
        value=1234567,
        previous_value=0,
        change=1234567,
        excluded_for_consent=3,
    )
    hidden = _figure(
        "survivors_in_shgs",
        "survivors",
        temporal="stock",
        value=None,
        suppressed=True,
        previous_value=None,
        previous_suppressed=True,
        excluded_for_consent=None,
        trend=[_month("2026-04", None, True), _month("2026-05", None, True)],
    )
    over_zero = _figure("shg_grade_a_share", "percent", value=None, previous_value=None)
    return OutcomeReport(
        title="Outcome report, 01 April 2026 to 30 June 2026",
        organizations=[NASTY, "=cmd|' /C calc'!A0"],
        organization_ids=[],
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 6, 30),
        previous_starts_on=date(2026, 1, 1),
        previous_ends_on=date(2026, 3, 31),
        trend_period=PeriodKind.month,
        internal=internal,
        suppression=Protection(applied=not internal, k=5),
        computed_at=datetime(2026, 7, 15, 6, 30, tzinfo=UTC),
        summary=["₹1,23,456.75 of savings mobilised <i>by</i> 10 SHGs", "=1+1 leaders trained"],
        outcomes=[
            ReportOutcome(
                outcome=2,
                title="Livelihoods, financial inclusion & entitlements",
                sentences=["₹1,23,456.75 of savings mobilised <i>by</i> 10 SHGs"],
                figures=[money, percent, hidden, over_zero],
            ),
            ReportOutcome(outcome=3, title="Evidence", sentences=[], figures=[median]),
            ReportOutcome(outcome=4, title="Leadership", sentences=["=1+1"], figures=[large]),
            ReportOutcome(outcome=5, title="Expansion", sentences=[], figures=[]),
        ],
        notes=["A note with <markup> & an ampersand.", "=SUM(A1:A2)"],
    )


@pytest.mark.parametrize("internal", [True, False], ids=["internal", "suppressed"])
def test_the_workbook_shows_every_figure_of_the_report(internal: bool) -> None:
    report = made_report(internal=internal)
    check_workbook(report.model_dump(mode="json"), workbook(report))


@pytest.mark.parametrize("internal", [True, False], ids=["internal", "suppressed"])
def test_the_page_shows_every_figure_of_the_report(internal: bool) -> None:
    report = made_report(internal=internal)
    check_page(report.model_dump(mode="json"), page(report))


def test_money_is_in_rupees_with_indian_grouping_and_percentages_are_percentages() -> None:
    report = made_report(internal=True)
    book = open_workbook(workbook(report))
    sheet = book["Outcome 2"]
    rows = {row[0].value: row for row in sheet.iter_rows() if row[0].value}
    money = rows["savings_mobilised"]
    # Value, previous value and change: rupees, in the lakh/crore format.
    assert [cell.value for cell in money[4:7]] == [123456.75, 987654321.0, -987530864.25]
    assert money[4].number_format == (
        r'[>=10000000]"₹"##\,##\,##\,##0.00;[>=100000]"₹"##\,##\,##0.00;"₹"##,##0.00'
    )
    # A fall: one section sized to its nine digits (the spreadsheet adds the minus sign).
    assert money[6].number_format == r'"₹"##\,##\,##\,##0.00'
    assert (money[7].value, money[7].number_format) == (-0.999, "0.0%")
    rate = rows["loan_repayment_rate"]
    assert [cell.value for cell in rate[4:8]] == [0.625, 0.5, 0.125, 0.25]
    assert [cell.number_format for cell in rate[4:8]] == ["0.0%", "0%", "0.0%", "0%"]
    large = open_workbook(workbook(report))["Outcome 4"]
    assert table_of_figures(large)["campaign_reach"]["value"] == 1234567
    # The page says the same in words people read.
    figures = read_page(page(report)).figures
    assert figures["savings_mobilised"] == {
        "value": "₹1,23,456.75",
        "previous": "₹98,76,54,321.00",
        "change": "-₹98,75,30,864.25",
        "change_percent": "-99.9%",
        "excluded": "0",
    }
    assert figures["loan_repayment_rate"]["value"] == "62.5%"
    assert figures["campaign_reach"]["value"] == "12,34,567"
    assert figures["campaign_reach"]["change_percent"] == "-"  # no percentage of zero
    assert figures["shg_grade_a_share"]["value"] == "-"  # a ratio over zero
    assert figures["survivors_in_shgs"]["value"] == "suppressed"
    assert figures["referral_days_median"]["change"] == "suppressed"


def test_every_text_stays_text() -> None:
    """Names can hold anything: in the workbook they are strings, never formulas or links; on
    the page they are escaped, never markup."""
    report = made_report(internal=True)
    book = open_workbook(workbook(report))
    summary = book["Summary"]
    cells = {cell.value: cell for row in summary.iter_rows() for cell in row if cell.value}
    organisations = cells[f"{NASTY}; =cmd|' /C calc'!A0"]
    assert organisations.data_type == "s"
    assert cells["=1+1 leaders trained"].data_type == "s"
    assert cells["=SUM(A1:A2)"].data_type == "s"
    assert all(
        cell.hyperlink is None
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
    )
    html = page(report)
    assert "<script>" not in html
    assert "<i>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Sisters&quot;" in html
    parsed = read_page(html)
    assert f"{NASTY}; =cmd|' /C calc'!A0" in parsed.text
    assert parsed.districts["savings_mobilised"][0][1] == NASTY


def test_the_same_report_gives_the_same_files() -> None:
    report = made_report(internal=False)
    again = OutcomeReport.model_validate_json(report.model_dump_json())
    assert workbook(report) == workbook(again)
    assert page(report) == page(again)


# -- through the API, over a world counted by hand ---------------------------------------------


clock, world = evidence_fixtures()


@pytest.fixture
async def story(world: EvidenceWorld) -> EvidenceWorld:
    """The first quarter of FY2026-27 (April-June 2026), compared with January-March 2026.

    Survivors (female, 25):
      s1-s6  South 24 Parganas, registered 10-15 April (one a day); consent to reporting
      s7-s8  North 24 Parganas, registered 5 May; consent
      s9     South 24 Parganas, registered 20 May; no consent to reporting (left out)
    Cases: c1-c5 for s1-s5, opened 16 April in South 24; c1 closed 30 June 23:30 IST (June),
    goals achieved.

    By hand (internal): survivors associated at the end of June 8 (South 6, North 2), end of
    March 0, months 6, 8, 8; new registrations 8 (April 6, May 2, June 0); active cases at the
    end of June 4 (months 5, 5, 4); cases closed with goals achieved 1 (June); 1 survivor left
    out for consent. For an analyst (k = 5): the 2 of North 24 are suppressed, and South 24
    with them (else 8 - 6 gives them away).
    """
    w = world
    survivors = [await w.register(ist(2026, 4, 10 + day)) for day in range(6)]
    survivors += [await w.register(ist(2026, 5, 5, 10 + n), district=NORTH_24) for n in range(2)]
    await w.register(ist(2026, 5, 20), reporting=False)
    cases = [await w.open_case(s, ist(2026, 4, 16), district=SOUTH_24) for s in survivors[:5]]
    await w.move(cases[0], "closed", ist(2026, 6, 30, 23, 30), closure_reason="goals_achieved")
    w.at(ist(2026, 7, 15))
    return w


Q1 = {"from": "2026-04-01", "to": "2026-06-30"}


async def fetch(world: EvidenceWorld, actor: Any, report_format: str, **extra: str) -> Any:
    response = await world.client.get(
        "/api/v1/reports/outcomes",
        params={**Q1, "format": report_format, **extra},
        headers=actor.headers,
    )
    assert response.status_code == 200, response.text
    return response


def figure(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for o in report["outcomes"] for f in o["figures"] if f["code"] == code)


async def test_the_program_managers_internal_report_is_the_same_in_all_three_formats(
    story: EvidenceWorld,
) -> None:
    w = story
    report = (await fetch(w, w.pm, "json", internal="true")).json()
    associated = figure(report, "survivors_associated")
    assert (associated["value"], associated["previous_value"]) == (8, 0)
    assert [p["value"] for p in associated["trend"]] == [6, 8, 8]
    assert [(d["label"], d["value"]) for d in associated["by_district"]] == [
        ("North 24 Parganas", 2),
        ("South 24 Parganas", 6),
    ]
    assert associated["excluded_for_consent"] == 1
    assert [p["value"] for p in figure(report, "new_registrations")["trend"]] == [6, 2, 0]
    assert [p["value"] for p in figure(report, "active_cases")["trend"]] == [5, 5, 4]
    assert figure(report, "cases_closed_goals_achieved")["value"] == 1

    xlsx = await fetch(w, w.pm, "xlsx", internal="true")
    assert xlsx.headers["content-type"] == XLSX
    assert xlsx.headers["content-disposition"] == (
        'attachment; filename="outcome-report-2026-04-01-2026-06-30.xlsx"'
    )
    check_workbook(report, xlsx.content)
    book = open_workbook(xlsx.content)
    assert book["Summary"]["A1"].value == INTERNAL_MARK
    assert book["Summary"]["A3"].value == (
        "8 survivors associated with the programme across 2 districts"
    )

    html = await fetch(w, w.pm, "html", internal="true")
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.headers["content-disposition"] == (
        'attachment; filename="outcome-report-2026-04-01-2026-06-30.html"'
    )
    parsed = check_page(report, html.text)
    assert parsed.banners[0] == INTERNAL_MARK
    assert parsed.figures["survivors_associated"]["value"] == "8"


async def test_the_analysts_report_is_suppressed_the_same_in_all_three_formats(
    story: EvidenceWorld,
) -> None:
    w = story
    report = (await fetch(w, w.analyst, "json")).json()
    assert report["internal"] is False
    associated = figure(report, "survivors_associated")
    assert associated["value"] == 8
    assert [(d["value"], d["suppressed"]) for d in associated["by_district"]] == [
        (None, True),
        (None, True),
    ]
    assert figure(report, "cases_closed_goals_achieved")["suppressed"] is True

    xlsx = await fetch(w, w.analyst, "xlsx")
    check_workbook(report, xlsx.content)
    book = open_workbook(xlsx.content)
    assert book["Summary"]["A1"].value == report["title"]
    table = table_of_figures(book["Outcome 1"])
    assert table["survivors_associated"]["value"] == 8
    assert table["cases_closed_goals_achieved"]["value"] == "suppressed"

    html = await fetch(w, w.analyst, "html")
    parsed = check_page(report, html.text)
    assert parsed.banners == []
    assert parsed.figures["cases_closed_goals_achieved"]["value"] == "suppressed"
    assert [text for _, _, text in parsed.districts["survivors_associated"]] == [
        "suppressed",
        "suppressed",
    ]


async def test_the_same_data_gives_the_same_files_every_time(story: EvidenceWorld) -> None:
    w = story
    for report_format in ("json", "xlsx", "html"):
        first = await fetch(w, w.analyst, report_format)
        second = await fetch(w, w.analyst, report_format)
        assert first.content == second.content, report_format


# -- in a browser -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason=NEEDS_CHROMIUM)
async def test_the_page_renders_offline_in_chromium_and_fetches_nothing(
    story: EvidenceWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = story
    response = await fetch(w, w.pm, "html", internal="true")
    report = (await fetch(w, w.pm, "json", internal="true")).json()
    (tmp_path / "report.html").write_bytes(response.content)
    # A control: a page that does fetch, to show that the recorder sees a page's requests.
    leaky = b'<!DOCTYPE html><link rel="stylesheet" href="https://fonts.example.org/a.css">'
    leaky += b'<img src="http://images.example.org/a.png"><p>x</p>'
    Recorder.pages = {"/report.html": response.content, "/leaky.html": leaky}
    Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    url = f"http://127.0.0.1:{port}/report.html"
    screenshot = tmp_path / "report.png"
    pdf = tmp_path / "report.pdf"
    try:
        dom = await chromium(url, port, tmp_path / "profile-dom", "--dump-dom")
        await chromium(
            url,
            port,
            tmp_path / "profile-shot",
            "--window-size=1280,2000",
            f"--screenshot={screenshot}",
        )
        await chromium(
            url, port, tmp_path / "profile-pdf", "--no-pdf-header-footer", f"--print-to-pdf={pdf}"
        )
        page_requests = [r for r in Recorder.seen if not r.startswith(BROWSER_OWN)]
        Recorder.seen = []
        await chromium(
            f"http://127.0.0.1:{port}/leaky.html", port, tmp_path / "profile-leak", "--dump-dom"
        )
        leaky_requests = [r for r in Recorder.seen if not r.startswith(BROWSER_OWN)]
    finally:
        server.shutdown()
        server.server_close()
    with capsys.disabled():
        print(f"\nbrowser check: screenshot {screenshot}, PDF {pdf}")  # noqa: T201
    # The page was asked for three times and nothing else was: no font, image or script.
    assert page_requests == ["GET /report.html"] * 3
    assert "CONNECT fonts.example.org:443" in leaky_requests
    assert "GET http://images.example.org/a.png" in leaky_requests
    # The DOM as Chromium built it: the figures, the banner and the SVG charts are there.
    rendered = check_page(report, dom)
    assert rendered.banners[0] == INTERNAL_MARK
    assert len(rendered.charts) >= 6
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    assert screenshot.stat().st_size > 20_000
    printed = pdf.read_bytes()
    assert printed.startswith(b"%PDF")
    # A page break before each outcome and the definitions: a printed page each at least.
    assert len(re.findall(rb"/Type\s*/Page(?!s)", printed)) >= len(report["outcomes"]) + 2
