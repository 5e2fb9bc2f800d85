"""Exports: asking for one (written at once when small, queued when large), following it, and
downloading its file.

An export chooses its rows exactly as the dataset's area does for a read (its read policy, its
scope condition), writes them with constant memory (a server-side cursor into a file on disk,
row by row) and is audited: the audit event names the export's row, which holds the dataset,
filters, columns, whether personal fields were asked for (and, sealed, why) and the row count.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record, record_denied
from domain.common.errors import InvalidState, PermissionDenied
from domain.common.principal import Principal, PrincipalKind, Role
from domain.common.records import require
from domain.common.settings import Settings
from domain.exports import policies
from domain.exports.catalogue import DATASETS
from domain.exports.datasets import Dataset
from domain.exports.policies import EXPORT, may_export_personal
from domain.exports.schemas import ExportCreate, ExportRead
from domain.exports.writers import MEDIA_TYPES, discard, file_size, open_writer
from persistence import clock
from persistence.crypto import Place
from persistence.models.enums import AuditAction
from persistence.models.export import Export, ExportFormat, ExportStatus
from persistence.queue import defer
from persistence.repositories.exports import ExportRepository
from persistence.uow import UnitOfWork

BUILD_TASK = "exports.build"
EXPORTS_QUEUE = "exports"
# A piece of a kept file before sealing (and what a download sends at a time).
CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ExportSettings:
    inline_rows: int
    ttl_seconds: int

    @classmethod
    def of(cls, settings: Settings) -> ExportSettings:
        return cls(inline_rows=settings.export_inline_rows, ttl_seconds=settings.export_ttl_seconds)


@dataclass(frozen=True, slots=True)
class InlineExport:
    """A small export, written now: its file is streamed in the answer, then deleted."""

    export: ExportRead
    path: Path
    media_type: str
    file_name: str


@dataclass(frozen=True, slots=True)
class QueuedExport:
    export: ExportRead


@dataclass(frozen=True, slots=True)
class ExportFile:
    export_id: UUID
    chunk_count: int
    media_type: str
    file_name: str


def file_name(export: Export) -> str:
    """No personal data: the dataset, the day and the export's id."""
    return f"{export.dataset}-{export.created_at:%Y%m%d}-{export.id}.{export.format.value}"


def export_read(export: Export) -> ExportRead:
    status = export.status
    if status is ExportStatus.ready and export.expires_at and export.expires_at <= clock.now():
        status = ExportStatus.expired  # the purge has not passed yet: the file is gone all the same
    read = ExportRead.model_validate(export)
    read.status = status
    if status is ExportStatus.ready:
        read.file_url = f"/api/v1/exports/{export.id}/file"
    return read


def requester(export: Export) -> Principal:
    """Who asked for the export, as she was when she asked: the rows are chosen by her scope."""
    return Principal(
        kind=PrincipalKind(export.actor_type),
        id=export.actor_id,
        organization_id=export.organization_id,
        role=Role(export.actor_role),
        district_ids=frozenset(export.actor_district_ids),
    )


def parsed_filters(dataset: Dataset, filters: Mapping[str, str]) -> dict[str, Any]:
    return {name: dataset.filter_by_name[name].value(text) for name, text in filters.items()}


async def write_rows(uow: UnitOfWork, export: Export, path: Path) -> int:
    """Write the export's rows to ``path`` (the caller's scope, filters and columns of the
    export's row); how many were written. Constant memory: rows come through a server-side
    cursor and go to disk one by one."""
    dataset = DATASETS[export.dataset]
    columns = list(export.columns)
    statement = dataset.select(requester(export), parsed_filters(dataset, export.filters), columns)
    personal = any(dataset.by_name[name].personal for name in columns)
    cipher = uow.cipher if personal else None
    writer = open_writer(export.format, path, dataset.name)
    written = 0
    try:
        writer.header(columns)
        async for row in ExportRepository(uow).stream(statement):
            writer.row(dataset.values(row, columns, cipher))
            written += 1
    finally:
        writer.close()
    return written


