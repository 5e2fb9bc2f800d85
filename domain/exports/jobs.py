"""The exports' background work, run by the job queue (domain/jobs/registry.py).

Building an export is safe to run again: a worker that dies mid-file leaves the export
``running`` and its job ``doing``; once the worker is known dead (no heartbeat) the job is
retried, and the new attempt drops any pieces the old one kept and writes the file afresh, in
one transaction with the export's new state.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from uuid import UUID

from domain.audit.trail import record
from domain.exports.policies import EXPORT
from domain.exports.service import ExportSettings, expiry, requester, store_file, write_rows
from domain.exports.writers import file_size
from persistence import clock
from persistence.database import Database
from persistence.models.enums import AuditAction, AuditOutcome
from persistence.models.export import ExportStatus
from persistence.repositories.exports import ExportRepository
from persistence.uow import UnitOfWork

logger = logging.getLogger(__name__)

UNFINISHED = (ExportStatus.queued, ExportStatus.running)


class ExportBuildFailed(Exception):
    """A build that failed, named by the export and the kind of error alone."""


async def build_export(database: Database, settings: ExportSettings, export_id: UUID) -> None:
    """Write a queued export's file and keep it sealed until it expires."""
    async with UnitOfWork(database) as uow:
        export = await ExportRepository(uow).get_for_update(export_id)
        if export is None or export.status not in UNFINISHED:
            return  # done already (a retried job whose first run finished), or gone
        export.status = ExportStatus.running
        export.started_at = clock.now()
        export.attempts += 1
    try:
        async with UnitOfWork(database) as uow:
            export = await ExportRepository(uow).get_for_update(export_id)
            if export is None or export.status is not ExportStatus.running:
                return
            with tempfile.TemporaryDirectory(prefix="shakti-export-") as folder:
                path = Path(folder) / f"export.{export.format.value}"
                export.row_count = await write_rows(uow, export, path)
                export.byte_count = file_size(path)
                export.chunk_count = await store_file(uow, export.id, path)
            export.status = ExportStatus.ready
            export.finished_at = clock.now()
            export.expires_at = expiry(settings)
            export.failure = None
            record(uow, requester(export), AuditAction.export, EXPORT, export.id)
    except Exception as exc:
        # No message kept or logged: it could carry a value of a row.
        logger.error("export %s failed: %s", export_id, type(exc).__name__)
        async with UnitOfWork(database) as uow:
            failed = await ExportRepository(uow).get_for_update(export_id)
            if failed is not None:
                failed.status = ExportStatus.failed
                failed.failure = "build_failed"
                failed.finished_at = clock.now()
                record(
                    uow,
                    requester(failed),
                    AuditAction.export,
                    EXPORT,
                    failed.id,
                    outcome=AuditOutcome.failure,
                )
        # The queue records (and logs) the failure: with the kind of error only, never its
        # message or its chain, which could carry a value of a row.
        raise ExportBuildFailed(f"export {export_id}: {type(exc).__name__}") from None


async def purge_expired_exports(database: Database) -> int:
    """Delete the files of exports whose time has passed; how many."""
    async with UnitOfWork(database) as uow:
        return len(await ExportRepository(uow).expire(clock.now()))
