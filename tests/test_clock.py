"""The one clock: business dates are Asia/Kolkata dates, whatever the server's time zone, in
Python and in the SQL the hot paths run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx

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
