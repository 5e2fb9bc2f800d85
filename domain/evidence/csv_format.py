"""An indicator's values as CSV: one row per cell, each breakdown as an id (or code) column and
a name column; a totalled breakdown reads ``(all)``. Names (of places, typed by people) are
neutralised against formula injection; numbers stay numbers."""

from __future__ import annotations

import csv
import io

from domain.common.spreadsheet import neutralise
from domain.evidence.schemas import IndicatorValues

ALL = "(all)"
PLACES = ("state", "district", "block")


def values_csv(values: IndicatorValues) -> str:
    periods = {period.label: period for period in values.periods}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["indicator", "period", "starts_on", "ends_on"]
    for name in values.breakdowns:
        header += [name, f"{name}_name"] if name in PLACES else [name]
    header += ["value", "numerator", "denominator", "suppressed", "unit", "internal"]
    writer.writerow(header)
    for cell in values.cells:
        period = periods[cell.period]
        row: list[object] = [values.indicator, cell.period, period.starts_on, period.ends_on]
        for name in values.breakdowns:
            totalled = name not in cell.breakdown
            value = cell.breakdown.get(name)
            shown = ALL if totalled else ("" if value is None else neutralise(str(value)))
            row.append(shown)
            if name in PLACES:
                label = values.labels.get(name, {}).get(value or "", "")
                row.append(ALL if totalled else neutralise(label))
        row += [
            "" if cell.value is None else cell.value,
            "" if cell.numerator is None else cell.numerator,
            "" if cell.denominator is None else cell.denominator,
            "true" if cell.suppressed else "false",
            values.unit,
            "true" if values.internal else "false",
        ]
        writer.writerow(row)
    return out.getvalue()
