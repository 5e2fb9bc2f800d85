"""An extract's records as files: JSON (canonical, the bytes its SHA-256 is of) and CSV, in
the research or the HTCDS layout."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence

from domain.common.spreadsheet import neutralise
from domain.research import htcds
from domain.research.schemas import ExtractFormat, ExtractLayout


def canonical_json(records: Sequence[Mapping[str, str]]) -> bytes:
    """The records as canonical JSON: keys sorted, no spaces, UTF-8. The extract's SHA-256 is
    of these bytes, and the JSON download of the research layout is exactly them."""
    return json.dumps(
        list(records), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def _cell(value: str) -> str:
    # A date range such as "2020-2024" would not start with "-"; a place typed as "=..." would.
    return neutralise(value)


def _csv(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(name, "")) for name in columns])
    return out.getvalue().encode("utf-8")


def render(
    records: Sequence[Mapping[str, str]],
    columns: Sequence[str],
    layout: ExtractLayout,
    file_format: ExtractFormat,
) -> bytes:
    """The file of an extract's ``records`` (research layout, columns ``columns``)."""
    if layout is ExtractLayout.htcds:
        rows = htcds.htcds_rows(records)
        if file_format is ExtractFormat.json:
            return canonical_json(rows)
        return _csv(htcds.FIELDS, rows)
    if file_format is ExtractFormat.json:
        return canonical_json(records)
    return _csv(columns, records)
