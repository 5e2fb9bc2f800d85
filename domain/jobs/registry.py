"""Every background task the app runs, in one place.

Background work runs on procrastinate, a job queue kept in our own PostgreSQL
(persistence/queue.py): a job is enqueued in the transaction that causes it, picked up by a
worker (``shakti-mis worker``, or the one ``serve`` runs in-process on the embedded database),
and survives a restart of either: a worker says it is alive every ``worker_heartbeat_seconds``,
and the jobs of one silent for ``worker_stalled_seconds`` are retried (at every worker's start
and every minute after).

A new kind of work (webhooks, imports, retention) is one more :class:`JobTask` in
:data:`TASKS`: a name, a queue, an async function of ``(work, **args)`` and, for periodic work,
a cron line (a sixth field counts seconds).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import procrastinate

from domain.common.settings import Settings
from domain.evidence.jobs import keep_rollups
from domain.exports.jobs import build_export, purge_expired_exports
from domain.exports.service import BUILD_TASK, EXPORTS_QUEUE, ExportSettings
from persistence.database import Database

logger = logging.getLogger(__name__)

MAINTENANCE_QUEUE = "maintenance"


@dataclass(frozen=True, slots=True)
class Work:
    """What a task works with: the database (with its keys) and the settings."""

    database: Database
    settings: Settings
    app: procrastinate.App


@dataclass(frozen=True, slots=True)
class JobTask:
    name: str
    queue: str
    run: Callable[..., Awaitable[Any]]
    cron: str | None = None


# -- the tasks ------------------------------------------------------------------------------
async def _build_export(work: Work, export_id: str) -> None:
    await build_export(work.database, ExportSettings.of(work.settings), UUID(export_id))


async def _purge_expired_exports(work: Work, timestamp: int) -> None:
    purged = await purge_expired_exports(work.database)
    if purged:
        logger.info("deleted the files of %d expired exports", purged)


async def _keep_rollups(work: Work, timestamp: int) -> None:
    await keep_rollups(work.database, stalled_days=work.settings.entitlement_stalled_days)


async def _retry_stalled_jobs(work: Work, timestamp: int) -> None:
    await retry_stalled_jobs(work.app, work.settings)


TASKS: tuple[JobTask, ...] = (
    JobTask(BUILD_TASK, EXPORTS_QUEUE, _build_export),
    JobTask("exports.purge_expired", MAINTENANCE_QUEUE, _purge_expired_exports, cron="*/5 * * * *"),
    JobTask("jobs.retry_stalled", MAINTENANCE_QUEUE, _retry_stalled_jobs, cron="* * * * *"),
    # Every 15 seconds (the sixth field counts seconds).
    JobTask("evidence.keep_rollups", MAINTENANCE_QUEUE, _keep_rollups, cron="* * * * * */15"),
)


async def retry_stalled_jobs(app: procrastinate.App, settings: Settings) -> int:
    """Put back in the queue the running jobs of workers silent for longer than
    ``worker_stalled_seconds`` (killed, or cut off); how many."""
    stalled = list(
        await app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=settings.worker_stalled_seconds
        )
    )
    for job in stalled:
        await app.job_manager.retry_job(job)
    if stalled:
        logger.warning("retried %d jobs of stalled workers", len(stalled))
    return len(stalled)


def register(app: procrastinate.App) -> None:
    """Declare :data:`TASKS` on ``app`` (persistence.queue.queue_app calls it)."""
    for spec in TASKS:
        task = app.task(name=spec.name, queue=spec.queue, pass_context=True)(_bound(spec))
        if spec.cron is not None:
            app.periodic(cron=spec.cron)(task)


def _bound(spec: JobTask) -> Callable[..., Awaitable[Any]]:
    async def run(context: procrastinate.JobContext, **args: Any) -> None:
        work: Work = context.additional_context["work"]
        await spec.run(work, **args)

    run.__name__ = spec.name.replace(".", "_")
    return run
