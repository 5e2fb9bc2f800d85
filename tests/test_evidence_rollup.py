"""Rolled-up measures (persistence/evidence/rollup.py), stocks read from their deltas and
flows from their stored facts, give exactly the live cube's figures after every kind of change
to what they are computed from: registrations, cases opened, moved, closed and reopened, visits
planned, done and missed, assessments, goals, plan agreements, legal proceedings, income and
livelihoods, a case moved to another district or removed, a survivor removed, consent to
reporting given late, withdrawn and renewed, consent to case management withdrawn; the changes
mark the units they touch in their own transaction; every table a rolled-up measure reads has
its triggers."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from domain.common.principal import Role
from domain.common.settings import Settings
from domain.evidence.parameters import measure_parameters
from domain.evidence.periods import Period, PeriodKind, periods
from persistence.clock import FixedClock, using
from persistence.database import Database
from persistence.evidence import rollup
from persistence.evidence.cube import (
    Aggregate,
    Cube,
    CubeQuery,
    PeriodBounds,
    _statement,
    cube_of,
)
from persistence.evidence.measure import Measure, MeasureKind
from persistence.evidence.measures import MEASURES
from tests.evidence_world import EvidenceWorld, evidence_fixtures, ist
from tests.factories import NORTH_24, SOUTH_24, WEST_BENGAL, Factory

TODAY = date(2026, 9, 10)
REFERRAL = UUID("5e0a1f62-8f0e-4f38-9d0b-6d0f6a1c2b01")
PARAMETERS = measure_parameters()
ROLLED = [m for m in MEASURES.values() if m.rollup is not None]
# Rolled up, or watched (computed live, answers kept until a source changes).
KEPT = [m for m in MEASURES.values() if m.sources]


clock, world = evidence_fixtures()


def _shapes(measure: Measure) -> list[tuple[tuple[str, ...], dict[str, list[str]]]]:
    """Breakdowns and filters to compare: places, each of the measure's own dimensions alone,
    beside a place and as a filter; for flows, her sex and age band too."""
    shapes: list[tuple[tuple[str, ...], dict[str, list[str]]]] = [
        ((), {}),
        (("district",), {}),
        (("state", "district"), {}),
        ((), {"district": [str(NORTH_24)]}),
        ((), {"state": [str(WEST_BENGAL)]}),
    ]
    for dimension in measure.dims:
        shapes += [((dimension.name,), {}), (("district", dimension.name), {})]
        if dimension.values:
            shapes.append(((), {dimension.name: list(dimension.values[:2])}))
    if measure.kind is MeasureKind.flow and measure.about_survivors:
        shapes += [(("sex",), {}), (("age_band", "district"), {})]
    if measure.has_block:
        shapes.append((("block",), {}))
    return shapes


def _aggregates(measure: Measure) -> list[Aggregate]:
    if measure.amount is None:
        return ["count"]
    return ["count", "sum"] if measure.kind is MeasureKind.stock else ["count", "sum", "median"]


def queries(organizations: tuple[UUID, ...]) -> list[CubeQuery]:
    """Queries the roll-ups answer: months, a quarter, a range ending today; by place, by
    each dimension, filtered; every aggregate the measure has."""
    months = periods(PeriodKind.month, date(2026, 3, 1), TODAY)
    quarters = periods(PeriodKind.fy_quarter, date(2026, 4, 1), TODAY)
    ranges = [
        Period("a", date(2026, 4, 15), date(2026, 6, 20)),
        Period("b", date(2026, 6, 21), TODAY),
    ]
    found = []
    for measure in ROLLED:
        for period_list in (months, quarters, ranges):
            bounds = [
                PeriodBounds(p.starts_on, p.ends_on, p.evaluated_on(TODAY)) for p in period_list
            ]
            for breakdowns, filters in _shapes(measure):
                for aggregate in _aggregates(measure):
                    query = CubeQuery(
                        measure=measure,
                        organization_ids=organizations,
                        periods=bounds,
                        breakdowns=breakdowns,
                        filters=filters,
                        aggregate=aggregate,
                        today=TODAY,
                        parameters=PARAMETERS,
                    )
                    assert rollup.rolled(query), (measure.code, breakdowns)
                    found.append(query)
    return found


@contextlib.asynccontextmanager
async def committed_world(settings: Settings, database: Database) -> AsyncIterator[EvidenceWorld]:
    """A world on a database whose commits are real, served by an app with an evidence pool:
    catch-ups commit on a side connection (answers are kept only then), as in production."""
    app = create_app(settings.model_copy(update={"evidence_connections": 2}), database=database)
    clock = FixedClock(ist(2026, 1, 1))
    with using(clock):
        async with app.router.lifespan_context(app):
            assert database.evidence_pool is not None
            transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                factory = Factory(app.state.container, database)
                yield await EvidenceWorld(client, factory, clock).build()


def statements_run(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The cube statements run from now on (kept answers given again run none)."""
    from persistence.evidence import cube

    executed: list[str] = []
    fetch = cube._fetch

    async def counted(connection: Any, sql: str, values: list[Any]) -> list[Any]:
        executed.append(sql)
        return await fetch(connection, sql, values)

    monkeypatch.setattr(cube, "_fetch", counted)
    return executed


