"""What `shakti-mis serve` does to the process its app runs in (each uvicorn worker builds
the app with ``served_app``). Process-wide settings belong to the process that serves, not to
the app factory, which tests, tools and embedders call too."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.app import create_app
from api.fast_lane import ShaktiAPI
from domain.common.settings import Settings
from persistence.database import Database

# Allocations before the youngest generation is collected (CPython defaults to 700), and how
# many collections of one generation before the next is collected too.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_collector() -> None:
    """Everything built so far lives as long as the process: keep it out of the cyclic
    collector's passes, which otherwise walk it all and stall every request; and collect young
    objects less often (a request's objects are freed by reference counting; cycles are rare).
    Measured in bench/read_endpoint.py (a page of 50 cases, 32 connections)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def served_app(settings: Settings | None = None, database: Database | None = None) -> ShaktiAPI:
    """The app as `shakti-mis serve` runs it: create_app's, with the collector tuned once the
    app has started (its container, pools and worker built)."""
    app = create_app(settings, database)
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with started(app):
            tune_collector()
            yield

    app.router.lifespan_context = lifespan
    return app
