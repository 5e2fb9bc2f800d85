"""Alembic environment (async). The schema is made only here: the app never calls create_all.

The database comes from, in order: a connection handed in by the caller
(``config.attributes["connection"]``, used by the CLI and the tests), the ``sqlalchemy.url``
option, or SHAKTI_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import persistence.models  # noqa: F401  (fills the metadata)
from persistence.database import create_engine
from persistence.queue import outside_models

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    has_section = config.file_config.has_section(config.config_ini_section)
    url = config.get_main_option("sqlalchemy.url") if has_section else None
    if url:
        return url
    from domain.common.settings import Settings

    value = Settings().database_url_value
    if not value:
        raise RuntimeError("set SHAKTI_DATABASE_URL, or run `shakti-mis migrate`")
    return value


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        transaction_per_migration=True,
        # The job queue's tables are procrastinate's, not our models'.
        include_name=outside_models,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url(), pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
            await connection.commit()
    finally:
        await engine.dispose()


def run_online() -> None:
    connection: Any = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    asyncio.run(_run_async())


if context.is_offline_mode():
    run_offline()
else:
    run_online()
