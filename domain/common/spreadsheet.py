"""The one rule for text that leaves in a spreadsheet (exports, research extracts, indicator
values as CSV): a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
would run as a formula on the machine that opens the file (CSV injection), so it gets a
leading apostrophe. Numbers stay numbers: only text passes through here."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` made inert for spreadsheets."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
