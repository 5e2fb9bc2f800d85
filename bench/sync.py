"""Sync benchmark: a social worker with 500 cases pulls and pushes, then 50 workers at once.

A fresh database (embedded PostgreSQL in a temporary directory, or a new database on
SHAKTI_BENCH_DATABASE_URL), migrated; the real app in process (httpx over ASGI: routing,
authentication, policies, the per-record reads through each area's service, audit and the
unit of work's commit are all in the figures, no network). Seeded straight into the tables,
sealed as the services seal: one organisation; the measured worker holds ``--cases`` cases,
each with its survivor, ``--notes`` case notes and a planned visit; ``--workers`` other social
workers hold ``--worker-cases`` cases each. Then, through the API as she would make them (so
every rule and seal is the app's): what she carries beyond her caseload, one referral (with
its sharing consent) and one entitlement application per ``--every`` cases, an attachment
(a scanned PDF) per ``--every`` cases, ``--shgs`` SHGs of her district with 10 members and a
collection sheet each, two leader groups of her district with a meeting each, and 10 demands
she raised.

Printed (milliseconds unless said otherwise):

- first pull end to end: from no cursor until ``has_more`` is false, pages of ``--limit``;
- an incremental pull with nothing new (median, p95, max of ``--repeat``);
- a push of 100 mutations (50 case notes and 50 visits created) (median, p95, max), and
  beside it one case note created over REST (what the machine makes of a single write);
- ``--workers`` workers for ``--seconds``: each in a loop pulls from its cursor, pushes 5
  case notes, pulls again; requests, mutations and errors (any answer but 200, any mutation
  not applied, any note a worker pushed that its next pulls did not bring back).

    .venv/bin/python bench/sync.py [--cases 500] [--workers 50] [--seconds 60] [--pool 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.shg_ledger import provision  # noqa: E402

PULL = "/api/v1/sync/pull"
PUSH = "/api/v1/sync/push"


def say(message: str) -> None:
    print(f"[sync-bench] {message}", file=sys.stderr, flush=True)


def figures(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"{label:<44} n={len(samples):<4} median {statistics.median(ordered):7.1f} ms"
        f"   p95 {p95:7.1f} ms   max {ordered[-1]:7.1f} ms"
    )


async def seed_caseload(
    factory: Any, organization: Any, worker: Any, cases: int, notes: int
) -> list[uuid.UUID]:
    """``cases`` cases assigned to ``worker``, each with a survivor, notes and a visit."""
    from persistence import clock
    from persistence.crypto import Place
    from persistence.models.case_note import CaseNote
    from persistence.models.case_visit import CaseVisit
    from persistence.models.case_vocabulary import (
        CaseStatus,
        NoteConfidentiality,
        ReferralSource,
        RiskLevel,
        Sex,
        TraffickingStatus,
        VisitKind,
        VisitStatus,
    )
    from persistence.models.survivor import Survivor
    from persistence.models.survivor_case import SurvivorCase
    from tests.factories import SOUTH_24

    case_ids: list[uuid.UUID] = []
    survivor_ids: list[uuid.UUID] = []
    for start in range(0, cases, 100):
        async with factory.uow() as uow:
            for i in range(start, min(cases, start + 100)):
                survivor = Survivor(
                    organization_id=organization,
                    district_id=SOUTH_24,
                    personal_enc=b"",
                    sex=Sex.female,
                    birth_year=1995,
                    languages=["bn"],
                    created_by=worker.id,
                )
                survivor.personal_enc = uow.cipher.seal_json(
                    {"given_name": f"Survivor {i}", "phone": None},
                    Place("survivor", "personal_enc", survivor.id),
                )
                case = SurvivorCase(
                    organization_id=organization,
                    survivor_id=survivor.id,
                    district_id=SOUTH_24,
                    case_number=f"B-{uuid.uuid4().hex[:12]}",
                    assigned_worker_id=worker.id,
                    status=CaseStatus.active,
                    risk_level=RiskLevel.low,
                    referral_source=ReferralSource.other_ngo,
                    trafficking_status=TraffickingStatus.actual,
                    exploitation_types=["sexual_exploitation"],
                    opened_on=date(2026, 1, 15),
                )
                uow.session.add(survivor)
                await uow.session.flush()
                uow.session.add(case)
                await uow.session.flush()
                for n in range(notes):
                    note = CaseNote(
                        organization_id=organization,
                        district_id=SOUTH_24,
                        case_id=case.id,
                        author_id=worker.id,
                        confidentiality=NoteConfidentiality.standard,
                        body_enc=b"",
                        created_by=worker.id,
                    )
                    note.body_enc = uow.cipher.seal_json(
                        {"body": f"Follow-up {n}: she is settling in."},
                        Place("case_note", "body_enc", note.id),
                    )
                    uow.session.add(note)
                uow.session.add(
                    CaseVisit(
                        organization_id=organization,
                        district_id=SOUTH_24,
                        case_id=case.id,
                        kind=VisitKind.home,
                        status=VisitStatus.planned,
                        planned_on=clock.today() + timedelta(days=7),
                        visited_by=worker.id,
                        created_by=worker.id,
                    )
                )
                case_ids.append(case.id)
                survivor_ids.append(survivor.id)
    SEEDED_SURVIVORS[worker.id] = survivor_ids
    return case_ids


# The survivors of each seeded caseload, in the order of its cases.
SEEDED_SURVIVORS: dict[Any, list[uuid.UUID]] = {}


async def pull_all(
    http: httpx.AsyncClient, headers: dict[str, str], cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str, int]:
    changes: list[dict[str, Any]] = []
    requests = 0
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        answer = await http.get(PULL, params=params, headers=headers)
        requests += 1
        if answer.status_code != 200:
            raise RuntimeError(f"pull: {answer.status_code} {answer.text[:300]}")
        body = answer.json()
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["has_more"]:
            assert cursor is not None
            return changes, cursor, requests


async def seed_community_work(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    manager: dict[str, str],
    survivors_and_cases: list[tuple[uuid.UUID, uuid.UUID]],
    receiver: uuid.UUID,
    args: argparse.Namespace,
) -> dict[str, int]:
    """What she carries beyond her caseload, made through the API as she makes it."""
    from tests.factories import SOUTH_24

    made = {"referral": 0, "entitlement_application": 0, "attachment": 0}

    async def created(url: str, body: dict[str, Any], who: dict[str, str]) -> dict[str, Any]:
        answer = await http.post(url, json=body, headers=who)
        if answer.status_code != 201:
            raise RuntimeError(f"seed {url}: {answer.status_code} {answer.text[:300]}")
        record: dict[str, Any] = answer.json()
        return record

    listed = await http.get("/api/v1/schemes", params={"code": "pm_jan_dhan"}, headers=headers)
    scheme = listed.json()["items"][0]["id"]
    pdf = b"%PDF-1.4\n1 0 obj << /Title (Consent form) >> endobj\n%%EOF\n"
    for survivor, case in survivors_and_cases[:: args.every]:
        consent = {
            "id": str(uuid.uuid4()),
            "entity": "consent",
            "entity_id": str(uuid.uuid4()),
            "op": "create",
            "changes": {
                "survivor_id": str(survivor),
                "purpose": "sharing",
                "shared_with_organization_id": str(receiver),
                "fields": ["name", "age"],
                "method": "written",
                "language": "bn",
            },
        }
        await http.post(PUSH, json={"mutations": [consent]}, headers=headers)
        await created(
            f"/api/v1/cases/{case}/referrals",
            {
                "receiving_organization_id": str(receiver),
                "service_kind": "counselling",
                "urgency": "routine",
                "reason": "Counselling after the trial.",
                "shared_fields": ["name", "age"],
            },
            headers,
        )
        await created(
            "/api/v1/entitlement-applications",
            {"survivor_id": str(survivor), "scheme_id": scheme},
            headers,
        )
        scan = await http.post(
            f"/api/v1/cases/{case}/attachments",
            content=pdf,
            headers={**headers, "Content-Type": "application/octet-stream"},
        )
        if scan.status_code != 201:
            raise RuntimeError(f"seed attachment: {scan.status_code} {scan.text[:300]}")
        for kind in made:
            made[kind] += 1
    formed = date(2024, 1, 1)
    made["shg"] = made["shg_member"] = made["shg_meeting"] = 0
    for g in range(args.shgs):
        shg = await created(
            "/api/v1/shgs",
            {
                "name": f"Mahila SHG {g}",
                "formed_on": formed.isoformat(),
                "village": "Jharkhali",
                "gram_panchayat": "Jharkhali",
                "district_id": str(SOUTH_24),
                "meeting_frequency": "weekly",
                "meeting_day": "monday",
                "saving_per_meeting_paise": 2000,
                "interest_rate_bps": 2400,
            },
            headers,
        )
        members = [
            await created(
                f"/api/v1/shgs/{shg['id']}/members",
                {"name": f"Member {g}.{m}", "joined_on": formed.isoformat()},
                headers,
            )
            for m in range(10)
        ]
        sheet = {
            "id": str(uuid.uuid4()),
            "entity": "shg_meeting",
            "entity_id": str(uuid.uuid4()),
            "op": "create",
            "changes": {
                "shg_id": shg["id"],
                "held_on": (formed + timedelta(days=7)).isoformat(),
                "attendance": [{"member_id": m["id"], "status": "present"} for m in members],
                "savings": [{"member_id": m["id"], "amount_paise": 2000} for m in members],
            },
        }
        answer = await http.post(PUSH, json={"mutations": [sheet]}, headers=headers)
        if answer.json()["results"][0]["status"] != "applied":
            raise RuntimeError(f"seed sheet: {answer.text[:300]}")
        made["shg"] += 1
        made["shg_member"] += len(members)
        made["shg_meeting"] += 1
    made["leader_group"] = made["leader_group_meeting"] = 0
    for g in range(2):
        group = await created(
            "/api/v1/leader-groups",
            {"name": f"Collective {g}", "district_id": str(SOUTH_24), "formed_on": "2024-03-08"},
            manager,
        )
        await created(
            f"/api/v1/leader-groups/{group['id']}/meetings",
            {"held_on": "2024-04-01", "agenda": "Plan the rally"},
            headers,
        )
        made["leader_group"] += 1
        made["leader_group_meeting"] += 1
    made["demand"] = 0
    for d in range(10):
        await created(
            "/api/v1/demands",
            {
                "title": f"Ration card delayed {d}",
                "description": "The block office keeps sending her back.",
                "category": "education",
                "priority": "high",
                "district_id": str(SOUTH_24),
                "gram_panchayat": "Jharkhali",
            },
            headers,
        )
        made["demand"] += 1
    return made


def note_mutation(case_id: Any, text: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "entity": "case_note",
        "entity_id": str(uuid.uuid4()),
        "op": "create",
        "changes": {"case_id": str(case_id), "body": text},
    }


def visit_mutation(case_id: Any, day: date) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "entity": "case_visit",
        "entity_id": str(uuid.uuid4()),
        "op": "create",
        "changes": {"case_id": str(case_id), "kind": "phone", "planned_on": day.isoformat()},
    }


async def run(args: argparse.Namespace, url: str, workdir: Path) -> None:
    from api.app import create_app
    from domain.common.principal import Role
    from domain.common.settings import Settings
    from domain.identity.keys import generate_private_key_pem
    from persistence import clock
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
    database = Database.connect(url, pool_size=args.pool)
    app = create_app(settings, database=database)
    try:
        async with app.router.lifespan_context(app):
            factory = Factory(app.state.container, database)
            organization = await factory.organization()
            receiver = await factory.organization()
            manager = await factory.user(organization, Role.program_manager)
            worker = await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))
            started = time.perf_counter()
            case_ids = await seed_caseload(factory, organization, worker, args.cases, args.notes)
            crowd = []
            for _ in range(args.workers):
                other = await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))
                crowd.append(
                    (other, await seed_caseload(factory, organization, other, args.worker_cases, 1))
                )
            say(f"seeded in {time.perf_counter() - started:.1f} s")
            transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
            lines: list[str] = []
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", timeout=120
            ) as http:
                started = time.perf_counter()
                made = await seed_community_work(
                    http,
                    worker.headers,
                    manager.headers,
                    list(zip(SEEDED_SURVIVORS[worker.id], case_ids, strict=True)),
                    receiver,
                    args,
                )
                say(
                    f"community work made through the API in {time.perf_counter() - started:.1f}"
                    f" s: {made}"
                )
                # -- first pull -------------------------------------------------------
                started = time.perf_counter()
                changes, cursor, requests = await pull_all(http, worker.headers, None, args.limit)
                first = (time.perf_counter() - started) * 1000
                lines.append(
                    f"{'first pull, ' + str(args.cases) + ' cases, end to end':<44} "
                    f"{first:7.0f} ms  ({len(changes)} records in {requests} pages of "
                    f"{args.limit})"
                )
                counted: dict[str, int] = {}
                for change in changes:
                    counted[change["entity"]] = counted.get(change["entity"], 0) + 1
                lines.append(
                    "  of which: " + ", ".join(f"{n} {e}" for e, n in sorted(counted.items()))
                )
                missing = {e: n for e, n in made.items() if counted.get(e, 0) < n}
                if missing:
                    raise RuntimeError(f"the first pull missed community work: {missing}")
                # -- empty incremental pull -------------------------------------------
                samples = []
                for i in range(args.repeat + 3):
                    began = time.perf_counter()
                    more, cursor, _ = await pull_all(http, worker.headers, cursor, args.limit)
                    if more:
                        raise RuntimeError("an incremental pull found changes")
                    if i >= 3:
                        samples.append((time.perf_counter() - began) * 1000)
                lines.append(figures("incremental pull, nothing new", samples))
                # -- push of 100 mutations --------------------------------------------
                today = clock.today()
                samples = []
                for i in range(args.push_repeat + 1):
                    batch = [
                        note_mutation(case_ids[(i * 100 + k) % len(case_ids)], f"Offline {i}.{k}")
                        for k in range(50)
                    ] + [
                        visit_mutation(
                            case_ids[(i * 100 + k) % len(case_ids)], today + timedelta(days=3)
                        )
                        for k in range(50)
                    ]
                    began = time.perf_counter()
                    answer = await http.post(
                        PUSH, json={"mutations": batch}, headers=worker.headers
                    )
                    elapsed = (time.perf_counter() - began) * 1000
                    statuses = {r["status"] for r in answer.json()["results"]}
                    if answer.status_code != 200 or statuses != {"applied"}:
                        raise RuntimeError(f"push: {answer.status_code} {answer.text[:500]}")
                    if i >= 1:
                        samples.append(elapsed)
                lines.append(figures("push of 100 mutations", samples))
                # The same work over REST, one request a note: what this machine makes of
                # a single write (the push above applies 100 of them in one request).
                samples = []
                for i in range(23):
                    began = time.perf_counter()
                    answer = await http.post(
                        f"/api/v1/cases/{case_ids[i % len(case_ids)]}/notes",
                        json={"body": f"Online note {i}."},
                        headers=worker.headers,
                    )
                    if answer.status_code != 201:
                        raise RuntimeError(f"note: {answer.status_code} {answer.text[:300]}")
                    if i >= 3:
                        samples.append((time.perf_counter() - began) * 1000)
                lines.append(figures("baseline: one case note over REST", samples))
                # -- many workers at once ---------------------------------------------
                cursors = {}
                for other, _ in crowd:
                    _, cursors[other.id], _ = await pull_all(http, other.headers, None, args.limit)
                tally = {"requests": 0, "mutations": 0, "errors": 0, "missed": 0}
                latencies: list[float] = []
                deadline = time.perf_counter() + args.seconds

                async def field_worker(other: Any, cases: list[uuid.UUID]) -> None:
                    cursor = cursors[other.id]
                    round_no = 0
                    while time.perf_counter() < deadline:
                        try:
                            _, cursor, n = await pull_all(http, other.headers, cursor, args.limit)
                            tally["requests"] += n
                            batch = [
                                note_mutation(cases[k % len(cases)], f"Round {round_no}.{k}")
                                for k in range(5)
                            ]
                            began = time.perf_counter()
                            answer = await http.post(
                                PUSH, json={"mutations": batch}, headers=other.headers
                            )
                            latencies.append((time.perf_counter() - began) * 1000)
                            tally["requests"] += 1
                            results = answer.json()["results"] if answer.status_code == 200 else []
                            applied = [r for r in results if r["status"] == "applied"]
                            tally["mutations"] += len(applied)
                            if answer.status_code != 200 or len(applied) != len(batch):
                                tally["errors"] += 1
                            pushed = {m["entity_id"] for m in batch}
                            changes, cursor, n = await pull_all(
                                http, other.headers, cursor, args.limit
                            )
                            tally["requests"] += n
                            # Another transaction may hold the horizon back a moment: what
                            # was pushed comes with this pull or one of the next ones.
                            for _ in range(50):
                                pushed -= {c["id"] for c in changes}
                                if not pushed:
                                    break
                                await asyncio.sleep(0.02)
                                changes, cursor, n = await pull_all(
                                    http, other.headers, cursor, args.limit
                                )
                                tally["requests"] += n
                            tally["missed"] += len(pushed)
                        except Exception as error:  # counted and reported
                            say(f"error: {error!r}"[:300])
                            tally["errors"] += 1
                        round_no += 1

                started = time.perf_counter()
                await asyncio.gather(*(field_worker(o, c) for o, c in crowd))
                took = time.perf_counter() - started
                lines.append(
                    f"{args.workers} workers for {took:.0f} s: {tally['requests']} requests "
                    f"({tally['requests'] / took:.0f}/s), {tally['mutations']} mutations applied, "
                    f"{tally['errors']} errors, {tally['missed']} pushed notes missed by pulls"
                )
                if latencies:
                    lines.append(
                        figures(f"push of 5 under load ({args.workers} workers)", latencies)
                    )
            print(
                f"sync: a worker with {args.cases} cases ({args.notes} notes and a visit each), "
                f"{args.workers} more workers with {args.worker_cases} cases each; beyond the "
                f"caseload {sum(made.values())} records ({made}); in-process "
                f"app (ASGI), pool of {args.pool}\n" + "\n".join(lines)
            )
    finally:
        await database.dispose()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--notes", type=int, default=2, help="case notes per case")
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--worker-cases", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--limit", type=int, default=200, help="pull page size")
    parser.add_argument("--repeat", type=int, default=50, help="timed empty pulls")
    parser.add_argument("--push-repeat", type=int, default=5, help="timed pushes of 100")
    parser.add_argument("--pool", type=int, default=20, help="database connections")
    parser.add_argument(
        "--every", type=int, default=5, help="a referral, application, attachment per N cases"
    )
    parser.add_argument("--shgs", type=int, default=10, help="SHGs of her district")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from persistence import migrator

    with contextlib.ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="shakti-sync-bench-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        url = provision(stack, workdir)
        migrator.upgrade(url)
        asyncio.run(run(args, url, workdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
