"""Evidence benchmark: the outcomes dashboard, every indicator by district and month over five
years, the case-progress dashboard and a financial year's outcome report, at the issue's scale.

A fresh database (embedded PostgreSQL in a temporary directory, or a new database on
SHAKTI_BENCH_DATABASE_URL, dropped at the end), migrated, seeded set-based as the superuser
(bench/evidence_seed.py: ``--survivors`` survivors over five years and everything the five
outcomes count about them), then VACUUM ANALYZE. The real app runs in process (httpx over
ASGI: routing, authentication, policies, the audit trail and the unit of work are in the
figures; network and server are not), as a program manager (internal figures of her own
organisation, ``internal=true``) and as an analyst (suppressed figures). Each request is sent
``--warmup`` times untimed, then ``--repeat`` times timed, one at a time; p50 and p90 in ms,
and the first request's time with no answer kept (persistence/evidence/answers.py emptied
before it: what a request costs after a write to everything it reads).

    .venv/bin/python bench/evidence.py                           # 100k survivors
    .venv/bin/python bench/evidence.py --survivors 10000 100000  # both, side by side
    .venv/bin/python bench/evidence.py --database-url postgresql://...  # an existing database:
        # seeded once (when it holds no bench world yet), kept, measured again on each run

Exit status: 0 when every answer was 200, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import evidence_seed  # noqa: E402 - beside this script

LEAD = "Bench Lead NGO"
PARTNERS = ("Bench Murshidabad Partner", "Bench Jalpaiguri Partner")
MANAGER_EMAIL = "bench.manager@example.org"
ANALYST_EMAIL = "bench.analyst@example.org"
# The targets (ms), by what they bound.
TARGETS = {"outcomes": 300.0, "indicator": 200.0, "report_xlsx": 3000.0}
MODES = ("internal", "suppressed")
ROW_MODES = ("internal", "suppressed", "write")


def say(message: str) -> None:
    print(f"[evidence-bench] {message}", file=sys.stderr, flush=True)


# -- database -------------------------------------------------------------------------------
def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _execute(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def provision(workdir: Path, label: str) -> Iterator[str]:
    """A fresh, empty database, removed afterwards; its SQLAlchemy URL."""
    name = f"shakti_evidence_bench_{label}_{uuid.uuid4().hex[:6]}"
    configured = os.environ.get("SHAKTI_BENCH_DATABASE_URL")
    if configured:
        base = make_url(configured).set(drivername="postgresql+asyncpg")
        admin = _dsn(base.render_as_string(hide_password=False))
        asyncio.run(_execute(admin, f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            asyncio.run(_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        return
    from persistence.embedded import embedded_url, ensure_database, start_embedded

    say(f"starting an embedded PostgreSQL in {workdir}")
    server = start_embedded(workdir, temporary=True)
    try:
        ensure_database(server, name)
        yield embedded_url(server, name)
    finally:
        server.cleanup()


# -- the world ------------------------------------------------------------------------------
@dataclass
class People:
    lead: uuid.UUID
    partners: tuple[uuid.UUID, uuid.UUID]
    manager: uuid.UUID
    analyst: uuid.UUID


async def people(factory: Any, database: Any) -> tuple[People, bool]:
    """The organisations and callers, made through the services (found again when the
    database was seeded before); and whether the world is already seeded."""
    from domain.common.principal import Role
    from persistence.models.enums import OrganizationKind

    async with factory.uow() as uow:
        driver = await uow.driver()
        found = await driver.fetchrow(
            "SELECT o.id AS lead, (SELECT id FROM app_user WHERE email = $2) AS manager,"
            " (SELECT id FROM app_user WHERE email = $3) AS analyst,"
            " (SELECT array_agg(id ORDER BY name DESC) FROM organization"
            "   WHERE name = ANY($4::text[])) AS partners,"
            " (SELECT count(*) FROM survivor) AS survivors"
            " FROM organization o WHERE o.name = $1",
            LEAD,
            MANAGER_EMAIL,
            ANALYST_EMAIL,
            list(PARTNERS),
        )
    if found is not None:
        partners = tuple(found["partners"])
        return (
            People(found["lead"], (partners[0], partners[1]), found["manager"], found["analyst"]),
            found["survivors"] > 0,
        )
    lead = await factory.organization(LEAD, kind=OrganizationKind.lead_ngo)
    partner_ids = (
        await factory.organization(PARTNERS[0]),
        await factory.organization(PARTNERS[1]),
    )
    manager = await factory.user(lead, Role.program_manager, email=MANAGER_EMAIL)
    analyst = await factory.user(lead, Role.analyst, email=ANALYST_EMAIL)
    return People(lead, partner_ids, manager.id, analyst.id), False


async def seed_world(url: str, who: People, survivors: int, password_hash: str) -> None:
    from persistence import clock

    params = evidence_seed.parameters(
        survivors=survivors,
        now=clock.now(),
        lead=who.lead,
        partners=who.partners,
        manager=who.manager,
        password_hash=password_hash,
    )
    connection = await asyncpg.connect(_dsn(url))
    started = time.perf_counter()
    try:
        counts = await evidence_seed.seed(connection, params, say)
    finally:
        await connection.close()
    say(f"seeded {survivors} survivors in {time.perf_counter() - started:.1f} s")
    for table, count in counts.items():
        say(f"  {table:<28} {count:>10,}")


# -- measuring ------------------------------------------------------------------------------
@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)
    # The first request, with no answer kept (persistence/evidence/answers.py cleared).
    first: float | None = None
    status: int = 200
    error: str | None = None

    def percentile(self, fraction: float) -> float | None:
        """Nearest rank."""
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]

    @property
    def p50(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def p90(self) -> float | None:
        return self.percentile(0.9)


async def build_rollups(url: str) -> float:
    """Bring every rolled-up measure up to date, as the first figures would (the first time:
    build it from every record); the seconds it took."""
    from domain.evidence.parameters import measure_parameters
    from persistence.evidence import rollup
    from persistence.evidence.measures import MEASURES

    connection = await asyncpg.connect(_dsn(url))
    started = time.perf_counter()
    try:
        for measure in MEASURES.values():
            if measure.rollup is not None:
                async with connection.transaction():
                    await rollup.catch_up(connection, measure, measure_parameters())
                say(f"  rolled up {measure.code}: {time.perf_counter() - started:.1f} s")
        # As autovacuum would soon after (a table just filled has no statistics yet: the
        # planner would take a measure's 300,000 stored facts for one row).
        await connection.execute("ANALYZE evidence_fact")
        await connection.execute("ANALYZE evidence_piece")
    finally:
        await connection.close()
    return time.perf_counter() - started


@dataclass
class Run:
    """One scale's figures: per request (a label), per mode."""

    survivors: int
    counts: dict[str, int]
    seconds_seeding: float | None
    seconds_rollup: float | None = None
    timings: dict[tuple[str, str], Timing] = field(default_factory=dict)
    answers: dict[tuple[str, str], Any] = field(default_factory=dict)


