"""Read-path benchmark: the real app against a bare Starlette + asyncpg baseline.

One run: a fresh PostgreSQL database (embedded in a temporary directory, or a new database on
SHAKTI_BENCH_DATABASE_URL), migrated and seeded for one subject; then, one server at a time
(one uvicorn worker each), a closed-loop load of ``--connections`` keep-alive connections on two
reads of that subject. Prints requests/s, p50/p99 latency, errors and CPU per request for each,
and the app/bare ratios.

- ``--subject cases`` (default): ``--rows`` survivors with a case each in one organisation
  (South and North 24 Parganas), read by its program manager: one case by id (random existing
  ids), and a page of 50 of South 24 Parganas' cases starting at a random place (keyset cursor).
- ``--subject users``: ``--rows`` users in five organisations, read by a platform admin: one
  user by id, and the first page of 50 users.

    .venv/bin/python bench/read_endpoint.py [--subject cases] [--rows 100000] [--seconds 10]

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
import statistics
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
DATA_KID = "bench-data-1"
AUDIT_KID = "bench-audit-1"
ADMIN_EMAIL = "bench.admin@example.org"
ADMIN_PASSWORD = "bench admin passphrase"  # noqa: S105 - a throwaway database
SAMPLE_IDS = 20_000
CHECKED = 5  # answers per endpoint compared between the servers before the load
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
class Workload:
    """A seeded subject: who the load runs as (a TokenSubject), the paths each endpoint cycles
    through, what the bare server must know, and how the report names it all."""

    caller: Any  # domain.identity.tokens.TokenSubject
    paths: dict[str, list[str]]
    data: str  # e.g. "100000 users"
    requests: dict[str, str]  # endpoint -> the request it sends, for the report
    bare_environment: dict[str, str] = field(default_factory=dict)


def _passwords(settings: Any) -> Any:
    from domain.identity.passwords import Passwords

    return Passwords(
        time_cost=settings.password_hash_time_cost,
        memory_kib=settings.password_hash_memory_kib,
        parallelism=settings.password_hash_parallelism,
    )


async def seed_users(
    target: Target, settings: Any, cipher: Any, rows: int, rng: random.Random
) -> Workload:
    """Organisations and the platform admin through the domain services (as the CLI does);
    ``rows`` users and their districts by COPY as the superuser; then VACUUM ANALYZE. The load
    runs as the platform admin."""
    from domain.common.principal import Role, system_principal
    from domain.identity.keys import audit_keys_from_settings
    from domain.identity.tokens import TokenSubject
    from domain.organizations.schemas import OrganizationCreate
    from domain.organizations.service import OrganizationService
    from domain.users.schemas import UserCreate
    from domain.users.service import UserService
    from persistence.database import Database
    from persistence.models.auth_session import AuthSession
    from persistence.models.base import utcnow
    from persistence.models.enums import OrganizationKind
    from persistence.uow import UnitOfWork

    passwords = _passwords(settings)
    system = system_principal()
    database = Database.connect(
        target.sqlalchemy_url, app_role=settings.database_app_role or None, pool_size=2
    )
    database.audit_keys = audit_keys_from_settings(settings)
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
    ids = rng.sample([u[1] for u in users], min(SAMPLE_IDS, len(users)))
    return Workload(
        caller=TokenSubject(
            principal_kind="user",
            id=admin.id,
            organization_id=organizations[0],
            role="platform_admin",
            access_version=1,
            session_id=session.id,
        ),
        paths={
            "single": [f"/api/v1/users/{user_id}" for user_id in ids],
            "page": ["/api/v1/users?limit=50"],
        },
        data=f"{rows} users",
        requests={
            "single": f"GET /api/v1/users/{{id}} ({len(ids)} ids)",
            "page": "GET /api/v1/users?limit=50 (the first page)",
        },
    )


GEOGRAPHY = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/geography")


def wb_district(name: str) -> uuid.UUID:
    """Id of a seeded West Bengal district (the migration's UUIDv5 of the name)."""
    return uuid.uuid5(GEOGRAPHY, f"district:WB:{name}")


SOUTH_24 = wb_district("South 24 Parganas")
NORTH_24 = wb_district("North 24 Parganas")
DISTRICT_NAMES = {SOUTH_24: "South 24 Parganas", NORTH_24: "North 24 Parganas"}
# Where the cases are (share), and the teams (subdivisions) that work them.
CASE_DISTRICTS = {SOUTH_24: 0.55, NORTH_24: 0.45}
TEAMS = {
    SOUTH_24: ("Canning", "Diamond Harbour", "Kakdwip", "Baruipur", "Gosaba"),
    NORTH_24: ("Basirhat", "Barasat", "Bongaon", "Hingalganj", "Sandeshkhali"),
}
VILLAGES = "Jharkhali Patharpratima Namkhana Sagar Kultali Hasnabad Minakhan Swarupnagar".split()
MANAGER_EMAIL = "bench.manager@example.org"
MANAGER_PASSWORD = "bench manager passphrase"  # noqa: S105 - a throwaway database
CASES_PER_WORKER = 100  # social workers seeded: one per this many cases (10 at least)
CASE_YEARS = 3  # cases were opened over the last three years
DETAILS_SHARE = 1 / 3  # cases whose trafficking details are recorded (sealed)
CONSENT_SHARE = 0.92  # survivors with a case_management consent
VISITS_PER_CASE = 1 / 25  # planned visits (and as many done) per case
DETAILS = (
    "Recruited with a job offer as a domestic worker; rescued from a placement agency.",
    "Promised marriage; taken by train from Howrah; identified at a checkpost.",
    "Taken across the state by an acquaintance; returned with a police escort.",
    "Worked in a garment unit without pay; found during a labour department raid.",
    "Contacted online with a film offer; traced through her phone by the AHTU.",
)


def _weighted(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _status(rng: random.Random, age_days: int) -> str:
    """Older cases have moved further along (and more of them are closed)."""
    if age_days < 120:
        weights = {"intake": 25, "assessment": 25, "planning": 20, "active": 28, "closed": 2}
    elif age_days < 365:
        weights = {"planning": 10, "active": 55, "monitoring": 20, "closed": 13, "reopened": 2}
    elif age_days < 730:
        weights = {"active": 35, "monitoring": 30, "closed": 32, "reopened": 3}
    else:
        weights = {"active": 15, "monitoring": 22, "closed": 60, "reopened": 3}
    return str(_weighted(rng, weights))


STATUS_STEPS = {
    "intake": 0, "assessment": 1, "planning": 2, "active": 3, "monitoring": 4, "closed": 5,
    "reopened": 6,
}  # fmt: skip
SURVIVOR_COLUMNS = (
    "organization_id", "id", "district_id", "created_at", "updated_at", "created_by", "version",
    "personal_enc", "sex", "birth_year", "age_is_estimate", "languages",
    "identity_document_kinds", "phone_bidx", "name_bidx",
)  # fmt: skip
CASE_COLUMNS = (
    "organization_id", "id", "created_at", "updated_at", "created_by", "version", "survivor_id",
    "district_id", "case_number", "assigned_worker_id", "team", "status", "closure_reason",
    "risk_level", "referral_source", "trafficking_status", "exploitation_types",
    "recruitment_method", "destination_state", "destination_country", "recruited_on",
    "identified_on", "returned_on", "opened_on", "closed_on", "context_enc",
)  # fmt: skip
CONSENT_COLUMNS = (
    "organization_id", "id", "created_at", "updated_at", "created_by", "survivor_id", "purpose",
    "given_by", "guardian_enc", "method", "language", "witness_user_id", "given_at",
    "expires_at", "withdrawn_at", "supersedes_id", "revision",
)  # fmt: skip
VISIT_COLUMNS = (
    "organization_id", "id", "case_id", "district_id", "created_at", "updated_at", "created_by",
    "kind", "status", "planned_on", "done_at", "visited_by", "findings_enc",
)  # fmt: skip


async def seed_cases(
    target: Target, settings: Any, cipher: Any, rows: int, rng: random.Random
) -> Workload:
    """One organisation and its program manager through the domain services; social workers,
    ``rows`` survivors (personal data sealed with the app's keys) with one case each in South
    and North 24 Parganas, their case_management consents and some planned visits (some
    overdue) by COPY as the superuser; then VACUUM ANALYZE. The load runs as the program
    manager."""
    from domain.cases.service import district_code
    from domain.common.pagination import encode_cursor
    from domain.common.principal import Role, system_principal
    from domain.identity.keys import audit_keys_from_settings
    from domain.identity.tokens import TokenSubject
    from domain.organizations.schemas import OrganizationCreate
    from domain.organizations.service import OrganizationService
    from domain.users.schemas import UserCreate
    from domain.users.service import UserService
    from persistence.clock import business_date
    from persistence.crypto import Place
    from persistence.database import Database
    from persistence.models.auth_session import AuthSession
    from persistence.models.base import utcnow
    from persistence.models.enums import OrganizationKind
    from persistence.uow import UnitOfWork

    passwords = _passwords(settings)
    system = system_principal()
    districts = tuple(CASE_DISTRICTS)
    database = Database.connect(
        target.sqlalchemy_url, app_role=settings.database_app_role or None, pool_size=2
    )
    database.audit_keys = audit_keys_from_settings(settings)
    try:
        async with UnitOfWork(database) as uow:
            organization = await OrganizationService(uow).create(
                system, OrganizationCreate(name=ORGANIZATIONS[0], kind=OrganizationKind.lead_ngo)
            )
        org = organization.id
        async with UnitOfWork(database) as uow:
            manager = await UserService(uow, passwords).create(
                system,
                UserCreate(
                    email=MANAGER_EMAIL,
                    full_name="Bench Manager",
                    role=Role.program_manager,
                    organization_id=org,
                    district_ids=list(districts),
                    password=SecretStr(MANAGER_PASSWORD),
                ),
            )
        now = utcnow()
        session = AuthSession(
            user_id=manager.id, created_at=now, expires_at=now + timedelta(days=1)
        )
        async with UnitOfWork(database) as uow:
            uow.session.add(session)
    finally:
        await database.dispose()

    def new_id() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    today = business_date(now)
    start = now - timedelta(days=365 * CASE_YEARS)
    # Social workers, each in one of the two districts.
    password_hash = passwords.hash("a shared seed passphrase")
    workers: dict[uuid.UUID, list[uuid.UUID]] = {d: [] for d in districts}
    users: list[tuple[Any, ...]] = []
    for i in range(max(10, rows // CASES_PER_WORKER)):
        worker_id, district = new_id(), districts[i % len(districts)]
        created = start - timedelta(days=rng.randrange(1, 400))
        users.append(
            (org, worker_id, created, created, manager.id, 1, None,
             f"worker{i:05d}@bench.example.org", f"{rng.choice(FIRST)} {rng.choice(LAST)}",
             "social_worker", password_hash, None, created,
             now - timedelta(hours=rng.random() * 72))
        )  # fmt: skip
        workers[district].append(worker_id)
    links = [(worker, d) for d, ids in workers.items() for worker in ids]

    survivors: list[tuple[Any, ...]] = []
    cases: list[tuple[Any, ...]] = []
    consents: list[tuple[Any, ...]] = []
    renewals: list[tuple[Any, ...]] = []
    open_cases: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID | None, datetime]] = []
    counters: dict[tuple[uuid.UUID, int], int] = {}
    step = timedelta(days=365 * CASE_YEARS) / rows
    for i in range(rows):
        survivor_id, case_id = new_id(), new_id()
        district = _weighted(rng, CASE_DISTRICTS)
        worker = rng.choice(workers[district]) if rng.random() < 0.96 else None
        created = start + step * i + timedelta(microseconds=rng.randrange(1_000_000))
        registered = created - timedelta(minutes=rng.randrange(5, 600))
        author = worker or manager.id

        first, last = rng.choice(FIRST), rng.choice(LAST)
        phone = f"9{rng.randrange(10**9):09d}" if rng.random() < 0.8 else None
        personal = {
            "given_name": first,
            "family_name": last,
            "phone": f"+91 {phone}" if phone else None,
            "home_address": {"village": rng.choice(VILLAGES), "district_id": str(district)},
        }
        survivors.append(
            (org, survivor_id, district, registered, registered, author, 1,
             cipher.seal_json(personal, Place("survivor", "personal_enc", survivor_id)),
             _weighted(rng, {"female": 92, "male": 6, "undisclosed": 2}),
             rng.randrange(1980, 2010), rng.random() < 0.2,
             ["bn", "hi"] if rng.random() < 0.15 else ["bn"],
             sorted(rng.sample(["aadhaar", "voter_id", "ration_card", "bank_account",
                                "swasthya_sathi"], rng.randrange(0, 4))),
             cipher.blind_index(org, "phone", phone) if phone else None,
             cipher.blind_index(org, "name", f"{first} {last}".lower()))
        )  # fmt: skip

        opened_on = business_date(created)
        key = (district, opened_on.year)
        counters[key] = counters.get(key, 0) + 1
        status = _status(rng, (now - created).days)
        closed = status == "closed"
        trafficked = opened_on - timedelta(days=rng.randrange(60, 1500))
        identified = opened_on - timedelta(days=rng.randrange(1, 60))
        country = _weighted(rng, {"IN": 88, "AE": 4, "SA": 3, "NP": 3, "BD": 2})
        updated = created + (now - created) * rng.random() ** 2
        cases.append(
            (org, case_id, created, updated, author, 1 + STATUS_STEPS[status] + rng.randrange(3),
             survivor_id, district,
             f"{district_code(DISTRICT_NAMES[district])}-{opened_on.year}-{counters[key]:04d}",
             worker, rng.choice(TEAMS[district]) if rng.random() < 0.7 else None, status,
             _weighted(rng, {"goals_achieved": 60, "relocated": 12, "declined_services": 8,
                             "lost_contact": 15, "transferred": 5}) if closed else None,
             _weighted(rng, {"low": 50, "medium": 35, "high": 15}),
             _weighted(rng, {"police_ahtu": 35, "shelter_home": 20, "child_welfare_committee": 10,
                             "survivor_leader": 10, "family": 10, "self": 5, "other_ngo": 8,
                             "other": 2}),
             _weighted(rng, {"actual": 80, "possible": 18, "not_a_victim": 2}),
             sorted(set(rng.choices(["sexual_exploitation", "forced_labour", "forced_marriage",
                                     "child_labour", "servitude"], [45, 25, 12, 10, 8],
                                    k=rng.randrange(1, 3)))),
             _weighted(rng, {"job_offer": 45, "marriage_offer": 20, "acquaintance": 12,
                             "family_member": 8, "online_contact": 8, "abduction": 3, "debt": 4}),
             rng.choice(["Maharashtra", "Delhi", "Karnataka", "Tamil Nadu", "Gujarat",
                         "Uttar Pradesh"]) if country == "IN" else None,
             country, trafficked, identified,
             identified + timedelta(days=rng.randrange(0, 20)) if rng.random() < 0.8 else None,
             opened_on,
             min(today, opened_on + timedelta(days=rng.randrange(90, 700))) if closed else None,
             cipher.seal_json({"details": rng.choice(DETAILS)},
                              Place("survivor_case", "context_enc", case_id))
             if rng.random() < DETAILS_SHARE else None)
        )  # fmt: skip
        if not closed:
            open_cases.append((case_id, district, worker, created))

        if rng.random() < CONSENT_SHARE:
            consent_id, given = new_id(), registered + timedelta(minutes=rng.randrange(1, 120))
            expires = given + timedelta(days=730)
            guardian = rng.random() < 0.05
            withdrawn = (
                given + timedelta(days=rng.randrange(1, 700)) if rng.random() < 0.02 else None
            )
            consents.append(
                (org, consent_id, given, given, author, survivor_id, "case_management",
                 "guardian" if guardian else "survivor",
                 cipher.seal_json({"name": f"{rng.choice(FIRST)} {last}", "relationship": "mother"},
                                  Place("consent", "guardian_enc", consent_id))
                 if guardian else None,
                 _weighted(rng, {"written": 60, "thumbprint": 25, "verbal": 15}), "bn", worker,
                 given, expires, withdrawn, None, 1)
            )  # fmt: skip
            # Consents about to expire on open cases are mostly renewed (a new revision).
            if (
                withdrawn is None
                and not closed
                and expires < now + timedelta(days=20)
                and rng.random() < 0.85
            ):
                renewed = expires - timedelta(days=rng.randrange(0, 30))
                renewals.append(
                    (org, new_id(), renewed, renewed, author, survivor_id, "case_management",
                     "survivor", None, "written", "bn", worker, renewed,
                     renewed + timedelta(days=730), None, consent_id, 2)
                )  # fmt: skip

    visits: list[tuple[Any, ...]] = []
    kinds = {"home": 50, "phone": 30, "office": 15, "group": 5}
    for case_id, district, worker, created in rng.sample(
        open_cases, min(len(open_cases), max(1, round(rows * VISITS_PER_CASE)))
    ):
        planned_on = today + timedelta(days=rng.randrange(-40, 60))  # about 40 % overdue
        planned = max(created, now - timedelta(days=rng.randrange(1, 90)))
        visits.append(
            (org, new_id(), case_id, district, planned, planned, worker or manager.id,
             _weighted(rng, kinds), "planned", planned_on, None, worker, None)
        )  # fmt: skip
    for case_id, district, worker, created in rng.sample(
        open_cases, min(len(open_cases), max(1, round(rows * VISITS_PER_CASE)))
    ):
        visit_id = new_id()
        done = max(created, now - timedelta(days=rng.randrange(1, 365)))
        visits.append(
            (org, visit_id, case_id, district, done, done, worker or manager.id,
             _weighted(rng, kinds), "done", business_date(done), done, worker,
             cipher.seal_text("Met her at home; she is attending the tailoring course.",
                              Place("case_visit", "findings_enc", visit_id)))
        )  # fmt: skip

    connection = await asyncpg.connect(target.dsn)
    try:
        known = await connection.fetch(
            "SELECT id, name FROM district WHERE id = ANY($1::uuid[])", list(districts)
        )
        if len(known) != len(districts):
            raise RuntimeError("the 24 Parganas districts are not in the database")
        await connection.copy_records_to_table("app_user", records=users, columns=USER_COLUMNS)
        await connection.copy_records_to_table(
            "user_district", records=links, columns=("user_id", "district_id")
        )
        await connection.copy_records_to_table(
            "survivor", records=survivors, columns=SURVIVOR_COLUMNS
        )
        await connection.copy_records_to_table("survivor_case", records=cases, columns=CASE_COLUMNS)
        await connection.copy_records_to_table(
            "consent", records=consents + renewals, columns=CONSENT_COLUMNS
        )
        await connection.copy_records_to_table("case_visit", records=visits, columns=VISIT_COLUMNS)
        await connection.copy_records_to_table(
            "case_number_counter",
            records=[(org, d, year, last) for (d, year), last in counters.items()],
            columns=("organization_id", "district_id", "year", "last"),
        )
        for table in (
            "organization", "app_user", "user_district", "auth_session", "survivor",
            "survivor_case", "consent", "case_visit", "case_number_counter",
        ):  # fmt: skip
            await connection.execute(f"VACUUM (ANALYZE) {table}")
        access_version = await connection.fetchval(
            "SELECT access_version FROM app_user WHERE id = $1", manager.id
        )
        # Pages start at random places of South 24 Parganas' list: each starts after the key
        # of a sampled case, with at least 51 cases after it (a full page and a next cursor).
        keys = await connection.fetch(
            "SELECT created_at, id FROM survivor_case"
            " WHERE organization_id = $1 AND district_id = $2 AND deleted_at IS NULL"
            " ORDER BY created_at, id",
            org,
            SOUTH_24,
        )
        overdue = await connection.fetchval(
            "SELECT count(*) FROM case_visit WHERE status = 'planned' AND planned_on < $1", today
        )
    finally:
        await connection.close()
    say(
        f"seeded {rows} survivors and cases, {len(users)} social workers, "
        f"{len(consents) + len(renewals)} consents ({len(renewals)} renewals), {len(visits)} "
        f"visits ({round(rows * VISITS_PER_CASE)} planned, {overdue} overdue) in one organisation"
    )
    ids = rng.sample([c[1] for c in cases], min(SAMPLE_IDS, len(cases)))
    # The answers compared before the load include a case with sealed details and one without.
    sealed = {c[1] for c in cases if c[-1] is not None}
    for wanted in (True, False):
        found = next((i for i, case_id in enumerate(ids) if (case_id in sealed) == wanted), None)
        if found is not None:
            ids.insert(0, ids.pop(found))
    starts = keys[: max(0, len(keys) - 51)]
    sampled = rng.sample(starts, min(SAMPLE_IDS, len(starts)))
    page = f"/api/v1/cases?district_id={SOUTH_24}&limit=50"
    pages = [
        f"{page}&cursor={encode_cursor('created', (k['created_at'], k['id']))}" for k in sampled
    ]
    return Workload(
        caller=TokenSubject(
            principal_kind="user",
            id=manager.id,
            organization_id=org,
            role="program_manager",
            access_version=access_version,
            district_ids=districts,
            session_id=session.id,
        ),
        paths={"single": [f"/api/v1/cases/{case_id}" for case_id in ids], "page": pages or [page]},
        data=f"{rows} survivors and cases (South 24 Parganas: {len(keys)})",
        requests={
            "single": f"GET /api/v1/cases/{{id}} ({len(ids)} ids)",
            "page": f"GET {page}&cursor=... ({len(pages)} cursors)"
            if pages
            else f"GET {page} (the first page)",
        },
        bare_environment={"BARE_ORGANIZATION_ID": str(org)},
    )


SEEDERS = {"users": seed_users, "cases": seed_cases}


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
    round: int = 1

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
    """The first CHECKED requests of each endpoint before the load: each must be 200 (the
    answers are kept to compare the servers)."""
    bodies: dict[str, Any] = {}
    for endpoint, _ in ENDPOINTS:
        paths = plan.paths[endpoint][:CHECKED]
        bodies[endpoint] = []
        for request in loadgen.build_requests(HOST, server.port, paths, headers):
            answer = await loadgen.fetch(HOST, server.port, request)
            if answer.status != 200:
                raise RuntimeError(
                    f"{server.kind} {endpoint}: HTTP {answer.status} {answer.body[:500]!r}\n"
                    f"{server.tail()}"
                )
            bodies[endpoint].append(orjson.loads(answer.body))
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


def shared_fields(app: Any, bare: Any, path: str = "") -> tuple[Any, Any, set[str]]:
    """The two answers cut down to the fields both serve (recursively), and the fields only
    one of them serves."""
    if isinstance(app, dict) and isinstance(bare, dict):
        only = {f"{path}{key}" for key in app.keys() ^ bare.keys()}
        app_cut, bare_cut = {}, {}
        for key in app.keys() & bare.keys():
            app_cut[key], bare_cut[key], inner = shared_fields(app[key], bare[key], f"{key}.")
            only |= {f"{path}{name}" for name in inner}
        return app_cut, bare_cut, only
    if isinstance(app, list) and isinstance(bare, list) and len(app) == len(bare):
        cut = [shared_fields(a, b, path) for a, b in zip(app, bare, strict=True)]
        only = set().union(*(c[2] for c in cut)) if cut else set()
        return [c[0] for c in cut], [c[1] for c in cut], only
    return app, bare, set()


def report(
    measurements: list[Measurement], plan: Plan, workload: Workload, args: argparse.Namespace
) -> bool:
    """Print the table and the ratios (each round's, and their median over rounds); False
    when the run is not valid (errors)."""
    by_key = {(m.server, m.endpoint, m.round): m for m in measurements}
    rounds = range(1, args.rounds + 1)
    print()
    print(
        f"Shakti MIS read benchmark, {args.subject}: {workload.data}, as a "
        f"{workload.caller.role}, {args.connections} connections, "
        f"{args.seconds:g} s measured after {args.warmup:g} s warm-up, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    for endpoint, label in ENDPOINTS:
        print(f"  {label}: {workload.requests[endpoint]}")
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
        for server, round_number in ((s, n) for n in rounds for s in SERVERS):
            m = by_key[(server, endpoint, round_number)]
            r = m.result
            name = server if args.rounds == 1 else f"{server} {round_number}"
            valid = valid and r.errors == 0 and r.requests > 0
            noisy = noisy or m.cpu.others / args.seconds > OTHERS_LIMIT
            print(
                f"{label:<12} {name:<6} {r.rate:>9.1f} {r.percentile(0.5):>8.2f} "
                f"{r.percentile(0.99):>8.2f} {r.errors:>6} "
                f"{_ms(m.per_request_ms(m.cpu.server)):>11} "
                f"{_ms(m.per_request_ms(m.cpu.postgres)):>7} "
                f"{m.cpu.loadgen / args.seconds:>8.2f} {m.cpu.others / args.seconds:>7.2f}"
            )
    print()
    print(f"{'app/bare':<12} {'round':>5} {'req/s':>9} {'p50':>8} {'p99':>8}")
    for endpoint, label in ENDPOINTS:
        ratios: list[tuple[float, float, float]] = []
        for round_number in rounds:
            app = by_key[("app", endpoint, round_number)].result
            bare = by_key[("bare", endpoint, round_number)].result
            if not (bare.rate and app.percentile(0.5) and bare.percentile(0.5)):
                continue
            ratios.append(
                (
                    app.rate / bare.rate,
                    app.percentile(0.5) / bare.percentile(0.5),
                    app.percentile(0.99) / bare.percentile(0.99),
                )
            )
            print(
                f"{label:<12} {round_number:>5} {_ratio(app.rate, bare.rate):>9} "
                f"{_ratio(app.percentile(0.5), bare.percentile(0.5)):>8} "
                f"{_ratio(app.percentile(0.99), bare.percentile(0.99)):>8}"
            )
        if args.rounds > 1 and ratios:
            medians = [statistics.median(column) for column in zip(*ratios, strict=True)]
            print(
                f"{label:<12} {'median':>5} {medians[0]:>9.2f} {medians[1]:>8.2f} "
                f"{medians[2]:>8.2f}"
            )
    print()
    for endpoint, label in ENDPOINTS:
        app_answer, bare_answer, only = shared_fields(
            plan.samples.get("app", {}).get(endpoint), plan.samples.get("bare", {}).get(endpoint)
        )
        if app_answer != bare_answer:
            print(f"WARNING: the app and the baseline answered {label} differently")
        else:
            print(f"{label}: the app and the baseline answered the same JSON ({CHECKED} requests)")
        if only:
            print(f"note: {label}: fields served by one server only: {', '.join(sorted(only))}")
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


def write_json(
    path: Path, measurements: list[Measurement], workload: Workload, args: argparse.Namespace
) -> None:
    document = {
        "subject": args.subject,
        "data": workload.data,
        "requests": workload.requests,
        "rows": args.rows,
        "connections": args.connections,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "cpus": os.cpu_count(),
        "results": [
            {
                "server": m.server,
                "endpoint": m.endpoint,
                "round": m.round,
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
    target: Target, settings: Any, workdir: Path, pem: str, workload: Workload
) -> dict[str, dict[str, str]]:
    from domain.common.settings import MAX_ACCESS_TOKEN_TTL

    base = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    # The data keys the seeded values were sealed with (generated per run): the app opens
    # them, and so does the baseline (sealed trafficking details of a case).
    data_keys = {
        "SHAKTI_DATA_KEYS": json.dumps(
            {kid: key.get_secret_value() for kid, key in settings.data_keys.items()}
        ),
        "SHAKTI_DATA_ACTIVE_KID": settings.data_active_kid,
        "SHAKTI_BLIND_INDEX_KEY": settings.blind_index_key.get_secret_value(),
    }
    # The audit key the seeding chained its events under: the app chains under it too.
    audit_keys = {
        "SHAKTI_AUDIT_KEYS": json.dumps(
            {kid: key.get_secret_value() for kid, key in settings.audit_keys.items()}
        ),
        "SHAKTI_AUDIT_ACTIVE_KID": settings.audit_active_kid,
    }
    app = {
        **base,
        **data_keys,
        **audit_keys,
        "SHAKTI_DATABASE_URL": target.sqlalchemy_url,
        "SHAKTI_JWT_SIGNING_KEYS": json.dumps({KID: pem}),
        "SHAKTI_JWT_ACTIVE_KID": KID,
        "SHAKTI_DATA_DIR": str(workdir),
        # The server refuses tokens that live longer than it issues (a run lasts less).
        "SHAKTI_ACCESS_TOKEN_TTL_SECONDS": str(MAX_ACCESS_TOKEN_TTL),
    }
    bare = {
        **base,
        **data_keys,
        **workload.bare_environment,
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
    rng = random.Random(args.seed)
    started = time.perf_counter()
    workload = await SEEDERS[args.subject](
        target, settings, cipher_from_settings(settings), args.rows, rng
    )
    if args.setup_sql:
        await _execute(target.dsn, *args.setup_sql)
    say(f"seeding took {time.perf_counter() - started:.1f} s")

    plan = Plan(paths=workload.paths)
    tokens = TokenService(
        keyring_from_settings(settings),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        max_lifetime_seconds=MAX_ACCESS_TOKEN_TTL,
    )
    environments = server_environments(target, settings, workdir, pem, workload)
    measurements: list[Measurement] = []
    for round_number in range(1, args.rounds + 1):
        if args.rounds > 1:
            say(f"round {round_number} of {args.rounds}")
        for kind in RUN_ORDER:
            headers = {}
            if kind == "app":  # a fresh token per server run, of the longest lifetime allowed
                token = tokens.issue_access_token(workload.caller, MAX_ACCESS_TOKEN_TTL)
                headers["Authorization"] = f"Bearer {token}"
            say(f"starting the {kind} server")
            server = start_server(kind, environments[kind], workdir, stack)
            try:
                for m in await measure(server, target, plan, headers, args):
                    m.round = round_number
                    measurements.append(m)
            finally:
                stop(server.process)
            if server.process.returncode not in (0, -signal.SIGTERM):
                say(f"the {kind} server exited with {server.process.returncode}:\n{server.tail()}")
    valid = report(measurements, plan, workload, args)
    if args.json:
        write_json(args.json, measurements, workload, args)
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
    parser.add_argument(
        "--subject",
        choices=tuple(SEEDERS),
        default="cases",
        help="what to read: cases (as a program manager) or users (as a platform admin)",
    )
    parser.add_argument(
        "--rows", type=int, default=100_000, help="users, or survivors with a case each, to seed"
    )
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
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure bare then app this many times (one seeding); ratios per round and "
        "their median",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="profile each server with py-spy during the measured windows (slows them)",
    )
    args = parser.parse_args(argv)
    if (
        args.rows < 1
        or args.connections < 1
        or args.rounds < 1
        or args.seconds <= 0
        or args.warmup < 0
    ):
        parser.error(
            "--rows, --connections and --rounds must be positive, --seconds > 0, --warmup >= 0"
        )
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
