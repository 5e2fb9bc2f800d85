"""Attachments as the API shows them: what the file is, never what it holds."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from domain.common.pagination import Page
from domain.common.schemas import ReadModel
from persistence.models.device_vocabulary import (
    AttachmentCategory,
    AttachmentMediaType,
    AttachmentRecordKind,
)


class AttachmentRead(ReadModel):
    """A file attached to a record. Its bytes come only from
    `GET /attachments/{attachment_id}/content` (authorised, audited); there is no public URL."""

    id: UUID
    organization_id: UUID
    record_kind: AttachmentRecordKind
    record_id: UUID
    category: AttachmentCategory
    media_type: AttachmentMediaType = Field(description="Sniffed from the bytes.")
    size_bytes: int = Field(description="Size as stored, after metadata was removed.")
    created_at: datetime
    created_by: UUID | None
    version: int


AttachmentPage = Page[AttachmentRead]
