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
    rows: list[list[Fraction]] = []
    for total, members in table_lines:
        line = [total, *members]
        if not any(cell_id in hidden for cell_id in line):
            continue
        row = [Fraction(0)] * len(unknowns)
        # total - sum(members) = 0, with known cells moved to the right-hand side.
        for cell_id, sign in [(total, 1), *((m, -1) for m in members)]:
            if cell_id in column:
                row[column[cell_id]] += sign
        rows.append(row)
    return [unknowns[i] for i in _determined(rows, len(unknowns))]


def _determined(rows: list[list[Fraction]], width: int) -> list[int]:
    """The columns whose variable a linear system determines uniquely (reduced row echelon
    form: a pivot whose row has no other non-zero entry)."""
    matrix = [row[:] for row in rows]
    pivots: list[tuple[int, int]] = []
    top = 0
    for col in range(width):
        pivot = next((r for r in range(top, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[top], matrix[pivot] = matrix[pivot], matrix[top]
        lead = matrix[top][col]
        matrix[top] = [value / lead for value in matrix[top]]
        for r in range(len(matrix)):
            if r != top and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[top], strict=True)]
        pivots.append((top, col))
        top += 1
        if top == len(matrix):
            break
    return [
        col
        for row, col in pivots
        if all(value == 0 for c, value in enumerate(matrix[row]) if c != col)
    ]


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
