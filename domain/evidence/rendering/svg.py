"""Charts as inline SVG for the printable report: a trend over months (columns for a flow, a
line for a stock) and a bar per district. No script, no font or image fetched.

A suppressed figure is skipped: no column, no point, no bar (a line breaks there), and its
label says "suppressed". Every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from babel.numbers import format_decimal

from domain.evidence.figures import LOCALE
from domain.evidence.rendering.entries import MONEY, PERCENT, Entry

WIDTH = 420
TREND_HEIGHT = 220
LEFT = 64
RIGHT = 12
TOP = 14
BOTTOM = 46
BAR_ROW = 22
LABEL_WIDTH = 150


@dataclass(frozen=True, slots=True)
class Mark:
    """One category of a chart: its label and its figure."""

    label: str
    entry: Entry

    @property
    def height(self) -> float | None:
        """The number drawn (rupees for money), None when skipped."""
        number = self.entry.number
        if number is None:
            return None
        if self.entry.unit == MONEY:
            return float(Decimal(str(number)) / 100)
        return float(number)


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _scale(heights: Sequence[float]) -> tuple[float, float, float]:
    """The axis from, to and step: round steps covering zero and every figure."""
    low = min(0.0, *heights)
    high = max(0.0, *heights)
    if high == low:
        high = low + 1
    raw = (high - low) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if step < 1 and all(h == int(h) for h in heights):
        step = 1.0  # counts: whole steps
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _tick(value: float, unit: str) -> str:
    number = int(value) if value == int(value) else round(value, 2)
    text = format_decimal(number, locale=LOCALE)
    if unit == MONEY:
        return f"\N{INDIAN RUPEE SIGN}{text}"
    return f"{text}%" if unit == PERCENT else text


def _tip(mark: Mark) -> str:
    return f"<title>{_text(mark.label)}: {_text(mark.entry.text)}</title>"


def trend(marks: Sequence[Mark], *, line: bool, caption: str, unit: str) -> str:
    """Columns (``line=False``) or a line over the periods, left to right."""
    heights = [m.height for m in marks if m.height is not None]
    low, high, step = _scale(heights or [0.0])
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = TREND_HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_height * (high - value) / (high - low)

    band = plot_width / max(len(marks), 1)
    out = [
        f'<svg class="chart trend" role="img" aria-label="{_text(caption)}" '
        f'viewBox="0 0 {WIDTH} {TREND_HEIGHT}" width="{WIDTH}" height="{TREND_HEIGHT}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    ticks = round((high - low) / step)
    for index in range(ticks + 1):
        value = low + index * step
        at = y(value)
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}"/>'
            f'<text class="tick" x="{LEFT - 4}" y="{at + 3:.1f}" text-anchor="end">'
            f"{_text(_tick(value, unit))}</text>"
        )
    every = max(1, math.ceil(len(marks) / 12))  # at most 12 labels under the axis
    drawn: list[str] = []
    segment: list[str] = []
    segments: list[list[str]] = [segment]
    zero = y(0.0)
    for index, mark in enumerate(marks):
        centre = LEFT + band * (index + 0.5)
        skipped = mark.height is None
        if index % every == 0:
            kind = "label skipped" if skipped else "label"
            out.append(
                f'<text class="{kind}" x="{centre:.1f}" y="{TOP + plot_height + 12}" '
                f'text-anchor="end" transform="rotate(-40 {centre:.1f} {TOP + plot_height + 12})">'
                f"{_text(mark.label)}</text>"
            )
        if mark.height is None:
            segment = []
            segments.append(segment)
            continue
        at = y(mark.height)
        if line:
            segment.append(f"{centre:.1f},{at:.1f}")
            drawn.append(
                f'<circle class="point" cx="{centre:.1f}" cy="{at:.1f}" r="3.5">{_tip(mark)}'
                "</circle>"
            )
        else:
            width = band * 0.6
            drawn.append(
                f'<rect class="bar" x="{centre - width / 2:.1f}" y="{min(at, zero):.1f}" '
                f'width="{width:.1f}" height="{abs(zero - at):.1f}">{_tip(mark)}</rect>'
            )
    # A line joins neighbouring months only: it breaks where a month is suppressed.
    out.extend(
        f'<polyline class="line" points="{" ".join(points)}"/>'
        for points in segments
        if len(points) > 1
    )
    out.extend(drawn)
    out.append(
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{zero:.1f}" y2="{zero:.1f}"/>'
        "</svg>"
    )
    return "".join(out)


def bars(marks: Sequence[Mark], *, caption: str, unit: str) -> str:
    """A horizontal bar per district, top to bottom as listed."""
    heights = [m.height for m in marks if m.height is not None]
    low, high, _ = _scale(heights or [0.0])
    height = TOP + BAR_ROW * len(marks) + 24
    plot_width = WIDTH - LABEL_WIDTH - RIGHT - 56  # room for the value after a bar

    def x(value: float) -> float:
        return LABEL_WIDTH + plot_width * (value - low) / (high - low)

    out = [
        f'<svg class="chart districts" role="img" aria-label="{_text(caption)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    zero = x(0.0)
    for index, mark in enumerate(marks):
        top = TOP + index * BAR_ROW
        label = mark.label if len(mark.label) <= 24 else mark.label[:23] + "\N{HORIZONTAL ELLIPSIS}"
        out.append(
            f'<text class="label" x="{LABEL_WIDTH - 6}" y="{top + 14}" text-anchor="end">'
            f"{_text(label)}{_tip(mark)}</text>"
        )
        if mark.height is None:
            out.append(
                f'<text class="skipped" x="{zero + 4:.1f}" y="{top + 14}">'
                f"{_text(mark.entry.text if mark.entry.suppressed else '-')}</text>"
            )
            continue
        end = x(mark.height)
        out.append(
            f'<rect class="bar" x="{min(zero, end):.1f}" y="{top + 3}" '
            f'width="{abs(end - zero):.1f}" height="{BAR_ROW - 6}">{_tip(mark)}</rect>'
            f'<text class="value" x="{max(zero, end) + 4:.1f}" y="{top + 14}">'
            f"{_text(mark.entry.text)}</text>"
        )
    bottom = TOP + BAR_ROW * len(marks)
    out.append(
        f'<line class="axis" x1="{zero:.1f}" x2="{zero:.1f}" y1="{TOP}" y2="{bottom}"/>'
        f'<text class="tick" x="{x(low):.1f}" y="{bottom + 14}" text-anchor="start">'
        f"{_text(_tick(low, unit))}</text>"
        f'<text class="tick" x="{x(high):.1f}" y="{bottom + 14}" text-anchor="end">'
        f"{_text(_tick(high, unit))}</text></svg>"
    )
    return "".join(out)
