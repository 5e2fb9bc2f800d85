"""Rolled-up measures: figures read from facts, pieces and daily deltas kept as data changes,
instead of computed from every record.

A rolled-up flow keeps its facts (``evidence_fact``: the measure's rows as its SQL gives them,
per unit): the live cube counts them as it counts the measure's own rows, under her consent at
each period's end, for every breakdown and filter; what it no longer pays for is deriving them
(a case's stages from its transitions, an assessment's change from its baseline's JSON).

A stock's figure on day D is the number (or the amount) of the stretches standing on D with
her consent to aggregate reporting in force: the sum, over the days up to D, of the stretches
starting less those ending. So a stock can be kept exactly as per-day deltas per place and
dimension value, and read from them for any days (bench/evidence.py: cases by stage, 400,000
stretches at 100,000 survivors, become some 100,000 deltas; a five-year monthly series by
district reads them once).

How it is kept (migration 0022):

- ``evidence_piece``: each fact's stretch, cut by her consent (days in force, and the rest),
  per unit (``rollup_key``: a case, a survivor). The app computes them with the measure's
  own SQL restricted to the units asked (``{units}``), and the consent cut the live cube uses
  (one rule).
- ``evidence_delta``: per measure, organisation, day, place and dimension values, the
  consented pieces starting less those ending (and their amounts); a statement trigger on
  ``evidence_piece`` keeps it as pieces come and go.
- ``evidence_dirty``: units to recompute. Statement triggers on every table a measure reads
  (``Measure.rollup``) and on ``reporting_consent`` mark the units a change touches, in the
  change's transaction. Before a measure's figures are read, its marked units are recomputed
  (``catch_up``): the marks are taken first, then the pieces computed on a later snapshot, so
  a change committed in between is either seen or still marked. One catch-up per measure at a
  time (a transaction lock); the first, or one after its definition changed, builds every
  unit.

The figures are then exactly those of the live cube (tests/test_evidence_rollup.py compares
them after every kind of change). Breakdowns by sex or age band, and filters by sex, are not
kept: those queries stay live.

Writes that skip triggers (``TRUNCATE``, or ``session_replication_role = replica`` as in
bench/evidence_seed.py) mark nothing: after them, delete the measures' ``evidence_rollup`` rows
and the next figures build the pieces again. Marks wait until a measure's figures are next
read: a measure nobody reads gathers one mark per changed unit meanwhile.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from persistence.evidence.cube import (
    Binder,
    CubeQuery,
    consent_cut,
    cube_select,
)
from persistence.evidence.measure import Measure, MeasureKind

PLACES = ("state", "district", "block")
ALL_ORGANISATIONS = "ARRAY(SELECT o.id FROM organization o)"


def rolled(query: CubeQuery) -> bool:
    """Whether the query can be answered from the measure's roll-up (a flow's stored facts
    answer every query; a stock's deltas keep places and its own dimensions only)."""
    measure = query.measure
    if measure.rollup is None:
        return False
    if measure.kind is MeasureKind.flow:
        return True
    kept = set(PLACES) | {d.name for d in measure.dims}
    return set(query.breakdowns) <= kept and set(query.filters or {}) <= kept


def stored_facts_sql(measure: Measure, orgs: str, code: str) -> str:
    """A rolled-up flow's facts as kept, in the columns its own SQL gives them (``orgs`` and
    ``code``: bound parameters)."""
    dims = "".join(f", x.dims[{i}] AS {d.column}" for i, d in enumerate(measure.dims, start=1))
    return (
        "SELECT x.organization_id, x.district_id, x.block_id, x.survivor_id, x.unit_key,"
        f" x.person_key, x.amount{dims}, x.on_date FROM evidence_fact x"
        f" WHERE x.measure = {code} AND x.organization_id = ANY({orgs})"
    )


def _dims(measure: Measure, alias: str) -> str:
    if not measure.dims:
        return "'{}'::varchar[]"
    return "ARRAY[" + ", ".join(f"{alias}.{d.column}" for d in measure.dims) + "]::varchar[]"


def _bound(measure: Measure) -> dict[str, str]:
    """The measure's parameters, bound after the units ($1) and the code ($2)."""
    return {
        parameter.name: f"${index}::{parameter.cast}"
        for index, parameter in enumerate(measure.parameters, start=3)
    }


def parameter_values(measure: Measure, given: Mapping[str, object] | None) -> list[object]:
    """The values of the measure's parameters, in the order ``pieces_sql`` binds them. Raises
    ValueError for one not given."""
    values = []
    for parameter in measure.parameters:
        if given is None or parameter.name not in given:
            raise ValueError(f"{measure.code} needs the parameter {parameter.name!r}")
        values.append(given[parameter.name])
    return values


