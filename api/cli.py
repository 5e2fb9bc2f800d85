"""The shakti-mis command: serve, worker, migrate, create-admin, openapi, rotate-keys,
audit-checkpoint, audit-verify, seed-demo.

Without SHAKTI_DATABASE_URL every command uses an embedded PostgreSQL kept under
SHAKTI_DATA_DIR (default: .shakti in the folder the command runs from).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from api.settings import HttpSettings, check_serving
from domain.common.settings import (
    ProductionConfigError,
    Settings,
    check_audit_keys,
    check_migration,
    check_production,
)

if TYPE_CHECKING:
    from seeds.context import DemoContext, DemoOptions
    from seeds.runner import DemoReport

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EMBEDDED_DATABASE = "shakti"
# The embedded server's API login role (`serve` works as it, as production does).
EMBEDDED_API_ROLE = "shakti_api"
OPENAPI_PATH = Path("openapi/openapi.json")


class CommandError(Exception):
    """A failure to report in one line, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _log_line(message: str, level: str = "info", **fields: Any) -> None:
    """One JSON line, as the app's logs are (``serve`` off a terminal: its output is a log)."""
    event = {"event": message, "level": level, "logger": "shakti.cli", **fields}
    event["timestamp"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    print(json.dumps(event, default=str), file=sys.stderr, flush=True)


Say = Callable[..., None]


def _plain(message: str, **_: Any) -> None:
    """A sentence for a person (the structured fields are for _log_line)."""
    _say(message)


PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the checkout, when installed with -e


def clusters_elsewhere(data_dir: Path, *, around: Path | None = None) -> list[Path]:
    """Data directories of the default name that hold a cluster, other than ``data_dir``: in
    the folder ``around`` (the working directory) or any folder above it, and in the
    project's own checkout. A command run from a subfolder would otherwise start a new, empty
    database silently."""
    from persistence.embedded import has_cluster

    default_name = Settings.model_fields["data_dir"].default
    here = (around or Path.cwd()).resolve()
    places = [here, *here.parents]
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        places.append(PROJECT_ROOT)
    found: list[Path] = []
    for place in places:
        candidate = place / default_name
        if candidate != data_dir and candidate not in found and has_cluster(candidate):
            found.append(candidate)
    return found


def embedded_data_dir(settings: Settings, say: Say = _plain) -> tuple[Path, bool]:
    """The absolute data directory of the embedded PostgreSQL and whether a new cluster will be
    created there; says both (every time), and warns when another cluster exists nearby."""
    from persistence.embedded import EmbeddedUnavailable, available, has_cluster

    if not available():
        raise CommandError(str(EmbeddedUnavailable()), EXIT_USAGE)
    data_dir = settings.data_dir.expanduser().resolve()
    new = not has_cluster(data_dir)
    state = "a new, empty database cluster is created there" if new else "its cluster is kept"
    say(
        f"SHAKTI_DATABASE_URL is not set: using the embedded PostgreSQL in {data_dir} "
        f"(SHAKTI_DATA_DIR; {state})",
        data_dir=str(data_dir),
    )
    if new:
        for other in clusters_elsewhere(data_dir):
            say(
                f"warning: {other} already holds a database cluster, and this command starts "
                f"a new, empty one in {data_dir}. To use the existing one, run from "
                f"{other.parent} or set SHAKTI_DATA_DIR={other}",
                level="warning",
                data_dir=str(data_dir),
                existing=str(other),
            )
    return data_dir, new


def database_url(settings: Settings, *, owner: bool = False) -> str:
    """The configured URL (with ``owner``, the migration URL first), or one of an embedded
    server started under the data dir."""
    configured = settings.migration_database_url_value if owner else settings.database_url_value
    if configured:
        return configured
    from persistence.embedded import embedded_url, ensure_database, start_embedded

    data_dir, _ = embedded_data_dir(settings, _plain)
    server = start_embedded(data_dir)
    ensure_database(server, EMBEDDED_DATABASE)
    return embedded_url(server, EMBEDDED_DATABASE)


def audit_keys(settings: Settings) -> Any:
    """The audit keys (generated in development, like the other keys): every command that
    writes audit events chains them under the active one."""
    from domain.identity.keys import audit_keys_from_settings, with_development_keys

    try:
        return audit_keys_from_settings(with_development_keys(settings))
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc


# -- serve ----------------------------------------------------------------------------------
TERMINATING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def _exit_on_termination() -> Iterator[None]:
    """SIGTERM and SIGHUP end the process by SystemExit, so that every ``finally`` (the
    embedded PostgreSQL's stop) runs; their default action would kill it where it stands.
    (uvicorn shuts down gracefully on them, then raises the signal again: it lands here.)"""

    def leave(signum: int, frame: FrameType | None) -> None:
        for sig in (*TERMINATING_SIGNALS, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)  # a second one must not cut the clean-up short
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in TERMINATING_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass(frozen=True)
class Started:
    """What ``serve`` found and did before the API starts (the banner tells it)."""

    url: str
    data_dir: Path | None = None  # the embedded PostgreSQL's; None with SHAKTI_DATABASE_URL
    created: bool = False  # a new database, just now
    migrated: bool = False  # migrations applied just now
    has_accounts: bool | None = None  # None: not looked at (an external database)


async def _schema_state(url: str) -> tuple[set[str], bool]:
    """The database's revisions, and whether any account exists (as the schema owner)."""

    from persistence import migrator
    from persistence.database import create_engine

    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            current = await connection.run_sync(migrator.current_revisions)
            if current != set(migrator.heads()):
                return current, False
            return current, await connection.run_sync(migrator.has_accounts)
    finally:
        await engine.dispose()


def _serve_embedded(stack: contextlib.ExitStack, settings: Settings, say: Say) -> Started:
    """Start the embedded server (stopped when ``stack`` closes), migrate it as its owner and
    return the URL of the API's login role, as in production."""
    import asyncio

    from persistence import migrator
    from persistence.boundary import ensure_login_role
    from persistence.embedded import embedded_server, embedded_url, ensure_database

    data_dir, new_cluster = embedded_data_dir(settings, say)
    server = stack.enter_context(embedded_server(data_dir))
    created = ensure_database(server, EMBEDDED_DATABASE) or new_cluster
    owner_url = embedded_url(server, EMBEDDED_DATABASE)
    # The embedded database is ours: bring it to the latest schema before serving.
    before, _ = asyncio.run(_schema_state(owner_url))
    migrator.upgrade(owner_url)
    _, has_accounts = asyncio.run(_schema_state(owner_url))
    migrated = before != set(migrator.heads())
    url = owner_url
    if settings.database_app_role:
        role = settings.database_api_role or EMBEDDED_API_ROLE
        asyncio.run(
            ensure_login_role(owner_url, role, app_role=settings.database_app_role, password=None)
        )
        url = embedded_url(server, EMBEDDED_DATABASE, user=role)
    return Started(url, data_dir, created, migrated, has_accounts)


def _command_name() -> str:
    """How the person started this command (``.venv/bin/shakti-mis``), to repeat in advice."""
    invoked = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path("shakti-mis")
    return str(invoked) if invoked.name == "shakti-mis" else "shakti-mis"


def serve_banner(
    started: Started, *, host: str, port: int, serves_docs: bool, command: str = "shakti-mis"
) -> str:
    """What ``serve`` prints on a terminal before the logs start: where the API and its docs
    are, where the data lives, what just happened to the database and what to do next."""
    from api.app import API_PREFIX, VERSION

    shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104 - a display
    base = f"http://{shown}:{port}" if ":" not in shown else f"http://[{shown}]:{port}"
    lines = [f"Shakti MIS {VERSION}", f"  API         {base}{API_PREFIX}   (index: {base}/)"]
    lines.append(f"  docs        {base}/docs" if serves_docs else "  docs        not served")
    if started.data_dir is not None:
        lines.append(f"  data        {started.data_dir}   (embedded PostgreSQL)")
        if started.created:
            state = "created just now, and migrated to the latest schema"
        elif started.migrated:
            state = "kept; migrated just now to the latest schema"
        else:
            state = "kept; its schema is the latest"
        lines.append(f"  database    {state}")
    else:
        lines.append("  database    from SHAKTI_DATABASE_URL (`shakti-mis migrate` updates it)")
    lines.append("")
    lines.append("This terminal now keeps the server (Ctrl-C stops it). In a second terminal:")
    if started.has_accounts is False:
        lines.append("  create the first account (a platform admin; the password from stdin):")
        lines.append(
            f"    printf '%s\\n' 'choose a long passphrase' | {command} create-admin "
            "--email admin@example.org --password-stdin"
        )
        lines.append(f"  or fill it with synthetic demo data:  {command} seed-demo")
    elif started.has_accounts:
        lines.append(f"  sign in (POST {API_PREFIX}/auth/token): see README.md, First requests")
    else:
        lines.append(f"  if nobody can sign in yet: {command} create-admin --help")
    if started.data_dir is not None:
        lines.append(
            f"Next time, start it with `{command} serve` from {started.data_dir.parent} "
            "(the data stays where it is)."
        )
    lines.append("Logs follow, one JSON object a line.")
    return "\n".join(lines) + "\n"


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    on_terminal = sys.stderr.isatty()
    # On a terminal, people read plain sentences; elsewhere the output is a log, JSON lines.
    say: Say = _plain if on_terminal else _log_line
    with contextlib.ExitStack() as stack:
        stack.enter_context(_exit_on_termination())
        configured = settings.database_url_value
        started = Started(configured) if configured else _serve_embedded(stack, settings, say)
        os.environ["SHAKTI_DATABASE_URL"] = started.url  # the workers read it
        if not configured:
            # Development: the job queue's worker runs in the API's process, so that the one
            # command starts everything (unless SHAKTI_IN_PROCESS_WORKER says otherwise).
            os.environ.setdefault("SHAKTI_IN_PROCESS_WORKER", "true")
        if args.workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
            # Workers write their metrics here; /metrics sums them. Removed at exit.
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="shakti-metrics-"))
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        if on_terminal:
            banner = serve_banner(
                started,
                host=args.host,
                port=args.port,
                serves_docs=HttpSettings().serves_docs(settings.env),
                command=_command_name(),
            )
            sys.stderr.write("\n" + banner + "\n")
            sys.stderr.flush()
        _run_uvicorn(args, settings)
    return EXIT_OK


