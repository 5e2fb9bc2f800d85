"""The job queue's plumbing: procrastinate on the app's own PostgreSQL.

procrastinate keeps its jobs in tables of our database (made by migration 0025, see
``migrations/sql``), and its workers talk to it through psycopg. The tasks themselves are
declared in one place, ``domain/jobs/registry.py``; this module knows only how to reach the
queue: the app a worker (or a tool) opens, and :func:`defer`, which enqueues a job on the unit
of work's own connection, so that a job exists exactly when the transaction that causes it
commits (an outbox for free), and a worker is woken by the NOTIFY sent at that commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import procrastinate
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from persistence.database import APPLICATION_NAME, async_url

if TYPE_CHECKING:
    from persistence.uow import UnitOfWork

# Every table, function and type of the queue's schema begins so; none is a model of ours.
QUEUE_PREFIX = "procrastinate_"


def outside_models(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's ``include_name``: leave the queue's own tables out of autogenerate (they are
    procrastinate's, made from its script, not from our models)."""
    return not (type_ == "table" and name is not None and name.startswith(QUEUE_PREFIX))


def libpq_url(url: str) -> str:
    """The libpq (psycopg) form of one of our database URLs."""
    parsed = make_url(async_url(url)).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def queue_app(
    url: str,
    *,
    app_role: str | None,
    register: Callable[[procrastinate.App], None],
    pool_size: int = 4,
) -> procrastinate.App:
    """A procrastinate app on the database at ``url``, its tasks declared by ``register``
    (the registry's); its connections work as ``app_role`` (as the API's do)."""
    options = f"-c role={app_role}" if app_role else ""
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(url),
        kwargs={"options": options, "application_name": f"{APPLICATION_NAME}-worker"},
        min_size=1,
        max_size=pool_size,
    )
    app = procrastinate.App(connector=connector)
    register(app)
    return app


_DEFER = sa.text(
    "SELECT (procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, NULL, "
    ":queueing_lock, CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1]))[1]"
)


async def defer(
    uow: UnitOfWork,
    task_name: str,
    args: dict[str, Any],
    *,
    queue: str,
    priority: int = 0,
    queueing_lock: str | None = None,
) -> int:
    """Enqueue ``task_name(**args)`` in the unit of work's transaction; its job id."""
    job_id = await uow.session.scalar(
        _DEFER,
        {
            "queue": queue,
            "task": task_name,
            "priority": priority,
            "queueing_lock": queueing_lock,
            "args": json.dumps(args),
        },
    )
    return int(job_id)