def pieces_sql(measure: Measure) -> str:
    """Insert the pieces (a stock) or the facts (a flow) of the units ``$1`` (uuid[]; NULL:
    every unit) of ``measure`` (``$2``), with its parameters from ``$3`` on."""
    facts = measure.sql.format(
        orgs=ALL_ORGANISATIONS, units="$1::uuid[]", today="", **_bound(measure)
    )
    if measure.kind is MeasureKind.flow:
        return (
            "INSERT INTO evidence_fact (measure, organization_id, rollup_key, unit_key,"
            " survivor_id, person_key, district_id, block_id, dims, amount, on_date)"
            " SELECT $2::varchar, f.organization_id, f.rollup_key, f.unit_key, f.survivor_id,"
            f" f.person_key, f.district_id, f.block_id, {_dims(measure, 'f')}, f.amount,"
            f" f.on_date FROM ({facts}) f"
        )
    kept = (
        f"SELECT f.organization_id, f.rollup_key, f.unit_key, f.survivor_id, f.district_id,"
        " f.block_id,"
        f" {_dims(measure, 'f')} AS dims, f.amount, daterange(f.from_date,"
        " CASE WHEN f.to_date < f.from_date THEN f.from_date ELSE f.to_date END) AS span"
        " FROM facts f"
    )
    carried = (
        "f.organization_id, f.rollup_key, f.unit_key, f.survivor_id, f.district_id, f.block_id,"
        " f.dims, f.amount"
    )
    consent = (
        ", consent AS (SELECT r.survivor_id, r.days FROM reporting_consent r)"
        if measure.about_survivors
        else ""
    )
    pieces = consent_cut(carried, consented=measure.about_survivors)
    return (
        f"WITH facts AS ({facts}){consent}, kept AS ({kept}) "
        "INSERT INTO evidence_piece (measure, organization_id, rollup_key, unit_key, survivor_id,"
        " district_id, block_id, dims, amount, stretch, consented)"
        f" SELECT $2::varchar, p.* FROM ({pieces}) p"
    )


def digest(measure: Measure, values: Sequence[object] = ()) -> str:
    """What the pieces are computed with (the definition and the parameters' values): another
    definition, or another value of a rule it takes (a changed stall threshold), builds them
    again."""
    material = pieces_sql(measure) + "\n" + json.dumps(list(values), default=str)
    return hashlib.sha256(material.encode()).hexdigest()


def _kept_in(measure: Measure) -> str:
    return "evidence_fact" if measure.kind is MeasureKind.flow else "evidence_piece"


async def catch_up(
    connection: Any, measure: Measure, parameters: Mapping[str, object] | None = None
) -> None:
    """Recompute the marked units' pieces or facts of ``measure`` (every unit the first time,
    or when its definition or its parameters' values changed), in the connection's
    transaction. ``parameters``: the measure parameters by name (see Measure.parameters)."""
    code = measure.code
    values = parameter_values(measure, parameters)
    table = _kept_in(measure)
    await connection.execute(
        "SELECT pg_advisory_xact_lock(hashtext('evidence_rollup'), hashtext($1))", code
    )
    built = await connection.fetchval("SELECT digest FROM evidence_rollup WHERE measure = $1", code)
    wanted = digest(measure, values)
    if built != wanted:
        await connection.execute("DELETE FROM evidence_dirty WHERE measure = $1", code)
        await connection.execute(f"DELETE FROM {table} WHERE measure = $1", code)
        await connection.execute("DELETE FROM evidence_delta WHERE measure = $1", code)
        await connection.execute("DELETE FROM evidence_month_delta WHERE measure = $1", code)
        await connection.execute(pieces_sql(measure), None, code, *values)
        await connection.execute(
            "INSERT INTO evidence_rollup (measure, digest, built_at) VALUES ($1, $2, now())"
            " ON CONFLICT (measure) DO UPDATE SET digest = $2, built_at = now(),"
            " generation = evidence_rollup.generation + 1",
            code,
            wanted,
        )
        return
    marked = await connection.fetch(
        "DELETE FROM evidence_dirty WHERE measure = $1 RETURNING unit_key", code
    )
    if not marked:
        return
    units = sorted({row["unit_key"] for row in marked})
    await connection.execute(
        f"DELETE FROM {table} WHERE measure = $1 AND rollup_key = ANY($2::uuid[])",
        code,
        units,
    )
    await connection.execute(pieces_sql(measure), units, code, *values)
    # What it keeps changed: answers computed before are not given again (answers.py).
    await connection.execute(
        "UPDATE evidence_rollup SET generation = generation + 1 WHERE measure = $1", code
    )


