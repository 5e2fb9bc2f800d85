"""Read-path benchmark: the real app against a bare Starlette + asyncpg baseline.

One run: a fresh PostgreSQL database (embedded in a temporary directory, or a new database on
SHAKTI_BENCH_DATABASE_URL), migrated and seeded with ``--rows`` users; then, one server at a
time (one uvicorn worker each), a closed-loop load of ``--connections`` keep-alive connections
on two reads: one user by id (random existing ids) and the first page of 50 users. Prints
requests/s, p50/p99 latency, errors and CPU per request for each, and the app/bare ratios.

    .venv/bin/python bench/read_endpoint.py [--rows 100000] [--seconds 10] [--connections 32]

Exit status: 0 for a valid run, 1 when any request failed (non-2xx or connection error), 2 when
a server did not start or did not answer the first requests with 200.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import loadgen
import orjson
import psutil
from pydantic import SecretStr
from sqlalchemy.engine import URL, make_url

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
HOST = "127.0.0.1"
KID = "bench-1"
ADMIN_EMAIL = "bench.admin@example.org"
ADMIN_PASSWORD = "bench admin passphrase"  # noqa: S105 - a throwaway database
SAMPLE_IDS = 20_000
ORGANIZATIONS = (
    "Shakti Lead NGO",
    "Sundarban Mahila Samiti",
    "Nari Shakti Kendra",
    "Ujjwala Partner Network",
    "Jagori Community Collective",
)
# Weighted: most accounts are social workers.
ROLES = (
    ["social_worker"] * 6
    + ["survivor_leader"] * 2
    + ["partner_staff", "analyst", "program_manager"]
)
FIRST = "Rupa Anjali Mitali Shreya Priya Sunita Kavita Moumita Rina Tania Asha Lakshmi".split()
LAST = "Das Mondal Ghosh Roy Sarkar Biswas Khatun Bibi Mahato Halder Naskar Sardar Pal".split()
ENDPOINTS = (("single", "single read"), ("page", "page of 50"))
SERVERS = ("app", "bare")
RUN_ORDER = ("bare", "app")  # the app's audit writes come last: they cannot slow the baseline
USER_COLUMNS = (
    "organization_id",
    "id",
    "created_at",
    "updated_at",
    "created_by",
    "version",
    "deleted_at",
    "email",
    "full_name",
    "role",
    "password_hash",
    "disabled_at",
    "password_changed_at",
    "last_login_at",
)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- database -------------------------------------------------------------------------------
@dataclass
class Target:
    """The benchmark database: SQLAlchemy URL (app, migrations), asyncpg DSN, postmaster pid."""

    url: URL
    postmaster_pid: int | None

    @property
    def sqlalchemy_url(self) -> str:
        return self.url.render_as_string(hide_password=False)

    @property
    def dsn(self) -> str:
        return self.url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _execute(dsn: str, *statements: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def provision(stack: contextlib.ExitStack, workdir: Path) -> Target:
    """A fresh, empty database; its removal is registered on ``stack``."""
    name = f"shakti_bench_{uuid.uuid4().hex[:8]}"
    configured = os.environ.get("SHAKTI_BENCH_DATABASE_URL")
    if configured:
        base = make_url(configured).set(drivername="postgresql+asyncpg")
        admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
        asyncio.run(_execute(admin, f'CREATE DATABASE "{name}"'))
        stack.callback(
            lambda: asyncio.run(_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        )
        say(f"database {name} on {base.render_as_string(hide_password=True)}")
        return Target(base.set(database=name), None)

    from persistence.embedded import embedded_url, ensure_database, start_embedded

    say(f"starting an embedded PostgreSQL in {workdir}")
    server = start_embedded(workdir, temporary=True)
    stack.callback(server.cleanup)
    ensure_database(server, name)
    return Target(make_url(embedded_url(server, name)), server.get_pid())


@dataclass
class Seeded:
    admin_id: uuid.UUID
    admin_organization_id: uuid.UUID
    session_id: uuid.UUID
    user_ids: list[uuid.UUID]


async def seed(target: Target, settings: Any, rows: int, rng: random.Random) -> Seeded:
    """Organisations and the platform admin through the domain services (as the CLI does);
    ``rows`` users and their districts by COPY as the superuser; then VACUUM ANALYZE."""
    from domain.common.principal import Role, system_principal
    from domain.identity.passwords import Passwords
    from domain.organizations.schemas import OrganizationCreate
    from domain.organizations.service import OrganizationService
    from domain.users.schemas import UserCreate
    from domain.users.service import UserService
    from persistence.database import Database
    from persistence.models.auth_session import AuthSession
    from persistence.models.base import utcnow
    from persistence.models.enums import OrganizationKind
    from persistence.uow import UnitOfWork

    passwords = Passwords(
        time_cost=settings.password_hash_time_cost,
        memory_kib=settings.password_hash_memory_kib,
        parallelism=settings.password_hash_parallelism,
    )
    system = system_principal()
    database = Database.connect(
        target.sqlalchemy_url, app_role=settings.database_app_role or None, pool_size=2
    )
    try:
        organizations = []
        for index, name in enumerate(ORGANIZATIONS):
            kind = OrganizationKind.lead_ngo if index == 0 else OrganizationKind.partner_ngo
            async with UnitOfWork(database) as uow:
                created = await OrganizationService(uow).create(
                    system, OrganizationCreate(name=name, kind=kind)
                )
            organizations.append(created.id)
        async with UnitOfWork(database) as uow:
            admin = await UserService(uow, passwords).create(
                system,
                UserCreate(
                    email=ADMIN_EMAIL,
                    full_name="Bench Admin",
                    role=Role.platform_admin,
                    organization_id=organizations[0],
                    password=SecretStr(ADMIN_PASSWORD),
                ),
            )
        now = utcnow()
        session = AuthSession(user_id=admin.id, created_at=now, expires_at=now + timedelta(days=1))
        async with UnitOfWork(database) as uow:
            uow.session.add(session)
    finally:
        await database.dispose()

    password_hash = passwords.hash("a shared seed passphrase")
    connection = await asyncpg.connect(target.dsn)
    try:
        districts = [
            r["id"] for r in await connection.fetch("SELECT id FROM district ORDER BY name")
        ]
        users: list[tuple[Any, ...]] = []
        links: list[tuple[uuid.UUID, uuid.UUID]] = []
        start = datetime.now(UTC) - timedelta(days=365)
        step = timedelta(days=365) / max(rows, 1)
        for i in range(rows):
            user_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            created = start + step * i + timedelta(microseconds=rng.randrange(1_000_000))
            login = created + timedelta(days=30 * rng.random()) if rng.random() < 0.7 else None
            disabled = created + timedelta(days=60) if rng.random() < 0.02 else None
            users.append(
                (
                    organizations[i % len(organizations)],
                    user_id,
                    created,
                    login or created,
                    None,
                    1,
                    None,
                    f"user{i:07d}@bench.example.org",
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    rng.choice(ROLES),
                    password_hash,
                    disabled,
                    created,
                    login,
                )
            )
            draw = rng.random()
            for district in rng.sample(districts, 0 if draw < 0.1 else 1 if draw < 0.8 else 2):
                links.append((user_id, district))
        await connection.copy_records_to_table("app_user", records=users, columns=USER_COLUMNS)
        await connection.copy_records_to_table(
            "user_district", records=links, columns=("user_id", "district_id")
        )
        for table in ("organization", "app_user", "user_district", "auth_session"):
            await connection.execute(f"VACUUM (ANALYZE) {table}")
        count = await connection.fetchval("SELECT count(*) FROM app_user")
    finally:
        await connection.close()
    say(f"seeded {count} users ({len(links)} district links) in {len(organizations)} organisations")
    return Seeded(admin.id, organizations[0], session.id, [u[1] for u in users])


async def checkpoint(target: Target) -> None:
    """Flush dirty pages before a measurement (needs a superuser; skipped otherwise)."""
    with contextlib.suppress(asyncpg.PostgresError):
        await _execute(target.dsn, "CHECKPOINT")


# -- servers --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    kind: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn shuts down gracefully), then SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def start_server(
    kind: str, env: dict[str, str], workdir: Path, stack: contextlib.ExitStack
) -> Server:
    port = free_port()
    if kind == "app":  # what `shakti-mis serve --workers 1` runs
        command = [
            sys.executable,
            "-m",
            "api.cli",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            "1",
        ]
    else:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(BENCH_DIR),
            "--factory",
            "bare_app:create_app",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-access-log",
            "--no-server-header",
            "--log-level",
            "warning",
        ]
    log = workdir / f"{kind}.log"
    with log.open("wb") as handle:
        # A session of its own: a Ctrl-C reaches only us, and we stop the server in order.
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack.callback(stop, process)
    return Server(kind, port, process, log)


async def wait_ready(server: Server, within: float = 60.0) -> None:
    request = loadgen.build_requests(HOST, server.port, ["/health/live"])[0]
    deadline = time.monotonic() + within
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"the {server.kind} server exited:\n{server.tail()}")
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, TimeoutError):
            if (await loadgen.fetch(HOST, server.port, request, io_timeout=2)).status == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the {server.kind} server did not start:\n{server.tail()}")
        await asyncio.sleep(0.2)


# -- measuring ------------------------------------------------------------------------------
class CpuMeter:
    """CPU seconds between two marks: the server process, PostgreSQL (when local), this
    process (the load generator) and everything else on the machine (other work competing for
    the cores, which makes a run noisy)."""

    def __init__(self, server_pid: int, postmaster_pid: int | None) -> None:
        self.server = psutil.Process(server_pid)
        self.postmaster = psutil.Process(postmaster_pid) if postmaster_pid else None
        self.before: Sample | None = None
        self.after: Sample | None = None

    def _postgres(self) -> dict[int, float]:
        if self.postmaster is None:
            return {}
        seconds: dict[int, float] = {}
        for process in (self.postmaster, *self.postmaster.children(recursive=True)):
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                seconds[process.pid] = times.user + times.system
        with contextlib.suppress(psutil.Error):
            # Processes that ended (parallel query workers) count in their parent's totals.
            times = self.postmaster.cpu_times()
            seconds[0] = times.children_user + times.children_system
        return seconds

    def _sample(self) -> Sample:
        times = self.server.cpu_times()
        machine = psutil.cpu_times()
        busy = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
        return Sample(times.user + times.system, self._postgres(), time.process_time(), busy)

    def start(self) -> None:
        self.before = self._sample()

    def end(self) -> None:
        self.after = self._sample()

    def deltas(self) -> CpuUse:
        assert self.before is not None
        assert self.after is not None
        before, after = self.before, self.after
        server = after.server - before.server
        postgres = None
        if self.postmaster is not None:
            postgres = sum(t - before.postgres.get(pid, 0.0) for pid, t in after.postgres.items())
        loadgen_cpu = after.loadgen - before.loadgen
        ours = server + (postgres or 0.0) + loadgen_cpu
        return CpuUse(server, postgres, loadgen_cpu, max(0.0, after.busy - before.busy - ours))


@dataclass
class Sample:
    server: float
    postgres: dict[int, float]
    loadgen: float
    busy: float  # the whole machine


@dataclass
class CpuUse:
    """CPU seconds in the measured window. ``postgres`` is None when the database is remote
    (then ``others`` includes it when it runs on this machine)."""

    server: float
    postgres: float | None
    loadgen: float
    others: float


class Profiler:
    """``--profile DIR``: py-spy samples the server during the measured window and writes
    collapsed stacks (flamegraph.pl / speedscope input) of the code holding the GIL, i.e. the
    Python CPU time. py-spy pauses the process to sample, so profiled runs are slower and
    their figures are not comparable with plain runs."""

    def __init__(self, folder: Path | None, server: Server, endpoint: str, seconds: float) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.command: list[str] | None = None
        if folder is None:
            return
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not Path(py_spy).exists():
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        folder.mkdir(parents=True, exist_ok=True)
        self.output = folder / f"{server.kind}-{endpoint}.txt"
        self.command = [py_spy, "record", "--pid", str(server.process.pid), "--duration",
                        str(max(1, round(seconds))), "--rate", "250", "--format", "raw", "--gil",
                        "--output", str(self.output)]  # fmt: skip

    def start(self) -> None:
        if self.command is not None:
            self.process = subprocess.Popen(
                self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )

    def finish(self) -> None:
        if self.process is not None:
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                stop(self.process)
            say(f"  profile: {self.output}")


@dataclass
class Measurement:
    server: str
    endpoint: str
    result: loadgen.LoadResult
    cpu: CpuUse

    def per_request_ms(self, seconds: float | None) -> float | None:
        if seconds is None or not self.result.requests:
            return None
        return seconds / self.result.requests * 1000.0


@dataclass
class Plan:
    """The requests each endpoint cycles through, per server (paths are the same for both)."""

    paths: dict[str, list[str]]
    samples: dict[str, dict[str, Any]] = field(default_factory=dict)  # server -> endpoint -> body


async def check_answers(server: Server, plan: Plan, headers: dict[str, str]) -> None:
    """One request per endpoint before the load: it must be 200 (kept to compare servers)."""
    bodies: dict[str, Any] = {}
    for endpoint, _ in ENDPOINTS:
        request = loadgen.build_requests(HOST, server.port, plan.paths[endpoint][:1], headers)[0]
        answer = await loadgen.fetch(HOST, server.port, request)
        if answer.status != 200:
            raise RuntimeError(
                f"{server.kind} {endpoint}: HTTP {answer.status} {answer.body[:500]!r}\n"
                f"{server.tail()}"
            )
        bodies[endpoint] = orjson.loads(answer.body)
    plan.samples[server.kind] = bodies


async def measure(
    server: Server, target: Target, plan: Plan, headers: dict[str, str], args: argparse.Namespace
) -> list[Measurement]:
    await wait_ready(server)
    await check_answers(server, plan, headers)
    measurements = []
    for endpoint, label in ENDPOINTS:
        await checkpoint(target)
        requests = loadgen.build_requests(HOST, server.port, plan.paths[endpoint], headers)
        meter = CpuMeter(server.process.pid, target.postmaster_pid)
        profiler = Profiler(args.profile, server, endpoint, args.seconds)

        def window_start(meter: CpuMeter = meter, profiler: Profiler = profiler) -> None:
            meter.start()
            profiler.start()

        say(f"  {server.kind:4} {label}: {args.warmup:g} s warm-up + {args.seconds:g} s ...")
        result = await loadgen.run_load(
            HOST,
            server.port,
            requests,
            connections=args.connections,
            seconds=args.seconds,
            warmup=args.warmup,
            on_measure_start=window_start,
            on_measure_end=meter.end,
        )
        await asyncio.to_thread(profiler.finish)
        measurements.append(Measurement(server.kind, endpoint, result, meter.deltas()))
        if result.errors:
            say(f"  ! {result.errors} errors; first: {result.first_error}")
    return measurements


# -- report ---------------------------------------------------------------------------------
OTHERS_LIMIT = 0.10  # other work above 10 % of a core during a window makes the run noisy


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}" if denominator else "n/a"


def report(measurements: list[Measurement], plan: Plan, args: argparse.Namespace) -> bool:
    """Print the table and the ratios; False when the run is not valid (errors)."""
    by_key = {(m.server, m.endpoint): m for m in measurements}
    print()
    print(
        f"Shakti MIS read benchmark: {args.rows} users, {args.connections} connections, "
        f"{args.seconds:g} s measured after {args.warmup:g} s warm-up, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print()
    header = (
        f"{'endpoint':<12} {'server':<6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'server CPU':>11} {'pg CPU':>7} {'loadgen':>8} {'others':>7}"
    )
    print(header)
    print(
        f"{'':<12} {'':<6} {'':>9} {'':>8} {'':>8} {'':>6} {'ms/req':>11} {'ms/req':>7} "
        f"{'cores':>8} {'cores':>7}"
    )
    print("-" * len(header))
    valid, noisy = True, False
    for endpoint, label in ENDPOINTS:
        for server in SERVERS:
            m = by_key[(server, endpoint)]
            r = m.result
            valid = valid and r.errors == 0 and r.requests > 0
            noisy = noisy or m.cpu.others / args.seconds > OTHERS_LIMIT
            print(
                f"{label:<12} {server:<6} {r.rate:>9.1f} {r.percentile(0.5):>8.2f} "
                f"{r.percentile(0.99):>8.2f} {r.errors:>6} "
                f"{_ms(m.per_request_ms(m.cpu.server)):>11} "
                f"{_ms(m.per_request_ms(m.cpu.postgres)):>7} "
                f"{m.cpu.loadgen / args.seconds:>8.2f} {m.cpu.others / args.seconds:>7.2f}"
            )
    print()
    print(f"{'app/bare':<12} {'req/s':>9} {'p50':>8} {'p99':>8}")
    for endpoint, label in ENDPOINTS:
        app, bare = by_key[("app", endpoint)].result, by_key[("bare", endpoint)].result
        print(
            f"{label:<12} {_ratio(app.rate, bare.rate):>9} "
            f"{_ratio(app.percentile(0.5), bare.percentile(0.5)):>8} "
            f"{_ratio(app.percentile(0.99), bare.percentile(0.99)):>8}"
        )
    print()
    for endpoint, label in ENDPOINTS:
        if plan.samples.get("app", {}).get(endpoint) != plan.samples.get("bare", {}).get(endpoint):
            print(f"WARNING: the app and the baseline answered {label} differently")
    if noisy:
        print(
            "WARNING: other processes used the CPUs during the run (column 'others'): "
            "the figures are noisy; run again on an idle machine"
        )
    if not valid:
        for m in measurements:
            if m.result.errors:
                print(
                    f"WARNING: {m.server} {m.endpoint}: {m.result.errors} errors "
                    f"(statuses {dict(m.result.statuses)}, connection failures "
                    f"{m.result.failures}); first: {m.result.first_error}"
                )
        print("WARNING: the run is not valid: every answer must be 2xx")
    return valid


def write_json(path: Path, measurements: list[Measurement], args: argparse.Namespace) -> None:
    document = {
        "rows": args.rows,
        "connections": args.connections,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "cpus": os.cpu_count(),
        "results": [
            {
                "server": m.server,
                "endpoint": m.endpoint,
                "requests": m.result.requests,
                "rps": m.result.rate,
                "p50_ms": m.result.percentile(0.5),
                "p99_ms": m.result.percentile(0.99),
                "errors": m.result.errors,
                "server_cpu_ms_per_request": m.per_request_ms(m.cpu.server),
                "postgres_cpu_ms_per_request": m.per_request_ms(m.cpu.postgres),
                "loadgen_cores": m.cpu.loadgen / args.seconds,
                "other_cores": m.cpu.others / args.seconds,
            }
            for m in measurements
        ],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


# -- main -----------------------------------------------------------------------------------
def server_environments(
    target: Target, settings: Any, workdir: Path, pem: str
) -> dict[str, dict[str, str]]:
    base = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    app = {
        **base,
        "SHAKTI_DATABASE_URL": target.sqlalchemy_url,
        "SHAKTI_JWT_SIGNING_KEYS": json.dumps({KID: pem}),
        "SHAKTI_JWT_ACTIVE_KID": KID,
        "SHAKTI_DATA_DIR": str(workdir),
    }
    bare = {
        **base,
        "BARE_DATABASE_URL": target.dsn,
        "BARE_DATABASE_ROLE": settings.database_app_role or "",
        "BARE_POOL_SIZE": str(settings.database_pool_size + settings.database_max_overflow),
    }
    if not bare["BARE_DATABASE_ROLE"]:
        del bare["BARE_DATABASE_ROLE"]
    return {"app": app, "bare": bare}


async def run(
    args: argparse.Namespace, target: Target, workdir: Path, stack: contextlib.ExitStack
) -> bool:
    from domain.common.settings import Settings
    from domain.identity.keys import generate_private_key_pem, keyring_from_settings
    from domain.identity.tokens import TokenService, TokenSubject

    pem = generate_private_key_pem()
    settings = Settings(
        database_url=SecretStr(target.sqlalchemy_url),
        jwt_signing_keys={KID: SecretStr(pem)},
        jwt_active_kid=KID,
        data_dir=workdir,
    )
    rng = random.Random(args.seed)
    started = time.perf_counter()
    seeded = await seed(target, settings, args.rows, rng)
    if args.setup_sql:
        await _execute(target.dsn, *args.setup_sql)
    say(f"seeding took {time.perf_counter() - started:.1f} s")

    ids = rng.sample(seeded.user_ids, min(SAMPLE_IDS, len(seeded.user_ids)))
    plan = Plan(
        paths={
            "single": [f"/api/v1/users/{user_id}" for user_id in ids],
            "page": ["/api/v1/users?limit=50"],
        }
    )
    tokens = TokenService(
        keyring_from_settings(settings), issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    environments = server_environments(target, settings, workdir, pem)
    measurements: list[Measurement] = []
    for kind in RUN_ORDER:
        headers = {}
        if kind == "app":  # a fresh token per server run, valid longer than the run
            ttl = 900 + round(len(ENDPOINTS) * (args.warmup + args.seconds))
            token = tokens.issue_access_token(
                TokenSubject(
                    principal_kind="user",
                    id=seeded.admin_id,
                    organization_id=seeded.admin_organization_id,
                    role="platform_admin",
                    access_version=1,
                    session_id=seeded.session_id,
                ),
                ttl,
            )
            headers["Authorization"] = f"Bearer {token}"
        say(f"starting the {kind} server")
        server = start_server(kind, environments[kind], workdir, stack)
        try:
            measurements += await measure(server, target, plan, headers, args)
        finally:
            stop(server.process)
        if server.process.returncode not in (0, -signal.SIGTERM):
            say(f"the {kind} server exited with {server.process.returncode}:\n{server.tail()}")
    valid = report(measurements, plan, args)
    if args.json:
        write_json(args.json, measurements, args)
    return valid


def runner() -> asyncio.Runner:
    try:
        import uvloop
    except ImportError:
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so that the cleanup below runs."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous: Callable[..., Any] | int | None = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="users to seed")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="discarded seconds first")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the data")
    parser.add_argument(
        "--setup-sql",
        action="append",
        default=[],
        metavar="SQL",
        help="statement run after seeding, as the superuser (what-if "
        "experiments, e.g. an index); repeatable",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="profile each server with py-spy during the measured windows (slows them)",
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.connections < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--rows and --connections must be positive, --seconds > 0, --warmup >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Cheap hashing for the seeded accounts (reads never hash).
    os.environ.setdefault("SHAKTI_PASSWORD_HASH_MEMORY_KIB", "1024")
    os.environ.setdefault("SHAKTI_PASSWORD_HASH_TIME_COST", "1")
    from persistence import migrator

    with terminate_as_interrupt(), contextlib.ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="shakti-bench-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        try:
            target = provision(stack, workdir)
            migrator.upgrade(target.sqlalchemy_url)
            with runner() as loop_runner:
                valid = loop_runner.run(run(args, target, workdir, stack))
        except KeyboardInterrupt:
            say("interrupted: stopping the servers and the database")
            return 130
        except RuntimeError as exc:  # a server that did not start or answered wrongly
            say(f"benchmark failed: {exc}")
            return 2
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