async def forget_answers(w: EvidenceWorld) -> None:
    """No answer kept (as on a new database)."""
    async with w.factory.uow() as uow:
        await (await uow.driver()).execute("DELETE FROM evidence_answer")


def shown(cube: Cube) -> tuple[Any, ...]:
    cells = sorted(
        ((c.period, c.key, c.margin, c.count, c.people, c.amount) for c in cube.cells), key=repr
    )
    return tuple(cells), cube.excluded


async def compare(world: EvidenceWorld) -> dict[str, int]:
    """Every query, live (the measure's own SQL over every record) and from the roll-up
    (brought up to date first): the same cells and left-out counts. The cells compared, by
    measure."""
    compared: dict[str, int] = {}
    async with world.factory.uow() as uow:
        connection = await uow.driver()
        for measure in ROLLED:
            await rollup.catch_up(connection, measure, PARAMETERS)
        for query in queries((world.org, world.partner)):
            live_query = dataclasses.replace(
                query, measure=dataclasses.replace(query.measure, rollup=None)
            )
            live_sql, live_values = _statement(live_query)
            rolled_sql, rolled_values = _statement(query)
            assert live_sql != rolled_sql
            live = await connection.fetch(live_sql, *live_values)
            rolled = await connection.fetch(rolled_sql, *rolled_values)
            expected, found = shown(cube_of(query, live)), shown(cube_of(query, rolled))
            assert found == expected, (
                query.measure.code,
                query.breakdowns,
                query.filters,
                query.aggregate,
            )
            code = query.measure.code
            compared[code] = compared.get(code, 0) + len(expected[0])
        left = await connection.fetchval(
            "SELECT count(*) FROM evidence_dirty WHERE measure = ANY($1::text[])",
            [m.code for m in ROLLED],
        )
        assert left == 0
    return compared


async def marks_of(connection: AsyncConnection, statement: str, **values: object) -> set[int]:
    """Run ``statement``; how many times it marked each unit of each measure (an UPDATE reads
    its old and new rows together: once, revision 0036)."""
    last = await connection.scalar(sa.text("SELECT coalesce(max(id), 0) FROM evidence_dirty"))
    await connection.execute(sa.text(statement), values)
    rows = await connection.execute(
        sa.text("SELECT count(*) FROM evidence_dirty WHERE id > :last GROUP BY measure, unit_key"),
        {"last": last},
    )
    return {row[0] for row in rows}


async def marked(connection: AsyncConnection, unit: UUID) -> set[str]:
    rows = await connection.execute(
        sa.text("SELECT DISTINCT measure FROM evidence_dirty WHERE unit_key = :u"), {"u": unit}
    )
    return {row[0] for row in rows}


CASE_MEASURES = {
    "case_stages",
    "compensation",
    "case_closures",
    "agreed_plans",
    "goals_achieved",
    "followups_done",
    "followups_overdue",
    "assessment_changes",
    "case_stage_days",
    "legal_proceedings",
    "complete_case_records",
    "case_record_gaps",
    "recording_delays",
}
# Measures computed live that read the cases, watched: a case's change marks them too.
CASE_WATCHERS = {"identification_cases"}
# And those that read her survivor record and the trainings' participants.
TRAINING_WATCHERS = {"training_participants", "training_score_gains"}
# And those that read a group's record or its books (they keep their marks until their own
# figures are next read).
SHG_WATCHERS = {"shg_grades", "shgs_formed", "shg_meetings"}


