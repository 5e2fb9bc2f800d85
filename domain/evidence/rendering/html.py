"""The outcome report as one self-contained printable HTML page: the achievement lines, then
each outcome on its own printed page (its lines, a table of every figure with the previous
value and the change, and for each indicator its trend and its districts as inline SVG charts
beside their figures), the definitions and the notes.

Nothing is fetched: no script, no stylesheet, font or image from anywhere (a Content Security
Policy in the page says so to the browser), so it opens offline and can be mailed. Every text
is escaped. Places that carry a figure are marked (``data-code``, ``data-field``,
``data-period``, ``data-district``) so the page can be read back and checked against the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from domain.evidence.rendering import svg
from domain.evidence.rendering.entries import (
    COLUMNS,
    INTERNAL_MARK,
    MONEY,
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
from domain.evidence.schemas import (
    BreakdownValue,
    OutcomeReport,
    ReportFigure,
    ReportOutcome,
    TrendPoint,
)

POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, "Segoe UI", "Noto Sans", "DejaVu Sans", Arial, sans-serif;
  color: #1a1a1a; line-height: 1.4; max-width: 62rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; }
h2 { font-size: 1.3rem; margin: 1.5rem 0 .5rem; border-bottom: 2px solid #4472c4; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .2rem; }
.internal { background: #9c0006; color: #fff; font-weight: 700; font-size: 1.4rem;
  text-align: center; padding: .6rem; border: 3px solid #9c0006; letter-spacing: .04em;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.internal-mark { color: #9c0006; font-weight: 700; border: 2px solid #9c0006;
  display: inline-block; padding: .1rem .5rem; margin: .5rem 0 0; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.summary li { font-size: 1.1rem; }
.period, .definition, .empty { color: #555; font-style: italic; margin: .2rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { padding: .2rem .4rem; border-bottom: 1px solid #ddd; text-align: left;
  vertical-align: top; }
thead th { background: #f2f2f2; border-bottom: 1px solid #999; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.suppressed, td.nothing { color: #777; font-style: italic; }
code { font-size: .8rem; color: #555; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem 2rem; }
.charts figure { margin: 0; flex: 1 1 26rem; }
.charts table { width: auto; min-width: 14rem; margin-top: .3rem; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg text { font-size: 10px; fill: #333; }
svg .skipped { fill: #777; font-style: italic; }
svg .bar, svg .point { fill: #4472c4; }
svg .line { stroke: #4472c4; stroke-width: 2; fill: none; }
svg .grid { stroke: #e3e3e3; }
svg .axis { stroke: #888; }
footer { margin-top: 2rem; color: #555; font-size: .85rem; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  section.outcome, section.definitions { break-before: page; }
  article.indicator, figure, tr { break-inside: avoid; }
  .charts { flex-wrap: nowrap; gap: 1rem; }
  .charts figure { flex: 1 1 50%; min-width: 0; }
  .charts table { min-width: 0; width: 100%; font-size: 8pt; }
  h2, h3 { break-after: avoid; }
}
"""


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _cell(entry: Entry, field: str) -> str:
    css = "num suppressed" if entry.suppressed else "num nothing" if entry.number is None else "num"
    return f'<td class="{css}" data-field="{field}">{_text(entry.text)}</td>'


def _internal(report: OutcomeReport, css: str) -> str:
    if not report.internal:
        return ""
    return f'<p class="{css}" role="note">{_text(INTERNAL_MARK)}</p>'


def _unit(unit: str) -> str:
    return "rupees" if unit == MONEY else unit


def _header(report: OutcomeReport) -> list[str]:
    facts = (
        ("Organisations", "; ".join(report.organizations)),
        ("Period", span(report.starts_on, report.ends_on)),
        ("Compared with", span(report.previous_starts_on, report.previous_ends_on)),
        ("Trend by", report.trend_period.value.replace("_", " ")),
        ("Small figures", protection(report.internal, report.suppression.k)),
        ("Computed at", moment(report.computed_at)),
    )
    out = [_internal(report, "internal"), f"<header><h1>{_text(report.title)}</h1>"]
    out.append('<dl class="facts">')
    out.extend(f"<dt>{_text(label)}</dt><dd>{_text(value)}</dd>" for label, value in facts)
    out.append("</dl></header>")
    out.append('<section class="summary"><h2>Summary</h2><ul>')
    out.extend(f"<li>{_text(line)}</li>" for line in report.summary)
    out.append("</ul></section>")
    return out


def _figures_table(outcome: ReportOutcome) -> list[str]:
    out = ['<table class="figures"><thead><tr><th scope="col">Indicator</th>']
    out.append('<th scope="col">Unit</th><th scope="col">Stock or flow</th>')
    out.extend(f'<th scope="col">{_text(heading)}</th>' for _, heading in COLUMNS)
    out.append("</tr></thead><tbody>")
    for figure in outcome.figures:
        out.append(
            f'<tr data-code="{_text(figure.code)}"><th scope="row">{_text(figure.name)}<br>'
            f"<code>{_text(figure.code)}</code></th><td>{_text(_unit(figure.unit))}</td>"
            f"<td>{_text(figure.temporal)}</td>"
        )
        out.extend(_cell(entry, field) for field, entry in entries(figure).items())
        out.append("</tr>")
    out.append("</tbody></table>")
    return out


