"""Concurrent writes to one group's books, with real commits: the mobile app resending a
collection sheet while the first is still being written records one meeting; withdrawals that
each fit but together would overdraw a member's savings are judged one after the other."""

from __future__ import annotations

import asyncio

import httpx
import sqlalchemy as sa

from api.app import create_app
from domain.common.settings import Settings
from persistence.database import Database
from tests.factories import Factory
from tests.test_shgs import World, balances, day, make_group, sheet


async def test_concurrent_sheets_and_withdrawals(
    settings: Settings, committed_db: Database
) -> None:
    app = create_app(settings, database=committed_db)
    world = await World(Factory(app.state.container, committed_db)).build()
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        group = await make_group(client, world)
        body = sheet(group, 7)
        answers = await asyncio.gather(
            *(
                client.post(group.url("/meetings"), json=body, headers=world.sw_a.headers)
                for _ in range(4)
            )
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 200, 200, 201], [a.text for a in answers]
        assert len({a.json()["id"] for a in answers}) == 1

        # Each member saved Rs 20: three withdrawals of Rs 15 from one member at once.
        member = group.member_ids[0]
        withdrawals = await asyncio.gather(
            *(
                client.post(
                    group.url("/ledger"),
                    json={
                        "kind": "savings_withdrawal",
                        "amount_paise": 1_500,
                        "member_id": member,
                        "entry_date": day(8),
                    },
                    headers=world.sw_a.headers,
                )
                for _ in range(3)
            )
        )
        assert sorted(w.status_code for w in withdrawals) == [201, 422, 422]
        books = await balances(client, world.sw_a, group)
        assert {m["member_id"]: m["savings_paise"] for m in books["members"]}[member] == 500

    async with committed_db.engine.connect() as connection:
        meetings = await connection.scalar(
            sa.text("SELECT count(*) FROM shg_meeting WHERE shg_id = :id"), {"id": group.id}
        )
        entries = await connection.scalar(
            sa.text("SELECT count(*) FROM shg_ledger_entry WHERE shg_id = :id"), {"id": group.id}
        )
    assert meetings == 1
    assert entries == 3 + 1
