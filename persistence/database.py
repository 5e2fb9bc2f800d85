"""Engine and session factory. Values come from the caller (the API or the CLI), not the env."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from persistence.audit_chain import AuditKeys
from persistence.crypto import FieldCipher
from persistence.fair_pool import FairAsyncQueuePool

APPLICATION_NAME = "shakti-mis"


def async_url(url: str) -> str:
    """The SQLAlchemy asyncpg form of a PostgreSQL URL (``postgresql://`` is accepted too)."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"}:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    if parsed.drivername != "postgresql+asyncpg":
        raise ValueError("only PostgreSQL URLs are supported")
    return parsed.render_as_string(hide_password=False)


def redacted(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def server_settings(app_role: str | None) -> dict[str, str]:
    """What every connection starts with: our name, UTC, no JIT, and the app's role when
    given (a start-up parameter, so ``RESET ROLE`` returns to it).

    No JIT: the app's statements are short, and the evidence engine's run with nested loops
    disabled, whose planner penalty (1e10) puts every plan far above ``jit_above_cost``. On a
    server built with LLVM (Debian's and most distributions' packages) each cube query was
    compiled first, 3 s of compiling for 0.3 s of work: the outcomes dashboard took 4.6 s
    instead of 26 ms at 10k survivors, and a graded-SHG query several minutes."""
    settings = {"application_name": APPLICATION_NAME, "timezone": "UTC", "jit": "off"}
    if app_role:
        settings["role"] = app_role
    return settings


def create_engine(
    url: str,
    *,
    app_role: str | None = None,
    pool_size: int = 20,
    max_overflow: int = 0,
    **kwargs: Any,
) -> AsyncEngine:
    """An async engine on ``url``; every connection switches to ``app_role`` when given.

    The role is set as a connection start-up parameter, so ``RESET ROLE`` returns to it.
    """
    # A fair pool: waits for a connection follow arrival order (persistence/fair_pool.py).
    kwargs.setdefault("poolclass", FairAsyncQueuePool)
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        # No pre-ping: with asyncpg it costs three round trips per checkout. Connections are
        # recycled instead, and a dead one fails its request once.
        pool_recycle=1800,
        connect_args={"server_settings": server_settings(app_role)},
        **kwargs,
    )
    _name_savepoints_by_depth(engine)
    return engine


def _name_savepoints_by_depth(engine: AsyncEngine) -> None:
    """Savepoints named by their depth (``shakti_sp_1`` for the outermost), not by SQLAlchemy's
    count of them on the connection (``sa_savepoint_1``, ``_2``, ... one new name each).

    The asyncpg dialect prepares every statement and keeps the last 100 of each connection
    (keyed by their text): a push of 100 mutations, each in a savepoint, sent 200 statements of
    new text, which pushed every other statement out of the cache, so that each was prepared
    again, a round trip more per statement. By depth, the two texts of a savepoint stay the
    same and stay cached. PostgreSQL lets a savepoint's name be reused: RELEASE and ROLLBACK
    TO name the newest of that name, which, savepoints being nested, is the one meant."""
    dialect: Any = engine.sync_engine.dialect
    savepoint, release, rollback_to = (
        dialect.do_savepoint,
        dialect.do_release_savepoint,
        dialect.do_rollback_to_savepoint,
    )
    # SQLAlchemy's names of the savepoints open on each connection, outermost first.
    open_on: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()

    def depth_of(connection: Any, name: str) -> int:
        names = open_on.setdefault(connection, [])
        depth = names.index(name) + 1 if name in names else len(names) + 1
        del names[depth - 1 :]
        return depth

    def do_savepoint(connection: Any, name: str) -> None:
        depth = depth_of(connection, name)
        open_on[connection].append(name)
        savepoint(connection, f"shakti_sp_{depth}")

    def do_release_savepoint(connection: Any, name: str) -> None:
        release(connection, f"shakti_sp_{depth_of(connection, name)}")

    def do_rollback_to_savepoint(connection: Any, name: str) -> None:
        # (It stays open on the server, as SQLAlchemy leaves it; the next of its depth shadows
        # it, and whatever releases or rolls back an outer one ends it.)
        rollback_to(connection, f"shakti_sp_{depth_of(connection, name)}")

    dialect.do_savepoint = do_savepoint
    dialect.do_release_savepoint = do_release_savepoint
    dialect.do_rollback_to_savepoint = do_rollback_to_savepoint


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under a session, for prepared statements on hot paths.

    Statements sent through it run inside the session's transaction when the session has begun
    one on the server, and on their own (autocommit) otherwise.
    """
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


def create_session_factory(bind: Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)


@dataclass
class Database:
    """The engine and the factory the unit of work takes sessions from."""

    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    # Tests: one connection (inside a transaction rolled back at the end) for everything.
    connection: AsyncConnection | None = None
    # Seals personal data at rest (set by the app from its settings).
    cipher: FieldCipher | None = None
    # Keys the audit chain (set by the app from its settings): no event is appended without.
    audit_keys: AuditKeys | None = None
    # Where open_fast_lane_pool() connects (asyncpg DSN, with its password: never printed).
    dsn: str | None = field(default=None, repr=False)
    app_role: str | None = None
    # The fast lane's own connections (plain asyncpg): its one-statement reads skip the ORM
    # pool's checkout and return, which ran through three greenlet switches per request and
    # cost about a quarter of a case read's Python time.
    fast_lane_pool: asyncpg.Pool | None = None
    # Read-only connections on which the figures of a dashboard or a report are computed side
    # by side, all on the snapshot of the request's own transaction (persistence/evidence).
    evidence_pool: asyncpg.Pool | None = None

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        app_role: str | None = None,
        pool_size: int = 20,
        max_overflow: int = 0,
    ) -> Database:
        engine = create_engine(
            url, app_role=app_role, pool_size=pool_size, max_overflow=max_overflow
        )
        dsn = make_url(async_url(url)).set(drivername="postgresql")
        return cls(
            engine=engine,
            session_factory=create_session_factory(engine),
            dsn=dsn.render_as_string(hide_password=False),
            app_role=app_role,
        )

    async def open_fast_lane_pool(self, size: int) -> None:
        """Open the fast lane's pool: up to ``size`` connections, made as needed."""
        if self.fast_lane_pool is not None or self.dsn is None:
            return
        self.fast_lane_pool = await asyncpg.create_pool(
            self.dsn,
            min_size=0,
            max_size=size,
            # No idle timer: it is set on every release and cancelled on every acquire.
            max_inactive_connection_lifetime=0,
            server_settings=server_settings(self.app_role),
            reset=_roll_back_if_open,
        )

    async def close_fast_lane_pool(self) -> None:
        pool, self.fast_lane_pool = self.fast_lane_pool, None
        if pool is not None:
            await pool.close()

    async def open_evidence_pool(self, size: int) -> None:
        """Open the evidence pool: up to ``size`` connections, made as needed."""
        if self.evidence_pool is not None or self.dsn is None:
            return
        self.evidence_pool = await asyncpg.create_pool(
            self.dsn,
            min_size=0,
            max_size=size,
            max_inactive_connection_lifetime=0,
            server_settings=server_settings(self.app_role),
            reset=_roll_back_if_open,
        )

    async def close_evidence_pool(self) -> None:
        pool, self.evidence_pool = self.evidence_pool, None
        if pool is not None:
            await pool.close()

    async def dispose(self) -> None:
        await self.close_fast_lane_pool()
        await self.close_evidence_pool()
        await self.engine.dispose()

    def pool_status(self) -> dict[str, int]:
        """Connections of the pools (for metrics): the ORM pool's size, checked out and
        overflow, and the fast lane's pool's size and checked out."""
        pool: Any = self.engine.pool
        try:
            status = {
                "size": int(pool.size()),
                "checked_out": int(pool.checkedout()),
                "overflow": max(0, int(pool.overflow())),
            }
        except AttributeError:  # pools without counters (NullPool, test pools)
            status = {"size": 0, "checked_out": 0, "overflow": 0}
        fast = self.fast_lane_pool
        status["fast_lane_size"] = fast.get_size() if fast is not None else 0
        status["fast_lane_checked_out"] = (
            fast.get_size() - fast.get_idle_size() if fast is not None else 0
        )
        return status


# How long a fast-lane request waits for a free connection before it fails (as the ORM pool's
# default pool_timeout): a leak or a stuck statement must not hang every read.
FAST_LANE_ACQUIRE_SECONDS = 30.0


async def _roll_back_if_open(connection: asyncpg.Connection) -> None:
    """How a fast-lane connection is handed back: its statements change no session state (no
    SET, LISTEN, advisory lock or cursor), so asyncpg's full reset, one more round trip per
    request, is not needed; only a transaction left open is rolled back."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")
