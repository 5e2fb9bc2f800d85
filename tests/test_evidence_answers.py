"""Kept answers of the evidence engine (persistence/evidence/answers.py): shared in the
database, computed again by the worker when what they read moved on, given up to
``SHAKTI_EVIDENCE_MAX_AGE_SECONDS`` old after a change of records (never of consent), and
forgotten when nobody asks for them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.common.settings import Settings
from domain.evidence.jobs import keep_rollups
from domain.evidence.periods import PeriodKind, periods
from persistence.database import Database
from persistence.evidence import answers
from persistence.evidence.cube import CubeQuery, CubeRepository, PeriodBounds
from persistence.evidence.measures import MEASURES
from tests.evidence_world import EvidenceWorld, evidence_fixtures, ist, totals
from tests.test_evidence_rollup import committed_world, shown, statements_run

clock, world = evidence_fixtures()

APRIL = {"from": "2026-04-01", "to": "2026-04-30", "period": "month"}
VISITS = "followups_done"


async def _visits_in_april(w: EvidenceWorld) -> tuple[UUID, UUID]:
    """Two survivors, a case each, one visit made in April: the cases."""
    s1 = await w.register(ist(2026, 3, 20))
    s2 = await w.register(ist(2026, 3, 21))
    c1 = await w.open_case(s1, ist(2026, 3, 25))
    c2 = await w.open_case(s2, ist(2026, 3, 26))
    await w.visit_made(c1, ist(2026, 4, 2))
    return c1, c2


async def _kept_rows(w: EvidenceWorld, sql: str) -> Any:
    async with w.factory.uow() as uow:
        return await (await uow.driver()).fetchval(sql)


def _when(answer: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(answer["computed_at"])


async def test_a_figure_up_to_max_age_old_stands_after_records_change_never_after_consent(
    settings: Settings, committed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With SHAKTI_EVIDENCE_MAX_AGE_SECONDS=30: after a visit, the figure kept 10 s before is
    given again (without catching up first), saying when it was computed; 31 s after, it
    is computed again and counts the visit; after a consent changed, it is computed again
    whatever its age."""
    fresh_for_30 = settings.model_copy(update={"evidence_max_age_seconds": 30})
    async with committed_world(fresh_for_30, committed_db) as w:
        _, c2 = await _visits_in_april(w)
        executed = statements_run(monkeypatch)
        asked_at = ist(2026, 5, 1, 10, 0)
        w.at(asked_at)
        first = await w.values(VISITS, **APRIL)
        assert totals(first)["2026-04"] == 1
        assert _when(first) == asked_at
        assert len(executed) == 1

        await w.visit_made(c2, ist(2026, 4, 20))
        w.at(asked_at + timedelta(seconds=10))
        kept = await w.values(VISITS, **APRIL)
        assert len(executed) == 1  # nothing ran
        assert totals(kept)["2026-04"] == 1
        assert _when(kept) == asked_at  # it says how old it is
        marks = "SELECT count(*) FROM evidence_dirty WHERE measure = 'followups_done'"
        assert await _kept_rows(w, marks) > 0  # given without catching up first

        w.at(asked_at + timedelta(seconds=31))
        later = await w.values(VISITS, **APRIL)
        assert len(executed) == 2
        assert totals(later)["2026-04"] == 2
        assert _when(later) == asked_at + timedelta(seconds=31)
        assert await _kept_rows(w, marks) == 0

        s3 = await w.register(asked_at + timedelta(seconds=40))  # a consent: a new generation
        w.at(asked_at + timedelta(seconds=45))
        after_consent = await w.values(VISITS, **APRIL)
        assert len(executed) == 3  # 14 s old, but her consents changed since
        assert _when(after_consent) == asked_at + timedelta(seconds=45)
        assert s3


