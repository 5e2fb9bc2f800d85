"""Follow-up visits and case notes of a case, and each worker's list of visits due."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS, problems
from domain.common.dates import BoundedDate
from domain.common.principal import Principal
from domain.common.vocabulary import NoteConfidentiality, VisitStatus
from domain.follow_ups import policies
from domain.follow_ups.notes import NoteService
from domain.follow_ups.schemas import (
    DueVisitPage,
    NoteCreate,
    NotePage,
    NoteRead,
    VisitCreate,
    VisitPage,
    VisitRead,
    VisitUpdate,
)
from domain.follow_ups.visits import VisitService

router = APIRouter(tags=["follow-ups"])
VisitReader = Annotated[Principal, requires(policies.READ_VISITS)]
VisitWorker = Annotated[Principal, requires(policies.MANAGE_VISITS)]
NoteReader = Annotated[Principal, requires(policies.READ_NOTES)]
NoteWriter = Annotated[Principal, requires(policies.MANAGE_NOTES)]

CASE_LIST_ERRORS = {**LIST_ERRORS, **problems(404)}
CASE_CREATE_ERRORS = {**CREATE_ERRORS, **problems(404)}


# -- visits ---------------------------------------------------------------------------------
@router.get(
    "/visits", operation_id="visits:due", response_model=DueVisitPage, responses=LIST_ERRORS
)
async def visits_due(
    request: Request,
    response: Response,
    uow: UoW,
    principal: VisitReader,
    page: Paging,
    due_before: Annotated[
        BoundedDate | None,
        Query(description="Planned visits before this day (YYYY-MM-DD); default tomorrow."),
    ] = None,
    mine: Annotated[
        bool | None,
        Query(
            description="true: only visits the caller makes or of cases assigned to her; "
            "false: every case in her scope. When absent: a social worker's own, a program "
            "manager's whole organisation (an integration client's whole scope)."
        ),
    ] = None,
) -> DueVisitPage:
    """The caller's list of visits due and overdue: planned visits before `due_before` of the
    cases in her scope, oldest first. Whose visits by default depends on who asks: a social
    worker sees her own (`mine=false` for every case in her scope), a program manager her
    organisation's (`mine=true` for her own only). Each carries the case's id and number and
    who makes the visit, never the survivor's name."""
    return paged(request, response, await VisitService(uow).due(principal, page, due_before, mine))


@router.get(
    "/cases/{case_id}/visits",
    operation_id="visits:list",
    response_model=VisitPage,
    responses=CASE_LIST_ERRORS,
)
async def list_visits(
    case_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: VisitReader,
    page: Paging,
    status: Annotated[VisitStatus | None, Query()] = None,
) -> VisitPage:
    """The case's visits by planned day, with their findings (each visit shown is audited).
    Filter: status."""
    return paged(request, response, await VisitService(uow).list(principal, case_id, page, status))


@router.post(
    "/cases/{case_id}/visits",
    operation_id="visits:create",
    status_code=201,
    response_model=VisitRead,
    responses=CASE_CREATE_ERRORS,
)
async def create_visit(
    case_id: UUID,
    request: Request,
    uow: UoW,
    principal: VisitWorker,
    body: VisitCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Plan a home, phone, office or group visit (made by the caller unless `visited_by`
    names another worker of the organisation), or record one already made (`status` done,
    with sealed findings; `next_visit_on` plans the next one). A closed case takes no new
    visits (409)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: VisitService(uow).create(principal, case_id, body),
        location=lambda v: f"/api/v1/cases/{case_id}/visits/{v.id}",
        reread=lambda record_id: VisitService(uow).get(principal, case_id, record_id),
    )


@router.get(
    "/cases/{case_id}/visits/{visit_id}",
    operation_id="visits:read",
    response_model=VisitRead,
    responses=READ_ERRORS,
)
async def read_visit(
    case_id: UUID, visit_id: UUID, response: Response, uow: UoW, principal: VisitReader
) -> VisitRead:
    """One visit with its findings (404 outside the caller's scope). The read is audited."""
    return tagged(response, await VisitService(uow).get(principal, case_id, visit_id))


@router.patch(
    "/cases/{case_id}/visits/{visit_id}",
    operation_id="visits:update",
    response_model=VisitRead,
    responses=UPDATE_ERRORS,
)
async def update_visit(
    case_id: UUID,
    visit_id: UUID,
    body: VisitUpdate,
    principal: VisitWorker,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> VisitRead:
    """Record a planned visit `done` (when, sealed findings), `missed` or `cancelled`, or
    move it to another day, kind or visitor. A done or missed visit is written in the case's
    history; its `next_visit_on` plans the next visit (`next_visit_id`), which a closed case
    refuses (409). Only planned visits change (409 otherwise). Needs If-Match."""
    visit = await VisitService(uow).update(principal, case_id, visit_id, body, version)
    return tagged(response, visit)


# -- notes ----------------------------------------------------------------------------------
@router.get(
    "/cases/{case_id}/notes",
    operation_id="notes:list",
    response_model=NotePage,
    responses=CASE_LIST_ERRORS,
)
async def list_notes(
    case_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: NoteReader,
    page: Paging,
    confidentiality: Annotated[NoteConfidentiality | None, Query()] = None,
) -> NotePage:
    """The case's notes the caller may read, oldest first; restricted (counselling) notes
    only for their author and program managers. Each note shown is audited."""
    result = await NoteService(uow).list(principal, case_id, page, confidentiality)
    return paged(request, response, result)


@router.post(
    "/cases/{case_id}/notes",
    operation_id="notes:create",
    status_code=201,
    response_model=NoteRead,
    responses=CASE_CREATE_ERRORS,
)
async def create_note(
    case_id: UUID,
    request: Request,
    uow: UoW,
    principal: NoteWriter,
    body: NoteCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Write a note (sealed at rest) in the caller's name; closed cases take notes too. Notes
    are never edited: a correction is a new note with `corrects_id`. `restricted` keeps a
    counselling note to its author and the program managers."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: NoteService(uow).create(principal, case_id, body),
        location=lambda n: f"/api/v1/cases/{case_id}/notes/{n.id}",
        reread=lambda record_id: NoteService(uow).get(principal, case_id, record_id),
    )


@router.get(
    "/cases/{case_id}/notes/{note_id}",
    operation_id="notes:read",
    response_model=NoteRead,
    responses=READ_ERRORS,
)
async def read_note(
    case_id: UUID, note_id: UUID, response: Response, uow: UoW, principal: NoteReader
) -> NoteRead:
    """One note (404 outside the caller's scope, and for a restricted note she may not
    read). The read is audited."""
    return tagged(response, await NoteService(uow).get(principal, case_id, note_id))