def _run_uvicorn(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    uvicorn.run(
        "api.process:served_app",  # the app, and the process tuned for serving it
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # The app reads X-Forwarded-For itself, from SHAKTI_FORWARDED_ALLOW_IPS only
        # (api/middleware.py): one place decides who the client is.
        proxy_headers=False,
        access_log=False,
        log_config=None,
        server_header=False,
    )


# -- worker ---------------------------------------------------------------------------------
async def _work(url: str, settings: Settings) -> None:
    from domain.identity.keys import cipher_from_settings, with_development_keys
    from domain.jobs.worker import run_worker
    from persistence import migrator
    from persistence.database import Database, create_engine

    try:
        cipher = cipher_from_settings(with_development_keys(settings))
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    owner = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with owner.connect() as connection:
            current = await connection.run_sync(migrator.current_revisions)
    finally:
        await owner.dispose()
    if current != set(migrator.heads()):
        raise CommandError("the database is not at the latest revision: run `shakti-mis migrate`")
    database = Database.connect(
        url,
        app_role=settings.database_app_role or None,
        pool_size=settings.worker_concurrency + 1,
    )
    database.cipher = cipher
    database.audit_keys = audit_keys(settings)
    try:
        await run_worker(settings, database, url)
    finally:
        await database.dispose()


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from api.logging import configure as configure_logging

    configure_logging(settings.log_level)
    url = database_url(settings)
    _say("worker started: SIGTERM or Ctrl-C stops it once its running jobs are done")
    asyncio.run(_work(url, settings))
    return EXIT_OK


# -- migrate --------------------------------------------------------------------------------
def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from alembic.util.exc import CommandError as AlembicError

    from persistence import migrator
    from persistence.boundary import BoundaryError, ensure_login_role

    url = database_url(settings, owner=True)
    try:
        if args.down is not None:
            migrator.downgrade(url, args.down)
            _say(f"downgraded to {args.down}")
        else:
            migrator.upgrade(url, args.to)
            _say(f"upgraded to {args.to}")
    except AlembicError as exc:
        raise CommandError(f"migration failed: {exc}") from exc
    role, app_role = settings.database_api_role, settings.database_app_role
    if role and args.down is None:
        if not app_role:
            raise CommandError("SHAKTI_DATABASE_API_ROLE needs an app role", EXIT_USAGE)
        password = settings.database_api_password
        try:
            asyncio.run(
                ensure_login_role(
                    url,
                    role,
                    app_role=app_role,
                    password=password.get_secret_value() if password else None,
                )
            )
        except BoundaryError as exc:
            raise CommandError(str(exc), EXIT_USAGE) from exc
        _say(f"login role {role} ready: a member of {app_role} only")
    return EXIT_OK


# -- create-admin ---------------------------------------------------------------------------
def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise CommandError("the passwords differ", EXIT_USAGE)
    from domain.identity.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise CommandError(
            f"the password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            EXIT_USAGE,
        )
    return password


async def _create_admin(
    url: str, settings: Settings, email: str, name: str, org_name: str, password: str
) -> str:
    from pydantic import SecretStr, ValidationError

    from domain.common.errors import Conflict, DomainError
    from domain.common.principal import Role, system_principal
    from domain.identity.passwords import Passwords
    from domain.organizations.service import OrganizationService
    from domain.users.schemas import UserCreate
    from domain.users.service import UserService
    from persistence import migrator
    from persistence.database import Database, create_engine
    from persistence.uow import UnitOfWork

    # Look at the schema as the migrating role: on a new server the app role does not exist
    # until the first migration creates it.
    owner = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with owner.connect() as connection:
            current = await connection.run_sync(migrator.current_revisions)
    finally:
        await owner.dispose()
    if not current:
        _say("the database is empty: applying migrations")
        await asyncio.to_thread(migrator.upgrade, url)
    elif current != set(migrator.heads()):
        raise CommandError("the database is not at the latest revision: run `shakti-mis migrate`")
    database = Database.connect(url, app_role=settings.database_app_role or None, pool_size=1)
    database.audit_keys = audit_keys(settings)
    try:
        system = system_principal()
        passwords = Passwords(
            time_cost=settings.password_hash_time_cost,
            memory_kib=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
        )
        try:
            body = UserCreate(
                email=email, full_name=name, role=Role.platform_admin, password=SecretStr(password)
            )
        except ValidationError as exc:
            raise CommandError(
                f"invalid account details: {exc.errors()[0]['msg']}", EXIT_USAGE
            ) from exc
        async with UnitOfWork(database) as uow:
            body.organization_id = await OrganizationService(uow).named_or_new_lead(
                system, org_name
            )
            try:
                user = await UserService(uow, passwords).create(system, body)
            except Conflict as exc:
                raise CommandError(exc.detail) from exc
            except DomainError as exc:
                raise CommandError(exc.detail, EXIT_USAGE) from exc
        return str(user.id)
    finally:
        await database.dispose()


def cmd_create_admin(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password(args.password_stdin)
    url = database_url(settings)
    user_id = asyncio.run(
        _create_admin(url, settings, args.email, args.name, args.organization, password)
    )
    _say(f"created platform admin {user_id}")
    return EXIT_OK


# -- openapi --------------------------------------------------------------------------------
def openapi_document(settings: Settings) -> str:
    from api.app import create_app

    app = create_app(settings.model_copy(update={"log_level": "WARNING"}))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


def cmd_openapi(args: argparse.Namespace, settings: Settings) -> int:
    document = openapi_document(settings)
    target = Path(args.output)
    if args.check:
        if not target.exists() or target.read_text() != document:
            _say(f"{target} differs from the app: run `shakti-mis openapi` and commit it")
            return EXIT_FAILED
        _say(f"{target} is current")
        return EXIT_OK
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(document)
    _say(f"wrote {target}")
    return EXIT_OK


# -- rotate-keys ----------------------------------------------------------------------------
async def _rotate_keys(
    url: str, settings: Settings, reindex: bool, batch_size: int
) -> list[tuple[str, int, int]]:
    from domain.audit.trail import record
    from domain.common.principal import system_principal
    from domain.common.vocabulary import AuditAction
    from domain.identity.keys import cipher_from_settings, with_development_keys
    from domain.survivors.service import sealed_blind_indexes
    from persistence import key_rotation, migrator
    from persistence.database import Database, create_engine
    from persistence.uow import UnitOfWork

    try:
        cipher = cipher_from_settings(with_development_keys(settings))
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    owner = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with owner.connect() as connection:
            current = await connection.run_sync(migrator.current_revisions)
    finally:
        await owner.dispose()
    if current != set(migrator.heads()):
        raise CommandError("the database is not at the latest revision: run `shakti-mis migrate`")

    def progress(report: key_rotation.ColumnReport) -> None:
        _say(f"  {report.table}.{report.column}: {report.resealed} of {report.examined}")

    database = Database.connect(url, app_role=settings.database_app_role or None, pool_size=1)
    database.cipher = cipher
    database.audit_keys = audit_keys(settings)
    try:
        _say(f"re-sealing under key {cipher.active_kid!r}")
        reports = await key_rotation.reseal_all(database, batch_size=batch_size, progress=progress)
        counts = [(f"{r.table}.{r.column}", r.examined, r.resealed) for r in reports]
        if reindex:
            _say("recomputing survivors' blind indexes")
            indexed = await key_rotation.reindex_survivors(
                database, sealed_blind_indexes, batch_size=batch_size, progress=progress
            )
            counts.append(("survivor.blind_indexes", indexed.examined, indexed.resealed))
        async with UnitOfWork(database) as uow:
            system = system_principal()
            record(uow, system, AuditAction.secret_rotate, "data_key")
            if reindex:
                record(uow, system, AuditAction.secret_rotate, "blind_index_key")
        return counts
    finally:
        await database.dispose()


def cmd_rotate_keys(args: argparse.Namespace, settings: Settings) -> int:
    from persistence.crypto import DecryptionError

    if args.batch_size < 1:
        raise CommandError("--batch-size must be at least 1", EXIT_USAGE)
    url = database_url(settings)
    try:
        counts = asyncio.run(_rotate_keys(url, settings, args.reindex, args.batch_size))
    except DecryptionError as exc:
        raise CommandError(
            f"a sealed value could not be opened ({exc}): configure every key still in use "
            "in SHAKTI_DATA_KEYS and run again (finished batches are kept)"
        ) from exc
    for name, examined, changed in counts:
        print(f"{name}\texamined {examined}\tchanged {changed}")
    _say(f"done: {sum(changed for _, _, changed in counts)} values changed")
    return EXIT_OK


# -- audit-checkpoint, audit-verify ---------------------------------------------------------
async def _with_audit_service(url: str, settings: Settings, work: Any) -> Any:
    """Run ``work(service, system)`` in one unit of work on a database at the latest revision."""
    from domain.audit.service import AuditService, seal_unkeyed_chains
    from domain.common.principal import system_principal
    from persistence import migrator
    from persistence.database import Database, create_engine
    from persistence.uow import UnitOfWork

    keys = audit_keys(settings)
    owner = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with owner.connect() as connection:
            current = await connection.run_sync(migrator.current_revisions)
    finally:
        await owner.dispose()
    if current != set(migrator.heads()):
        raise CommandError("the database is not at the latest revision: run `shakti-mis migrate`")
    database = Database.connect(url, app_role=settings.database_app_role or None, pool_size=1)
    database.audit_keys = keys
    try:
        await seal_unkeyed_chains(database)
        async with UnitOfWork(database) as uow:
            return await work(AuditService(uow), system_principal())
    finally:
        await database.dispose()


def cmd_audit_checkpoint(args: argparse.Namespace, settings: Settings) -> int:
    url = database_url(settings)

    async def take(service: Any, system: Any) -> Any:
        return await service.checkpoint(system)

    taken = asyncio.run(_with_audit_service(url, settings, take))
    print(taken.checkpoint)
    moved = sum(1 for head in taken.heads if head.seq)
    _say(
        f"checkpoint of {len(taken.heads)} chains ({moved} with events) under audit key "
        f"{taken.kid!r}, taken {taken.taken_at.isoformat()}: keep the line above where the "
        "database's administrators cannot write"
    )
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from domain.common.errors import BusinessRuleViolation

    checkpoint: str | None = args.checkpoint
    if args.checkpoint_file is not None:
        source = sys.stdin if args.checkpoint_file == "-" else None
        try:
            text = source.read() if source else Path(args.checkpoint_file).read_text()
        except OSError as exc:
            raise CommandError(f"cannot read the checkpoint: {exc.strerror}", EXIT_USAGE) from exc
        checkpoint = text.strip()
    url = database_url(settings)

    async def verify(service: Any, system: Any) -> Any:
        return await service.verify(system, checkpoint)

    try:
        result = asyncio.run(_with_audit_service(url, settings, verify))
    except BusinessRuleViolation as exc:
        raise CommandError(f"checkpoint refused: {exc.detail}", EXIT_USAGE) from exc
    for found in result.problems:
        print(f"chain {found.chain}\tposition {found.position}\t{found.kind.value}")
    legacy = sum(status.legacy_events for status in result.chains)
    against = (
        f" and the checkpoint of {result.checkpoint_taken_at.isoformat()}"
        if result.checkpoint_taken_at
        else ""
    )
    summary = (
        f"{result.events_checked} events in {len(result.chains)} chains checked against the "
        f"audit keys{against}"
        + (f" ({legacy} from before audit keys, plain SHA-256)" if legacy else "")
    )
    if result.ok:
        _say(f"ok: {summary}")
        return EXIT_OK
    _say(f"NOT ok: {len(result.problems)} problem(s) listed above; {summary}")
    return EXIT_FAILED


# -- seed-demo ------------------------------------------------------------------------------
async def _seed_demo(
    url: str, settings: Settings, password: str, options: DemoOptions
) -> DemoReport:
    from domain.identity.keys import cipher_from_settings, with_development_keys
    from domain.identity.passwords import Passwords
    from persistence import migrator
    from persistence.database import Database, create_engine
    from seeds.runner import seed_demo

    try:
        cipher = cipher_from_settings(with_development_keys(settings))
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    owner = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with owner.connect() as connection:
            current = await connection.run_sync(migrator.current_revisions)
    finally:
        await owner.dispose()
    if current != set(migrator.heads()):
        if current and settings.database_url is not None:
            raise CommandError(
                "the database is not at the latest revision: run `shakti-mis migrate`"
            )
        # An empty database, or the embedded one (ours, as `serve` treats it): migrate first.
        _say("applying migrations")
        await asyncio.to_thread(migrator.upgrade, url)

    def progress(area: str, ctx: DemoContext) -> None:
        # Only where it has got to: the counts are printed once, at the end.
        _say(f"  {area}")

    database = Database.connect(url, app_role=settings.database_app_role or None, pool_size=1)
    database.cipher = cipher
    database.audit_keys = audit_keys(settings)
    passwords = Passwords(
        time_cost=settings.password_hash_time_cost,
        memory_kib=settings.password_hash_memory_kib,
        parallelism=settings.password_hash_parallelism,
    )
    try:
        return await seed_demo(database, passwords, password, options, progress=progress)
    finally:
        await database.dispose()


def cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    import secrets

    from domain.common.settings import Environment
    from seeds.context import MAX_SURVIVORS, DemoOptions

    if settings.env is Environment.production:
        raise CommandError(
            "seed-demo creates accounts with a known password: refused in production", EXIT_USAGE
        )
    if not 1 <= args.survivors <= MAX_SURVIVORS:
        raise CommandError(f"--survivors must lie between 1 and {MAX_SURVIVORS}", EXIT_USAGE)
    generated = not args.password_stdin
    password = (
        f"shakti-demo-{secrets.token_hex(6)}" if generated else _read_password(from_stdin=True)
    )
    url = database_url(settings)
    _say(f"seeding demo data (seed {args.seed}, {args.survivors} survivors)")
    from sqlalchemy.exc import IntegrityError

    from domain.common.errors import DomainError
    from domain.evidence.service import EvidenceSettings

    options = DemoOptions(
        seed=args.seed, survivors=args.survivors, evidence=EvidenceSettings.of(settings)
    )
    try:
        report = asyncio.run(_seed_demo(url, settings, password, options))
    except DomainError as exc:
        raise CommandError(f"seed-demo failed, nothing was written: {exc.detail}") from exc
    except IntegrityError as exc:
        # Two runs at once: the other one's demo organisation won.
        raise CommandError("another seed-demo run wrote the demo data meanwhile") from exc
    if not report.created:
        _say("the database already holds the demo data: nothing written")
        return EXIT_OK
    print(demo_summary(report, password if generated else None))
    _say("done: every person in it is synthetic")
    return EXIT_OK


def demo_summary(report: DemoReport, password: str | None) -> str:
    """What seed-demo wrote, once: the counts, then the accounts and (when generated) the
    password."""
    width = max(len(name) for name in report.counts)
    lines = [
        f"Demo data written: synthetic people and events from {report.began_on} to {report.today}.",
        "",
        "What it holds:",
        *(f"  {name:<{width}}  {count:>6}" for name, count in sorted(report.counts.items())),
        "",
        "Demo accounts, one password for all (sign in with POST /api/v1/auth/token,",
        "grant_type=password, or with the Authorize button of /docs):",
    ]
    email_width = max(len(user.email) for user in report.users)
    role_width = max(len(user.role.value) for user in report.users)
    lines += [
        f"  {user.email:<{email_width}}  {user.role.value:<{role_width}}  {user.full_name}"
        for user in report.users
    ]
    lines.append("")
    if password is not None:
        lines.append(f"Demo password (shown once, not stored): {password}")
    else:
        lines.append("Demo password: the one given on standard input.")
    return "\n".join(lines)


# -- entry point ----------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="shakti-mis",
        description="Shakti MIS: the API and its administration. Without SHAKTI_DATABASE_URL, "
        "every command uses an embedded PostgreSQL kept under SHAKTI_DATA_DIR (default: "
        ".shakti in the folder the command runs from; the absolute path is printed).",
    )
    sub = root.add_subparsers(dest="command", required=True)

    serve = sub.add_parser(
        "serve",
        help="start the API (migrates an embedded database first); it keeps the terminal",
        description="Start the API. Without SHAKTI_DATABASE_URL, an embedded PostgreSQL is "
        "started under SHAKTI_DATA_DIR (created and migrated the first time) and stopped "
        "with the API. It keeps the terminal until Ctrl-C or SIGTERM: run other commands "
        "in a second one.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port (%(default)s)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (%(default)s)")
    serve.set_defaults(handler=cmd_serve)

    worker = sub.add_parser(
        "worker",
        help="run the job queue's worker (exports; later webhooks, imports)",
        description="Work the job queue kept in the database (procrastinate): build queued "
        "exports, delete expired export files, and put back in the queue the jobs of workers "
        "that died (no heartbeat for SHAKTI_WORKER_STALLED_SECONDS). Run one or more beside "
        "the API; `serve` on the embedded database runs one in its own process.",
    )
    worker.set_defaults(handler=cmd_worker)

    migrate = sub.add_parser(
        "migrate",
        help="upgrade to head, or to/down to a given revision (as the schema owner: "
        "SHAKTI_MIGRATION_DATABASE_URL, else SHAKTI_DATABASE_URL); then create or update the "
        "API's login role SHAKTI_DATABASE_API_ROLE when set",
    )
    group = migrate.add_mutually_exclusive_group()
    group.add_argument("--to", default="head", metavar="REVISION", help="upgrade to REVISION")
    group.add_argument("--down", metavar="REVISION", help="downgrade to REVISION (or base)")
    migrate.set_defaults(handler=cmd_migrate)

    admin = sub.add_parser(
        "create-admin",
        help="create a platform admin account",
        description="Create a platform administrator (and her organisation, a lead NGO, when "
        "missing). An empty database is migrated first. The password is read from standard "
        "input (--password-stdin) or prompted for, never taken from the command line.",
    )
    admin.add_argument("--email", required=True, help="the account's email: she signs in with it")
    admin.add_argument(
        "--name", default="Platform administrator", help="full name (default: %(default)s)"
    )
    admin.add_argument(
        "--organization",
        default="Shakti MIS",
        help="organisation of the admin (a lead NGO, created when missing)",
    )
    admin.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of prompting",
    )
    admin.set_defaults(handler=cmd_create_admin)

    spec = sub.add_parser("openapi", help="write openapi/openapi.json from the app")
    spec.add_argument(
        "--check", action="store_true", help="exit 1 when the committed file differs from the app"
    )
    spec.add_argument("--output", default=str(OPENAPI_PATH), help="the file to write (%(default)s)")
    spec.set_defaults(handler=cmd_openapi)

    rotate = sub.add_parser(
        "rotate-keys",
        help="re-seal personal data under the active key (SHAKTI_DATA_ACTIVE_KID); resumable",
        description="Re-seal every sealed value not under the active data key, in batches "
        "(one transaction each; run again after an interruption). Keep the old key in "
        "SHAKTI_DATA_KEYS until this has finished. With --reindex, also recompute the "
        "survivors' blind indexes under SHAKTI_BLIND_INDEX_KEY from their opened records "
        "(after a change of that key; the old one is not needed).",
    )
    rotate.add_argument(
        "--reindex", action="store_true", help="also recompute survivors' blind indexes"
    )
    rotate.add_argument(
        "--batch-size",
        type=int,
        default=500,
        metavar="N",
        help="values re-sealed per transaction (%(default)s)",
    )
    rotate.set_defaults(handler=cmd_rotate_keys)

    checkpoint = sub.add_parser(
        "audit-checkpoint",
        help="print a signed checkpoint of every audit chain's head (one line to keep elsewhere)",
        description="Print one line: the position and hash of every audit chain's head, signed "
        "under the active audit key (SHAKTI_AUDIT_ACTIVE_KID). Keep it where the database's "
        "administrators cannot write; shakti-mis audit-verify --checkpoint LINE later shows "
        "any chain whose tail was removed or rewritten since. Taking it is audited.",
    )
    checkpoint.set_defaults(handler=cmd_audit_checkpoint)

    verify = sub.add_parser(
        "audit-verify",
        help="verify every audit chain under the audit keys (and against a checkpoint)",
        description="Recompute every audit chain under the configured audit keys (all kids "
        "that events name must be in SHAKTI_AUDIT_KEYS) and print each problem (chain, "
        "position, kind). With a checkpoint, also check that every chain still reaches the "
        "checkpoint's positions with the same hashes. Exit 0 when all is well, 1 when not, 2 "
        "when the checkpoint is refused (altered, or signed by no configured key).",
    )
    given = verify.add_mutually_exclusive_group()
    given.add_argument("--checkpoint", metavar="LINE", help="a line from audit-checkpoint")
    given.add_argument(
        "--checkpoint-file", metavar="PATH", help="read the checkpoint line from PATH ('-': stdin)"
    )
    verify.set_defaults(handler=cmd_audit_verify)

    demo = sub.add_parser(
        "seed-demo",
        help="fill the database with synthetic demo data (once; a rerun writes nothing)",
        description="Create a synthetic lead NGO in South and North 24 Parganas, a partner "
        "NGO, an account for every role and survivors with cases at every stage, written "
        "through the services (sealed, audited). Migrates an empty or embedded database first. "
        "Its story runs over the two years up to the day it runs (cases opened, moved on and "
        "closed on their days, a year of group meetings and books), so dashboards show trends. "
        "The same --seed gives the same story. Refused in production.",
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=2026,
        metavar="N",
        help="random seed: the same N gives the same people and story (default 2026)",
    )
    demo.add_argument(
        "--survivors",
        type=int,
        default=140,
        metavar="N",
        help="how many survivors to register, 1 to 2000 (default 140)",
    )
    demo.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the demo accounts' password from standard input (else one is generated "
        "and printed once)",
    )
    demo.set_defaults(handler=cmd_seed_demo)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings()
        if args.command == "serve":
            check_serving(settings, HttpSettings())
            check_audit_keys(settings)
        elif args.command == "worker":
            check_production(settings)
            check_audit_keys(settings)
        elif args.command == "migrate":
            check_migration(settings)
        handler: Any = args.handler
        return int(handler(args, settings))
    except ProductionConfigError as exc:
        _say(str(exc))
        return EXIT_USAGE
    except CommandError as exc:
        _say(f"shakti-mis: {exc}")
        return exc.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