def _no_chart(items: Sequence[TrendPoint | BreakdownValue]) -> str:
    if any(item.suppressed for item in items):
        return '<p class="empty">No chart: every figure is suppressed.</p>'
    return '<p class="empty">No figure to chart.</p>'


def _indicator(report: OutcomeReport, figure: ReportFigure) -> list[str]:
    period = "Month" if report.trend_period.value == "month" else "Quarter"
    out = [
        f'<article class="indicator" data-code="{_text(figure.code)}">'
        f"<h3>{_text(figure.name)} <code>{_text(figure.code)}</code></h3>"
        f'<p class="definition">{_text(figure.definition)}</p><div class="charts">'
    ]
    trend_marks = [svg.Mark(p.period, point(figure, p)) for p in figure.trend]
    out.append('<figure class="trend">')
    if plotted(figure, figure.trend):
        out.append(
            svg.trend(
                trend_marks,
                line=figure.temporal == "stock",
                caption=f"{figure.name}, by {period.lower()}",
                unit=figure.unit,
            )
        )
    else:
        out.append(_no_chart(figure.trend))
    out.append(f'<table class="data trend"><thead><tr><th scope="col">{period}</th>')
    out.append('<th scope="col">Value</th></tr></thead><tbody>')
    for trend_point, mark in zip(figure.trend, trend_marks, strict=True):
        out.append(
            f'<tr data-period="{_text(trend_point.period)}"><th scope="row">'
            f"{_text(trend_point.period)}</th>{_cell(mark.entry, 'value')}</tr>"
        )
    out.append("</tbody></table></figure>")
    out.append('<figure class="districts">')
    if not figure.by_district:
        out.append('<p class="empty">No figures by district.</p></figure>')
    else:
        district_marks = [svg.Mark(district_name(d), point(figure, d)) for d in figure.by_district]
        if plotted(figure, figure.by_district):
            out.append(
                svg.bars(district_marks, caption=f"{figure.name}, by district", unit=figure.unit)
            )
        else:
            out.append(_no_chart(figure.by_district))
        out.append('<table class="data districts"><thead><tr><th scope="col">District</th>')
        out.append('<th scope="col">Value</th></tr></thead><tbody>')
        for district, mark in zip(figure.by_district, district_marks, strict=True):
            out.append(
                f'<tr data-district="{_text(district.key or "")}"><th scope="row">'
                f"{_text(mark.label)}</th>{_cell(mark.entry, 'value')}</tr>"
            )
        out.append("</tbody></table></figure>")
    out.append("</div></article>")
    return out


def _outcome(report: OutcomeReport, outcome: ReportOutcome) -> list[str]:
    out = [
        f'<section class="outcome" id="outcome-{outcome.outcome}" '
        f'data-outcome="{outcome.outcome}">',
        _internal(report, "internal-mark"),
        f"<h2>Outcome {outcome.outcome}: {_text(outcome.title)}</h2>",
        f'<p class="period">{_text(span(report.starts_on, report.ends_on))}, compared with '
        f"{_text(span(report.previous_starts_on, report.previous_ends_on))}</p>",
    ]
    if outcome.sentences:
        out.append('<ul class="sentences">')
        out.extend(f"<li>{_text(line)}</li>" for line in outcome.sentences)
        out.append("</ul>")
    if not outcome.figures:
        out.append('<p class="empty">No indicator of this outcome is in this report.</p>')
    else:
        out.extend(_figures_table(outcome))
        for figure in outcome.figures:
            out.extend(_indicator(report, figure))
    out.append("</section>")
    return out


def _definitions(report: OutcomeReport) -> list[str]:
    out = [
        '<section class="definitions">',
        _internal(report, "internal-mark"),
        "<h2>Definitions</h2><table><thead><tr>",
    ]
    headings = ("Outcome", "Code", "Name", "Definition", "Unit", "Stock or flow", "Version")
    out.extend(f'<th scope="col">{heading}</th>' for heading in headings)
    out.append("</tr></thead><tbody>")
    for outcome in report.outcomes:
        for figure in outcome.figures:
            cells = (
                outcome.outcome,
                figure.code,
                figure.name,
                figure.definition,
                _unit(figure.unit),
                stock_or_flow(figure),
                figure.version,
            )
            out.append(f'<tr data-code="{_text(figure.code)}">')
            out.extend(f"<td>{_text(cell)}</td>" for cell in cells)
            out.append("</tr>")
    out.append("</tbody></table></section>")
    return out


def page(report: OutcomeReport) -> str:
    """The report as one HTML document. The same report gives the same page."""
    out = [
        '<!DOCTYPE html>\n<html lang="en-IN"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex">',
        '<link rel="icon" href="data:,">',
        f"<title>{_text(report.title)}</title><style>{STYLE}</style></head><body>",
        *_header(report),
    ]
    for outcome in report.outcomes:
        out.extend(_outcome(report, outcome))
    out.extend(_definitions(report))
    out.append('<section class="notes"><h2>Notes</h2><ul>')
    out.extend(f"<li>{_text(note)}</li>" for note in report.notes)
    out.append("</ul></section>")
    out.append(
        f"<footer>{_text(report.title)}. Computed at {_text(moment(report.computed_at))}. "
        f"{_text(protection(report.internal, report.suppression.k))}</footer>"
    )
    if report.internal:
        out.append(f'<p class="internal" role="note">{_text(INTERNAL_MARK)}</p>')
    out.append("</body></html>\n")
    return "".join(out)
