"""Rolled-up stock measures (persistence/evidence/rollup.py) give exactly the live cube's
figures, after every kind of change to what they are computed from: registrations, cases
opened, moved, closed and reopened, a case moved to another district or removed, a survivor
removed, consent to reporting given late, withdrawn and renewed; the changes mark the units
they touch in their own transaction; every table a rolled-up measure reads has its triggers."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.evidence.periods import Period, PeriodKind, periods
from persistence.clock import FixedClock
from persistence.evidence import rollup
from persistence.evidence.cube import (
    Binder,
    Cube,
    CubeQuery,
    PeriodBounds,
    cube_of,
    stock_sql,
)
from persistence.evidence.measures import MEASURES
from tests.evidence_world import EvidenceWorld, evidence_fixtures, ist
from tests.factories import NORTH_24, SOUTH_24, WEST_BENGAL, Factory

TODAY = date(2026, 9, 10)
OPEN_STAGES = ["intake", "assessment", "planning", "active", "monitoring", "reopened"]


clock, world = evidence_fixtures()


def queries(organizations: tuple[UUID, ...]) -> list[CubeQuery]:
    """Stock queries the roll-up answers: months, a quarter, a range ending today; by place,
    by stage, filtered."""
    months = periods(PeriodKind.month, date(2026, 3, 1), TODAY)
    quarters = periods(PeriodKind.fy_quarter, date(2026, 4, 1), TODAY)
    ranges = [
        Period("a", date(2026, 4, 15), date(2026, 6, 20)),
        Period("b", date(2026, 6, 21), TODAY),
    ]
    found = []
    for code in ("survivors", "case_stages"):
        measure = MEASURES[code]
        shapes: list[tuple[tuple[str, ...], dict[str, list[str]]]] = [
            ((), {}),
            (("district",), {}),
            (("state", "district"), {}),
            ((), {"district": [str(NORTH_24)]}),
            ((), {"state": [str(WEST_BENGAL)]}),
        ]
        if code == "case_stages":
            shapes += [
                (("stage",), {}),
                (("district", "stage"), {}),
                (("district",), {"stage": OPEN_STAGES}),
                ((), {"stage": ["closed"]}),
            ]
        for period_list in (months, quarters, ranges):
            bounds = [
                PeriodBounds(p.starts_on, p.ends_on, p.evaluated_on(TODAY)) for p in period_list
            ]
            for breakdowns, filters in shapes:
                query = CubeQuery(
                    measure=measure,
                    organization_ids=organizations,
                    periods=bounds,
                    breakdowns=breakdowns,
                    filters=filters,
                    today=TODAY,
                )
                assert rollup.rolled(query)
                found.append(query)
    return found


def shown(cube: Cube) -> tuple[Any, ...]:
    cells = sorted(
        ((c.period, c.key, c.margin, c.count, c.people, c.amount) for c in cube.cells), key=repr
    )
    return tuple(cells), cube.excluded


async def compare(world: EvidenceWorld) -> int:
    """Every query, live and from the roll-up (brought up to date first): the same cells and
    left-out counts. The number of cells compared."""
    async with world.factory.uow() as uow:
        connection = await uow.driver()
        for code in ("survivors", "case_stages"):
            await rollup.catch_up(connection, MEASURES[code])
        compared = 0
        for query in queries((world.org, world.partner)):
            live_bind, rolled_bind = Binder(), Binder()
            live = await connection.fetch(stock_sql(query, live_bind), *live_bind.values)
            rolled = await connection.fetch(
                rollup.rolled_stock_sql(query, rolled_bind), *rolled_bind.values
            )
            expected, found = shown(cube_of(query, live)), shown(cube_of(query, rolled))
            assert found == expected, (query.measure.code, query.breakdowns, query.filters)
            compared += len(expected[0])
        assert await connection.fetchval("SELECT count(*) FROM evidence_dirty") == 0
    return compared


async def marked(connection: AsyncConnection, unit: UUID) -> set[str]:
    rows = await connection.execute(
        sa.text("SELECT DISTINCT measure FROM evidence_dirty WHERE unit_key = :u"), {"u": unit}
    )
    return {row[0] for row in rows}


async def test_rolled_up_stocks_are_the_live_figures_after_every_change(
    world: EvidenceWorld, connection: AsyncConnection, clock: FixedClock
) -> None:
    w = world
    s1 = await w.register(ist(2026, 3, 20))
    s2 = await w.register(ist(2026, 4, 2), district=NORTH_24)
    late = await w.register(ist(2026, 4, 9), reporting=False)
    c1 = await w.open_case(s1, ist(2026, 3, 25))
    c2 = await w.open_case(s2, ist(2026, 4, 3), district=NORTH_24)
    c3 = await w.open_case(late, ist(2026, 4, 10))
    await w.move(c1, "assessment", ist(2026, 4, 1))
    await w.move(c2, "closed", ist(2026, 4, 20), closure_reason="relocated")
    # The first figures build the roll-up.
    assert await compare(w) > 0

    # A transition marks its case (in its own transaction), and the next figures follow it.
    await w.move(c1, "planning", ist(2026, 5, 2))
    assert await marked(connection, c1) == {"case_stages"}
    await w.move(c1, "active", ist(2026, 5, 15))
    await w.move(c2, "reopened", ist(2026, 5, 20))
    await w.move(c3, "assessment", ist(2026, 5, 21))
    await compare(w)

    # Her consent to reporting, given late: every piece of hers is marked, in both measures.
    w.at(ist(2026, 6, 1))
    await w.consent(late, "aggregate_reporting")
    assert await marked(connection, c3) == {"case_stages"}
    assert await marked(connection, late) == {"survivors"}
    await compare(w)

    # Withdrawn, then given again; a new registration; a closure.
    await w.withdraw_reporting(s1, ist(2026, 6, 10))
    w.at(ist(2026, 7, 5))
    await w.consent(s1, "aggregate_reporting")
    s4 = await w.register(ist(2026, 7, 6), district=NORTH_24)
    c4 = await w.open_case(s4, ist(2026, 7, 7), district=NORTH_24)
    await w.move(c1, "closed", ist(2026, 8, 1), closure_reason="goals_achieved")
    await compare(w)

    # Records changed outside the services: a case moved to another district, a case and a
    # survivor removed (soft), a transition removed.
    await connection.execute(
        sa.text("UPDATE survivor_case SET district_id = :d WHERE id = :c"),
        {"d": SOUTH_24, "c": c4},
    )
    await connection.execute(
        sa.text("UPDATE survivor_case SET deleted_at = now() WHERE id = :c"), {"c": c3}
    )
    await connection.execute(
        sa.text("UPDATE survivor SET deleted_at = :at WHERE id = :s"),
        {"at": ist(2026, 8, 20), "s": s2},
    )
    await connection.execute(
        sa.text(
            "DELETE FROM case_event WHERE id = (SELECT id FROM case_event WHERE case_id = :c"
            " AND kind = 'transition' ORDER BY occurred_at DESC LIMIT 1)"
        ),
        {"c": c2},
    )
    assert await marked(connection, c4) == {"case_stages"}
    assert await marked(connection, s2) == {"survivors"}
    assert await compare(w) > 0


async def test_a_changed_definition_builds_the_pieces_again(
    world: EvidenceWorld, connection: AsyncConnection
) -> None:
    s1 = await world.register(ist(2026, 3, 20))
    await world.open_case(s1, ist(2026, 3, 25))
    await compare(world)
    await connection.execute(sa.text("UPDATE evidence_rollup SET digest = 'an older definition'"))
    # Pieces that no longer match anything: a rebuild throws them away.
    await connection.execute(
        sa.text(
            "INSERT INTO evidence_piece (measure, organization_id, unit_key, dims, stretch,"
            " consented) VALUES ('survivors', :o, gen_random_uuid(), '{}', '[2026-01-01,)',"
            " true)"
        ),
        {"o": world.org},
    )
    await compare(world)
    assert (
        await connection.scalar(
            sa.text("SELECT count(*) FROM evidence_rollup WHERE digest = 'an older definition'")
        )
        == 0
    )


async def test_every_table_a_rolled_up_measure_reads_marks_its_units(
    connection: AsyncConnection,
) -> None:
    rows = await connection.execute(
        sa.text(
            "SELECT t.tgname, c.relname, encode(t.tgargs, 'escape') FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname LIKE 'evidence_dirty_%'"
        )
    )
    triggers = {(name, table): arguments for name, table, arguments in rows}
    for measure in MEASURES.values():
        if measure.rollup is None:
            continue
        assert "{units}" in measure.sql, measure.code
        assert "{today}" not in measure.sql, measure.code
        for source in measure.rollup.sources:
            for suffix in ("ins", "upd", "del"):
                name = f"evidence_dirty_{measure.code}_{source.table}_{suffix}"
                arguments = triggers[(name, source.table)].split("\\000")
                assert arguments[:2] == [measure.code, source.unit], name
                assert (arguments[2] or None) == source.condition, name
    for suffix in ("ins", "upd", "del"):
        assert (f"evidence_dirty_consent_reporting_consent_{suffix}", "reporting_consent") in (
            triggers
        )


async def test_cube_queries_run_without_jit_nested_loops_or_generic_plans(
    factory: Factory,
) -> None:
    """The planner settings every cube query runs under, on the unit's connection. Without
    ``jit = off`` (a connection start-up setting, persistence/database.py) a server built with
    LLVM compiled every cube query, since nested loops off puts every plan's cost far above
    ``jit_above_cost``: 3 s of compiling per indicator."""
    from persistence.database import server_settings
    from persistence.evidence.cube import _fetch

    probe = (
        "SELECT current_setting('jit'), current_setting('enable_nestloop'),"
        " current_setting('plan_cache_mode'), current_setting('work_mem')"
    )
    async with factory.uow() as uow:
        connection = await uow.driver()
        rows = await _fetch(connection, probe, [])
    assert tuple(rows[0]) == ("off", "off", "force_custom_plan", "64MB")
    # The fast lane's and the evidence engine's own pools start the same way.
    assert server_settings("shakti_app")["jit"] == "off"
