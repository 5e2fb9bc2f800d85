"""Export benchmark: 100,000 cases to CSV and to XLSX (and to CSV with personal fields, each
survivor's sealed record opened), through the real server: time to build, time to download,
and the server's peak memory above its memory at rest (the issue's target: under 150 MB).

A fresh database (embedded PostgreSQL in a temporary directory, or a new database on
SHAKTI_BENCH_DATABASE_URL, dropped at the end), migrated and seeded as bench/read_endpoint.py
seeds cases (one organisation, ``--rows`` survivors with sealed personal data and a case
each). Then ``shakti-mis serve`` runs as a subprocess with the job queue's worker in its own
process (SHAKTI_IN_PROCESS_WORKER=true, as `serve` does on the embedded database), so the
process measured is the one that answers requests and writes the files. Its resident memory is
sampled every 10 ms (psutil); "at rest" is after start-up and a warm-up (a small export, a page
of cases). Each export is asked as the program manager: queued (more rows than
SHAKTI_EXPORT_INLINE_ROWS), followed until ready, then downloaded and counted.

    .venv/bin/python bench/exports.py                    # 100k cases
    .venv/bin/python bench/exports.py --rows 20000       # smaller
    .venv/bin/python bench/exports.py --json result.json

Exit status: 0 when every export was built, downloaded whole and stayed under the target;
1 otherwise; 2 when the server did not start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
from pydantic import SecretStr

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))
if str(BENCH_DIR.parent) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR.parent))

import read_endpoint  # noqa: E402 - beside this script
from read_endpoint import (  # noqa: E402
    AUDIT_KID,
    DATA_KID,
    HOST,
    KID,
    provision,
    say,
    server_environments,
    start_server,
    stop,
    wait_ready,
)

TARGET_MB = 150.0
SAMPLE_SECONDS = 0.01
EXPORTS = "/api/v1/exports"
RUNS = (
    ("csv", {"dataset": "cases", "format": "csv"}),
    ("xlsx", {"dataset": "cases", "format": "xlsx"}),
    (
        "csv, personal",
        {
            "dataset": "cases",
            "format": "csv",
            "personal": True,
            "reason": "Benchmark of an export with personal fields",
        },
    ),
)


class PeakMeter:
    """The peak resident memory of a process, sampled in a thread of its own."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._running = False
        self._task: asyncio.Future[None] | None = None

    def rss(self) -> int:
        return int(self.process.memory_info().rss)

    def _sample(self) -> None:
        while self._running:
            self.peak = max(self.peak, self.rss())
            time.sleep(SAMPLE_SECONDS)

    def start(self) -> None:
        self.peak = self.rss()
        self._running = True
        self._task = asyncio.get_running_loop().run_in_executor(None, self._sample)

    async def stop(self) -> int:
        self._running = False
        if self._task is not None:
            await self._task
        return self.peak


@dataclass
class Result:
    label: str
    rows: int | None
    bytes: int
    seconds_to_ready: float
    seconds_to_download: float
    rest_mb: float
    peak_mb: float
    above_rest_mb: float
    ok: bool
    note: str = ""


async def one_export(
    http: httpx.AsyncClient, meter: PeakMeter, label: str, body: dict[str, Any], rest: int
) -> Result:
    meter.start()
    started = time.perf_counter()
    asked = await http.post(EXPORTS, json=body)
    if asked.status_code != 202:
        await meter.stop()
        return Result(label, None, 0, 0, 0, rest / 2**20, 0, 0, False, asked.text[:200])
    location = asked.headers["location"]
    while True:
        state = (await http.get(location)).json()
        if state["status"] in ("ready", "failed"):
            break
        await asyncio.sleep(0.1)
    ready = time.perf_counter()
    size = 0
    if state["status"] == "ready":
        async with http.stream("GET", state["file_url"]) as download:
            async for piece in download.aiter_bytes():
                size += len(piece)
    done = time.perf_counter()
    peak = await meter.stop()
    above = (peak - rest) / 2**20
    whole = state["status"] == "ready" and size == state["byte_count"]
    return Result(
        label=label,
        rows=state.get("row_count"),
        bytes=size,
        seconds_to_ready=ready - started,
        seconds_to_download=done - ready,
        rest_mb=rest / 2**20,
        peak_mb=peak / 2**20,
        above_rest_mb=above,
        ok=whole and above < TARGET_MB,
        note="" if whole else f"status {state['status']}, {size} of {state['byte_count']} bytes",
    )