async def test_rolled_up_measures_are_the_live_figures_after_every_change(
    world: EvidenceWorld, connection: AsyncConnection, clock: FixedClock
) -> None:
    w = world
    s1 = await w.register(ist(2026, 3, 20))
    s2 = await w.register(ist(2026, 4, 2), district=NORTH_24, sex="male", age=47)
    late = await w.register(ist(2026, 4, 9), reporting=False)
    c1 = await w.open_case(s1, ist(2026, 3, 25), identified_on="2026-03-01")
    c2 = await w.open_case(s2, ist(2026, 4, 3), district=NORTH_24)
    c3 = await w.open_case(late, ist(2026, 4, 10), recruitment_method="job_offer")
    await w.move(c1, "assessment", ist(2026, 4, 1))
    await w.assess(c1, "cbr_matrix", date(2026, 4, 2), ist(2026, 4, 2), {}, 1)
    await w.move(c2, "closed", ist(2026, 4, 20), closure_reason="relocated")
    v1 = await w.plan_visit(c1, date(2026, 4, 10), ist(2026, 4, 3))
    await w.visit_made(c3, ist(2026, 4, 12, 23, 30), planned_on=date(2026, 4, 12))
    await w.plan(s1, ist(2026, 4, 5))
    await w.income(s1, date(2026, 4, 1), 250_000)
    await w.income(s2, date(2026, 4, 1), 0)
    # The first figures build the roll-ups.
    first = await compare(w)
    assert {"survivors", "case_stages", "case_closures", "followups_overdue"} <= {
        code for code, cells in first.items() if cells
    }

    # Each change marks what it touches (in its own transaction); the next figures follow.
    await w.move(c1, "planning", ist(2026, 5, 2))
    # A transition changes the case's row too: every measure of cases marks it.
    assert await marked(connection, c1) == CASE_MEASURES | CASE_WATCHERS
    await w.assess(c1, "cbr_matrix", date(2026, 5, 3), ist(2026, 5, 4), {}, 3)
    g1 = await w.goal(c1, "livelihood", ist(2026, 5, 4, 10))
    await w.agree_plan(c1, ist(2026, 5, 5), agreed_on=date(2026, 5, 4))
    await w.goal_moves(c1, g1, ist(2026, 5, 10), status="in_progress")
    await w.goal_moves(c1, g1, ist(2026, 5, 20), status="achieved", achieved_on=date(2026, 5, 19))
    await w.visit_outcome(c1, v1, "done", ist(2026, 5, 16), done_at=ist(2026, 5, 15, 10))
    v2 = await w.plan_visit(c3, date(2026, 5, 20), ist(2026, 5, 10))
    await w.visit_outcome(c3, v2, "missed", ist(2026, 6, 2))
    await w.move(c1, "active", ist(2026, 5, 15))
    await w.move(c2, "reopened", ist(2026, 5, 20))
    await w.move(c3, "assessment", ist(2026, 5, 21))
    p1 = await w.proceeding(c1, ist(2026, 5, 22), status="investigation")
    await w.proceeding_changes(c1, p1, ist(2026, 6, 5), status="chargesheet")
    await w.activity(s2, ist(2026, 5, 25), date(2026, 5, 1), date(2026, 5, 20))
    await w.income(s1, date(2026, 5, 1), 300_000)
    # A group's books: members, a loan disbursed and repaid, savings, a reversal.
    g = await w.shg(ist(2026, 4, 20))
    m1 = await w.member(g, date(2026, 4, 20), survivor=s1)
    m2 = await w.member(g, date(2026, 4, 20), name="Wahida")
    await w.entry(g, "revolving_fund_receipt", 1_500_000, date(2026, 4, 21))
    await w.entry(g, "bank_withdrawal", 500_000, date(2026, 4, 22))
    loan = await w.loan(g, m2, 300_000, 3, date(2026, 4, 22))
    await w.meeting(g, date(2026, 4, 25), {m1: 2000, m2: 2000}, disbursals=[loan])
    await w.meeting(
        g, date(2026, 5, 25), {m1: 2000}, absent=[m2], repayments=[(loan, 100_000, 6000)]
    )
    mistake = await w.entry(g, "savings_deposit", 500, date(2026, 5, 26), member=m1)
    await w.reverse(g, mistake, date(2026, 5, 27))
    # The loan repaid early (due 25 May, 25 June, 25 July): closed on 30 May, its June and
    # July instalments are not due.
    await w.meeting(g, date(2026, 5, 30), {m1: 2000}, absent=[m2], repayments=[(loan, 200_000, 0)])
    # Leaders trained: a member of a leader group by her survivor record, one by her account,
    # an account with the role survivor_leader in no group; and a survivor whose membership
    # ended before she completed it (not a leader that day).
    w.at(ist(2026, 5, 31))
    leaders = await w.leader_group("Leaders of South 24")
    await w.join(leaders, "2026-04-01", survivor=s1)
    await w.join(leaders, "2026-04-01", user=w.leader)
    left = await w.join(leaders, "2026-04-01", survivor=s2)
    await w.leave(leaders, left, "2026-05-01")
    leader2 = await w.factory.user(w.org, Role.survivor_leader)
    course = await w.leadership_training("leadership", "2026-05-01")
    await w.completes(course, "2026-05-10", survivor=s1)
    await w.completes(course, "2026-05-12", user=w.leader)
    by_role = await w.completes(course, "2026-05-14", user=leader2)
    after_leaving = await w.completes(course, "2026-05-15", survivor=s2)
    # Entitlement applications, one left to stall.
    a1 = await w.apply(s1, "lakshmir_bhandar", ist(2026, 5, 2), applied_on=date(2026, 5, 2))
    a1 = await w.advance(a1, ist(2026, 5, 3, 11), to="under_process")
    a2 = await w.apply(s2, "pm_jan_dhan", ist(2026, 5, 10), applied_on=date(2026, 5, 10))
    a2 = await w.advance(a2, ist(2026, 5, 12), to="under_process")
    a2 = await w.advance(a2, ist(2026, 5, 13), to="sanctioned")
    a2 = await w.advance(a2, ist(2026, 5, 20), to="partly_received", amount_paise=100_000)
    # A bank account; a referral made, accepted and completed (its
    # rows written straight: the referral's own rules are tests/test_referrals.py's).
    await w.bank_account(s1, ist(2026, 5, 6), since=date(2026, 5, 5))
    await connection.execute(
        sa.text(
            "INSERT INTO referral (organization_id, id, district_id, case_id, survivor_id,"
            " receiving_organization_id, service_kind, urgency, reason_enc, shared_enc,"
            " consent_overridden, status, created_at) VALUES (:o, :r, :d, :c, :s, :p,"
            " 'counselling', 'routine', '', '', false, 'completed', :at)"
        ),
        {
            "o": w.org,
            "r": REFERRAL,
            "d": SOUTH_24,
            "c": c1,
            "s": s1,
            "p": w.partner,
            "at": ist(2026, 5, 7),
        },
    )
    for status, day in (("accepted", 9), ("completed", 30)):
        await connection.execute(
            sa.text(
                "INSERT INTO referral_status_change (id, referral_id, organization_id,"
                " to_status, occurred_at) VALUES (gen_random_uuid(), :r, :o, :t, :at)"
            ),
            {"r": REFERRAL, "o": w.org, "t": status, "at": ist(2026, 5, day)},
        )
    await compare(w)
    await w.advance(a2, ist(2026, 7, 1), to="received", amount_paise=100_000)
    assert await marked(connection, UUID(a2["id"])) == {
        "entitlement_stalls",
        "entitlement_applications",
        "entitlement_receipts",
    }
    assert await marks_of(
        connection, "UPDATE referral SET deleted_at = now() WHERE id = :r", r=REFERRAL
    ) == {1}
    assert await marked(connection, REFERRAL) == {
        "referrals",
        "referral_steps",
        "referral_completion_days",
    }

    # Her consent to reporting, given late: every piece of hers is marked, in every stock;
    # her consent to case management withdrawn: each of her cases' records.
    w.at(ist(2026, 6, 1))
    await w.consent(late, "aggregate_reporting")
    assert {"case_stages", "followups_overdue"} <= await marked(connection, c3)
    assert await marked(connection, late) == {"survivors"} | TRAINING_WATCHERS
    await w.withdraw(s1, "case_management", ist(2026, 6, 8))
    assert {"complete_case_records", "case_record_gaps"} <= await marked(connection, c1)
    await compare(w)

    # Withdrawn, then given again; a new registration; a closure.
    await w.withdraw_reporting(s1, ist(2026, 6, 10))
    w.at(ist(2026, 7, 5))
    await w.consent(s1, "aggregate_reporting")
    s4 = await w.register(ist(2026, 7, 6), district=NORTH_24)
    c4 = await w.open_case(
        s4,
        ist(2026, 7, 7),
        district=NORTH_24,
        identified_on="2026-07-01",
        recruitment_method="job_offer",
    )
    await w.visit_made(c4, ist(2026, 7, 8))
    await w.proceeding_changes(
        c1,
        p1,
        ist(2026, 7, 12),
        compensation_awarded_paise=1_00_000,
        compensation_awarded_on=date(2026, 7, 10),
    )
    await w.move(c1, "closed", ist(2026, 8, 1), closure_reason="goals_achieved")
    # A loan whose instalments fall due after the queries' today (20 September, October,
    # November): not due yet, though September's period holds the first.
    late_loan = await w.loan(g, m1, 90_000, 3, date(2026, 8, 15))
    await w.meeting(g, date(2026, 8, 20), {m1: 2000, m2: 2000}, disbursals=[late_loan])
    await compare(w)

    # Changes outside the services, each marking exactly what it touches: an instalment
    # removed (its loan names the group), the loan removed; a sign-in (no leader's: marks
    # nothing), a leader's role changed, a membership's end moved past her completion, the
    # training's topic changed (every participation of it).
    # (SHGs by grade, watched, keep their marks until their own figures are next read.)
    assert await marked(connection, g) <= SHG_WATCHERS
    await connection.execute(
        sa.text("DELETE FROM shg_loan_instalment WHERE loan_id = :l AND number = 3"),
        {"l": late_loan},
    )
    assert await marked(connection, g) - SHG_WATCHERS == {"shg_principal_due"}
    await connection.execute(
        sa.text("UPDATE shg_loan SET deleted_at = now() WHERE id = :l"), {"l": late_loan}
    )
    assert await marked(connection, g) - SHG_WATCHERS == {
        "shg_savings",
        "shg_loans_outstanding",
        "shg_principal_repaid",
        "shg_principal_due",
    }
    await connection.execute(
        sa.text("UPDATE app_user SET last_login_at = now() WHERE id = ANY(:u)"),
        {"u": [w.pm.id, w.sw.id]},
    )
    assert not await connection.scalar(
        sa.text("SELECT count(DISTINCT unit_key) FROM evidence_dirty WHERE measure = :m"),
        {"m": "leader_training_completions"},
    )
    assert await marks_of(
        connection, "UPDATE app_user SET role = 'analyst' WHERE id = :u", u=leader2.id
    ) == {1}
    assert await marked(connection, by_role) - TRAINING_WATCHERS == {"leader_training_completions"}
    await connection.execute(
        sa.text("UPDATE leader_group_member SET left_on = '2026-06-01' WHERE id = :m"),
        {"m": left},
    )
    assert await marked(connection, after_leaving) - TRAINING_WATCHERS == {
        "leader_training_completions"
    }
    assert (
        await connection.scalar(
            sa.text("SELECT count(DISTINCT unit_key) FROM evidence_dirty WHERE measure = :m"),
            {"m": "leader_training_completions"},
        )
        == 2
    )
    await connection.execute(
        sa.text("UPDATE training SET topic = 'public_speaking' WHERE id = :t"), {"t": course}
    )
    assert (
        await connection.scalar(
            sa.text("SELECT count(DISTINCT unit_key) FROM evidence_dirty WHERE measure = :m"),
            {"m": "leader_training_completions"},
        )
        == 4
    )
    await compare(w)

    # Records changed outside the services: a case moved to another district, a case and a
    # survivor removed (soft), a transition removed, an instrument's code changed.
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
    assert CASE_MEASURES <= await marked(connection, c4)
    assert await marked(connection, s2) - TRAINING_WATCHERS == {
        "survivors",
        "registrations",
        "livelihood_explorers",
        "monthly_income",
        "shg_survivors",
        "bank_accounts_opened",
    }
    await connection.execute(
        sa.text(
            "UPDATE assessment_instrument SET code = code || '_v2'"
            " WHERE id = (SELECT instrument_id FROM assessment WHERE case_id = :c LIMIT 1)"
        ),
        {"c": c1},
    )
    assert "assessment_changes" in await marked(connection, c1)
    await connection.execute(
        sa.text("UPDATE shg SET district_id = :d WHERE id = :g"), {"d": NORTH_24, "g": g}
    )
    assert await marked(connection, g) - SHG_WATCHERS == {
        "shg_savings",
        "shg_loans_outstanding",
        "shg_principal_repaid",
        "shg_principal_due",
    }
    last = await compare(w)
    assert sum(last.values()) > 0
    # Every rolled-up measure was compared on some cells.
    assert {code for code, cells in last.items() if cells} >= {
        "survivors",
        "case_stages",
        "case_closures",
        "agreed_plans",
        "goals_achieved",
        "followups_done",
        "followups_overdue",
        "assessment_changes",
        "case_stage_days",
        "legal_proceedings",
        "complete_case_records",
        "case_record_gaps",
        "recording_delays",
        "livelihood_explorers",
        "monthly_income",
        "shg_savings",
        "shg_loans_outstanding",
        "shg_principal_repaid",
        "shg_principal_due",
        "leader_training_completions",
        "entitlement_stalls",
        "entitlement_applications",
        "entitlement_receipts",
        "registrations",
        "compensation",
        "shg_survivors",
        "bank_accounts_opened",
    }


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
            "INSERT INTO evidence_piece (measure, organization_id, rollup_key, unit_key, dims,"
            " stretch, consented) VALUES ('survivors', :o, gen_random_uuid(),"
            " gen_random_uuid(), '{}', '[2026-01-01,)', true)"
        ),
        {"o": world.org},
    )
    # And a flow's facts: a stale one is thrown away too.
    await connection.execute(sa.text("UPDATE evidence_rollup SET digest = 'an older definition'"))
    await connection.execute(
        sa.text(
            "INSERT INTO evidence_fact (measure, organization_id, rollup_key, unit_key, dims,"
            " on_date) VALUES ('case_closures', :o, gen_random_uuid(), gen_random_uuid(),"
            " '{goals_achieved}', '2026-03-25')"
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
    found = await connection.execute(
        sa.text(
            "SELECT t.tgname, c.relname, encode(t.tgargs, 'escape'), p.proname FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE t.tgname LIKE 'evidence_dirty_%'"
        )
    )
    # By what they mark: (table, measure, column or query, condition) -> function, names.
    rows = found.all()
    triggers: dict[tuple[str, ...], tuple[str, list[str]]] = {}
    for name, table, arguments, function in rows:
        listed = [*arguments.split("\\000"), "", ""]
        key = (table, listed[0], listed[1], listed[2])
        triggers.setdefault(key, (function, []))[1].append(name)
    for measure in ROLLED:
        assert "{units}" in measure.sql, measure.code
        assert "rollup_key" in measure.sql, measure.code
        assert "{today}" not in measure.sql, measure.code
        assert "{days}" not in measure.sql, measure.code
    for measure in KEPT:
        for source in measure.sources:
            unit = source.unit if source.via is None else source.via
            key = (source.table, measure.code, unit, source.condition or "")
            assert key in triggers, key
            function, names = triggers[key]
            wanted = "evidence_mark_dirty" if source.via is None else "evidence_mark_dirty_via"
            assert function == wanted, key
            # Inserts, updates and deletes (names cut to PostgreSQL's 63 characters keep
            # their suffixes).
            assert sorted(name[-4:] for name in names) == ["_del", "_ins", "_upd"], key
    consent = {name for name, table, _, _ in rows if table == "reporting_consent"}
    assert {f"evidence_dirty_consent_reporting_consent_{s}" for s in ("ins", "upd", "del")} <= (
        consent
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


async def test_kept_answers_are_given_again_until_what_they_read_changes(
    settings: Settings, committed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rolled-up measure's answer is computed once per generation of what it reads: asked
    again, no statement runs; after a change to its records, or to her consent (a flow), the
    next answer is computed again and is the live one. Statements reading her sex are never
    kept."""
    async with committed_world(settings, committed_db) as w:
        await _kept_answers(w, monkeypatch)


async def _kept_answers(w: EvidenceWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    from persistence.evidence import cube

    s1 = await w.register(ist(2026, 3, 20))
    s2 = await w.register(ist(2026, 3, 21))
    c1 = await w.open_case(s1, ist(2026, 3, 25))
    c2 = await w.open_case(s2, ist(2026, 3, 26))
    await w.visit_made(c1, ist(2026, 4, 2))
    await w.visit_made(c2, ist(2026, 4, 3))
    await forget_answers(w)
    executed = statements_run(monkeypatch)
    bounds = [
        PeriodBounds(p.starts_on, p.ends_on, p.evaluated_on(TODAY))
        for p in periods(PeriodKind.month, date(2026, 3, 1), date(2026, 6, 30))
    ]
    visits = CubeQuery(
        measure=MEASURES["followups_done"],
        organization_ids=(w.org,),
        periods=bounds,
        breakdowns=("district",),
        today=TODAY,
    )
    by_sex = dataclasses.replace(visits, breakdowns=("sex",))

    async def figures(query: CubeQuery) -> tuple[Any, ...]:
        async with w.factory.uow() as uow:
            return shown(await cube.CubeRepository(uow).cube(query))

    async def live(query: CubeQuery) -> tuple[Any, ...]:
        bare = dataclasses.replace(query, measure=dataclasses.replace(query.measure, rollup=None))
        sql, values = _statement(bare)
        async with w.factory.uow() as uow:
            driver = await uow.driver()
            return shown(cube_of(query, await driver.fetch(sql, *values)))

    first = await figures(visits)
    assert len(executed) == 1
    assert await figures(visits) == first == await live(visits)
    assert len(executed) == 1  # given again: nothing ran
    # A visit: its case is recomputed, the generation moves on, the answer is computed again.
    await w.visit_made(c2, ist(2026, 4, 20))
    after_visit = await figures(visits)
    assert len(executed) == 2
    assert after_visit == await live(visits) != first
    # Her consent withdrawn: the facts stay, the flow's answer is computed again.
    await w.withdraw_reporting(s1, ist(2026, 4, 25))
    after_consent = await figures(visits)
    assert len(executed) == 3
    assert after_consent == await live(visits) != after_visit
    # Read by her sex: computed each time.
    await figures(by_sex)
    await figures(by_sex)
    assert len(executed) == 5


async def test_the_worker_keeps_every_roll_up_up_to_date(
    world: EvidenceWorld, connection: AsyncConnection
) -> None:
    """The periodic task recomputes what changed in every rolled-up measure (and builds what
    was never built), so a request finds nothing left to do."""
    from domain.evidence.jobs import ROLLED_UP, WATCHED, keep_rollups
    from domain.jobs.registry import TASKS

    task = next(t for t in TASKS if t.name == "evidence.keep_rollups")
    assert task.cron == "* * * * * */15"
    s1 = await world.register(ist(2026, 3, 20))
    c1 = await world.open_case(s1, ist(2026, 3, 25))
    await keep_rollups(world.factory.database, stalled_days=30)
    built = await connection.execute(sa.text("SELECT measure, generation FROM evidence_rollup"))
    before = dict(built.all())
    assert set(before) == {m.code for m in (*ROLLED_UP, *WATCHED)}
    await world.move(c1, "assessment", ist(2026, 4, 1))
    assert await marked(connection, c1) == CASE_MEASURES | CASE_WATCHERS
    await keep_rollups(world.factory.database, stalled_days=30)
    assert await connection.scalar(sa.text("SELECT count(*) FROM evidence_dirty")) == 0
    after = dict(
        (await connection.execute(sa.text("SELECT measure, generation FROM evidence_rollup"))).all()
    )
    assert {code for code in after if after[code] != before[code]} == (
        CASE_MEASURES | CASE_WATCHERS
    )


def test_every_table_a_kept_measure_reads_is_one_of_its_sources() -> None:
    """A table a rolled-up measure reads but does not watch would leave its roll-up (and the
    answers kept from it) behind the records: every table named in its SQL is a source (the
    consent rule's function reads ``consent``)."""
    import re

    from sqlmodel import SQLModel

    import persistence.models  # noqa: F401  (every table declared)

    tables = set(SQLModel.metadata.tables)
    through_functions = {"consent_in_force_days": "consent"}
    for measure in KEPT:
        named = set(re.findall(r"(?:FROM|JOIN)\s+([a-z_]+)", measure.sql))
        read = {name for name in named if name in tables}
        read |= {table for function, table in through_functions.items() if function in named}
        watched = {source.table for source in measure.sources}
        assert read, measure.code
        assert read <= watched, (measure.code, read - watched)


async def test_a_watched_measures_answers_are_kept_until_what_it_reads_changes(
    settings: Settings, committed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SHGs by grade are graded afresh on every day asked (no roll-up): their answer is kept
    until a group's meeting, books or grading rules change."""
    async with committed_world(settings, committed_db) as w:
        await _watched_answers(w, monkeypatch)


async def _watched_answers(w: EvidenceWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    from persistence.evidence import cube

    s1 = await w.register(ist(2026, 1, 5))
    g = await w.shg(ist(2026, 1, 10))
    m1 = await w.member(g, date(2026, 1, 10), survivor=s1)
    m2 = await w.member(g, date(2026, 1, 10), name="Wahida")
    for month in range(1, 7):
        await w.meeting(g, date(2026, month, 15), {m1: 2000, m2: 2000})
    await forget_answers(w)
    executed = statements_run(monkeypatch)
    grades = CubeQuery(
        measure=MEASURES["shg_grades"],
        organization_ids=(w.org,),
        periods=[
            PeriodBounds(p.starts_on, p.ends_on, p.evaluated_on(TODAY))
            for p in periods(PeriodKind.month, date(2026, 6, 1), date(2026, 8, 31))
        ],
        breakdowns=("grade",),
        today=TODAY,
        parameters=PARAMETERS,
    )

    async def figures() -> tuple[Any, ...]:
        async with w.factory.uow() as uow:
            return shown(await cube.CubeRepository(uow).cube(grades))

    first = await figures()
    assert first[0], "the group is graded"
    assert await figures() == first
    assert len(executed) == 1
    # Two months without a meeting: the next figures are computed again, and differ.
    await w.meeting(g, date(2026, 8, 20), {m1: 2000}, absent=[m2])
    again = await figures()
    assert len(executed) == 2
    async with w.factory.uow() as uow:
        driver = await uow.driver()
        sql, values = _statement(grades)
        assert again == shown(cube_of(grades, await driver.fetch(sql, *values)))


async def test_an_instalment_falling_due_after_today_counts_from_its_due_date(
    settings: Settings, committed_db: Database
) -> None:
    """Principal falling due is kept rolled up with every instalment of the schedule, those
    after today too; the figures (answers kept, as in production) count an instalment only
    once the clock reaches its due date (in India: from midnight IST)."""
    async with committed_world(settings, committed_db) as w:
        await _falling_due(w)


async def _falling_due(w: EvidenceWorld) -> None:
    g = await w.shg(ist(2026, 1, 10))
    m1 = await w.member(g, date(2026, 1, 10), name="Rupa")
    await w.entry(g, "revolving_fund_receipt", 500_000, date(2026, 1, 12))
    await w.entry(g, "bank_withdrawal", 200_000, date(2026, 1, 13))
    loan = await w.loan(g, m1, 90_000, 3, date(2026, 1, 20))
    # Disbursed on 25 January: 30,000 of principal due on 25 February, March and April.
    await w.meeting(g, date(2026, 1, 25), {m1: 2000}, disbursals=[loan])
    await forget_answers(w)
    months = {"from": "2026-02-01", "to": "2026-04-30", "period": "month"}

    async def due(on: datetime) -> dict[str, Any]:
        w.at(on)
        answer = await w.values("loan_repayment_rate", **months)
        return {
            c["period"]: c["denominator"]
            for c in answer["cells"]
            if not c["breakdown"] and c["denominator"]
        }

    assert await due(ist(2026, 3, 24)) == {"2026-02": 30_000}
    # Kept: the whole schedule, read up to today by the cube.
    async with w.factory.uow() as uow:
        driver = await uow.driver()
        kept = await driver.fetch(
            "SELECT on_date, amount FROM evidence_fact WHERE measure = 'shg_principal_due'"
            " ORDER BY on_date"
        )
    assert [(r["on_date"], r["amount"]) for r in kept] == [
        (date(2026, 2, 25), 30_000),
        (date(2026, 3, 25), 30_000),
        (date(2026, 4, 25), 30_000),
    ]
    assert await due(ist(2026, 3, 24, 23, 59)) == {"2026-02": 30_000}
    assert await due(ist(2026, 3, 25, 0, 1)) == {"2026-02": 30_000, "2026-03": 30_000}
    assert await due(ist(2026, 5, 1)) == {
        "2026-02": 30_000,
        "2026-03": 30_000,
        "2026-04": 30_000,
    }
