"""The one clock: business dates are Asia/Kolkata dates, whatever the server's time zone, in
Python and in the SQL the hot paths run, and in the tests that check them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from domain.common.principal import Role
from persistence import clock
from persistence.clock import FixedClock, using
from persistence.models.case_visit import CaseVisit
from tests.evidence_world import ist
from tests.factories import SOUTH_24, CaseFactory, Factory


def test_business_dates_are_india_dates() -> None:
    with using(FixedClock(datetime(2026, 3, 31, 18, 30, tzinfo=UTC))):  # 00:00 IST, 1 April
        assert clock.today() == date(2026, 4, 1)
    with using(FixedClock(datetime(2026, 3, 31, 18, 29, tzinfo=UTC))):  # 23:59 IST, 31 March
        assert clock.today() == date(2026, 3, 31)
    assert clock.day_starts_at(date(2026, 4, 1)) == datetime(2026, 3, 31, 18, 30, tzinfo=UTC)


async def test_a_visit_is_overdue_from_the_next_india_day_on_the_hot_path(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))
    cases = CaseFactory(factory)
    survivor = await cases.survivor(organization)
    case = await cases.case(organization, survivor, assigned_worker_id=worker.id)
    async with factory.uow() as uow:
        uow.session.add(
            CaseVisit(
                organization_id=organization,
                district_id=SOUTH_24,
                case_id=case,
                kind="home",
                status="planned",
                planned_on=date(2026, 5, 10),
            )
        )
    fixed = FixedClock(ist(2026, 5, 10, 23, 30))
    with using(fixed):
        read = await client.get(f"/api/v1/cases/{case}", headers=worker.headers)
        assert "overdue_follow_up" not in read.json()["flags"]
        # 00:30 IST on 11 May is still 10 May in UTC: the visit is overdue in India.
        fixed.advance(timedelta(hours=1))
        read = await client.get(f"/api/v1/cases/{case}", headers=worker.headers)
        assert "overdue_follow_up" in read.json()["flags"]
        page = await client.get("/api/v1/cases", headers=worker.headers)
        assert "overdue_follow_up" in page.json()["items"][0]["flags"]


# Dates read off the machine's clock, off an instant in UTC, or off the database session's
# time zone: each is a day behind India's from 18:30 to 24:00 UTC (00:00-05:30 IST), when a
# field worker's "today" was refused as the future and the suite failed.
MACHINE_DATES = re.compile(r"\bdate\.today\(\)|\.date\(\)|\bcurrent_date\b", re.IGNORECASE)
# The session's current_date is India's when the file sets its connections' zone to it.
IN_INDIA = "SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE"
# Where a date is taken of an instant on purpose: the one clock, and a naive time's own day.
ROOT = Path(__file__).resolve().parents[1]
TAKES_DATES = {ROOT / "persistence" / "clock.py", ROOT / "domain" / "common" / "dates.py"}


def machine_dates(source: str) -> list[str]:
    """The lines of ``source`` that take a date other than through the one clock."""
    kolkata_sessions = IN_INDIA in source
    return [
        line.strip()
        for line in source.splitlines()
        for found in MACHINE_DATES.findall(line)
        if not (kolkata_sessions and found.lower() == "current_date")
    ]


def test_dates_come_from_the_one_clock_in_the_product_and_its_tests() -> None:
    sources = [
        path
        for area in ("api", "domain", "persistence", "seeds", "tests", "bench")
        for path in sorted((ROOT / area).rglob("*.py"))
        if path not in TAKES_DATES and path != Path(__file__).resolve()
    ]
    assert len(sources) > 400
    found = {
        str(path.relative_to(ROOT)): lines
        for path in sources
        if (lines := machine_dates(path.read_text(encoding="utf-8")))
    }
    assert found == {}


@pytest.mark.parametrize(
    "line",
    [
        "today = datetime.now(UTC).date()",
        "day = date.today()",
        "if on > moment.date():",
        '" WHERE planned_on < current_date"',
        '" WHERE planned_on < CURRENT_DATE"',
    ],
)
def test_the_date_check_catches_a_machine_date(line: str) -> None:
    assert machine_dates(line) == [line.strip()]


def test_the_date_check_lets_through_india_s_dates() -> None:
    assert machine_dates("today = clock.today()\nday = business_date(moment)") == []
    assert machine_dates(f'{IN_INDIA!r}\n" WHERE planned_on < current_date"') == []