async def run(
    args: argparse.Namespace, target: Any, workdir: Path, stack: contextlib.ExitStack
) -> bool:
    from domain.common.settings import MAX_ACCESS_TOKEN_TTL, Settings
    from domain.identity.keys import (
        cipher_from_settings,
        generate_private_key_pem,
        keyring_from_settings,
    )
    from domain.identity.tokens import TokenService
    from persistence.crypto import new_key_text

    pem = generate_private_key_pem()
    settings = Settings(
        database_url=SecretStr(target.sqlalchemy_url),
        jwt_signing_keys={KID: SecretStr(pem)},
        jwt_active_kid=KID,
        data_keys={DATA_KID: SecretStr(new_key_text())},
        data_active_kid=DATA_KID,
        blind_index_key=SecretStr(new_key_text()),
        audit_keys={AUDIT_KID: SecretStr(new_key_text())},
        audit_active_kid=AUDIT_KID,
        data_dir=workdir,
    )
    started = time.perf_counter()
    workload = await read_endpoint.seed_cases(
        target, settings, cipher_from_settings(settings), args.rows, random.Random(args.seed)
    )
    say(f"seeded {workload.data} in {time.perf_counter() - started:.1f} s")
    environment = server_environments(target, settings, workdir, pem, workload)["app"]
    environment["SHAKTI_IN_PROCESS_WORKER"] = "true"
    environment["SHAKTI_LOG_LEVEL"] = "WARNING"
    tokens = TokenService(
        keyring_from_settings(settings),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        max_lifetime_seconds=MAX_ACCESS_TOKEN_TTL,
    )
    token = tokens.issue_access_token(workload.caller, MAX_ACCESS_TOKEN_TTL)
    say("starting the server (with its in-process worker)")
    server = start_server("app", environment, workdir, stack)
    results: list[Result] = []
    try:
        await wait_ready(server)
        meter = PeakMeter(server.process.pid)
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{server.port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        ) as http:
            # Warm up: the code paths of an export and of a page, then let the process settle.
            warm = await http.post(
                EXPORTS, json={"dataset": "cases", "filters": {"opened_from": "2999-01-01"}}
            )
            assert warm.status_code == 200, warm.text
            assert (await http.get("/api/v1/cases?limit=50")).status_code == 200
            await asyncio.sleep(1.0)
            for label, body in RUNS:
                rest = meter.rss()
                say(f"exporting: {label}")
                results.append(await one_export(http, meter, label, body, rest))
    finally:
        stop(server.process)
    report(results, workload.data)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    return all(result.ok for result in results)


def report(results: list[Result], data: str) -> None:
    print(f"Exports of {data} (target: peak server memory < {TARGET_MB:.0f} MB above rest)")
    print(
        f"{'export':<16}{'rows':>9}{'MB':>8}{'ready s':>9}{'download s':>12}"
        f"{'rest MB':>9}{'peak MB':>9}{'above MB':>10}  ok"
    )
    for r in results:
        print(
            f"{r.label:<16}{r.rows or 0:>9}{r.bytes / 2**20:>8.1f}{r.seconds_to_ready:>9.1f}"
            f"{r.seconds_to_download:>12.2f}{r.rest_mb:>9.0f}{r.peak_mb:>9.0f}"
            f"{r.above_rest_mb:>10.1f}  {'yes' if r.ok else 'NO ' + r.note}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="survivors with a case each")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the data")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import os

    os.environ.setdefault("SHAKTI_PASSWORD_HASH_MEMORY_KIB", "1024")
    os.environ.setdefault("SHAKTI_PASSWORD_HASH_TIME_COST", "1")
    with read_endpoint.terminate_as_interrupt(), contextlib.ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="shakti-export-bench-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        try:
            from persistence import migrator

            target = provision(stack, workdir)
            migrator.upgrade(target.sqlalchemy_url)
            valid = asyncio.run(run(args, target, workdir, stack))
        except KeyboardInterrupt:
            say("interrupted: stopping the server and the database")
            return 130
        except RuntimeError as exc:
            say(f"benchmark failed: {exc}")
            return 2
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
