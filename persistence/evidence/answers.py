"""Answers of rolled-up measures, kept while nothing they are computed from has changed.

A rolled-up measure's figures are read from what the roll-up keeps (a flow's facts, a stock's
pieces and deltas), and those change only when its units are recomputed (``catch_up``, which
then moves the measure's ``generation`` on in ``evidence_rollup``, in the same transaction). A
flow's figures also read her consent to aggregate reporting at each period's end, which moves
its own generation (``evidence_generation``, by a statement trigger on
``reporting_consent``). So a cube statement over a rolled-up measure, with the same values, on
a snapshot with the same generations, gives the same rows: they are kept here (per process, a
bounded number, the least recently used dropped first) and given again instead of computed.

The generations are read on the snapshot the statements run on (the statement that exports
it), after the measures were brought up to date. A change committed after that is caught up
by the next request, which then finds another generation and computes afresh: figures are
never older than the request's own snapshot. Statements that read anything else (her sex and
year of birth, a district's state) are never kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Cube statements kept per process (a year's report asks for about 70, a dashboard for 30).
KEPT = 4096


@dataclass(frozen=True, slots=True)
class Generations:
    """What the roll-ups stood at on a snapshot: each measure's generation and when it was
    built (a rebuilt roll-up, or another database, starts again), and her consents'."""

    measures: Mapping[str, tuple[int, str]]
    consent: int

    def key(self, code: str, *, consent: bool) -> tuple[Any, ...] | None:
        """The part of a statement's key that says what it read; None when the measure has
        not been built (nothing to keep it by)."""
        found = self.measures.get(code)
        if found is None:
            return None
        return (code, *found, self.consent if consent else None)


# One statement: the generations on the statement's own snapshot.
GENERATIONS_SQL = (
    "SELECT (SELECT jsonb_object_agg(r.measure, jsonb_build_array(r.generation,"
    " r.built_at::text)) FROM evidence_rollup r) AS measures,"
    " (SELECT g.generation FROM evidence_generation g WHERE g.name = 'reporting_consent')"
    " AS consent"
)


def generations_of(row: Mapping[str, Any]) -> Generations:
    import json

    raw = row["measures"]
    measures = json.loads(raw) if isinstance(raw, str) else (raw or {})
    return Generations(
        measures={code: (int(value[0]), str(value[1])) for code, value in measures.items()},
        consent=int(row["consent"] or 0),
    )


class Answers:
    """The kept rows of cube statements, by statement, values and generations."""

    def __init__(self, size: int = KEPT) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[Any, ...], list[Any]] = OrderedDict()

    @staticmethod
    def key(sql: str, values: Sequence[Any], read: tuple[Any, ...]) -> tuple[Any, ...]:
        return (sql, repr(list(values)), read)

    def get(self, key: tuple[Any, ...]) -> list[Any] | None:
        rows = self._kept.get(key)
        if rows is not None:
            self._kept.move_to_end(key)
        return rows

    def put(self, key: tuple[Any, ...], rows: list[Any]) -> None:
        self._kept[key] = rows
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def clear(self) -> None:
        self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)


ANSWERS = Answers()
