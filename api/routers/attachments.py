"""Attachments: files on survivors, cases, consents and SHG meetings; downloaded only here,
authorised and audited (no public URL)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, Paging, UoW, get_container, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, problems
from domain.attachments import policies
from domain.attachments.schemas import AttachmentPage, AttachmentRead
from domain.attachments.service import AttachmentService
from domain.common.principal import Principal
from domain.common.vocabulary import AttachmentCategory, AttachmentMediaType, AttachmentRecordKind

router = APIRouter(tags=["attachments"])
Reader = Annotated[Principal, requires(policies.READ)]
Keeper = Annotated[Principal, requires(policies.MANAGE)]
K = AttachmentRecordKind

# The body of an upload: the file's bytes as they are (not JSON, not multipart).
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes. Its kind is sniffed from them (JPEG, PNG or PDF); "
        "the declared Content-Type is not believed.",
        "content": {
            media_type: {
                "schema": {
                    "type": "string",
                    "format": "binary",
                    "examples": ["<the bytes of a JPEG, PNG or PDF file>"],
                }
            }
            for media_type in (
                *(m.value for m in AttachmentMediaType),
                "application/octet-stream",
            )
        },
    }
}
UPLOAD_ERRORS = {**CREATE_ERRORS, **READ_ERRORS, **problems(413, 415, 422)}
UPLOAD_DOC = """

The body is the file itself (up to `SHAKTI_MAX_UPLOAD_BYTES`, 10 MB by default: a larger one is
refused with 413 before it is read). What it is comes from its bytes, not from its
Content-Type or name: JPEG, PNG and PDF are taken, anything else is 415. Photos lose their
metadata (EXIF with GPS location, XMP, comments; PNG text chunks) before they are stored;
a photo whose structure is damaged is 422. The file is stored encrypted; download it with
`GET /attachments/{attachment_id}/content`. Honours Idempotency-Key (retry an upload after a
lost connection with the same key)."""

Category = Annotated[
    AttachmentCategory | None,
    Query(description="What the file is (each kind of record takes some; a default when absent)."),
]


def _service(request: Request, uow: UoW) -> AttachmentService:
    container = get_container(request)
    return AttachmentService(uow, container.attachments, container.settings.max_upload_bytes)


async def _upload(
    request: Request,
    uow: UoW,
    principal: Principal,
    idempotency_key: str | None,
    kind: AttachmentRecordKind,
    record_id: UUID,
    category: AttachmentCategory | None,
    parent_id: UUID | None = None,
) -> Response:
    service = _service(request, uow)

    async def upload() -> AttachmentRead:
        data = await request.body()
        return await service.upload(
            principal, kind, record_id, data, category=category, parent_id=parent_id
        )

    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        upload,
        location=lambda attachment: f"/api/v1/attachments/{attachment.id}",
        reread=lambda attachment_id: service.get(principal, attachment_id),
    )


# -- survivors --------------------------------------------------------------------------
@router.post(
    "/survivors/{survivor_id}/attachments",
    operation_id="attachments:upload-survivor",
    status_code=201,
    response_model=AttachmentRead,
    responses=UPLOAD_ERRORS,
    openapi_extra=UPLOAD_BODY,
)
async def upload_survivor_attachment(
    survivor_id: UUID,
    request: Request,
    uow: UoW,
    principal: Keeper,
    category: Category = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Attach a file to a survivor's record (an ID document scan by default, a photo, a
    consent form or another document); needs `survivors:manage` in her scope too."""
    return await _upload(
        request, uow, principal, idempotency_key, K.survivor, survivor_id, category
    )


_upload_survivor_doc = upload_survivor_attachment.__doc__ or ""
upload_survivor_attachment.__doc__ = _upload_survivor_doc + UPLOAD_DOC


