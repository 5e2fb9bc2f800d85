"""The unit of work: one transaction per request (or command), committed in one place.

Repositories and services may flush, never commit. The unit takes one connection and holds it
for its whole life. It opens an ORM session only when something needs one (writes and ORM
reads): hot reads go straight through asyncpg on the same connection and, outside a
transaction, each is its own statement (see ``driver``).

Audit events recorded during the work are appended as the last statements before COMMIT, in
the same transaction. Events marked ``durable`` (failed logins, denials) and ``on_rollback``
actions (throttle counters) survive a rollback: they are written in a fresh transaction after
the failed one is rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from persistence.audit_chain import AuditKeys, AuditRecord, pick_chain
from persistence.crypto import FieldCipher
from persistence.database import FAST_LANE_ACQUIRE_SECONDS, driver_connection
from persistence.repositories.audit_events import AuditEventRepository

if TYPE_CHECKING:
    from persistence.database import Database

logger = logging.getLogger(__name__)

RollbackAction = Callable[[], Awaitable[None]]


class UnitOfWork:
    def __init__(self, database: Database, *, fast_lane: bool = False) -> None:
        self._database = database
        # A fast-lane unit takes its connection from the database's fast-lane pool (when it
        # has one) for its asyncpg statements; an ORM session, if one is opened, has its own.
        self._fast_lane = fast_lane
        self._fast_connection: Any = None
        self._connection: AsyncConnection | None = None
        self._own_connection = False
        self._session: AsyncSession | None = None
        self._entered = False
        self._audit: list[AuditRecord] = []
        self._durable_audit: list[AuditRecord] = []
        self._on_rollback: list[RollbackAction] = []
        # One chain for all of this unit's events (they stay together, in order).
        self.audit_chain = pick_chain()

    @property
    def cipher(self) -> FieldCipher:
        """Seals and opens personal data (configured by the app)."""
        cipher = self._database.cipher
        if cipher is None:
            raise RuntimeError("no field cipher configured")
        return cipher

    @property
    def audit_keys(self) -> AuditKeys:
        """The keys of the audit chain (configured by the app)."""
        keys = self._database.audit_keys
        if keys is None:
            raise RuntimeError("no audit key configured")
        return keys

    @property
    def session(self) -> AsyncSession:
        """The ORM session, opened on first use on the unit's connection."""
        if not self._entered:
            raise RuntimeError("unit of work used outside 'async with'")
        if self._session is None:
            factory = self._database.session_factory
            if self._connection is not None:
                self._session = factory(bind=self._connection)
            else:
                self._session = factory()
        return self._session

    @property
    def evidence_pool(self) -> asyncpg.Pool | None:
        """Read-only connections beside this unit's own, for figures computed side by side on
        this unit's snapshot (None when the database has none, or when every unit shares one
        connection, as in tests: other connections could not see its writes)."""
        if self._database.connection is not None:
            return None
        return self._database.evidence_pool

    async def driver(self) -> asyncpg.Connection:
        """The asyncpg connection of this unit, for prepared statements on hot paths.

        Inside the session's transaction when one has begun; otherwise each statement commits
        on its own (a read with its audit event folded in needs nothing more)."""
        if self._session is not None:
            return await driver_connection(self._session)
        if self._fast_connection is not None:
            return self._fast_connection
        pool = self._database.fast_lane_pool
        if self._fast_lane and pool is not None and self._database.connection is None:
            self._fast_connection = await pool.acquire(timeout=FAST_LANE_ACQUIRE_SECONDS)
            return self._fast_connection
        if self._connection is None:
            shared = self._database.connection
            if shared is not None:
                self._connection = shared
            else:
                self._connection = await self._database.engine.connect()
                self._own_connection = True
        raw = await self._connection.get_raw_connection()
        return raw.driver_connection

    async def __aenter__(self) -> UnitOfWork:
        self._entered = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                await self.commit()
            else:
                await self.rollback()
        finally:
            try:
                if self._session is not None:
                    await self._session.close()
            finally:
                try:
                    if self._own_connection and self._connection is not None:
                        await self._connection.close()
                finally:
                    fast, self._fast_connection = self._fast_connection, None
                    if fast is not None and self._database.fast_lane_pool is not None:
                        await self._database.fast_lane_pool.release(fast)
                    self._session, self._connection, self._entered = None, None, False

    @asynccontextmanager
    async def apart(self) -> AsyncIterator[Any]:
        """An asyncpg connection in a short transaction of its own, committed when the block
        ends (rolled back when it raises), whatever becomes of this unit's: for counters that
        must be counted before slow work (a password hash) and survive this unit's rollback.

        Before the unit has begun a transaction this is the unit's own connection; after, a
        second one from the pool. (Tests that share one connection keep their isolation:
        there it is a savepoint of theirs.)"""
        if not self._entered:
            raise RuntimeError("unit of work used outside 'async with'")
        if self._session is None or self._database.connection is not None:
            connection = await self.driver()
            async with connection.transaction():
                yield connection
            return
        async with self._database.engine.connect() as other:
            raw = await other.get_raw_connection()
            separate: Any = raw.driver_connection
            async with separate.transaction():
                yield separate

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """One part of the work that stands or falls alone (a pushed mutation): when the
        block raises, its writes and the audit events it queued are undone (durable events
        and rollback actions stay: they are kept whatever happens), and the work goes on."""
        queued = len(self._audit)
        nested = await self.session.begin_nested()
        try:
            yield
        except BaseException:
            if nested.is_active:
                await nested.rollback()
            del self._audit[queued:]
            raise
        if nested.is_active:
            await nested.commit()

    def record_audit(self, record: AuditRecord, *, durable: bool = False) -> None:
        """Queue an audit event; it is written just before commit (or after a rollback when
        ``durable``)."""
        (self._durable_audit if durable else self._audit).append(record)

    def on_rollback(self, action: RollbackAction) -> None:
        """Run ``action`` in a new transaction if this one is rolled back."""
        self._on_rollback.append(action)

    async def commit(self) -> None:
        events = self._audit + self._durable_audit
        self._audit, self._durable_audit, self._on_rollback = [], [], []
        if events:
            if self._session is not None:
                # Flush first: the events must follow the writes in the same transaction.
                await self._session.flush()
            await AuditEventRepository(self).append(events, self.audit_chain)
        if self._session is not None:
            await self._session.commit()

    async def rollback(self) -> None:
        self._audit = []
        if self._session is not None:
            await self._session.rollback()
        durable, actions = self._durable_audit, self._on_rollback
        self._durable_audit, self._on_rollback = [], []
        if not durable and not actions:
            return
        try:
            for action in actions:
                await action()
            # Events the actions queued (the first of a counted event: domain/audit/repeats.py).
            durable, self._durable_audit = durable + self._durable_audit, []
            if durable:
                await AuditEventRepository(self).append(durable, self.audit_chain)
            if self._session is not None:
                await self._session.commit()
        except Exception:
            logger.exception("could not record security events after a rollback")
            if self._session is not None:
                await self._session.rollback()
