"""The days a survivor's consent to aggregate reporting was in force, kept by the database
(``reporting_consent``, migration 0022) in the same transaction as every change to her
consents, whoever makes it: given, expiring, withdrawn, superseded by a new revision, deleted;
two changes at once are taken one after the other; the app cannot write the days itself."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import pytest
import sqlalchemy as sa
from asyncpg import Range
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.settings import Settings
from persistence.clock import IST
from persistence.database import Database
from tests.factories import CaseFactory, Factory

OPEN = None


def ist(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=IST)


async def days_of(connection: AsyncConnection, survivor: UUID) -> list[tuple[date, date | None]]:
    """Her days in force as kept, as (first day, day after the last) pairs."""
    value = await connection.scalar(
        sa.text(
            "SELECT array_agg(ARRAY[lower(r)::text, upper(r)::text] ORDER BY lower(r))"
            " FROM reporting_consent, unnest(days) r WHERE survivor_id = :s"
        ),
        {"s": survivor},
    )
    return [
        (date.fromisoformat(lower), None if upper is None else date.fromisoformat(upper))
        for lower, upper in (value or [])
    ]


async def recomputed(connection: AsyncConnection) -> set[tuple[Any, ...]]:
    rows = await connection.execute(
        sa.text(
            "SELECT survivor_id, organization_id, days::text"
            " FROM consent_in_force_days('aggregate_reporting', NULL)"
        )
    )
    return {tuple(row) for row in rows}


async def kept(connection: AsyncConnection) -> set[tuple[Any, ...]]:
    rows = await connection.execute(
        sa.text("SELECT survivor_id, organization_id, days::text FROM reporting_consent")
    )
    return {tuple(row) for row in rows}


async def give(
    connection: AsyncConnection,
    organization: UUID,
    survivor: UUID,
    given_at: datetime,
    *,
    revision: int = 1,
    purpose: str = "aggregate_reporting",
    expires_at: datetime | None = None,
) -> UUID:
    consent_id = uuid.uuid4()
    await connection.execute(
        sa.text(
            "INSERT INTO consent (organization_id, id, survivor_id, purpose, given_by, method,"
            " language, given_at, expires_at, revision)"
            " VALUES (:o, :id, :s, :p, 'survivor', 'written', 'bn', :g, :e, :r)"
        ),
        {
            "o": organization,
            "id": consent_id,
            "s": survivor,
            "p": purpose,
            "g": given_at,
            "e": expires_at,
            "r": revision,
        },
    )
    return consent_id


async def test_her_days_in_force_follow_every_change_of_her_consents(
    connection: AsyncConnection, factory: Factory
) -> None:
    organization = await factory.organization()
    cases = CaseFactory(factory)
    rupa = await cases.survivor(organization)
    mitali = await cases.survivor(organization)

    # Given at 23:30 IST on 9 January: it holds from the end of that day.
    first = await give(connection, organization, rupa, ist(2026, 1, 9, 23))
    assert await days_of(connection, rupa) == [(date(2026, 1, 9), OPEN)]
    # Consents to other purposes are not hers to report.
    await give(connection, organization, mitali, ist(2026, 1, 12), purpose="case_management")
    assert await days_of(connection, mitali) == []

    # Withdrawn on 5 March: the end of 5 March no longer counts.
    await connection.execute(
        sa.text("UPDATE consent SET withdrawn_at = :w WHERE id = :id"),
        {"w": ist(2026, 3, 5), "id": first},
    )
    assert await days_of(connection, rupa) == [(date(2026, 1, 9), date(2026, 3, 5))]

    # A new revision on 1 April, expiring on 1 October.
    second = await give(
        connection, organization, rupa, ist(2026, 4, 1), revision=2, expires_at=ist(2026, 10, 1)
    )
    assert await days_of(connection, rupa) == [
        (date(2026, 1, 9), date(2026, 3, 5)),
        (date(2026, 4, 1), date(2026, 10, 1)),
    ]
    # Renewed on 20 September by a third revision: the second is superseded that day.
    await give(connection, organization, rupa, ist(2026, 9, 20), revision=3)
    assert await days_of(connection, rupa) == [
        (date(2026, 1, 9), date(2026, 3, 5)),
        (date(2026, 4, 1), OPEN),
    ]

    # Mitali's consent to reporting, given and deleted (recorded in error).
    hers = await give(connection, organization, mitali, ist(2026, 2, 1))
    assert await days_of(connection, mitali) == [(date(2026, 2, 1), OPEN)]
    await connection.execute(
        sa.text("UPDATE consent SET deleted_at = now() WHERE id = :id"), {"id": hers}
    )
    assert await days_of(connection, mitali) == []

    # The second revision removed outright: the third follows the withdrawn first.
    await connection.execute(sa.text("DELETE FROM consent WHERE id = :id"), {"id": second})
    assert await days_of(connection, rupa) == [
        (date(2026, 1, 9), date(2026, 3, 5)),
        (date(2026, 9, 20), OPEN),
    ]
    # Whatever happened, the kept days are the rule's answer now.
    assert await kept(connection) == await recomputed(connection)


async def test_the_app_cannot_write_the_days_itself(
    connection: AsyncConnection, factory: Factory
) -> None:
    organization = await factory.organization()
    survivor = await CaseFactory(factory).survivor(organization)
    with pytest.raises(sa.exc.DBAPIError, match="permission denied"):
        async with connection.begin_nested():
            await connection.execute(
                sa.text(
                    "INSERT INTO reporting_consent (survivor_id, organization_id, days)"
                    " VALUES (:s, :o, '{[2026-01-01,)}')"
                ),
                {"s": survivor, "o": organization},
            )


async def test_two_changes_at_once_are_taken_one_after_the_other(
    settings: Settings, committed_db: Database
) -> None:
    """A new revision and a deletion of her consent, in two transactions at once: the second
    waits for the first, then recomputes with both (without that wait it would fail, or keep
    days that miss the first change)."""
    from api.app import create_app

    app = create_app(settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    organization = await factory.organization()
    survivor = await CaseFactory(factory).survivor(organization)
    dsn = committed_db.dsn
    assert dsn is not None
    setup = await asyncpg.connect(dsn)
    first = uuid.uuid4()
    try:
        await setup.execute(
            "INSERT INTO consent (organization_id, id, survivor_id, purpose, given_by, method,"
            " language, given_at, revision) VALUES ($1, $2, $3, 'aggregate_reporting',"
            " 'survivor', 'written', 'bn', $4, 1)",
            organization,
            first,
            survivor,
            ist(2026, 1, 10),
        )
    finally:
        await setup.close()

    one, two = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        renewal = one.transaction()
        await renewal.start()
        await one.execute(
            "INSERT INTO consent (organization_id, id, survivor_id, purpose, given_by, method,"
            " language, given_at, revision) VALUES ($1, $2, $3, 'aggregate_reporting',"
            " 'survivor', 'written', 'bn', $4, 2)",
            organization,
            uuid.uuid4(),
            survivor,
            ist(2026, 6, 1),
        )
        withdrawal = two.transaction()
        await withdrawal.start()
        late = asyncio.ensure_future(
            two.execute(
                "UPDATE consent SET withdrawn_at = $1 WHERE id = $2", ist(2026, 3, 1), first
            )
        )
        await asyncio.sleep(0.3)
        assert not late.done()  # waiting for the renewal's transaction
        await renewal.commit()
        await late
        await withdrawal.commit()
        found = await one.fetchval(
            "SELECT days FROM reporting_consent WHERE survivor_id = $1", survivor
        )
        assert [(r.lower, r.upper) for r in found] == [
            (date(2026, 1, 10), date(2026, 3, 1)),
            (date(2026, 6, 1), None),
        ]
        assert isinstance(found[0], Range)
    finally:
        await one.close()
        await two.close()