@router.get(
    "/survivors/{survivor_id}/attachments",
    operation_id="attachments:list-survivor",
    response_model=AttachmentPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_survivor_attachments(
    survivor_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> AttachmentPage:
    """The files attached to a survivor's record, oldest first (metadata only). Audited."""
    result = await _service(request, uow).list(principal, K.survivor, survivor_id, page)
    return paged(request, response, result)


# -- cases ------------------------------------------------------------------------------
@router.post(
    "/cases/{case_id}/attachments",
    operation_id="attachments:upload-case",
    status_code=201,
    response_model=AttachmentRead,
    responses=UPLOAD_ERRORS,
    openapi_extra=UPLOAD_BODY,
)
async def upload_case_attachment(
    case_id: UUID,
    request: Request,
    uow: UoW,
    principal: Keeper,
    category: Category = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Attach a file to a case (a document by default, a photo, an ID scan or a consent
    form); needs `cases:manage` in the caller's case scope too."""
    return await _upload(request, uow, principal, idempotency_key, K.case, case_id, category)


upload_case_attachment.__doc__ = (upload_case_attachment.__doc__ or "") + UPLOAD_DOC


@router.get(
    "/cases/{case_id}/attachments",
    operation_id="attachments:list-case",
    response_model=AttachmentPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_case_attachments(
    case_id: UUID, request: Request, response: Response, uow: UoW, principal: Reader, page: Paging
) -> AttachmentPage:
    """The files attached to a case, oldest first (metadata only). Audited."""
    result = await _service(request, uow).list(principal, K.case, case_id, page)
    return paged(request, response, result)


# -- consents ---------------------------------------------------------------------------
@router.post(
    "/survivors/{survivor_id}/consents/{consent_id}/attachments",
    operation_id="attachments:upload-consent",
    status_code=201,
    response_model=AttachmentRead,
    responses=UPLOAD_ERRORS,
    openapi_extra=UPLOAD_BODY,
)
async def upload_consent_attachment(
    survivor_id: UUID,
    consent_id: UUID,
    request: Request,
    uow: UoW,
    principal: Keeper,
    category: Category = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Attach the signed (or thumb-printed) consent form to a consent record; needs
    `consents:manage` for the survivor too."""
    return await _upload(
        request, uow, principal, idempotency_key, K.consent, consent_id, category, survivor_id
    )


upload_consent_attachment.__doc__ = (upload_consent_attachment.__doc__ or "") + UPLOAD_DOC


@router.get(
    "/survivors/{survivor_id}/consents/{consent_id}/attachments",
    operation_id="attachments:list-consent",
    response_model=AttachmentPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_consent_attachments(
    survivor_id: UUID,
    consent_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> AttachmentPage:
    """The files attached to a consent record, oldest first (metadata only). Audited."""
    result = await _service(request, uow).list(
        principal, K.consent, consent_id, page, parent_id=survivor_id
    )
    return paged(request, response, result)


# -- SHG meetings -----------------------------------------------------------------------
@router.post(
    "/shgs/{shg_id}/meetings/{meeting_id}/attachments",
    operation_id="attachments:upload-shg-meeting",
    status_code=201,
    response_model=AttachmentRead,
    responses=UPLOAD_ERRORS,
    openapi_extra=UPLOAD_BODY,
)
async def upload_meeting_attachment(
    shg_id: UUID,
    meeting_id: UUID,
    request: Request,
    uow: UoW,
    principal: Keeper,
    category: Category = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Attach a photo of an SHG meeting (the register, the collection sheet, those present)
    or a document; needs `shgs:manage` for the group too."""
    return await _upload(
        request, uow, principal, idempotency_key, K.shg_meeting, meeting_id, category, shg_id
    )


upload_meeting_attachment.__doc__ = (upload_meeting_attachment.__doc__ or "") + UPLOAD_DOC


@router.get(
    "/shgs/{shg_id}/meetings/{meeting_id}/attachments",
    operation_id="attachments:list-shg-meeting",
    response_model=AttachmentPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_meeting_attachments(
    shg_id: UUID,
    meeting_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> AttachmentPage:
    """The files attached to an SHG meeting, oldest first (metadata only). Audited."""
    result = await _service(request, uow).list(
        principal, K.shg_meeting, meeting_id, page, parent_id=shg_id
    )
    return paged(request, response, result)


# -- one attachment ---------------------------------------------------------------------
@router.get(
    "/attachments/{attachment_id}",
    operation_id="attachments:read",
    response_model=AttachmentRead,
    responses=READ_ERRORS,
)
async def read_attachment(
    attachment_id: UUID, request: Request, response: Response, uow: UoW, principal: Reader
) -> AttachmentRead:
    """What an attachment is (not its bytes), if the caller may read its record."""
    return tagged(response, await _service(request, uow).get(principal, attachment_id))


@router.get(
    "/attachments/{attachment_id}/content",
    operation_id="attachments:download",
    response_class=Response,
    responses={
        200: {
            "description": "The file's bytes, decrypted (as stored: photos without metadata).",
            "content": {
                m.value: {"schema": {"type": "string", "format": "binary"}}
                for m in AttachmentMediaType
            },
        },
        **READ_ERRORS,
    },
)
async def download_attachment(
    attachment_id: UUID, request: Request, uow: UoW, principal: Reader
) -> Response:
    """Download an attachment's file, if the caller may read its record; every download is
    audited. Served as a download (`Content-Disposition: attachment`), never cached, and
    sandboxed (`Content-Security-Policy: sandbox`) should a browser open it."""
    found = await _service(request, uow).download(principal, attachment_id)
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
    name = f"attachment-{found.attachment.id}.{extension[found.attachment.media_type.value]}"
    return Response(
        content=found.content,
        media_type=found.attachment.media_type.value,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "ETag": f'"v{found.attachment.version}"',
        },
    )


@router.delete(
    "/attachments/{attachment_id}",
    operation_id="attachments:delete",
    status_code=204,
    responses=READ_ERRORS,
)
async def delete_attachment(
    attachment_id: UUID, request: Request, uow: UoW, principal: Keeper
) -> Response:
    """Delete an attachment, if the caller may change its record: the stored file is removed
    at once; the attachment answers 404 from then on."""
    await _service(request, uow).delete(principal, attachment_id)
    return Response(status_code=204)
