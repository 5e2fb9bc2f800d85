"""The connection pool serves waiters first come, first served (persistence/fair_pool.py), and
savepoints are named by their depth so that their statements stay in the prepared-statement
cache (persistence/database.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.util.queue import Empty

from persistence.database import Database
from persistence.fair_pool import FairQueue


async def test_a_connection_handed_back_goes_to_the_oldest_waiter_not_a_newcomer() -> None:
    queue: FairQueue[str] = FairQueue(maxsize=1)
    await greenlet_spawn(queue.put, "connection")
    held = await greenlet_spawn(queue.get, True, 5)
    first = asyncio.create_task(greenlet_spawn(queue.get, True, 5))
    second = asyncio.create_task(greenlet_spawn(queue.get, True, 5))
    await asyncio.sleep(0.01)  # both wait, in this order

    await greenlet_spawn(queue.put, held)
    # A request arriving now finds nothing free: the connection is the first waiter's.
    with pytest.raises(Empty):
        await greenlet_spawn(queue.get, True, 0.01)
    assert await first == "connection"
    assert not second.done()
    await greenlet_spawn(queue.put, "connection")
    assert await second == "connection"


async def test_a_wait_past_the_timeout_fails_and_loses_nothing() -> None:
    queue: FairQueue[str] = FairQueue(maxsize=1)
    await greenlet_spawn(queue.put, "connection")
    held = await greenlet_spawn(queue.get, True, 5)
    with pytest.raises(Empty):
        await greenlet_spawn(queue.get, True, 0.01)
    await greenlet_spawn(queue.put, held)  # the timed-out waiter is not served
    assert queue.qsize() == 1
    assert await greenlet_spawn(queue.get, False) == "connection"


async def test_savepoints_are_named_by_depth_and_keep_their_meaning(
    committed_db: Database,
) -> None:
    sent: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "SAVEPOINT" in statement:
            sent.append(statement)

    engine = committed_db.engine
    sa.event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text("CREATE TEMP TABLE t (n int)"))
            for n in range(3):
                async with connection.begin_nested():
                    await connection.execute(sa.text("INSERT INTO t VALUES (:n)"), {"n": n})
            outer = await connection.begin_nested()
            inner = await connection.begin_nested()
            await connection.execute(sa.text("INSERT INTO t VALUES (10)"))
            await inner.rollback()  # the inner insert undone, the outer savepoint kept
            await connection.execute(sa.text("INSERT INTO t VALUES (11)"))
            await outer.commit()
            rows = (await connection.execute(sa.text("SELECT n FROM t ORDER BY n"))).scalars()
            assert list(rows) == [0, 1, 2, 11]
            await connection.rollback()
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", note)
    # Three savepoints one after the other share one name: one text, prepared once.
    assert sent[:6] == ["SAVEPOINT shakti_sp_1", "RELEASE SAVEPOINT shakti_sp_1"] * 3
    assert sent[6:] == [
        "SAVEPOINT shakti_sp_1",
        "SAVEPOINT shakti_sp_2",
        "ROLLBACK TO SAVEPOINT shakti_sp_2",
        "RELEASE SAVEPOINT shakti_sp_1",
    ]