class ExportService:
    def __init__(self, uow: UnitOfWork, settings: ExportSettings) -> None:
        self.uow = uow
        self.settings = settings
        self.exports = ExportRepository(uow)

    async def create(self, principal: Principal, body: ExportCreate) -> InlineExport | QueuedExport:
        """Export a dataset: written now when it holds at most ``inline_rows`` rows, else
        queued. Raises PermissionDenied (the dataset's read policy, or personal fields asked
        by anyone but a program manager in person)."""
        authorize(self.uow, principal, policies.CREATE, EXPORT)
        dataset = DATASETS[body.dataset.value]
        authorize(self.uow, principal, dataset.policy, EXPORT)
        if body.personal and not may_export_personal(principal):
            record_denied(self.uow, principal, EXPORT)
            raise PermissionDenied(
                "Personal fields are exported only by program managers in person, with a reason."
            )
        columns = body.columns or dataset.default_columns(body.personal)
        filters = parsed_filters(dataset, body.filters)
        rows = await self.exports.count(dataset.count(principal, filters))
        inline = rows <= self.settings.inline_rows
        export = Export(
            organization_id=principal.organization_id,
            actor_type=principal.kind.value,
            actor_id=principal.id,
            actor_role=principal.role.value,
            actor_district_ids=sorted(principal.district_ids),
            dataset=dataset.name,
            format=body.format,
            filters=dict(body.filters),
            columns=columns,
            personal=body.personal,
            status=ExportStatus.running if inline else ExportStatus.queued,
        )
        if body.reason:
            export.reason_enc = self.uow.cipher.seal_text(
                body.reason, Place("export", "reason_enc", export.id)
            )
        await self.exports.add(export)
        record(self.uow, principal, AuditAction.export, EXPORT, export.id)
        if not inline:
            export.job_id = await defer(
                self.uow, BUILD_TASK, {"export_id": str(export.id)}, queue=EXPORTS_QUEUE
            )
            return QueuedExport(export_read(export))
        handle, name = tempfile.mkstemp(prefix="shakti-export-", suffix=f".{body.format.value}")
        os.close(handle)
        path = Path(name)
        try:
            export.started_at = clock.now()
            export.row_count = await write_rows(self.uow, export, path)
        except BaseException:
            discard(path)
            raise
        # Streamed in this answer and never kept.
        export.byte_count = file_size(path)
        export.status = ExportStatus.expired
        export.finished_at = export.expires_at = clock.now()
        await self.uow.session.flush()
        return InlineExport(
            export_read(export), path, MEDIA_TYPES[export.format], file_name(export)
        )

    async def get(self, principal: Principal, export_id: UUID) -> ExportRead:
        """One of the caller's exports. Raises NotFound (anyone else's)."""
        authorize(self.uow, principal, policies.READ, EXPORT, export_id)
        export = await require(self.exports.get_own(export_id, principal.id), "Export")
        return export_read(export)

    async def download(self, principal: Principal, export_id: UUID) -> ExportFile:
        """The caller's ready export's file (the download is audited). Raises NotFound,
        InvalidState (not ready yet, failed, or expired)."""
        authorize(self.uow, principal, policies.READ, EXPORT, export_id)
        export = await require(self.exports.get_own(export_id, principal.id), "Export")
        read = export_read(export)
        if read.status is not ExportStatus.ready:
            raise InvalidState(f"The export is {read.status.value}: no file to download.")
        record(self.uow, principal, AuditAction.read, EXPORT, export.id)
        return ExportFile(
            export.id, export.chunk_count, MEDIA_TYPES[export.format], file_name(export)
        )

    async def pieces(self, file: ExportFile) -> AsyncIterator[bytes]:
        """The file's pieces in order, each opened as it is sent."""
        for seq in range(file.chunk_count):
            sealed = await self.exports.chunk(file.export_id, seq)
            if sealed is None:  # purged meanwhile
                return
            yield self.uow.cipher.open(sealed, chunk_place(file.export_id, seq))


def chunk_place(export_id: UUID, seq: int) -> Place:
    return Place("export_chunk", "data_enc", f"{export_id}:{seq}")


async def store_file(uow: UnitOfWork, export_id: UUID, path: Path) -> int:
    """Keep the file at ``path`` as the export's sealed pieces; how many."""
    repository = ExportRepository(uow)
    await repository.drop_chunks(export_id)
    seq = 0
    with path.open("rb") as source:
        while piece := source.read(CHUNK_BYTES):
            await repository.add_chunk(
                export_id, seq, uow.cipher.seal(piece, chunk_place(export_id, seq))
            )
            seq += 1
    return seq


def expiry(settings: ExportSettings) -> Any:
    return clock.now() + timedelta(seconds=settings.ttl_seconds)


__all__ = [
    "BUILD_TASK",
    "EXPORTS_QUEUE",
    "ExportFile",
    "ExportFormat",
    "ExportService",
    "ExportSettings",
    "InlineExport",
    "QueuedExport",
    "expiry",
    "store_file",
    "write_rows",
]
