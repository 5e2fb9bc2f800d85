"""Running a worker of the job queue: ``shakti-mis worker``, or in-process beside the API
(``serve`` on the embedded database)."""

from __future__ import annotations

import logging

from domain.common.settings import Settings
from domain.jobs.registry import Work, register, retry_stalled_jobs
from persistence.database import Database
from persistence.queue import queue_app

logger = logging.getLogger(__name__)

WORKER_NAME = "shakti-worker"


async def run_worker(
    settings: Settings,
    database: Database,
    url: str,
    *,
    install_signal_handlers: bool = True,
    wait: bool = True,
) -> None:
    """Work the queue on the database at ``url`` until stopped (a signal, or cancellation);
    ``database`` (with its keys) is what the tasks use. First, the jobs left running by
    workers that died are put back in the queue. With ``wait`` false, return once the queue
    is empty (tools and tests)."""
    app = queue_app(url, app_role=database.app_role, register=register)
    async with app.open_async():
        await retry_stalled_jobs(app, settings)
        await app.run_worker_async(
            name=WORKER_NAME,
            concurrency=settings.worker_concurrency,
            wait=wait,
            additional_context={"work": Work(database, settings, app)},
            install_signal_handlers=install_signal_handlers,
            update_heartbeat_interval=settings.worker_heartbeat_seconds,
            stalled_worker_timeout=settings.worker_stalled_seconds,
            # A job that succeeded leaves the queue (its work's own rows say what it did: an
            # export's state, its audit events); failed ones stay, visible and re-runnable.
            # Periodic tasks would otherwise pile up some 1,700 rows a day.
            delete_jobs="successful",
        )
