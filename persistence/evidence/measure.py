"""What a measure is: one SQL query over one subject, the dimensions it can be broken down and
filtered by, and whether it is a flow (what happened in a period) or a stock (what stood at the
period's end).

A measure's ``sql`` is a SELECT whose rows are the subject's facts, in these columns:

- ``organization_id`` (uuid): the organisation the fact belongs to (every measure restricts
  itself to ``organization_id = ANY({orgs})``; ``{orgs}`` is the bound organisation list);
- ``district_id``, ``block_id`` (uuid or NULL): where it happened or belongs;
- ``survivor_id`` (uuid or NULL): the survivor it is about. When the measure is
  ``about_survivors``, a fact counts only while her aggregate-reporting consent is in force at
  the period's end, and her sex and year of birth give the ``sex`` and ``age_band`` breakdowns;
- ``unit_key`` (uuid): what one count counts (a referral, a survivor, a group): counts are of
  distinct units;
- ``person_key`` (uuid or NULL): the person behind the fact, for small-cell suppression of
  people (distinct persons in a cell); NULL when the fact is not about a person;
- ``amount`` (numeric or NULL): what sums and medians add up (paise, days, score points);
- one column ``d_<name>`` (text) for each measure dimension in ``dims``;
- flows: ``on_date`` (date): the business date it happened;
- stocks: ``from_date`` (date) and ``to_date`` (date or NULL): it stands at the end of day D when
  ``from_date <= D < to_date``. A unit must not stand twice at once in one cell.

``{today}`` may be used for "as far as we know today" (a bound date parameter), and ``{days}``
for the days the periods are read (a bound ``date[]``, in order): a stock whose value on a day
must be computed on that day (an SHG's grade) gives one fact per day asked, standing that day.

A flow whose facts are known before they happen (an instalment falling due by a loan's
schedule) is ``not_after_today``: its facts dated after today are not counted yet. The cube
applies it where it reads a flow's facts (``f.on_date <= today``, the query's ``today``), so
that the measure's SQL needs no ``{today}`` and can be rolled up; its answers are then kept
per day.

A measure may also take :class:`Parameter` values, bound by name (``{stalled_days}``): a rule
that belongs to another area (the ledger's sign table, the entitlement stall threshold, the
training tracks) is passed in by the evaluator from that area's one definition, never restated
in the measure's SQL.

A measure may be *rolled up* (``rollup``, persistence/evidence/rollup.py): its facts are kept
as data, recomputed for a unit (a case, a survivor) whenever a record they are computed from
changes, so that its figures are read from stored rows instead of computed from every record:
a stock's as pieces and daily deltas (a few thousand rows for a five-year series), a flow's as
its facts themselves (the windows, JSON and joins that derive them are paid once, at the
write). Its ``sql`` then gives each fact the unit it is recomputed with (``rollup_key``, uuid:
its case, its survivor) and restricts itself to ``{units}`` (a uuid[] expression over
``rollup_key``, NULL for every unit); ``rollup`` names, for each table it reads, how a changed
row names the units it touches (a column of the row, or a query over it). It must use neither
``{today}`` nor ``{days}`` nor parameters. Each of those tables needs the triggers that mark
the units (a migration: see ``ROLLUP_SOURCES`` in migrations 0031 and 0034;
tests/test_evidence_rollup.py checks that every source has them).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


def vocabulary(values: type[StrEnum]) -> tuple[str, ...]:
    """The codes of a vocabulary (a dimension's values)."""
    return tuple(member.value for member in values)


class MeasureKind(StrEnum):
    flow = "flow"
    stock = "stock"


@dataclass(frozen=True, slots=True)
class Dimension:
    """A measure's own breakdown: a ``d_<name>`` column with a known vocabulary (None: open,
    e.g. scheme codes)."""

    name: str
    description: str
    values: tuple[str, ...] | None = None

    @property
    def column(self) -> str:
        return f"d_{self.name}"


@dataclass(frozen=True, slots=True)
class Parameter:
    """A value a measure's SQL takes by name (``{name}``), bound with a cast, given by the
    evaluator from the rule's one definition (a setting, another area's table)."""

    name: str
    cast: str  # "int", "text", "text[]" ...
    description: str


@dataclass(frozen=True, slots=True)
class Source:
    """A table a rolled-up measure reads: which column of a changed row names the unit it
    touches, and which rows matter at all (an SQL condition over the row ``r``, or None).
    When no column names the unit (a consent names her, not her cases), ``via`` is a query
    over the changed row ``r`` giving the units it touches, one per row, and ``unit`` names
    that query in the trigger's name."""

    table: str
    unit: str
    condition: str | None = None
    via: str | None = None


@dataclass(frozen=True, slots=True)
class Rollup:
    """How a stock measure is kept rolled up: the tables it reads (her consent to aggregate
    reporting is always one)."""

    sources: tuple[Source, ...]


def watching(*tables: str) -> Rollup:
    """A measure computed live, watched on the tables it reads: any change to one of their
    rows (marked by its id) drops the answers kept (``Measure.watch``)."""
    return Rollup(sources=tuple(Source(table, "id") for table in tables))


@dataclass(frozen=True, slots=True)
class Measure:
    code: str
    subject: str
    description: str
    kind: MeasureKind
    sql: str
    about_survivors: bool
    dims: tuple[Dimension, ...] = ()
    # What ``amount`` holds, when it holds anything: "paise", "days", "points", "people".
    amount: str | None = None
    # The places the facts carry (district and block when the subject has them).
    has_district: bool = True
    has_block: bool = False
    # Facts carry ``d_leader_group`` so a survivor leader can see her own groups' figures.
    leader_groups: bool = False
    # A flow's facts dated after today are not counted yet (see the module's docstring).
    not_after_today: bool = False
    # Values the SQL takes by name, besides {orgs}, {today} and {days}.
    parameters: tuple[Parameter, ...] = ()
    # Kept rolled up (see the module's docstring).
    rollup: Rollup | None = None
    # Computed live, but its answers kept until one of these tables changes (the same marks
    # as a roll-up's, read as "something changed": persistence/evidence/answers.py). For a
    # measure whose figures cannot be kept as facts (an SHG's grade on each day asked).
    watch: Rollup | None = None

    @property
    def sources(self) -> tuple[Source, ...]:
        """The tables it is recomputed (or its answers dropped) by."""
        kept = self.rollup or self.watch
        return kept.sources if kept is not None else ()

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dims if d.name == name), None)
