"""Small-cell suppression: every small cell is hidden, and no hidden cell can be recovered from
what is shown: not by subtracting a line's other cells from its total, not by chaining lines
across breakdowns (an attacker solving the table's equations)."""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.evidence.suppression import CellId, TableCell, lines, suppress

K = 5


def table(counts: dict[tuple[str, ...], int]) -> dict[CellId, TableCell]:
    """A full cube (every margin) of the counts given per combination of breakdown values."""
    width = len(next(iter(counts)))
    cube: dict[CellId, int] = {}
    for key, count in counts.items():
        for margin in itertools.product((False, True), repeat=width):
            cell_key = tuple(None if m else v for v, m in zip(key, margin, strict=True))
            cube[(cell_key, margin)] = cube.get((cell_key, margin), 0) + count
    return {
        cell_id: TableCell(cell_id, Fraction(value), value)
        for cell_id, value in cube.items()
        if value > 0
    }


def recoverable(cells: dict[CellId, TableCell], hidden: set[CellId]) -> set[CellId]:
    """What an attacker can work out: first by differencing (a line with one unknown), then by
    linear algebra (a hidden cell is determined when adding its unit row does not raise the
    rank of the equations over the unknowns)."""
    known = {cell_id: cell.value for cell_id, cell in cells.items() if cell_id not in hidden}
    found: set[CellId] = set()
    table_lines = lines(cells)
    changed = True
    while changed:
        changed = False
        for total, members in table_lines:
            unknown = [c for c in (total, *members) if c not in known]
            if len(unknown) != 1:
                continue
            (cell_id,) = unknown
            others = sum(known[m] for m in members if m in known)
            known[cell_id] = others if cell_id == total else known[total] - others
            found.add(cell_id)
            changed = True
    unknowns = sorted(hidden - found, key=repr)
    rows = []
    for total, members in table_lines:
        row = [Fraction(0)] * len(unknowns)
        for cell_id, sign in [(total, 1), *((m, -1) for m in members)]:
            if cell_id in unknowns:
                row[unknowns.index(cell_id)] += sign
        if any(row):
            rows.append(row)
    base = rank(rows)
    for i, cell_id in enumerate(unknowns):
        unit = [Fraction(int(j == i)) for j in range(len(unknowns))]
        if rank([*rows, unit]) == base:
            found.add(cell_id)
    return found & hidden


def rank(rows: list[list[Fraction]]) -> int:
    """The rank of a matrix, by elimination over the rationals."""
    matrix = [row[:] for row in rows]
    count = 0
    width = len(matrix[0]) if matrix else 0
    for col in range(width):
        pivot = next((r for r in range(count, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[count], matrix[pivot] = matrix[pivot], matrix[count]
        for r in range(count + 1, len(matrix)):
            if matrix[r][col] != 0:
                factor = matrix[r][col] / matrix[count][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[count], strict=True)]
        count += 1
    return count


def small(cells: dict[CellId, TableCell]) -> set[CellId]:
    return {cell_id for cell_id, cell in cells.items() if 0 < cell.people < K}


def test_a_single_small_cell_takes_a_second_one_with_it() -> None:
    cells = table({("south",): 40, ("north",): 3, ("howrah",): 12})
    hidden = suppress(cells, K)
    north = (("north",), (False,))
    howrah = (("howrah",), (False,))
    assert north in hidden
    # The total would give north away (55 - 40 - 12): the next smallest cell is hidden too.
    assert howrah in hidden
    assert (((None,), (True,))) not in hidden
    assert recoverable(cells, hidden) == set()


def test_a_small_cell_alone_in_its_line_hides_the_total() -> None:
    cells = table({("south",): 3})
    hidden = suppress(cells, K)
    assert hidden == {(("south",), (False,)), ((None,), (True,))}


def test_zero_is_shown_and_nothing_is_hidden_without_small_cells() -> None:
    cells = table({("south",): 40, ("north",): 5})
    assert suppress(cells, K) == set()


def test_two_way_table_cannot_be_solved_across_breakdowns() -> None:
    cells = table(
        {
            ("south", "female"): 30,
            ("south", "male"): 2,
            ("north", "female"): 25,
            ("north", "male"): 9,
            ("howrah", "female"): 7,
            ("howrah", "male"): 6,
        }
    )
    hidden = suppress(cells, K)
    assert small(cells) <= hidden
    assert recoverable(cells, hidden) == set()


@settings(max_examples=120, deadline=None, derandomize=True)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from("abcde"), st.sampled_from("xyz")),
        st.integers(min_value=0, max_value=14),
        min_size=1,
        max_size=15,
    )
)
def test_no_hidden_cell_of_any_two_way_table_can_be_recovered(
    counts: dict[tuple[str, str], int],
) -> None:
    if not any(counts.values()):
        return
    cells = table({key: value for key, value in counts.items() if value})
    hidden = suppress(cells, K)
    assert small(cells) <= hidden
    assert recoverable(cells, hidden) == set()


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from("ab"), st.sampled_from("xyz"), st.sampled_from("pq")),
        st.integers(min_value=1, max_value=12),
        min_size=1,
        max_size=12,
    )
)
def test_no_hidden_cell_of_any_three_way_table_can_be_recovered(
    counts: dict[tuple[str, str, str], int],
) -> None:
    cells = table(counts)
    hidden = suppress(cells, K)
    assert small(cells) <= hidden
    assert recoverable(cells, hidden) == set()
