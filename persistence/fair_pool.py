"""The connection pool's queue made first come, first served.

SQLAlchemy's asyncio pool keeps idle connections in an ``asyncio.Queue`` and takes one
without waiting whenever one is there. A connection handed back wakes the oldest waiter, but
before that waiter runs, any request arriving in between (or the very request that handed it
back, starting its next one) finds it in the queue and takes it; the woken waiter finds the
queue empty and queues again, at the back. Under a steady stream of requests above the pool's
size, a few waiters were passed over this way until the pool's 30 s timeout failed them,
although no connection was held for more than a second or two (the sync benchmark's 50
workers on 20 connections: every error was such a timeout, all at 30 s and 60 s after the
start).

Here a connection handed back goes straight to the oldest waiter, and a request finds one
free only when nobody waits: waits follow arrival order, so a wait lasts as long as the
holds ahead of it, not as long as the timeout.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, TypeVar

from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import await_
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty, Full

_T = TypeVar("_T")


class FairQueue(AsyncAdaptedQueue[_T]):
    """A pool queue that hands each item back to the oldest waiter (none waits while items
    are free: a waiter is served before any item is kept)."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._items: deque[_T] = deque()
        self._waiters: deque[asyncio.Future[_T]] = deque()

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._items)

    def qsize(self) -> int:
        return len(self._items)

    def put_nowait(self, item: _T) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        if self.full():
            raise Full()
        self._items.append(item)

    def put(self, item: _T, block: bool = True, timeout: float | None = None) -> None:
        # (The pool never hands back more than it gave out: there is always room.)
        self.put_nowait(item)

    def get_nowait(self) -> _T:
        if not self._items:
            raise Empty()
        return self._items.pop() if self.use_lifo else self._items.popleft()

    def get(self, block: bool = True, timeout: float | None = None) -> _T:
        if self._items or not block:
            return self.get_nowait()
        item: _T = await_(self._wait(seconds=timeout))
        return item

    async def _wait(self, *, seconds: float | None) -> _T:
        waiter: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), seconds)
        except BaseException as error:
            if waiter.done() and not waiter.cancelled():
                # Handed over just as the wait ended: pass it on, never lose it.
                self.put_nowait(waiter.result())
            else:
                waiter.cancel()
            if isinstance(error, TimeoutError):
                raise Empty() from None
            raise


class FairAsyncQueuePool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio pool with :class:`FairQueue`."""

    _queue_class: Any = FairQueue
