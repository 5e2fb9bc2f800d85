"""The application factory."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from api import docs, errors, fast_lane, openapi
from api.container import Container
from api.logging import configure as configure_logging
from api.logging import get_logger
from api.middleware import BodyLimitMiddleware, RequestContextMiddleware
from api.routers import (
    assessments,
    attachments,
    audit,
    auth,
    care_plans,
    cases,
    demands,
    devices,
    entitlements,
    evidence,
    expansion,
    exports,
    follow_ups,
    geography,
    health,
    identification,
    integration_clients,
    leadership,
    legal,
    livelihoods,
    me,
    organizations,
    referrals,
    research,
    reset_requests,
    shgs,
    survivors,
    sync,
    trainings,
    users,
)
from api.settings import HttpSettings, check_serving
from api.text_guard import refuse_control_characters
from domain.audit.service import seal_unkeyed_chains
from domain.common.settings import (
    Environment,
    ProductionConfigError,
    Settings,
    check_audit_keys,
)
from domain.identity.keys import with_development_keys
from persistence.boundary import session_problems
from persistence.database import Database

API_PREFIX = "/api/v1"
# Uploads of attachments: raw file bytes, up to SHAKTI_MAX_UPLOAD_BYTES (api/routers/attachments).
UPLOAD_PATHS = re.compile(rf"^{API_PREFIX}/.+/attachments$")
VERSION = "0.1.0"

TAGS = [
    {"name": "auth", "description": "Tokens: sign in, refresh, client credentials, log out."},
    {"name": "me", "description": "The caller's own identity."},
    {
        "name": "devices",
        "description": "Devices the app runs on: registered, bound to sign-ins, revoked.",
    },
    {"name": "organizations", "description": "Organisations on the platform."},
    {"name": "users", "description": "User accounts."},
    {"name": "integration clients", "description": "Service principals of organisations."},
    {"name": "geography", "description": "States, districts and blocks."},
    {
        "name": "audit",
        "description": "The audit trail, chained under a key held outside the database; "
        "signed checkpoints of its chains.",
    },
    {"name": "survivors", "description": "Survivors and their consent (personal data sealed)."},
    {"name": "cases", "description": "Cases, their stages, history and progress map."},
    {"name": "assessments", "description": "Assessment instruments and case assessments."},
    {"name": "care plans", "description": "The survivor's goals and her agreement to the plan."},
    {"name": "referrals", "description": "The service directory and referrals."},
    {"name": "follow-ups", "description": "Visits and case notes."},
    {"name": "legal", "description": "Complaints, court cases, hearings, compensation."},
    {"name": "self-help groups", "description": "SHGs: members, meetings, ledger, loans, grading."},
    {"name": "livelihoods", "description": "Livelihood plans, jobs, income, financial inclusion."},
    {"name": "entitlements", "description": "The scheme catalogue and applications."},
    {"name": "trainings", "description": "Livelihood, leadership and partner trainings."},
    {
        "name": "leadership",
        "description": "Leader groups, campaigns, duty bearers, identification.",
    },
    {
        "name": "expansion",
        "description": "Partner onboarding, readiness, advocacy, research, media.",
    },
    {
        "name": "research",
        "description": "De-identified, k-anonymous research extracts of a study, in our "
        "layout or HTCDS's.",
    },
    {
        "name": "evidence",
        "description": "Indicators as data, their values, dashboards and the outcome report: "
        "figures only, under consent, small cells suppressed.",
    },
    {
        "name": "demands",
        "description": "The demands and issues register: raised, worked, escalated, disposed.",
    },
    {
        "name": "attachments",
        "description": "Files on records: sniffed, stripped of location data, encrypted.",
    },
    {
        "name": "exports",
        "description": "Datasets as CSV or XLSX, under the same scope as reads; large ones "
        "queued and downloaded when ready.",
    },
    {"name": "health", "description": "Liveness, readiness and metrics."},
]


DOCS_PATHS = docs.DOCS_PATHS


def docs_problems(app: FastAPI, settings: Settings, http: HttpSettings) -> list[str]:
    """Production may serve the interactive docs only when SHAKTI_DOCS_ENABLED says so."""
    if settings.env is not Environment.production or http.docs_enabled:
        return []
    served = sorted({getattr(route, "path", "") for route in app.routes} & set(DOCS_PATHS))
    if not served:
        return []
    return [f"{', '.join(served)} served without SHAKTI_DOCS_ENABLED=true"]


async def check_database_boundary(db: Database, settings: Settings) -> None:
    """In production, refuse to start when the API's database session could become a
    superuser or the owner of anything (see persistence/boundary.py); one log line says why."""
    if settings.env is not Environment.production:
        return
    problems = await session_problems(db.engine, settings.database_app_role)
    if problems:
        get_logger("shakti.startup").error("refusing to start in production", problems=problems)
        raise ProductionConfigError(problems)


def _start_in_process_worker(settings: Settings, db: Database) -> asyncio.Task[None] | None:
    """Development: the job queue's worker in this process (``serve`` on the embedded
    database sets SHAKTI_IN_PROCESS_WORKER), stopped with the app."""
    url = settings.database_url_value
    if not settings.in_process_worker or url is None:
        return None
    from domain.jobs.worker import run_worker

    task = asyncio.create_task(
        run_worker(settings, db, url, install_signal_handlers=False), name="shakti-worker"
    )

    def stopped(done: asyncio.Task[None]) -> None:
        if not done.cancelled() and done.exception() is not None:
            # Its kind only: a message could carry a value of a row.
            get_logger("shakti.worker").error(
                "the in-process worker stopped", error=type(done.exception()).__name__
            )

    task.add_done_callback(stopped)
    return task


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    http: HttpSettings | None = None,
) -> fast_lane.ShaktiAPI:
    """Build the app. Without ``database`` it connects to ``settings.database_url`` at start;
    without ``http`` the HTTP settings come from the environment.

    Raises ProductionConfigError when production settings (the domain's or HTTP) are unsafe.
    """
    settings = settings or Settings()
    http = http or HttpSettings()
    check_serving(settings, http)
    check_audit_keys(settings)
    settings = with_development_keys(settings)
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_database = database is None
        db = database
        if db is None:
            url = settings.database_url_value
            if url is None:
                raise RuntimeError(
                    "SHAKTI_DATABASE_URL is not set: start the API with `shakti-mis serve`, "
                    "which starts an embedded PostgreSQL when no URL is given"
                )
            db = Database.connect(
                url,
                app_role=settings.database_app_role or None,
                pool_size=settings.database_pool_size,
                max_overflow=settings.database_max_overflow,
            )
        try:
            await check_database_boundary(db, settings)
        except BaseException:
            if own_database:
                await db.dispose()
            raise
        app.state.container = Container.build(settings, db, http)
        # Chains that still end with events of before audit keys get a keyed event first.
        await seal_unkeyed_chains(db)
        opened_pool = http.fast_lane and db.fast_lane_pool is None
        if opened_pool:
            await db.open_fast_lane_pool(http.fast_lane_pool_size)
        opened_evidence = settings.evidence_connections > 1 and db.evidence_pool is None
        if opened_evidence:
            await db.open_evidence_pool(settings.evidence_connections)
        worker = _start_in_process_worker(settings, db)
        try:
            yield
        finally:
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            if opened_pool:
                await db.close_fast_lane_pool()
            if opened_evidence:
                await db.close_evidence_pool()
            if own_database:
                await db.dispose()

    app = fast_lane.ShaktiAPI(
        title="Shakti MIS API",
        version=VERSION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        # The docs pages are the app's own (api/docs.py): FastAPI's fetch their assets from a CDN.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    if http.serves_docs(settings.env):
        docs.install(app)
    if database is not None:
        # Tests and tools that bring their own database get a container at once.
        app.state.container = Container.build(settings, database, http)

    # Control characters in parameters and form fields: refused before any route's own work.
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(refuse_control_characters)])
    for module in (
        auth,
        me,
        organizations,
        users,
        reset_requests,
        integration_clients,
        geography,
        audit,
        survivors,
        cases,
        assessments,
        care_plans,
        referrals,
        follow_ups,
        legal,
        shgs,
        livelihoods,
        entitlements,
        trainings,
        leadership,
        identification,
        expansion,
        research,
        evidence,
        demands,
        devices,
        attachments,
        exports,
        sync,
    ):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.router)

    errors.install(app)
    openapi.install(app)

    # Outermost last: the request context wraps everything, so even 413/415 carry its headers.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=http.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
        api_prefix=API_PREFIX,
        form_paths=(auth.TOKEN_PATH, auth.REVOKE_PATH),
    )
    cors = {
        "allow_origins": http.cors_origins,
        "allow_methods": ["GET", "POST", "PATCH", "PUT", "DELETE"],
        "allow_headers": [
            "Authorization",
            "Content-Type",
            "If-Match",
            "Idempotency-Key",
            "X-Request-ID",
            "X-Device-Id",
        ],
        "expose_headers": ["ETag", "Link", "Location", "X-Request-ID", "Retry-After"],
        "max_age": 600,
    }
    if http.cors_origins:
        app.add_middleware(CORSMiddleware, **cors)  # type: ignore[arg-type]
    if http.fast_lane:
        door: ASGIApp = fast_lane.serve
        if http.cors_origins:
            door = CORSMiddleware(door, **cors)  # type: ignore[arg-type]
        app.front_door = RequestContextMiddleware(door, trusted_proxies=http.trusted_proxies)
    app.add_middleware(RequestContextMiddleware, trusted_proxies=http.trusted_proxies)
    problems = docs_problems(app, settings, http)
    if problems:
        raise ProductionConfigError(problems)
    return app
