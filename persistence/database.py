"""Engine and session factory. Values come from the caller (the API or the CLI), not the env."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from persistence.crypto import FieldCipher

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
    server_settings = {"application_name": APPLICATION_NAME, "timezone": "UTC"}
    if app_role:
        server_settings["role"] = app_role
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        # No pre-ping: with asyncpg it costs three round trips per checkout. Connections are
        # recycled instead, and a dead one fails its request once.
        pool_recycle=1800,
        connect_args={"server_settings": server_settings},
        **kwargs,
    )


async def driver_connection(session: AsyncSession) -> Any:
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
        return cls(engine=engine, session_factory=create_session_factory(engine))

    async def dispose(self) -> None:
        await self.engine.dispose()

    def pool_status(self) -> dict[str, int]:
        """Connections of the pool: size, checked out, overflow (for metrics)."""
        pool: Any = self.engine.pool
        try:
            return {
                "size": int(pool.size()),
                "checked_out": int(pool.checkedout()),
                "overflow": max(0, int(pool.overflow())),
            }
        except AttributeError:  # pools without counters (NullPool, test pools)
            return {"size": 0, "checked_out": 0, "overflow": 0}