async def test_without_max_age_every_change_is_counted_at_once(
    settings: Settings, committed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SHAKTI_EVIDENCE_MAX_AGE_SECONDS=0: the figure after a visit counts it, however young
    the kept one."""
    async with committed_world(settings, committed_db) as w:
        assert settings.evidence_max_age_seconds == 0
        _, c2 = await _visits_in_april(w)
        executed = statements_run(monkeypatch)
        w.at(ist(2026, 5, 1, 10, 0))
        assert totals(await w.values(VISITS, **APRIL))["2026-04"] == 1
        await w.visit_made(c2, ist(2026, 4, 20))
        w.at(ist(2026, 5, 1, 10, 1))
        assert totals(await w.values(VISITS, **APRIL))["2026-04"] == 2
        assert len(executed) == 2


async def test_the_worker_computes_again_the_answers_asked_that_moved_on(
    settings: Settings, committed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a change, the worker's cycle computes the asked answer again: the next request
    runs no statement and counts the change, computed when the worker computed it. Answers
    asked more than a day ago are left; those not asked for a week are deleted."""
    async with committed_world(settings, committed_db) as w:
        c1, c2 = await _visits_in_april(w)
        executed = statements_run(monkeypatch)
        w.at(ist(2026, 5, 1, 10, 0))
        assert totals(await w.values(VISITS, **APRIL))["2026-04"] == 1
        assert len(executed) == 1
        assert await _kept_rows(w, "SELECT count(*) FROM evidence_answer") == 1

        await w.visit_made(c2, ist(2026, 4, 20))
        worked_at = ist(2026, 5, 1, 10, 5)
        w.at(worked_at)
        assert await keep_rollups(w.factory.database, stalled_days=45) == 1
        w.at(ist(2026, 5, 1, 10, 6))
        ready = await w.values(VISITS, **APRIL)
        assert len(executed) == 1  # the worker's answer was ready
        assert totals(ready)["2026-04"] == 2
        assert _when(ready) == worked_at
        # Nothing moved: the next cycle computes nothing.
        assert await keep_rollups(w.factory.database, stalled_days=45) == 0

        # Asked two days ago: a change leaves it to the next request.
        two_days_later = ist(2026, 5, 3, 10, 6)
        await w.visit_made(c1, ist(2026, 4, 22))
        w.at(two_days_later)
        assert await keep_rollups(w.factory.database, stalled_days=45) == 0
        assert totals(await w.values(VISITS, **APRIL))["2026-04"] == 3
        assert len(executed) == 2
        # Not asked for a week: forgotten.
        w.at(two_days_later + timedelta(days=7, seconds=1))
        await keep_rollups(w.factory.database, stalled_days=45)
        assert await _kept_rows(w, "SELECT count(*) FROM evidence_answer") == 0


async def test_a_statement_asked_twice_in_one_request_runs_once(
    world: EvidenceWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two indicators reading the same statement (a share's denominator is another
    indicator's figure) cost one statement."""
    await _visits_in_april(world)
    executed = statements_run(monkeypatch)
    query = CubeQuery(
        measure=MEASURES[VISITS],
        organization_ids=(world.org,),
        periods=[
            PeriodBounds(p.starts_on, p.ends_on, p.evaluated_on(date(2026, 5, 1)))
            for p in periods(PeriodKind.month, date(2026, 4, 1), date(2026, 4, 30))
        ],
        breakdowns=("sex",),  # never kept: computed for the request
        today=date(2026, 5, 1),
    )
    async with world.factory.uow() as uow:
        one, two = await CubeRepository(uow).cubes([query, query])
    assert len(executed) == 1
    assert shown(one) == shown(two)
    assert shown(one)[0]


@pytest.mark.parametrize(
    "values",
    [
        [[UUID(int=7), UUID(int=9)], "followups_done", [date(2026, 3, 31), date(2026, 4, 30)]],
        [[1, 2, 14], "2026-04-01", None, True, 30, [Decimal("0.5")], ["on_time", "late"]],
        [[], 1.5, {"x": 1}.get("y")],
    ],
)
def test_statement_values_are_kept_with_their_types(values: list[object]) -> None:
    """The worker runs a kept statement again with the values it was asked with: dates stay
    dates, uuids uuids, decimals decimals (a text of the same digits would not bind)."""
    import json

    again = [answers.decoded(v) for v in json.loads(json.dumps(answers.encoded(values)))]
    assert again == values
    assert [type(v) for v in again] == [type(v) for v in values]
    assert answers.statement_key("SELECT $1", values) != answers.statement_key("SELECT $2", values)


async def test_a_measure_computed_live_is_kept_until_a_table_it_reads_changes(
    settings: Settings, committed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Campaigns are counted live (no roll-up), watched: asked again, the answer kept is
    given; after a campaign is recorded, it is computed again and counts it."""
    async with committed_world(settings, committed_db) as w:
        w.at(ist(2026, 4, 10))
        await w.campaign("2026-04-05", "rally", women=40, men=10)
        executed = statements_run(monkeypatch)
        w.at(ist(2026, 5, 1))
        first = await w.values("campaigns_held", **APRIL)
        assert await w.values("campaigns_held", **APRIL) == first
        assert totals(first)["2026-04"] == 1
        assert len(executed) == 1
        w.at(ist(2026, 5, 2))
        await w.campaign("2026-04-20", "street_play", youth=25)
        w.at(ist(2026, 5, 3))
        assert totals(await w.values("campaigns_held", **APRIL))["2026-04"] == 2
        assert len(executed) == 2


async def test_a_kept_statement_that_no_longer_runs_is_forgotten_not_fatal(
    settings: Settings, committed_db: Database
) -> None:
    """An answer kept by an earlier version whose statement no longer runs (a column gone)
    is dropped by the worker's cycle, which computes the others again all the same."""
    async with committed_world(settings, committed_db) as w:
        _, c2 = await _visits_in_april(w)
        w.at(ist(2026, 5, 1, 10, 0))
        await w.values(VISITS, **APRIL)
        async with w.factory.uow() as uow:
            await (await uow.driver()).execute(
                "INSERT INTO evidence_answer (statement_hash, measure, statement, bound, read,"
                " consent_generation, rows, computed_at, asked_at)"
                " SELECT sha256('gone'::bytea), measure, 'SELECT no_such_column FROM"
                " evidence_fact', '[]', read, consent_generation, rows, computed_at,"
                " asked_at FROM evidence_answer"
            )
        await w.visit_made(c2, ist(2026, 4, 20))
        w.at(ist(2026, 5, 1, 10, 5))
        assert await keep_rollups(w.factory.database, stalled_days=45) == 1
        kept = "SELECT count(*) FROM evidence_answer WHERE statement_hash = sha256('gone'::bytea)"
        assert await _kept_rows(w, kept) == 0
        assert await _kept_rows(w, "SELECT count(*) FROM evidence_answer") == 1


async def test_a_kept_answer_is_given_only_for_the_scope_it_was_computed_for(
    settings: Settings, committed_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept answers are keyed by the statement, whose values hold the organisations counted:
    with max-age on, the partner's program manager asking the same indicator right after the
    lead's gets her own organisation's figures, never the lead's kept ones."""
    fresh_for_30 = settings.model_copy(update={"evidence_max_age_seconds": 30})
    async with committed_world(fresh_for_30, committed_db) as w:
        w.at(ist(2026, 4, 10))
        await w.campaign("2026-04-05", "rally", women=40, men=10)
        executed = statements_run(monkeypatch)
        w.at(ist(2026, 5, 1))
        assert totals(await w.values("campaigns_held", **APRIL))["2026-04"] == 1
        theirs = await w.values("campaigns_held", w.pm_partner, internal="true", **APRIL)
        assert totals(theirs)["2026-04"] == 0
        assert theirs["organization_ids"] == [str(w.partner)]
        assert len(executed) == 2  # computed for her scope, not given from the lead's
