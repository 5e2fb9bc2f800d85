"""The unit of work: one transaction per request (or command), committed in one place.

Repositories and services may flush, never commit. Audit events recorded during the work are
appended as the last statements before COMMIT, so the audit chain's row lock is held only for
the commit itself. Events marked ``durable`` (failed logins, denials) and ``on_rollback``
actions (throttle counters) survive a rollback: they are written in a fresh transaction after
the failed one is rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from persistence.audit_chain import AuditRecord
from persistence.repositories.audit_events import AuditEventRepository

logger = logging.getLogger(__name__)

RollbackAction = Callable[[], Awaitable[None]]


class UnitOfWork:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None
        self._audit: list[AuditRecord] = []
        self._durable_audit: list[AuditRecord] = []
        self._on_rollback: list[RollbackAction] = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._session_factory()
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
            await self.session.close()
            self._session = None

    def record_audit(self, record: AuditRecord, *, durable: bool = False) -> None:
        """Queue an audit event; it is written just before commit (or after a rollback when
        ``durable``)."""
        (self._durable_audit if durable else self._audit).append(record)

    def on_rollback(self, action: RollbackAction) -> None:
        """Run ``action`` in a new transaction if this one is rolled back."""
        self._on_rollback.append(action)

    async def commit(self) -> None:
        session = self.session
        events = self._audit + self._durable_audit
        self._audit, self._durable_audit, self._on_rollback = [], [], []
        if events:
            await AuditEventRepository(session).append(events)
        await session.commit()

    async def rollback(self) -> None:
        session = self.session
        self._audit = []
        await session.rollback()
        durable, actions = self._durable_audit, self._on_rollback
        self._durable_audit, self._on_rollback = [], []
        if not durable and not actions:
            return
        try:
            for action in actions:
                await action()
            if durable:
                await AuditEventRepository(session).append(durable)
            await session.commit()
        except Exception:
            logger.exception("could not record security events after a rollback")
            await session.rollback()
