"""Exports of datasets as CSV or XLSX: small ones in the answer, large ones queued and
downloaded when ready."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

from api.deps import UoW, get_container, own_unit_of_work, requires
from api.openapi import ACTION_ERRORS, CREATE_ERRORS, READ_ERRORS
from domain.common.principal import Principal
from domain.exports import policies
from domain.exports.schemas import ExportCreate, ExportRead
from domain.exports.service import ExportService, ExportSettings, InlineExport
from domain.exports.writers import MEDIA_TYPES

router = APIRouter(tags=["exports"])
Exporter = Annotated[Principal, requires(policies.CREATE)]
Reader = Annotated[Principal, requires(policies.READ)]

FILE_CONTENT: dict[str, dict[str, Any]] = {media_type: {} for media_type in MEDIA_TYPES.values()}


def _service(request: Request, uow: UoW) -> ExportService:
    return ExportService(uow, ExportSettings.of(get_container(request).settings))


@router.post(
    "/exports",
    operation_id="exports:create",
    status_code=202,
    response_model=ExportRead,
    responses={
        200: {
            "description": "A small export: the file itself (CSV or XLSX), streamed now and "
            "not kept.",
            "content": FILE_CONTENT,
        },
        202: {"description": "A large export, queued: follow it at `Location`."},
        **CREATE_ERRORS,
    },
)
async def create_export(
    request: Request, body: ExportCreate, uow: UoW, principal: Exporter
) -> Response:
    """Export a dataset (`cases`, ...) as CSV or XLSX, with the dataset's filters and a
    choice of its columns. The rows are those the caller may read, as the dataset's own area
    decides for reads (its read policy: 403 without it; its scope). Personal fields (names,
    phones) only with `personal: true` and a `reason`, and only for program managers in
    person: 403 for anyone else, analysts and integration clients included. Text cells that a
    spreadsheet would run as a formula are neutralised with a leading apostrophe.

    Up to `SHAKTI_EXPORT_INLINE_ROWS` rows (default 2,000) the answer is the file itself
    (200); a larger export is queued (202, `Location` of the export: follow its `status` until
    `ready`, then download `file_url` before `expires_at`). Every export is audited with its
    dataset, filters, columns and row count."""
    outcome = await _service(request, uow).create(principal, body)
    location = f"/api/v1/exports/{outcome.export.id}"
    if isinstance(outcome, InlineExport):
        path = outcome.path
        return FileResponse(
            path,
            media_type=outcome.media_type,
            filename=outcome.file_name,
            headers={"Content-Location": location},
            background=BackgroundTask(path.unlink, missing_ok=True),
        )
    return JSONResponse(
        outcome.export.model_dump(mode="json"), status_code=202, headers={"Location": location}
    )


@router.get(
    "/exports/{export_id}",
    operation_id="exports:read",
    response_model=ExportRead,
    responses=READ_ERRORS,
)
async def read_export(export_id: UUID, request: Request, uow: UoW, principal: Reader) -> ExportRead:
    """One of the caller's own exports: its status (queued, running, ready, failed,
    expired), row count and, while ready, where to download its file. Anyone else's export
    answers 404."""
    return await _service(request, uow).get(principal, export_id)


@router.get(
    "/exports/{export_id}/file",
    operation_id="exports:download",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The export's file.", "content": FILE_CONTENT},
        **ACTION_ERRORS,
    },
)
async def download_export(
    export_id: UUID, request: Request, uow: UoW, principal: Reader
) -> StreamingResponse:
    """Download the file of one of the caller's ready exports (409 while it is queued or
    running, and once it failed or expired). The download is audited."""
    service = _service(request, uow)
    file = await service.download(principal, export_id)
    settings = service.settings

    async def pieces() -> AsyncIterator[bytes]:
        async with own_unit_of_work(request) as reading:
            async for piece in ExportService(reading, settings).pieces(file):
                yield piece

    return StreamingResponse(
        pieces(),
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.file_name}"'},
    )
