"""Figures as people read them: numbers grouped the Indian way (1,23,456), money in rupees from
paise, and the achievement lines of a report ("142 survivors associated with the programme
across 2 districts") written from the numbers."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal

from domain.evidence.catalogue import IndicatorDefinition

LOCALE = "en_IN"


def shown(value: int | float | Decimal | None, unit: str, *, suppressed: bool, k: int) -> str:
    """A figure as text: ``1,23,456``, ``₹12,34,567.50`` (from paise), ``62.5%``; a
    suppressed one as ``fewer than 5``."""
    if suppressed:
        return f"fewer than {k}"
    if value is None:
        return "-"
    if unit == "paise":
        return format_currency(Decimal(str(value)) / 100, "INR", locale=LOCALE)
    text = format_decimal(value, locale=LOCALE)
    return f"{text}%" if unit == "percent" else text


def sentence(
    definition: IndicatorDefinition,
    value: int | float | None,
    *,
    suppressed: bool,
    k: int,
    districts: int,
) -> str | None:
    """The indicator's achievement line for a report, or None when it has none (or nothing to
    say: no value)."""
    if definition.sentence is None or (value is None and not suppressed):
        return None
    if suppressed and definition.kind != "count":
        # "fewer than 5" reads as the figure itself: a sum, median or percentage hidden for
        # want of people gets no line rather than a false one.
        return None
    text = definition.sentence.format(
        value=shown(value, definition.unit, suppressed=suppressed, k=k),
        districts=districts,
    )
    # "across 1 districts" reads badly; the catalogue writes plurals.
    return text.replace(" 1 districts", " 1 district")
