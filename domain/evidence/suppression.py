"""Small-cell suppression of a table of counts or sums, with complementary suppression.

A table here is one period's cube: the cells of every combination of the breakdowns' values,
and every margin (each breakdown's totals and the grand total). Along each breakdown, a margin
cell is the sum of the cells it totals: a *line*. An attacker who sees the other cells of a
line can subtract them from its total.

1. Primary: a cell about 1 to k-1 persons is hidden (zero is shown).
2. Complementary: a line that holds exactly one hidden cell gets a second one hidden (the
   smallest other non-zero cell; the total when there is none), until no line does.
3. Audit: the hidden cells are the unknowns of the lines' equations; when linear algebra can
   still pin one down exactly (a chain of lines across breakdowns), another cell of one of
   its lines is hidden, and the table is checked again.

What this does not protect against, by design: differences between two requests (this month's
total minus last month's, a district's figure with and without a filter). That is why
external callers never receive records, why every request is kept with its parameters for the
audit, and why the threshold is a setting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

CellId = tuple[tuple[str | None, ...], tuple[bool, ...]]  # (key, margin)


@dataclass(frozen=True, slots=True)
class TableCell:
    id: CellId
    value: Fraction  # what the line equations add up (a count or a sum)
    people: int  # persons behind it: primary suppression looks at this


def is_small(people: int, k: int) -> bool:
    return 0 < people < k


def lines(cells: Iterable[CellId]) -> list[tuple[CellId, list[CellId]]]:
    """Every line of the table: (its total, the cells it totals)."""
    present = set(cells)
    found: dict[CellId, list[CellId]] = defaultdict(list)
    for key, margin in present:
        for axis, totalled in enumerate(margin):
            if totalled:
                continue
            total_key = (*key[:axis], None, *key[axis + 1 :])
            total_margin = (*margin[:axis], True, *margin[axis + 1 :])
            found[(total_key, total_margin)].append((key, margin))
    return [(total, members) for total, members in found.items() if total in present]


def suppress(cells: Mapping[CellId, TableCell], k: int) -> set[CellId]:
    """The cells of one table to hide (primary and complementary)."""
    hidden = {cell_id for cell_id, cell in cells.items() if is_small(cell.people, k)}
    if not hidden:
        return hidden
    table_lines = lines(cells)
    while True:
        _complete_lines(cells, table_lines, hidden)
        pinned = _pinned(cells, table_lines, hidden)
        before = len(hidden)
        if pinned:
            _hide_beside(cells, table_lines, hidden, pinned)
        if len(hidden) == before:  # nothing pinned, or nothing left to hide beside it
            return hidden


def _order(
    cells: Mapping[CellId, TableCell], cell_id: CellId, total: CellId
) -> tuple[Hashable, ...]:
    """Which cell to hide next in a line: the smallest non-zero cell, the total last."""
    cell = cells[cell_id]
    return (cell_id == total, cell.value == 0, cell.value, cell.people, repr(cell_id))


def _complete_lines(
    cells: Mapping[CellId, TableCell],
    table_lines: list[tuple[CellId, list[CellId]]],
    hidden: set[CellId],
) -> None:
    changed = True
    while changed:
        changed = False
        for total, members in table_lines:
            line = [total, *members]
            if sum(1 for cell_id in line if cell_id in hidden) != 1:
                continue
            candidates = [cell_id for cell_id in line if cell_id not in hidden]
            if not candidates:
                continue
            hidden.add(min(candidates, key=lambda c: _order(cells, c, total)))
            changed = True


def _pinned(
    cells: Mapping[CellId, TableCell],
    table_lines: list[tuple[CellId, list[CellId]]],
    hidden: set[CellId],
) -> list[CellId]:
    """Hidden cells whose value the shown cells and the line equations determine exactly."""
    unknowns = sorted(hidden, key=repr)
    column = {cell_id: i for i, cell_id in enumerate(unknowns)}
    rows: list[dict[int, int]] = []
    for total, members in table_lines:
        # total - sum(members) = 0, with the shown cells moved to the right-hand side.
        row: dict[int, int] = {}
        for cell_id, sign in [(total, 1), *((m, -1) for m in members)]:
            if cell_id in column:
                index = column[cell_id]
                row[index] = (row.get(index, 0) + sign) % PRIME
        row = {index: value for index, value in row.items() if value}
        if row:
            rows.append(row)
    return [unknowns[i] for i in _determined(rows)]


# Rank computations run modulo a large prime: exact integer arithmetic without fractions, and
# the same answer as over the rationals for these small -1/0/1 systems (a wrong answer needs
# the prime to divide a minor, impossible at these sizes).
PRIME = (1 << 61) - 1


def _determined(rows: list[dict[int, int]]) -> list[int]:
    """The unknowns a linear system (sparse rows) determines uniquely: in reduced row echelon
    form, a pivot whose row has no other entry."""
    matrix = [dict(row) for row in rows]
    pivot_rows: dict[int, dict[int, int]] = {}
    for row in matrix:
        # Reduce the row by the pivots found so far.
        for column, pivot in pivot_rows.items():
            factor = row.get(column)
            if factor:
                for c, v in pivot.items():
                    row[c] = (row.get(c, 0) - factor * v) % PRIME
                row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        column = min(row)
        inverse = pow(row[column], -1, PRIME)
        row = {c: v * inverse % PRIME for c, v in row.items()}
        # Keep the earlier pivots reduced by the new one (reduced echelon form).
        for other in pivot_rows.values():
            factor = other.get(column)
            if factor:
                for c, v in row.items():
                    other[c] = (other.get(c, 0) - factor * v) % PRIME
                for c in [c for c, v in other.items() if not v]:
                    del other[c]
        pivot_rows[column] = row
    return [column for column, row in pivot_rows.items() if len(row) == 1]


def _hide_beside(
    cells: Mapping[CellId, TableCell],
    table_lines: list[tuple[CellId, list[CellId]]],
    hidden: set[CellId],
    pinned: list[CellId],
) -> None:
    """Hide one more cell in a line of each pinned cell (the smallest shown one)."""
    for cell_id in pinned:
        options = [
            (other, total)
            for total, members in table_lines
            if cell_id in (total, *members)
            for other in (total, *members)
            if other not in hidden
        ]
        if options:
            hidden.add(min(options, key=lambda o: _order(cells, o[0], o[1]))[0])
