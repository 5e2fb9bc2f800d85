"""The one query builder of the evidence engine: a measure's facts, over a list of periods,
broken down by some dimensions (with every margin: the totals of each breakdown and the grand
total, as a CUBE), filtered, for some organisations, counted only under consent.

Flows: a fact counts in the period holding its ``on_date``, when (for facts about survivors) her
aggregate-reporting consent was in force at the end of that period (or today, while it runs);
a ``not_after_today`` flow's facts only once their day has come (``on_date <= today``).

Stocks: a fact stands at the end of day D when ``from_date <= D < to_date``; it counts in a
period when it stands on the day the period is read (its last day, or today) and her consent is
in force then. Stocks are computed without joining every fact to every period: each stretch of
a fact (intersected with her consent, and cut where her age band changes) becomes +1 at the
first period it stands in and -1 at the first period it no longer does; the running sum over
the periods gives the figure. One statement per measure, whatever the number of periods.
A rolled-up stock measure is read from its roll-up instead (persistence/evidence/rollup.py),
with the same answers, when the breakdowns and filters asked are ones it keeps.

Flows find their periods by one lookup into the periods' boundaries (``Segments``), whatever
their number and even when they overlap. Statements run with room to sort in memory, without
nested loops and with a plan for the values at hand (``PLANNER_SETTINGS``); several at once
(a dashboard's, a report's) run side by side on the evidence pool's connections, all on the
snapshot of the request's transaction (``CubeRepository.cubes``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

import asyncpg

from persistence import clock
from persistence.evidence import answers
from persistence.evidence.measure import Measure, MeasureKind
from persistence.repositories.consents import reporting_consent_days_sql
from persistence.repositories.session import Repository

logger = logging.getLogger(__name__)

# Breakdowns every measure about survivors offers, beside its own and the places.
PLACE_BREAKDOWNS = ("state", "district", "block")
PERSON_BREAKDOWNS = ("sex", "age_band")

# Age bands at the period's end (age = the period's year minus her year of birth).
AGE_BANDS: tuple[tuple[str, int | None, int | None], ...] = (
    ("0-17", None, 18),
    ("18-24", 18, 25),
    ("25-34", 25, 35),
    ("35-44", 35, 45),
    ("45+", 45, None),
)
UNKNOWN = "unknown"


# What a cell's figure is: distinct units counted, or the sum, median or 90th percentile of
# their amounts (a stock has neither median nor percentile).
Aggregate = Literal["count", "sum", "median", "p90"]
PERCENTILES = {"median": 0.5, "p90": 0.9}


@dataclass(frozen=True, slots=True)
class PeriodBounds:
    starts_on: date
    ends_on: date
    evaluated_on: date  # the day a stock is read, and the day consent must hold


@dataclass(frozen=True, slots=True)
class CubeQuery:
    measure: Measure
    organization_ids: Sequence[UUID]
    periods: Sequence[PeriodBounds]
    breakdowns: Sequence[str] = ()
    # Allowed values per dimension (places by id, measure dimensions by code).
    filters: Mapping[str, Sequence[str]] | None = None
    aggregate: Aggregate = "count"
    today: date | None = None
    # The measures' parameters by name (see Measure.parameters); extra names are ignored.
    parameters: Mapping[str, object] | None = None


@dataclass(frozen=True, slots=True)
class CubeCell:
    """One cell: a period, and per breakdown its value (None: unknown) or the margin."""

    period: int  # index into CubeQuery.periods
    key: tuple[str | None, ...]
    margin: tuple[bool, ...]  # per breakdown: True when this cell totals over it
    count: int  # distinct units
    people: int  # distinct persons (stocks: person-stretches standing)
    amount: Decimal | None  # sum or median of amount


@dataclass(frozen=True, slots=True)
class Cube:
    cells: list[CubeCell]
    # Units left out because her aggregate-reporting consent was not in force (whole request).
    excluded: int
    # When a kept answer was computed; None: computed for this request.
    computed_at: datetime | None = None


class Binder:
    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: object, cast: str = "") -> str:
        self.values.append(value)
        return f"${len(self.values)}{cast}"


def _age_band_sql(year_sql: str) -> str:
    """Her age band in the year ``year_sql`` (a flow's period end), from ``sv.birth_year``."""
    whens = []
    for label, low, high in AGE_BANDS:
        conditions = []
        if low is not None:
            conditions.append(f"{year_sql} - sv.birth_year >= {low}")
        if high is not None:
            conditions.append(f"{year_sql} - sv.birth_year < {high}")
        whens.append(f"WHEN {' AND '.join(conditions)} THEN '{label}'")
    return f"CASE WHEN sv.birth_year IS NULL THEN '{UNKNOWN}' {' '.join(whens)} END"


def breakdown_sql(measure: Measure, name: str, *, stock: bool) -> str:
    """The SQL of one breakdown over a fact row ``f``: flows read the place and the survivor
    from the joined ``dist`` and ``sv``; stocks carry them on each stretch. Places group as
    ids and words byte by byte (the "C" collation): the cells are the same, and sorting them
    for the cube costs less than comparing text in the language's order."""
    if name == "state":
        return "f.state_id" if stock else "dist.state_id"
    if name == "district":
        return "f.district_id"
    if name == "block":
        return "f.block_id"
    if name == "sex":
        return f"COALESCE({'f' if stock else 'sv'}.sex, '{UNKNOWN}') COLLATE \"C\""
    if name == "age_band":
        # Stocks: the band of the stretch (cut where it changes). Flows: at the period's end.
        band = "f.age_band" if stock else _age_band_sql("extract(year FROM f.evaluated_on)::int")
        return f'({band}) COLLATE "C"'
    dimension = measure.dimension(name)
    if dimension is None:
        raise ValueError(f"{measure.code} has no breakdown {name!r}")
    return f'(f.{dimension.column})::text COLLATE "C"'


def available_breakdowns(measure: Measure) -> tuple[str, ...]:
    """Every breakdown the measure supports."""
    found: list[str] = []
    if measure.has_district:
        found += ["state", "district"]
    if measure.has_block:
        found.append("block")
    if measure.about_survivors:
        found += list(PERSON_BREAKDOWNS)
    found += [d.name for d in measure.dims]
    return tuple(found)


_PLACE_COLUMN = {"state": "dist.state_id", "district": "f.district_id", "block": "f.block_id"}


def _filter_sql(measure: Measure, filters: Mapping[str, Sequence[str]], bind: Binder) -> list[str]:
    """Conditions over a fact ``f`` with ``dist`` and ``sv`` joined; values always bound."""
    conditions = []
    for name, values in sorted(filters.items()):
        if name in _PLACE_COLUMN:
            ids = bind([UUID(v) for v in values], "::uuid[]")
            conditions.append(f"{_PLACE_COLUMN[name]} = ANY({ids})")
        elif name == "sex" and measure.about_survivors:
            conditions.append(f"sv.sex = ANY({bind(list(values), '::text[]')})")
        else:
            dimension = measure.dimension(name)
            if dimension is None:
                raise ValueError(f"{measure.code} cannot be filtered by {name!r}")
            conditions.append(f"f.{dimension.column} = ANY({bind(list(values), '::text[]')})")
    return conditions


def _needs(query: CubeQuery) -> tuple[bool, bool]:
    """Whether the facts must be joined to their district (the state) and to the survivor
    (sex, year of birth): only for the breakdowns and filters that read them."""
    names = set(query.breakdowns) | set(query.filters or {})
    district = "state" in names
    survivor = query.measure.about_survivors and bool(names & {"sex", "age_band"})
    return district, survivor


def _joins(query: CubeQuery) -> str:
    district, survivor = _needs(query)
    joins = " LEFT JOIN district dist ON dist.id = f.district_id" if district else ""
    if survivor:
        joins += " LEFT JOIN survivor sv ON sv.id = f.survivor_id"
    return joins


def _consent_cte(measure: Measure, orgs: str) -> str:
    if not measure.about_survivors:
        return ""
    return f", consent AS ({reporting_consent_days_sql(orgs)})"


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


@dataclass(frozen=True, slots=True)
class Segments:
    """The periods cut into the stretches between their boundaries (every start, and every
    day after an end), so that a day finds every period holding it by one ``width_bucket``
    lookup and an equality join, whether the periods overlap (a year and its months) or not.

    ``width_bucket(day, boundaries)`` is the segment of ``day`` (0 before the first boundary);
    ``members`` lists (segment, period index from 1, the period's evaluation day)."""

    boundaries: list[date]
    members: list[tuple[int, int, date]]

    @classmethod
    def of(cls, periods: Sequence[PeriodBounds]) -> Segments:
        boundaries = sorted(
            {p.starts_on for p in periods} | {p.ends_on + timedelta(days=1) for p in periods}
        )
        members = [
            (segment, index, period.evaluated_on)
            for index, period in enumerate(periods, start=1)
            for segment in range(1, len(boundaries))
            if period.starts_on <= boundaries[segment - 1]
            and boundaries[segment] - timedelta(days=1) <= period.ends_on
        ]
        return cls(boundaries, members)


def flow_sql(query: CubeQuery, bind: Binder) -> str:
    measure = query.measure
    orgs = bind(list(query.organization_ids), "::uuid[]")
    facts = _facts_sql(query, orgs, bind)
    segments = Segments.of(query.periods)
    boundaries = bind(segments.boundaries, "::date[]")
    member_segments = bind([m[0] for m in segments.members], "::int[]")
    member_periods = bind([m[1] for m in segments.members], "::int[]")
    member_days = bind([m[2] for m in segments.members], "::date[]")
    first = bind(min(p.starts_on for p in query.periods), "::date")
    last = bind(max(p.ends_on for p in query.periods), "::date")
    # Facts dated after today, known beforehand (an instalment falling due), are not counted
    # yet: today is bound, so an answer is kept for the day it was computed on.
    not_yet = ""
    if measure.not_after_today:
        if query.today is None:
            raise ValueError(f"{measure.code} needs the query's today")
        not_yet = f" AND f.on_date <= {bind(query.today, '::date')}"
    conditions = _filter_sql(measure, query.filters or {}, bind)
    consent = _consent_cte(measure, orgs)
    consented = "COALESCE(k.days @> f.evaluated_on, false)" if consent else "true"
    consent_join = " LEFT JOIN consent k ON k.survivor_id = f.survivor_id" if consent else ""
    columns = "".join(
        f", {breakdown_sql(measure, b, stock=False)} AS b{i}"
        for i, b in enumerate(query.breakdowns)
    )
    # The range's bounds are repeated beside the join so that they reach into the measure's
    # query (and its indexes) when it allows.
    rows = (
        f"SELECT f.idx, f.unit_key, f.person_key, f.amount, {consented} AS consented{columns}"
        " FROM (SELECT p.idx, p.evaluated_on, f.* FROM facts f"
        f" JOIN periods p ON p.segment = width_bucket(f.on_date, {boundaries})"
        f" WHERE f.on_date >= {first} AND f.on_date <= {last}{not_yet}) f"
        f"{_joins(query)}{consent_join}{_where(conditions)}"
    )
    if query.aggregate in PERCENTILES:
        fraction = PERCENTILES[query.aggregate]
        amount = f"percentile_cont({fraction}) WITHIN GROUP (ORDER BY amount)::numeric"
    else:
        amount = "sum(amount)::numeric" if query.aggregate == "sum" else "NULL::numeric"
    return cube_select(
        ctes=(
            f"periods AS (SELECT * FROM unnest({member_segments}, {member_periods},"
            f" {member_days}) AS p(segment, idx, evaluated_on))"
            f", facts AS ({facts}){consent}, rows AS ({rows})"
        ),
        breakdowns=len(query.breakdowns),
        measures=(
            "count(DISTINCT unit_key) AS n, count(DISTINCT person_key) AS people, "
            f"{amount} AS amount"
        ),
        excluded="SELECT count(DISTINCT unit_key) FROM rows WHERE NOT consented",
    )


# A measure's facts of every unit (a rolled-up measure restricts itself to ``{units}``).
EVERY_UNIT = "NULL::uuid[]"


def _facts_sql(query: CubeQuery, orgs: str, bind: Binder) -> str:
    """The measure's query with its parameters bound (``{today}`` and ``{days}`` only where
    they are used: an unused parameter has no type; ``{units}``: every unit), or a rolled-up
    flow's stored facts. Raises ValueError for a parameter the measure takes and the query
    does not give."""
    measure = query.measure
    if measure.rollup is not None and measure.kind is MeasureKind.flow:
        from persistence.evidence import rollup

        return rollup.stored_facts_sql(measure, orgs, bind(measure.code, "::text"))
    sql = measure.sql
    values = {"orgs": orgs, "today": "", "days": "", "units": EVERY_UNIT}
    if "{today}" in sql:
        values["today"] = bind(query.today, "::date")
    if "{days}" in sql:
        values["days"] = bind([p.evaluated_on for p in query.periods], "::date[]")
    given = query.parameters or {}
    for parameter in measure.parameters:
        if parameter.name not in given:
            raise ValueError(f"{measure.code} needs the parameter {parameter.name!r}")
        values[parameter.name] = bind(given[parameter.name], f"::{parameter.cast}")
    return sql.format(**values)


def cube_select(*, ctes: str, breakdowns: int, measures: str, excluded: str) -> str:
    """The cells of every grouping (each breakdown's values and margins, per period), and one
    row (``idx`` 0) with the count of units left out for want of consent."""
    names = [f"b{i}" for i in range(breakdowns)]
    grouping = f"GROUPING({', '.join(names)})" if names else "0"
    keys = "".join(f", {n}::text AS {n}" for n in names)
    cube = f", CUBE({', '.join(names)})" if names else ""
    nulls = "".join(f", NULL::text AS {n}" for n in names)
    return (
        f"WITH {ctes} "
        f"SELECT idx{keys}, {grouping} AS margins, {measures} FROM rows WHERE consented"
        f" GROUP BY idx{cube} "
        f"UNION ALL SELECT 0 AS idx{nulls}, 0 AS margins, ({excluded}) AS n, 0 AS people,"
        " NULL::numeric AS amount"
    )


def _stretch_columns(query: CubeQuery) -> list[str]:
    """What a stock keeps on each stretch of a fact: the unit, the amount, and everything its
    breakdowns read."""
    district, survivor = _needs(query)
    columns = ["unit_key", "amount", "district_id", "block_id"]
    if district:
        columns.append("state_id")
    if survivor:
        columns += ["sex", "birth_year"]
    return columns + [d.column for d in query.measure.dims]


def stock_sql(query: CubeQuery, bind: Binder) -> str:
    measure = query.measure
    orgs = bind(list(query.organization_ids), "::uuid[]")
    facts = _facts_sql(query, orgs, bind)
    evaluated = [p.evaluated_on for p in query.periods]
    if evaluated != sorted(evaluated):  # pragma: no cover - periods come in order
        raise ValueError("periods must come in order")
    days = bind(evaluated, "::date[]")
    first_day = bind(evaluated[0], "::date")
    last_day = bind(evaluated[-1], "::date")
    conditions = _filter_sql(measure, query.filters or {}, bind)
    # A fact that starts after the last day read, or ends by the first, stands in no period.
    conditions += [
        f"(f.from_date IS NULL OR f.from_date <= {last_day})",
        f"(f.to_date IS NULL OR f.to_date > {first_day})",
    ]
    consent = _consent_cte(measure, orgs)
    district, survivor = _needs(query)
    place = ", dist.state_id" if district else ""
    person = ", sv.sex, sv.birth_year" if survivor else ""
    dims = "".join(f", f.{d.column}" for d in measure.dims)
    kept = (
        f"SELECT f.unit_key, f.amount, f.district_id, f.block_id{place}{person}{dims},"
        " f.survivor_id, daterange(f.from_date,"
        " CASE WHEN f.to_date < f.from_date THEN f.from_date ELSE f.to_date END) AS span"
        f" FROM facts f{_joins(query)}{_where(conditions)}"
    )
    carried = ", ".join(f"f.{c}" for c in _stretch_columns(query))
    pieces = consent_cut(carried, consented=bool(consent))
    if "age_band" in query.breakdowns:
        pieces = f"uncut AS ({pieces}), pieces AS ({_cut_by_age_band('uncut', carried)})"
    else:
        pieces = f"pieces AS ({pieces})"
    columns = "".join(
        f", {breakdown_sql(measure, b, stock=True)} AS b{i}" for i, b in enumerate(query.breakdowns)
    )
    # The first period each stretch stands in, and the first it no longer does (none when it
    # has no end).
    first = f"width_bucket(lower(f.stretch) - 1, {days}) + 1"
    after = f"width_bucket(upper(f.stretch) - 1, {days}) + 1"
    count = len(query.periods)
    deltas = (
        f"SELECT {first} AS idx, 1 AS dn, f.amount AS da, true AS consented{columns}"
        f" FROM pieces f WHERE f.consented AND {first} <= {count}"
        f" UNION ALL SELECT {after} AS idx, -1 AS dn, -f.amount AS da, true{columns}"
        f" FROM pieces f WHERE f.consented AND {after} <= {count}"
    )
    # A stretch stands in some period when its first period exists and comes before the first
    # it no longer stands in.
    excluded = (
        f"SELECT count(DISTINCT f.unit_key) FROM pieces f WHERE NOT f.consented"
        f" AND {first} <= {count} AND (upper(f.stretch) IS NULL OR {first} < {after})"
    )
    return cube_select(
        ctes=(f"facts AS ({facts}){consent}, kept AS ({kept}), {pieces}, rows AS ({deltas})"),
        breakdowns=len(query.breakdowns),
        measures="sum(dn) AS n, sum(dn) AS people, sum(da)::numeric AS amount",
        excluded=excluded,
    )


def consent_cut(carried: str, *, consented: bool) -> str:
    """The pieces of the stretches of ``kept f`` (columns ``carried``, ``survivor_id`` and
    ``span``, a daterange): cut by her consent to aggregate reporting (``consent k``) when
    ``consented``, into the days it was in force and the rest; else whole. Most stretches lie
    within one period of consent and stay whole, without multirange arithmetic."""
    if not consented:
        return (
            f"SELECT {carried}, f.span AS stretch, true AS consented FROM kept f"
            " WHERE NOT isempty(f.span)"
        )
    whole = "NOT isempty(f.span) AND k.days @> f.span"
    return (
        f"SELECT {carried}, f.span AS stretch, true AS consented FROM kept f"
        f" JOIN consent k ON k.survivor_id = f.survivor_id WHERE {whole}"
        f" UNION ALL SELECT {carried}, x.stretch, x.consented FROM kept f"
        " LEFT JOIN consent k ON k.survivor_id = f.survivor_id"
        " CROSS JOIN LATERAL ("
        "SELECT r AS stretch, true AS consented"
        " FROM unnest(datemultirange(f.span) * COALESCE(k.days, '{}'::datemultirange)) r"
        " UNION ALL SELECT r, false"
        " FROM unnest(datemultirange(f.span) - COALESCE(k.days, '{}'::datemultirange)) r"
        f") x WHERE NOT COALESCE({whole}, false)"
    )


def _cut_by_age_band(uncut: str, carried: str) -> str:
    """Each stretch cut where her age band changes (on 1 January of the year she reaches the
    next band's age), each piece labelled with its band."""

    def bound(age: int | None) -> str:
        return "NULL::int" if age is None else str(age)

    bands = ", ".join(f"('{label}', {bound(low)}, {bound(high)})" for label, low, high in AGE_BANDS)
    band = (
        "daterange(CASE WHEN b.low IS NOT NULL THEN make_date(f.birth_year + b.low, 1, 1) END,"
        " CASE WHEN b.high IS NOT NULL THEN make_date(f.birth_year + b.high, 1, 1) END)"
    )
    return (
        f"SELECT {carried}, f.stretch * {band} AS stretch, f.consented, b.label AS age_band"
        f" FROM {uncut} f, LATERAL (VALUES {bands}) AS b(label, low, high)"
        f" WHERE f.birth_year IS NOT NULL AND f.stretch && {band}"
        f" UNION ALL SELECT {carried}, f.stretch, f.consented, '{UNKNOWN}' AS age_band"
        f" FROM {uncut} f WHERE f.birth_year IS NULL"
    )


# For the rest of the transaction (a request's): room to sort and hash a cube's facts in
# memory, and no nested loops. A measure's facts come from expressions the planner cannot
# estimate (JSON fields, business dates), so it may take thousands for one row; a nested loop
# over the survivors' consent then runs once per fact (86 s instead of 0.2 at 100k survivors,
# bench/evidence.py). Hash joins cost little when the estimate was right.
PLANNER_SETTINGS = (
    "SET LOCAL work_mem = '64MB'; SET LOCAL enable_nestloop = off;"
    # A plan for the values at hand each time (asyncpg prepares each statement): a generic
    # plan cannot see that a NULL ``{units}`` reads every unit, nor the periods' days.
    " SET LOCAL plan_cache_mode = force_custom_plan"
)


class CubeRepository(Repository):
    """Runs cube queries (read-only)."""

    async def cube(self, query: CubeQuery) -> Cube:
        return (await self.cubes([query]))[0]

    async def catch_up(self, measure: Measure, parameters: Mapping[str, object]) -> None:
        """Bring a rolled-up measure up to date in this unit's transaction (the background
        worker's, so that a request finds little or nothing left to recompute)."""
        from persistence.evidence import rollup

        connection = await self.driver()
        async with _transaction(connection):
            await rollup.catch_up(connection, measure, parameters)

    async def note_changes(self, measure: Measure) -> None:
        """For a watched measure: move its generation on when what it reads changed (the
        worker's, so that its kept answers are computed again)."""
        from persistence.evidence import rollup

        connection = await self.driver()
        async with _transaction(connection):
            await rollup.note_changes(connection, measure)

    async def cubes(self, queries: Sequence[CubeQuery], *, max_age: float = 0.0) -> list[Cube]:
        """Several cubes (a dashboard's, a report's). Side by side on the evidence pool's
        connections when there is one, every connection reading the snapshot of this unit's
        transaction, so that the figures are those one connection would have found; else one
        after the other on this unit's connection. A statement asked twice runs once.

        Answers kept for what the statements read are given again (answers.py); ``max_age``:
        how many seconds old a kept answer may be when only its measure's records moved on
        since (0: never)."""
        from persistence.evidence import rollup

        connection = await self.driver()
        pool = self.uow.evidence_pool
        statements = [_statement(query) for query in queries]
        now = clock.now()
        # Answers are kept only when the catch-ups below commit on their own (a side
        # connection, or a transaction of their own): a generation moved on inside this
        # unit's transaction could still roll back, and be reached again with other rows.
        committed = pool is not None or not connection.is_in_transaction()
        found: list[Sequence[Any] | None] = [None] * len(queries)
        computed_at: list[datetime | None] = [None] * len(queries)
        if max_age > 0 and committed:
            # Answers young enough are given as they are, without catching up first.
            for index, young in (
                await _young(connection, queries, statements, now, max_age)
            ).items():
                found[index], computed_at[index] = young.rows, young.computed_at
        asked = [query for query, rows in zip(queries, found, strict=True) if rows is None]
        rolled = {q.measure.code: q for q in asked if rollup.rolled(q)}
        for query in rolled.values():
            await _catch_up(connection, pool, query.measure, query.parameters)
        watched = {q.measure.code: q.measure for q in asked if q.measure.watch is not None}
        for measure in watched.values():
            await _catch_up(connection, pool, measure, None, watched=True)
        side_by_side = pool is not None and len(asked) > 1 and connection.is_in_transaction()
        snapshot: str | None = None
        reads: list[list[Any] | None] = [None] * len(queries)
        consent = 0
        if (rolled or watched) and committed:
            # The roll-ups' generations, on the snapshot the statements will read.
            sql = f"SELECT {'pg_export_snapshot()' if side_by_side else 'NULL'} AS snapshot, g.*"
            row = await connection.fetchrow(f"{sql} FROM ({answers.GENERATIONS_SQL}) g")
            snapshot = row["snapshot"]
            generations = answers.generations_of(row)
            consent = generations.consent
            reads = [
                None if rows is not None else _read(query, generations)
                for query, rows in zip(queries, found, strict=True)
            ]
        keys, kept = await _kept(connection, statements, reads)
        for index, (read, answer) in enumerate(zip(reads, kept, strict=True)):
            if answer is not None and read is not None:
                if answer.answers(read, consent, now, max_age):
                    found[index], computed_at[index] = answer.rows, answer.computed_at
        # The statements to run, each once.
        wanted: dict[tuple[str, str], list[int]] = {}
        for index, rows in enumerate(found):
            if rows is None:
                sql, values = statements[index]
                wanted.setdefault((sql, repr(values)), []).append(index)
        run = [statements[indexes[0]] for indexes in wanted.values()]
        if side_by_side and len(run) > 1:
            if snapshot is None:
                snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            computed = await _side_by_side(pool, snapshot, run)
        else:
            computed = [await _fetch(connection, *statement) for statement in run]
        to_keep = []
        for indexes, rows in zip(wanted.values(), computed, strict=True):
            for index in indexes:
                found[index] = rows
            key, read = keys[indexes[0]], reads[indexes[0]]
            if key is not None and read is not None:
                sql, values = statements[indexes[0]]
                to_keep.append(answers.Answer(key, read[0], sql, values, read, consent, rows, now))
        given = [
            answers.statement_key(*statement)
            for statement, at in zip(statements, computed_at, strict=True)
            if at is not None
        ]
        if to_keep or given:
            await _keep(connection, pool, to_keep, given, now)
        return [
            cube_of(query, rows or [], computed_at=at)
            for query, rows, at in zip(queries, found, computed_at, strict=True)
        ]

    async def refresh_answers(self, now: datetime) -> int:
        """Compute again, on one snapshot, the kept answers asked in the last day whose
        generations moved on, and forget those not asked for a week (the worker's, after it
        brought the roll-ups up to date). How many it computed. Skipped while another
        process refreshes."""
        connection = await self.driver()
        computed: list[answers.Answer] = []
        failed: list[bytes] = []
        # One snapshot for every statement (the unit's transaction, when it has one).
        snapshot = (
            connection.transaction()
            if connection.is_in_transaction()
            else connection.transaction(isolation="repeatable_read", readonly=True)
        )
        async with snapshot:
            if not await connection.fetchval(
                "SELECT pg_try_advisory_xact_lock(hashtext('evidence_answer'))"
            ):
                return 0
            await connection.execute(PLANNER_SETTINGS)
            row = await connection.fetchrow(answers.GENERATIONS_SQL)
            generations = answers.generations_of(row)
            for stale in await answers.stale(connection, generations, now - answers.REFRESHED):
                try:
                    async with connection.transaction():
                        rows = list(await connection.fetch(stale.sql, *stale.values))
                except asyncpg.PostgresError as error:
                    # Kept by an earlier version whose statement no longer runs: forgotten.
                    logger.warning(
                        "evidence answer of %s not computed again: %s",
                        stale.measure,
                        type(error).__name__,
                    )
                    failed.append(stale.key)
                    continue
                computed.append(
                    answers.Answer(
                        stale.key,
                        stale.measure,
                        stale.sql,
                        stale.values,
                        stale.read,
                        generations.consent,
                        rows,
                        now,
                    )
                )
        await _keep(connection, None, computed, [], now)
        await answers.forget(connection, now - answers.FORGOTTEN, failed)
        return len(computed)


@contextlib.asynccontextmanager
async def _transaction(connection: Any) -> AsyncIterator[None]:
    """The connection's transaction, or one of its own when it has none (a catch-up's lock
    and its writes belong together)."""
    if connection.is_in_transaction():
        yield
    else:
        async with connection.transaction():
            yield


async def _keep(
    connection: Any,
    pool: Any,
    computed: Sequence[answers.Answer],
    given: Sequence[bytes],
    now: datetime,
) -> None:
    """Keep what was computed and note what was given, on a side connection when there are
    some (committed at once, for every process), else on the unit's (outside a transaction:
    see ``committed`` in :meth:`CubeRepository.cubes`). Kept answers are a saving, not a
    figure: a write that meets another's lock is given up (logged), never the request."""

    async def write(on: Any) -> None:
        try:
            await answers.keep(on, sorted(computed, key=lambda a: a.key), now)
            await answers.asked(on, sorted(given), now)
        except (asyncpg.DeadlockDetectedError, asyncpg.LockNotAvailableError) as error:
            logger.warning("evidence answers not kept: %s", type(error).__name__)

    if pool is not None:
        async with pool.acquire(timeout=SIDE_ACQUIRE_SECONDS) as side:
            await write(side)
    else:
        await write(connection)


async def _young(
    connection: Any,
    queries: Sequence[CubeQuery],
    statements: Sequence[tuple[str, list[Any]]],
    now: datetime,
    max_age: float,
) -> dict[int, answers.Kept]:
    """The kept answers computed at most ``max_age`` seconds ago on the roll-up as it stands
    (same definition, no change of consent since), by query: given without catching up (a
    change since is at most that old)."""
    row = await connection.fetchrow(f"SELECT g.* FROM ({answers.GENERATIONS_SQL}) g")
    generations = answers.generations_of(row)
    reads = [_read(query, generations) for query in queries]
    _, kept = await _kept(connection, statements, reads)
    young = {}
    for index, (read, answer) in enumerate(zip(reads, kept, strict=True)):
        if answer is not None and read is not None:
            if answer.young(read, generations.consent, now, max_age):
                young[index] = answer
    return young


async def _kept(
    connection: Any,
    statements: Sequence[tuple[str, list[Any]]],
    reads: Sequence[list[Any] | None],
) -> tuple[list[bytes | None], list[answers.Kept | None]]:
    """For each statement that may be kept (what it reads is known): its key and the
    answer kept for it, if any."""
    keys = [
        None if read is None else answers.statement_key(*statement)
        for read, statement in zip(reads, statements, strict=True)
    ]
    kept = await answers.find(connection, [key for key in keys if key is not None])
    return keys, [None if key is None else kept.get(key) for key in keys]


def _read(query: CubeQuery, generations: answers.Generations) -> list[Any] | None:
    """What a statement reads, by which its rows are kept, or None when they are not kept:
    a measure not rolled up nor watched, or a statement that reads her sex, her year of birth
    or a district's state (not covered by the generations)."""
    from persistence.evidence import rollup

    measure = query.measure
    rolled = rollup.rolled(query)
    if not (rolled or measure.watch is not None) or any(_needs(query)):
        return None
    # Her consent is read at each period's end by flows, and by stocks computed live.
    consent = measure.about_survivors and (measure.kind is MeasureKind.flow or not rolled)
    return generations.key(measure.code, consent=consent)


async def _catch_up(
    connection: Any,
    pool: Any,
    measure: Measure,
    parameters: Mapping[str, object] | None,
    *,
    watched: bool = False,
) -> None:
    """Bring a rolled-up measure up to date before its figures are read (a watched one: note
    whether what it reads changed): in a transaction of its own on a side connection when
    there are some (committed, so the snapshot the figures are read on holds it, and the lock
    on the measure is held briefly), else in the unit's."""
    from persistence.evidence import rollup

    async def run(on: Any) -> None:
        if watched:
            await rollup.note_changes(on, measure)
        else:
            await rollup.catch_up(on, measure, parameters)

    if pool is not None and connection.is_in_transaction():
        async with pool.acquire(timeout=SIDE_ACQUIRE_SECONDS) as side:
            async with side.transaction():
                await run(side)
    elif connection.is_in_transaction():
        await run(connection)
    else:
        async with connection.transaction():
            await run(connection)


def _statement(query: CubeQuery) -> tuple[str, list[Any]]:
    from persistence.evidence import rollup

    bind = Binder()
    if rollup.rolled(query) and query.measure.kind is MeasureKind.stock:
        return rollup.rolled_stock_sql(query, bind), bind.values
    if query.measure.kind is MeasureKind.flow:
        sql = flow_sql(query, bind)
    else:
        if query.aggregate in PERCENTILES:
            raise ValueError("a stock has no median or percentile")
        sql = stock_sql(query, bind)
    return sql, bind.values


async def _fetch(connection: Any, sql: str, values: list[Any]) -> list[Any]:
    """One statement on the unit's connection, with the planner settings for the rest of its
    transaction (or for a read-only transaction of its own when it has none)."""
    if connection.is_in_transaction():
        await connection.execute(PLANNER_SETTINGS)
        return list(await connection.fetch(sql, *values))
    async with connection.transaction(readonly=True):
        await connection.execute(PLANNER_SETTINGS)
        return list(await connection.fetch(sql, *values))


# How long a side connection is waited for before the figures fail (as the fast lane's).
SIDE_ACQUIRE_SECONDS = 30.0
_SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")


async def _side_by_side(
    pool: Any, snapshot: str, statements: Sequence[tuple[str, list[Any]]]
) -> list[list[Any]]:
    """Each statement on one of the pool's connections, as many at once as it has, each
    connection in a read-only transaction on ``snapshot`` (exported by the request's open
    transaction), taking the next statement when it is done."""
    if not _SNAPSHOT_ID.match(snapshot):  # pragma: no cover - PostgreSQL's own format
        raise ValueError("unexpected snapshot id")
    found: list[list[Any] | None] = [None] * len(statements)
    waiting = iter(range(len(statements)))

    async def worker() -> None:
        async with pool.acquire(timeout=SIDE_ACQUIRE_SECONDS) as connection:
            async with connection.transaction(isolation="repeatable_read", readonly=True):
                await connection.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                await connection.execute(PLANNER_SETTINGS)
                for index in waiting:
                    sql, values = statements[index]
                    found[index] = list(await connection.fetch(sql, *values))

    workers = min(len(statements), pool.get_max_size())
    await asyncio.gather(*(worker() for _ in range(workers)))
    return [rows if rows is not None else [] for rows in found]


def cube_of(query: CubeQuery, rows: Sequence[Any], *, computed_at: datetime | None = None) -> Cube:
    width = len(query.breakdowns)
    excluded = 0
    cells: list[CubeCell] = []
    for row in rows:
        if row["idx"] == 0:
            excluded = int(row["n"] or 0)
            continue
        margins = int(row["margins"])
        margin = tuple(bool(margins >> (width - 1 - i) & 1) for i in range(width))
        key = tuple(None if margin[i] else row[f"b{i}"] for i in range(width))
        amount = row["amount"]
        cells.append(
            CubeCell(
                period=int(row["idx"]) - 1,
                key=key,
                margin=margin,
                count=int(row["n"] or 0),
                people=int(row["people"] or 0),
                amount=None if amount is None else Decimal(amount),
            )
        )
    if query.measure.kind is MeasureKind.stock:
        cells = _running(cells, len(query.periods))
    return Cube(cells=cells, excluded=excluded, computed_at=computed_at)


def _running(deltas: list[CubeCell], periods: int) -> list[CubeCell]:
    """A stock's figures per period: the running sum of its changes."""
    by_key: dict[tuple[tuple[str | None, ...], tuple[bool, ...]], dict[int, CubeCell]] = {}
    for cell in deltas:
        by_key.setdefault((cell.key, cell.margin), {})[cell.period] = cell
    cells: list[CubeCell] = []
    for (key, margin), changes in by_key.items():
        count = people = 0
        amount: Decimal | None = None
        for period in range(periods):
            change = changes.get(period)
            if change is not None:
                count += change.count
                people += change.people
                if change.amount is not None:
                    amount = (amount or Decimal(0)) + change.amount
            if count or people or amount:
                cells.append(CubeCell(period, key, margin, count, people, amount))
    return cells