def financial_year(today: date) -> tuple[date, date]:
    """The last whole financial year (1 April to 31 March) before ``today``."""
    start_year = (today.year if today.month >= 4 else today.year - 1) - 1
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def five_years_of_months(today: date) -> tuple[date, date]:
    """Sixty months: the 59 before this one, and this one to date."""
    index = today.year * 12 + today.month - 1 - 59
    return date(index // 12, index % 12 + 1, 1), today


async def timed(
    http: httpx.AsyncClient,
    url: str,
    params: dict[str, str],
    headers: dict[str, str],
    warmup: int,
    repeat: int,
    *,
    forget: Any = None,
) -> tuple[Timing, Any]:
    """``forget``: a coroutine function that empties the kept answers, run before the first
    request (its time is ``first``)."""
    timing = Timing()
    answer: Any = None
    for i in range(warmup + repeat):
        if i == 0 and forget is not None:
            await forget()
        started = time.perf_counter()
        response = await http.get(url, params=params, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            timing.status = response.status_code
            timing.error = response.text[:300]
            return timing, None
        if i >= warmup:
            timing.samples.append(elapsed)
        if i == 0:
            timing.first = elapsed
            kind = response.headers.get("content-type", "")
            answer = (
                response.json() if kind.startswith("application/json") else len(response.content)
            )
    return timing, answer


async def measure(app: Any, factory: Any, who: People, run: Run, args: argparse.Namespace) -> None:
    from persistence import clock

    today = clock.today()
    fy_from, fy_to = financial_year(today)
    months_from, months_to = five_years_of_months(today)
    fy = {"from": fy_from.isoformat(), "to": fy_to.isoformat()}
    months = {
        "from": months_from.isoformat(),
        "to": months_to.isoformat(),
        "period": "month",
        "by": "district",
    }
    callers = {"internal": who.manager, "suppressed": who.analyst}

    async def forget() -> None:
        """No answer kept: the first request computes every figure it shows."""
        async with factory.uow() as uow:
            await (await uow.driver()).execute("DELETE FROM evidence_answer")

    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as http:
        headers = await factory.user_headers(who.manager)
        listing = await http.get("/api/v1/indicators", headers=headers)
        listing.raise_for_status()
        indicators = [(i["code"], i["breakdowns"]) for i in listing.json()["items"]]
        formats = ["json"] + [
            f
            for f in ("xlsx", "html")
            if importlib.util.find_spec(f"domain.evidence.rendering.{f}") is not None
        ]
        if args.only:
            indicators = [i for i in indicators if i[0] in args.only]
        requests: list[tuple[str, str, dict[str, str]]] = []
        if not args.indicators_only:
            requests.append(("outcomes dashboard", "/api/v1/dashboards/outcomes", fy))
            requests.append(("case-progress dashboard", "/api/v1/dashboards/case-progress", fy))
            for report_format in formats:
                requests.append(
                    (
                        f"report {report_format}",
                        "/api/v1/reports/outcomes",
                        {**fy, "format": report_format},
                    )
                )
        for code, breakdowns in indicators:
            params = dict(months)
            if "district" not in breakdowns:
                params.pop("by")
            requests.append((f"indicator {code}", f"/api/v1/indicators/{code}/values", params))
        for mode in MODES:
            for label, url, params in requests:
                # A fresh token for each request's runs (they live 10 minutes).
                headers = await factory.user_headers(callers[mode])
                query = {**params, "internal": "true"} if mode == "internal" else params
                timing, answer = await timed(
                    http, url, query, headers, args.warmup, args.repeat, forget=forget
                )
                run.timings[(label, mode)] = timing
                run.answers[(label, mode)] = answer
                shown = (
                    "FAILED " + str(timing.status)
                    if timing.error
                    else (f"p50 {timing.p50:8.1f} ms  p90 {timing.p90:8.1f} ms")
                )
                say(f"  {mode:<10} {label:<48} {shown}")
                if timing.error:
                    say(f"    {timing.error}")
        if args.writes and not args.indicators_only:
            await kept_up_to_date(http, factory, who, run, fy, args.writes)


async def kept_up_to_date(
    http: httpx.AsyncClient,
    factory: Any,
    who: People,
    run: Run,
    fy: dict[str, str],
    writes: int,
) -> None:
    """What keeping the figures costs while records change: ``writes`` active cases moved to
    monitoring through the API (each marks its case in its transaction); the outcomes
    dashboard right after (its answers kept from before, up to max-age old); the worker's
    cycle (roll-ups caught up, the asked answers computed again); the dashboard then; and,
    after as many writes again, the dashboard once its kept answers are over max-age old
    (computed in the request)."""
    from datetime import UTC, datetime, timedelta

    from domain.evidence.jobs import keep_rollups
    from persistence import clock

    async with factory.uow() as uow:
        driver = await uow.driver()
        cases = await driver.fetch(
            # (without sealed details: the seeded ones are dummies the case's answer cannot open)
            "SELECT id FROM survivor_case WHERE organization_id = $1 AND status = 'active'"
            " AND deleted_at IS NULL AND context_enc IS NULL ORDER BY id LIMIT $2",
            who.lead,
            2 * writes,
        )
    headers = await factory.user_headers(who.manager)
    query = {**fy, "internal": "true"}

    async def dashboard(label: str) -> float:
        found, _ = await timed(http, "/api/v1/dashboards/outcomes", query, headers, 0, 1)
        run.timings[(label, "internal")] = found
        return found.p50 or 0.0

    async def transitions(batch: list[Any]) -> Timing:
        timing = Timing()
        for row in batch:
            # A change of state needs the case's current version (If-Match), read first.
            current = await http.get(f"/api/v1/cases/{row['id']}", headers=headers)
            started = time.perf_counter()
            response = await http.post(
                f"/api/v1/cases/{row['id']}/transitions",
                json={"to": "monitoring", "reason": "Bench: doing well at home."},
                headers={**headers, "If-Match": current.headers.get("ETag", '"v1"')},
            )
            timing.samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                timing.status, timing.error = response.status_code, response.text[:300]
                say(f"  a case transition failed: {timing.error}")
                break
        return timing

    class Later:
        """The clock 31 s ahead: the answers kept are older than max-age (30 s)."""

        def now(self) -> datetime:
            return datetime.now(UTC) + timedelta(seconds=31)

    # (Nothing kept: each indicator's first request above emptied the kept answers.)
    await dashboard("outcomes dashboard before the writes (nothing kept)")
    timing = await transitions(list(cases[:writes]))
    run.timings[(f"case transition ({writes} cases)", "write")] = timing
    kept = await dashboard("outcomes dashboard right after the writes (kept, <= 30 s old)")
    started = time.perf_counter()
    computed = await keep_rollups(factory.database, stalled_days=45)
    cycle = (time.perf_counter() - started) * 1000
    run.timings[(f"worker cycle after the writes ({computed} answers)", "write")] = Timing(
        samples=[cycle]
    )
    ready = await dashboard("outcomes dashboard after the worker's cycle")
    await transitions(list(cases[writes:]))
    with clock.using(Later()):
        late = await dashboard("outcomes dashboard after more writes, kept answers too old")
    say(
        f"  {writes} case transitions: p50 {timing.p50 or 0:.1f} ms; the dashboard right after"
        f" {kept:.0f} ms (kept answers); the worker's cycle {cycle:.0f} ms ({computed} answers"
        f" computed again); the dashboard then {ready:.0f} ms; after {writes} more, its kept"
        f" answers over 30 s old: {late:.0f} ms"
    )


# -- report ---------------------------------------------------------------------------------
def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def target_of(label: str) -> float | None:
    if label == "outcomes dashboard":
        return TARGETS["outcomes"]
    if label.startswith("indicator "):
        return TARGETS["indicator"]
    if label == "report xlsx":
        return TARGETS["report_xlsx"]
    return None


def report(runs: list[Run], args: argparse.Namespace) -> bool:
    """Print the figures of every scale side by side; False when an answer was not 200."""
    from persistence import clock

    today = clock.today()
    fy_from, fy_to = financial_year(today)
    months_from, _ = five_years_of_months(today)
    print()
    print(
        f"Shakti MIS evidence benchmark: in-process app (ASGI), one caller, {args.warmup} "
        f"untimed then {args.repeat} timed requests each; {os.cpu_count()} CPUs"
    )
    print(
        f"  financial year {fy_from} to {fy_to} (dashboards, report: beside the year before); "
        f"indicators by district and month from {months_from} to {today}"
    )
    for run in runs:
        counts = run.counts
        print(
            f"  {run.survivors:,} survivors: {counts.get('survivor_case', 0):,} cases, "
            f"{counts.get('case_event', 0):,} case events, "
            f"{counts.get('case_visit', 0):,} visits, "
            f"{counts.get('shg_ledger_entry', 0):,} ledger entries, "
            f"{counts.get('referral', 0):,} referrals, "
            f"{counts.get('entitlement_application', 0):,} entitlement applications"
            + (
                f" (seeded in {run.seconds_seeding:.0f} s)"
                if run.seconds_seeding is not None
                else ""
            )
            + (
                f"; rolled-up stocks brought up to date in {run.seconds_rollup:.1f} s"
                if run.seconds_rollup is not None
                else ""
            )
        )
    print()
    labels: list[str] = []
    for run in runs:
        for label, _ in run.timings:
            if label not in labels:
                labels.append(label)
    head = f"{'request':<46} {'mode':<10}"
    for run in runs:
        head += f" {f'{run.survivors // 1000}k first':>9} {'p50':>6} {'p90':>6}"
    head += f" {'target':>7}"
    print(head)
    print("-" * len(head))
    valid = True
    for label in labels:
        for mode in ROW_MODES:
            if not any((label, mode) in run.timings for run in runs):
                continue
            line = f"{label:<46} {mode:<10}"
            for run in runs:
                timing = run.timings.get((label, mode))
                if timing is None:
                    line += f" {'':>9} {'':>6} {'':>6}"
                elif timing.error:
                    valid = False
                    line += f" {'ERR ' + str(timing.status):>9} {'':>6} {'':>6}"
                else:
                    line += f" {_ms(timing.first):>9} {_ms(timing.p50):>6} {_ms(timing.p90):>6}"
            target = target_of(label)
            line += f" {'< ' + _ms(target) if target else '':>7}"
            print(line)
    print()
    return valid


def write_json(path: Path, runs: list[Run], args: argparse.Namespace) -> None:
    document = {
        "warmup": args.warmup,
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "targets_ms": TARGETS,
        "runs": [
            {
                "survivors": run.survivors,
                "rows": run.counts,
                "seconds_seeding": run.seconds_seeding,
                "results": [
                    {
                        "request": label,
                        "mode": mode,
                        "status": timing.status,
                        "p50_ms": timing.p50,
                        "p90_ms": timing.p90,
                        "samples_ms": timing.samples,
                    }
                    for (label, mode), timing in run.timings.items()
                ],
            }
            for run in runs
        ],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


def _comparable(answer: Any) -> Any:
    """An answer without what changes from one request to the next."""
    if isinstance(answer, dict):
        return {k: _comparable(v) for k, v in answer.items() if k != "computed_at"}
    if isinstance(answer, list):
        return [_comparable(v) for v in answer]
    return answer


def keep_answers(directory: Path, run: Run) -> None:
    """Each request's first answer (JSON), to compare runs of different code on one
    database (``--database-url``)."""
    directory.mkdir(parents=True, exist_ok=True)
    for (label, mode), answer in run.answers.items():
        name = f"{run.survivors}-{label.replace(' ', '_')}-{mode}.json"
        (directory / name).write_text(json.dumps(_comparable(answer), indent=1, sort_keys=True))


def compare_answers(directory: Path, run: Run) -> bool:
    same = True
    for (label, mode), answer in run.answers.items():
        name = f"{run.survivors}-{label.replace(' ', '_')}-{mode}.json"
        kept = directory / name
        if not kept.exists():
            say(f"  no kept answer for {label} ({mode})")
            continue
        if json.loads(kept.read_text()) != json.loads(
            json.dumps(_comparable(answer), sort_keys=True)
        ):
            same = False
            say(f"  DIFFERENT: {label} ({mode})")
    say("answers: the same as those kept" if same else "answers: SOME DIFFER from those kept")
    return same


# -- main -----------------------------------------------------------------------------------
async def one_scale(url: str, survivors: int, workdir: Path, args: argparse.Namespace) -> Run:
    from api.app import create_app
    from domain.common.settings import Settings
    from domain.identity.keys import generate_private_key_pem
    from persistence.crypto import new_key_text
    from tests.factories import Factory

    settings = Settings(
        env="development",
        database_url=SecretStr(url),
        jwt_signing_keys={"bench-1": SecretStr(generate_private_key_pem())},
        jwt_active_kid="bench-1",
        data_keys={"bench-data-1": SecretStr(new_key_text())},
        data_active_kid="bench-data-1",
        blind_index_key=SecretStr(new_key_text()),
        data_dir=workdir,
        log_level="WARNING",
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        container = app.state.container
        factory = Factory(container, container.database)
        who, seeded = await people(factory, container.database)
        seconds = None
        if not seeded:
            started = time.perf_counter()
            await seed_world(
                url, who, survivors, container.identity.passwords.hash("bench passphrase")
            )
            seconds = time.perf_counter() - started
        else:
            say("the database holds a seeded world: measuring it as it is")
        connection = await asyncpg.connect(_dsn(url))
        try:
            counts = {
                table: int(await connection.fetchval(f"SELECT count(*) FROM {table}"))
                for table in evidence_seed.COUNTED
            }
        finally:
            await connection.close()
        run = Run(survivors=counts["survivor"], counts=counts, seconds_seeding=seconds)
        run.seconds_rollup = await build_rollups(url)
        if not args.seed_only:
            await measure(app, factory, who, run, args)
    return run


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--survivors",
        type=int,
        nargs="+",
        default=[100_000],
        help="survivors to seed (several: one database each, figures side by side)",
    )
    parser.add_argument("--repeat", type=int, default=7, help="timed requests of each kind")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests first")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--database-url",
        help="measure this existing database instead (seeded with the first --survivors "
        "when it holds no bench world yet; never dropped)",
    )
    parser.add_argument(
        "--only", nargs="+", metavar="CODE", help="measure only these indicators' values"
    )
    parser.add_argument(
        "--indicators-only",
        action="store_true",
        help="leave out the dashboards and the report",
    )
    parser.add_argument(
        "--seed-only", action="store_true", help="seed (with --database-url), measure nothing"
    )
    parser.add_argument(
        "--writes",
        type=int,
        default=50,
        help="case transitions made through the API at the end, then the dashboard timed "
        "again (the cost of keeping the roll-ups); 0: none (the data stays as seeded)",
    )
    parser.add_argument(
        "--keep-answers", type=Path, metavar="DIR", help="write each request's answer here"
    )
    parser.add_argument(
        "--compare-answers",
        type=Path,
        metavar="DIR",
        help="compare each answer with the one kept in DIR (same database)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0 or min(args.survivors) < 100:
        parser.error("--repeat >= 1, --warmup >= 0, --survivors >= 100")
    if args.database_url and len(args.survivors) > 1:
        parser.error("--database-url measures one database: give one --survivors")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("SHAKTI_PASSWORD_HASH_MEMORY_KIB", "1024")
    os.environ.setdefault("SHAKTI_PASSWORD_HASH_TIME_COST", "1")
    from persistence import migrator

    runs: list[Run] = []
    same = True
    workdir = Path(tempfile.mkdtemp(prefix="shakti-evidence-bench-"))
    try:
        for survivors in args.survivors:
            label = f"{survivors // 1000}k"
            with contextlib.ExitStack() as stack:
                if args.database_url:
                    url = make_url(args.database_url).set(drivername="postgresql+asyncpg")
                    url_text = url.render_as_string(hide_password=False)
                else:
                    url_text = stack.enter_context(provision(workdir / label, label))
                migrator.upgrade(url_text)
                run = asyncio.run(one_scale(url_text, survivors, workdir, args))
            runs.append(run)
            if args.keep_answers:
                keep_answers(args.keep_answers, run)
            if args.compare_answers:
                same = compare_answers(args.compare_answers, run) and same
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    valid = report(runs, args)
    if args.json:
        write_json(args.json, runs, args)
    return 0 if valid and same else 1


if __name__ == "__main__":
    sys.exit(main())