async def note_changes(connection: Any, measure: Measure) -> None:
    """For a watched measure (computed live, ``Measure.watch``): when any table it reads
    changed since its figures were last asked (marks taken), move its generation on, so
    that answers kept from before are not given again (answers.py). The first time, start
    its generation."""
    code = measure.code
    await connection.execute(
        "SELECT pg_advisory_xact_lock(hashtext('evidence_rollup'), hashtext($1))", code
    )
    changed = await connection.fetchval(
        "WITH taken AS (DELETE FROM evidence_dirty WHERE measure = $1 RETURNING 1)"
        " SELECT count(*) FROM taken",
        code,
    )
    await connection.execute(
        "INSERT INTO evidence_rollup (measure, digest, built_at) VALUES ($1, $2, now())"
        " ON CONFLICT (measure) DO UPDATE SET generation = evidence_rollup.generation + 1"
        " WHERE $3",
        code,
        hashlib.sha256(measure.sql.encode()).hexdigest(),
        bool(changed),
    )


def _month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def _column(measure: Measure, name: str, alias: str) -> str:
    if name == "state":
        return "dist.state_id"
    if name in ("district", "block"):
        return f"{alias}.{name}_id"
    index = [d.name for d in measure.dims].index(name) + 1
    return f"{alias}.dims[{index}]"


def _key(measure: Measure, name: str, alias: str) -> str:
    """A breakdown's column as the live cube groups it (ids, or words byte by byte)."""
    column = _column(measure, name, alias)
    return column if name in PLACES else f'({column})::text COLLATE "C"'


def _conditions(query: CubeQuery, alias: str, bind: Binder) -> list[str]:
    from uuid import UUID

    conditions = []
    for name, values in sorted((query.filters or {}).items()):
        if name in PLACES:
            ids = bind([UUID(v) for v in values], "::uuid[]")
            conditions.append(f"{_column(query.measure, name, alias)} = ANY({ids})")
        else:
            texts = bind(list(values), "::text[]")
            conditions.append(f"{_column(query.measure, name, alias)} = ANY({texts})")
    return conditions


def _district_join(query: CubeQuery, alias: str) -> str:
    names = set(query.breakdowns) | set(query.filters or {})
    return f" LEFT JOIN district dist ON dist.id = {alias}.district_id" if "state" in names else ""


def rolled_stock_sql(query: CubeQuery, bind: Binder) -> str:
    """The query's cells from the roll-up, as the live stock query gives them: per period
    the deltas up to the day it is read, and the units left out for want of consent."""
    measure = query.measure
    code = bind(measure.code, "::text")
    orgs = bind(list(query.organization_ids), "::uuid[]")
    evaluated = [p.evaluated_on for p in query.periods]
    if evaluated != sorted(evaluated):  # pragma: no cover - periods come in order
        raise ValueError("periods must come in order")
    days = bind(evaluated, "::date[]")
    last_day = bind(evaluated[-1], "::date")
    count = len(query.periods)
    filters = _conditions(query, "x", bind)
    # Months read on a day before their last: their days one by one. Every other month as a
    # whole: all its days fall in the period of its last day.
    split = sorted({day.replace(day=1) for day in evaluated if not _month_end(day)})
    months = bind(split, "::date[]")

    def rows_from(table: str, bucket: str, when: str) -> str:
        columns = "".join(
            f", {_key(measure, b, 'x')} AS b{i}" for i, b in enumerate(query.breakdowns)
        )
        where = " AND ".join(
            [f"x.measure = {code}", f"x.organization_id = ANY({orgs})", when, *filters]
        )
        return (
            f"SELECT width_bucket({bucket}, {days}) + 1 AS idx, x.n AS dn, x.amount AS da,"
            f" true AS consented{columns} FROM {table} x{_district_join(query, 'x')}"
            f" WHERE {where}"
        )

    rows = rows_from(
        "evidence_month_delta",
        "(x.month + interval '1 month')::date - 2",
        f"x.month <= {last_day} AND x.month <> ALL({months})",
    )
    if split:
        rows += " UNION ALL " + rows_from(
            "evidence_delta",
            "x.day - 1",
            f"x.day >= {bind(split[0], '::date')} AND x.day <= {last_day}"
            f" AND date_trunc('month', x.day)::date = ANY({months})",
        )
    first = f"width_bucket(lower(x.stretch) - 1, {days}) + 1"
    after = f"width_bucket(upper(x.stretch) - 1, {days}) + 1"
    unconsented = " AND ".join(
        [f"x.measure = {code}", f"x.organization_id = ANY({orgs})", "NOT x.consented", *filters]
    )
    excluded = (
        f"SELECT count(DISTINCT x.unit_key) FROM evidence_piece x{_district_join(query, 'x')}"
        f" WHERE {unconsented} AND {first} <= {count}"
        f" AND (upper(x.stretch) IS NULL OR {first} < {after})"
    )
    return cube_select(
        ctes=f"rows AS ({rows})",
        breakdowns=len(query.breakdowns),
        measures="sum(dn) AS n, sum(dn) AS people, sum(da)::numeric AS amount",
        excluded=excluded,
    )
