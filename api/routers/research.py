"""De-identified research extracts of a study: made by a program manager, described to
analysts, downloaded (CSV or JSON; research or HTCDS layout) by program managers only."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, Paging, UoW, get_container, requires
from api.http import paged
from api.idempotency import create_once
from api.openapi import LIST_ERRORS, READ_ERRORS, problems
from domain.common.principal import Principal
from domain.research import policies
from domain.research.schemas import (
    ExtractCreate,
    ExtractFormat,
    ExtractLayout,
    ExtractPage,
    ExtractRead,
)
from domain.research.service import ExtractSettings, ResearchExtractService

router = APIRouter(tags=["research"])
Maker = Annotated[Principal, requires(policies.MAKE)]
Reader = Annotated[Principal, requires(policies.READ)]
Downloader = Annotated[Principal, requires(policies.DOWNLOAD)]

EXTRACTS = "/studies/{study_id}/extracts"
EXTRACT = EXTRACTS + "/{extract_id}"


def service(request: Request, uow: UoW) -> ResearchExtractService:
    return ResearchExtractService(uow, ExtractSettings.of(get_container(request).settings))


@router.post(
    EXTRACTS,
    operation_id="research-extracts:create",
    status_code=201,
    response_model=ExtractRead,
    responses=problems(401, 403, 404, 409, 413, 415, 422),
)
async def create_extract(
    study_id: UUID,
    request: Request,
    uow: UoW,
    principal: Maker,
    body: ExtractCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Make a de-identified extract for a study (program managers, in person). It holds the
    organisation's survivors whose `research` consent is in force today, each under a
    pseudonym keyed for this extract alone (the key is not kept: the same survivor differs
    between extracts); ages in 5-year bands, places by district, dates by month, no free text.
    Then k-anonymity (k = 11 unless raised) over age band, sex, home district, recruitment
    method, destination, exploitation types and month of return: it generalises (10- and
    20-year bands, state, year, 5-year period, then withheld) and suppresses survivors until
    every published combination is shared by at least k. The answer says what it generalised
    and suppressed and the SHA-256 of its records. The study must name its purpose and
    approving body (422 otherwise)."""
    extracts = service(request, uow)
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: extracts.make(principal, study_id, body),
        location=lambda created: f"/api/v1/studies/{study_id}/extracts/{created.id}",
        reread=lambda record_id: extracts.get(principal, study_id, record_id),
    )


@router.get(
    EXTRACTS,
    operation_id="research-extracts:list",
    response_model=ExtractPage,
    responses={**LIST_ERRORS, **problems(404)},
)
async def list_extracts(
    study_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> ExtractPage:
    """A study's extracts, newest first: what each is, never its records."""
    result = await service(request, uow).list_extracts(principal, study_id, page)
    return paged(request, response, result)


@router.get(
    EXTRACT,
    operation_id="research-extracts:read",
    response_model=ExtractRead,
    responses=READ_ERRORS,
)
async def read_extract(
    study_id: UUID, extract_id: UUID, request: Request, uow: UoW, principal: Reader
) -> ExtractRead:
    """What one extract is: parameters, generalisation, suppression, size, SHA-256."""
    return await service(request, uow).get(principal, study_id, extract_id)


@router.get(
    EXTRACT + "/file",
    operation_id="research-extracts:download",
    response_class=Response,
    responses={
        **problems(401, 403, 404, 422),
        200: {
            "description": "The extract's records as CSV or JSON.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {
                    "schema": {
                        "type": "array",
                        "items": {"type": "object", "additionalProperties": {"type": "string"}},
                    }
                },
            },
        },
    },
)
async def download_extract(
    study_id: UUID,
    extract_id: UUID,
    request: Request,
    uow: UoW,
    principal: Downloader,
    file_format: Annotated[
        ExtractFormat, Query(alias="format", description="csv or json.")
    ] = ExtractFormat.csv,
    layout: Annotated[
        ExtractLayout,
        Query(
            description="`research`: our columns. `htcds`: the Human Trafficking Case Data "
            "Standard's fields (`prs_`, `vic_`, `hte_`, `cas_`) and values, with `ext_` "
            "fields where the standard has none; the same de-identified records."
        ),
    ] = ExtractLayout.research,
) -> Response:
    """Download an extract's records (program managers, in person; every download audited).
    The JSON of the research layout is exactly the bytes whose SHA-256 the extract records.
    CSV cells that a spreadsheet would run as a formula are prefixed with `'`."""
    extract_file = await service(request, uow).download(
        principal, study_id, extract_id, layout, file_format
    )
    return Response(
        extract_file.content,
        media_type=extract_file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{extract_file.filename}"'},
    )
