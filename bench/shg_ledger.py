"""SHG books benchmark: balances and grading of a self-help group with 20 members and five
years of weekly meetings, and the write of one collection sheet.

A fresh database (embedded PostgreSQL in a temporary directory, or a new database on
SHAKTI_BENCH_DATABASE_URL), migrated; the real app in process (httpx over ASGI, so routing,
authentication, policies, audit and the unit of work's commit are all in the figures, but no
network or server). The group is built through the API, as the mobile app would: 20 members,
260 weekly collection sheets (everyone saves; two internal loans a quarter, disbursed at a
meeting and repaid every four weeks, principal and interest), and a revolving fund receipt.
Then each request is timed ``--repeat`` times (after 3 untimed), and median / p95 / max are
printed in milliseconds:

- balances today (with each member's savings and each loan's standing, as a program manager);
- balances as of a date in the middle of the history;
- grading today;
- the list of groups, each with its grade, members and savings today;
- a collection sheet write (20 attendance lines, 20 savings, repayments), each on the next
  week, so every write is a real new meeting.

    .venv/bin/python bench/shg_ledger.py [--weeks 260] [--members 20] [--repeat 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAVING = 2_000  # paise a member saves each week
LOAN = 200_000  # paise of each internal loan
TENURE = 6  # months


def say(message: str) -> None:
    print(f"[shg-bench] {message}", file=sys.stderr, flush=True)


async def _execute(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def provision(stack: contextlib.ExitStack, workdir: Path) -> str:
    """A fresh, empty database (its removal registered on ``stack``); its SQLAlchemy URL."""
    name = f"shakti_shg_bench_{uuid.uuid4().hex[:8]}"
    configured = os.environ.get("SHAKTI_BENCH_DATABASE_URL")
    if configured:
        base = make_url(configured).set(drivername="postgresql+asyncpg")
        admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
        asyncio.run(_execute(admin, f'CREATE DATABASE "{name}"'))
        stack.callback(
            lambda: asyncio.run(_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        )
        return base.set(database=name).render_as_string(hide_password=False)
    from persistence.embedded import embedded_url, ensure_database, start_embedded

    say(f"starting an embedded PostgreSQL in {workdir}")
    server = start_embedded(workdir, temporary=True)
    stack.callback(server.cleanup)
    ensure_database(server, name)
    return embedded_url(server, name)


def figures(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"{label:<44} n={len(samples):<4} median {statistics.median(ordered):7.1f} ms"
        f"   p95 {p95:7.1f} ms   max {ordered[-1]:7.1f} ms"
    )


async def timed(
    call: Callable[[int], Awaitable[httpx.Response]], repeat: int, warmup: int = 3
) -> list[float]:
    samples = []
    for i in range(warmup + repeat):
        started = time.perf_counter()
        response = await call(i)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
        if i >= warmup:
            samples.append(elapsed)
    return samples


class Books:
    """Builds the group through the API."""

    def __init__(self, http: httpx.AsyncClient, headers: dict[str, str], formed: date) -> None:
        self.http = http
        self.headers = headers
        self.formed = formed
        self.shg_id = ""
        self.members: list[str] = []
        # loan id -> (instalments [(principal, interest)], next instalment index)
        self.loans: dict[str, tuple[list[tuple[int, int]], int]] = {}

    def url(self, tail: str = "") -> str:
        return f"/api/v1/shgs/{self.shg_id}{tail}"

    async def call(
        self, method: str, url: str, *, version: int | None = None, **kwargs: Any
    ) -> Any:
        """``version``: sent as If-Match (a change of state needs it)."""
        headers = dict(self.headers)
        if version is not None:
            headers["If-Match"] = f'"v{version}"'
        response = await self.http.request(method, url, headers=headers, **kwargs)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{method} {url}: {response.status_code} {response.text}")
        return response.json()

    async def create(self, members: int, district_id: uuid.UUID) -> None:
        shg = await self.call(
            "POST",
            "/api/v1/shgs",
            json={
                "name": "Maa Durga Mahila SHG",
                "formed_on": self.formed.isoformat(),
                "district_id": str(district_id),
                "meeting_frequency": "weekly",
                "meeting_day": "monday",
                "saving_per_meeting_paise": SAVING,
                "interest_rate_bps": 2400,
                "bank_linkage": {
                    "bank_name": "Paschim Banga Gramin Bank",
                    "account_number": "50100234567891",
                },
                "status": "active",
            },
        )
        self.shg_id = shg["id"]
        roles = ["president", "secretary", "treasurer"]
        for i in range(members):
            member = await self.call(
                "POST",
                self.url("/members"),
                json={
                    "name": f"Member {i + 1}",
                    "role": roles[i] if i < len(roles) else "member",
                    "joined_on": self.formed.isoformat(),
                },
            )
            self.members.append(member["id"])
        await self.call(
            "POST",
            self.url("/ledger"),
            json={
                "kind": "revolving_fund_receipt",
                "amount_paise": 1_500_000,
                "entry_date": (self.formed + timedelta(days=95)).isoformat(),
            },
        )

    async def apply(self, member: str, on: date) -> str:
        loan = await self.call(
            "POST",
            self.url("/loans"),
            json={
                "kind": "internal",
                "member_id": member,
                "principal_paise": LOAN,
                "tenure_months": TENURE,
                "interest_method": "flat",
                "applied_on": on.isoformat(),
            },
        )
        await self.call(
            "POST",
            self.url(f"/loans/{loan['id']}/approval"),
            json={"approved_on": on.isoformat()},
            version=loan["version"],
        )
        return str(loan["id"])

    async def sheet(self, week: int, *, post: bool = True) -> dict[str, Any]:
        """The collection sheet of week ``week`` (and, with ``post``, records it)."""
        held = self.formed + timedelta(days=7 * week)
        repayments = []
        if week % 4 == 0:
            for loan_id, (rows, index) in list(self.loans.items()):
                if index < len(rows):
                    principal, interest = rows[index]
                    repayments.append(
                        {
                            "loan_id": loan_id,
                            "principal_paise": principal,
                            "interest_paise": interest,
                        }
                    )
                    self.loans[loan_id] = (rows, index + 1)
        disbursing = []
        if week % 13 == 0:
            for k in range(2):
                member = self.members[(week // 13 * 2 + k) % len(self.members)]
                disbursing.append(await self.apply(member, held - timedelta(days=1)))
        body = {
            "held_on": held.isoformat(),
            "attendance": [
                {"member_id": m, "status": "present" if (i + week) % 9 else "absent"}
                for i, m in enumerate(self.members)
            ],
            "minutes": f"Week {week}: savings collected, loans reviewed.",
            "resolutions": ["Meet again next Monday."],
            "savings": [{"member_id": m, "amount_paise": SAVING} for m in self.members],
            "repayments": repayments,
            "disbursals": [{"loan_id": loan_id} for loan_id in disbursing],
        }
        if post:
            await self.call("POST", self.url("/meetings"), json=body)
            for loan_id in disbursing:
                detail = await self.call("GET", self.url(f"/loans/{loan_id}"))
                rows = [(r["principal_paise"], r["interest_paise"]) for r in detail["instalments"]]
                self.loans[loan_id] = (rows, 0)
        return body


async def run(args: argparse.Namespace, url: str, workdir: Path) -> None:
    from api.app import create_app
    from domain.common.principal import Role
    from domain.common.settings import Settings
    from domain.identity.keys import generate_private_key_pem
    from persistence.clock import today as business_today
    from persistence.crypto import new_key_text
    from persistence.database import Database
    from tests.factories import SOUTH_24, Factory

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
    database = Database.connect(url, pool_size=4, max_overflow=2)
    app = create_app(settings, database=database)
    try:
        async with app.router.lifespan_context(app):
            factory = Factory(app.state.container, database)
            organization = await factory.organization()
            manager = await factory.user(organization, Role.program_manager)
            transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                today = business_today()
                formed = today - timedelta(days=7 * (args.weeks + args.repeat + 4) + 1)
                books = Books(http, manager.headers, formed)
                started = time.perf_counter()
                await books.create(args.members, SOUTH_24)
                for week in range(1, args.weeks + 1):
                    await books.sheet(week)
                    if week % 52 == 0:
                        say(f"seeded {week} weeks")
                seeded = time.perf_counter() - started
                await _execute(
                    make_url(url)
                    .set(drivername="postgresql")
                    .render_as_string(hide_password=False),
                    "VACUUM ANALYZE",
                )
                counts = await http.get(
                    books.url("/ledger"),
                    params={"limit": 1, "include_total": "true"},
                    headers=manager.headers,
                )
                entries = counts.json()["total"]
                say(f"seeding took {seeded:.1f} s through the API ({entries} ledger entries)")

                middle = (formed + timedelta(days=7 * args.weeks // 2)).isoformat()
                lines = []
                lines.append(
                    figures(
                        "balances today (members and loans)",
                        await timed(
                            lambda _: http.get(
                                books.url("/ledger/balances"), headers=manager.headers
                            ),
                            args.repeat,
                        ),
                    )
                )
                lines.append(
                    figures(
                        "balances as of mid-history",
                        await timed(
                            lambda _: http.get(
                                books.url("/ledger/balances"),
                                params={"as_of": middle},
                                headers=manager.headers,
                            ),
                            args.repeat,
                        ),
                    )
                )
                lines.append(
                    figures(
                        "grading today",
                        await timed(
                            lambda _: http.get(books.url("/grading"), headers=manager.headers),
                            args.repeat,
                        ),
                    )
                )
                lines.append(
                    figures(
                        "groups list (grade, members, savings)",
                        await timed(
                            lambda _: http.get("/api/v1/shgs", headers=manager.headers),
                            args.repeat,
                        ),
                    )
                )
                next_week = args.weeks + 1
                bodies = [
                    await books.sheet(next_week + i, post=False) for i in range(args.repeat + 3)
                ]
                lines.append(
                    figures(
                        f"collection sheet write ({args.members} members)",
                        await timed(
                            lambda i: http.post(
                                books.url("/meetings"), json=bodies[i], headers=manager.headers
                            ),
                            args.repeat,
                        ),
                    )
                )
                print(
                    f"SHG with {args.members} members, {args.weeks} weekly meetings, "
                    f"{entries} ledger entries; in-process app (ASGI), one caller, "
                    f"{args.repeat} timed requests each after 3 untimed\n" + "\n".join(lines)
                )
    finally:
        await database.dispose()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weeks", type=int, default=260, help="weekly meetings seeded (5 years)")
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=50, help="timed requests of each kind")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("SHAKTI_PASSWORD_HASH_MEMORY_KIB", "1024")
    os.environ.setdefault("SHAKTI_PASSWORD_HASH_TIME_COST", "1")
    from persistence import migrator

    with contextlib.ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="shakti-shg-bench-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        url = provision(stack, workdir)
        migrator.upgrade(url)
        asyncio.run(run(args, url, workdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
