"""Attachments: files on records, checked, cleaned, sealed and kept outside the database.

An upload is refused before anything is stored when it is too large (413), when its bytes
are not one of the allowed kinds, whatever it was declared as (415: domain/attachments/
sniffing.py), or when a photo's structure does not hold (422). A photo's metadata (EXIF with
its GPS location, XMP, comments) is removed (domain/attachments/metadata.py); the result is
encrypted under a key of its own and stored (persistence/attachment_store.py). Every access
goes through the record: its kind's policies and scope (domain/attachments/records.py), for
listing, downloading and deleting as for uploading; a download is audited as a read of the
attachment. Deleting removes the stored bytes and marks the row deleted.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from uuid import UUID, uuid4

from domain.attachments import policies
from domain.attachments.errors import ContentTooLarge, UnsupportedMediaType
from domain.attachments.metadata import DamagedFile, without_metadata
from domain.attachments.records import RECORD_KINDS, Located, RecordKind
from domain.attachments.schemas import AttachmentPage, AttachmentRead
from domain.attachments.sniffing import sniff
from domain.audit.trail import authorize, record
from domain.common.errors import BusinessRuleViolation, NotFound
from domain.common.listing import CREATED, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import require
from persistence.attachment_store import AttachmentStorage, open_file, seal_file
from persistence.models.attachment import Attachment
from persistence.models.base import utcnow
from persistence.models.device_vocabulary import (
    AttachmentCategory,
    AttachmentMediaType,
    AttachmentRecordKind,
)
from persistence.models.enums import AuditAction
from persistence.repositories.attachments import AttachmentRepository
from persistence.uow import UnitOfWork

ENTITY = policies.ATTACHMENT
ALLOWED = ", ".join(m.value for m in AttachmentMediaType)


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    """A downloaded attachment: what it is and its bytes."""

    attachment: AttachmentRead
    content: bytes


@dataclass(frozen=True, slots=True)
class Prepared:
    media_type: AttachmentMediaType
    content: bytes


def prepare(data: bytes, max_bytes: int) -> Prepared:
    """Check an upload and clean it: size, kind by its bytes, metadata removed. Raises
    ContentTooLarge, BusinessRuleViolation (empty, damaged), UnsupportedMediaType."""
    if len(data) > max_bytes:
        raise ContentTooLarge(f"A file may not exceed {max_bytes} bytes.")
    if not data:
        raise BusinessRuleViolation("The file is empty.")
    media_type = sniff(data)
    if media_type is None:
        raise UnsupportedMediaType(f"Attach a file of one of these kinds: {ALLOWED}.")
    try:
        content = without_metadata(media_type, data)
    except DamagedFile as exc:
        raise BusinessRuleViolation(
            "The file is damaged or incomplete: it could not be checked for location data."
        ) from exc
    return Prepared(media_type, content)


class AttachmentService:
    def __init__(self, uow: UnitOfWork, storage: AttachmentStorage, max_bytes: int) -> None:
        self.uow = uow
        self.storage = storage
        self.max_bytes = max_bytes
        self.attachments = AttachmentRepository(uow)

    async def upload(
        self,
        principal: Principal,
        kind: AttachmentRecordKind,
        record_id: UUID,
        data: bytes,
        *,
        category: AttachmentCategory | None = None,
        parent_id: UUID | None = None,
    ) -> AttachmentRead:
        """Attach a file to a record in the caller's scope. Raises PermissionDenied,
        NotFound (the record), ContentTooLarge, UnsupportedMediaType,
        BusinessRuleViolation (empty, damaged, a category the record does not take)."""
        rules = RECORD_KINDS[kind]
        authorize(self.uow, principal, policies.MANAGE, ENTITY)
        authorize(self.uow, principal, rules.manage, rules.kind.value, record_id)
        located = await self._locate(principal, rules, record_id, parent_id)
        category = category or rules.default_category
        if category not in rules.categories:
            allowed = ", ".join(sorted(c.value for c in rules.categories))
            raise BusinessRuleViolation(
                f"A {rules.noun} takes attachments of these categories: {allowed}.",
                field="category",
            )
        prepared = await asyncio.to_thread(prepare, data, self.max_bytes)
        attachment_id = uuid4()
        sealed_key, stored = await asyncio.to_thread(
            seal_file, self.uow.cipher, attachment_id, prepared.content
        )
        storage_key = f"attachments/{secrets.token_hex(16)}"
        await self.storage.put(storage_key, stored)

        async def remove_orphan() -> None:
            await self.storage.delete(storage_key)

        self.uow.on_rollback(remove_orphan)
        attachment = Attachment(
            id=attachment_id,
            organization_id=located.organization_id,
            record_kind=kind,
            record_id=record_id,
            category=category,
            media_type=prepared.media_type,
            size_bytes=len(prepared.content),
            storage_key=storage_key,
            file_key_enc=sealed_key,
            created_by=principal.id,
        )
        await self.attachments.add(attachment)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            attachment.id,
            organization_id=attachment.organization_id,
        )
        return AttachmentRead.model_validate(attachment)

    async def list(
        self,
        principal: Principal,
        kind: AttachmentRecordKind,
        record_id: UUID,
        page: PageRequest,
        *,
        parent_id: UUID | None = None,
    ) -> AttachmentPage:
        """A record's attachments, oldest first (audited as a search). Raises
        PermissionDenied, NotFound (the record), BadRequest (cursor)."""
        rules = RECORD_KINDS[kind]
        authorize(self.uow, principal, policies.READ, ENTITY)
        authorize(self.uow, principal, rules.read, rules.kind.value, record_id)
        located = await self._locate(principal, rules, record_id, parent_id)
        record(
            self.uow,
            principal,
            AuditAction.search,
            ENTITY,
            organization_id=located.organization_id,
        )
        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.attachments.page_of(
                located.organization_id, kind, record_id, after, limit
            ),
            to_read=lambda rows: [AttachmentRead.model_validate(a) for a in rows],
            page_type=AttachmentPage,
            count=lambda: self.attachments.count_of(located.organization_id, kind, record_id),
        )

    async def get(self, principal: Principal, attachment_id: UUID) -> AttachmentRead:
        """One attachment, if the caller may read its record. Raises NotFound."""
        attachment = await self._require(principal, attachment_id, write=False)
        return AttachmentRead.model_validate(attachment)

    async def download(self, principal: Principal, attachment_id: UUID) -> AttachmentFile:
        """The attachment's bytes, opened, if the caller may read its record; audited as a
        read. Raises NotFound."""
        attachment = await self._require(principal, attachment_id, write=False)
        try:
            stored = await self.storage.get(attachment.storage_key)
        except FileNotFoundError as exc:
            raise NotFound("The attachment's file is gone.") from exc
        content = await asyncio.to_thread(
            open_file, self.uow.cipher, attachment.id, attachment.file_key_enc, stored
        )
        record(
            self.uow,
            principal,
            AuditAction.read,
            ENTITY,
            attachment.id,
            organization_id=attachment.organization_id,
        )
        return AttachmentFile(AttachmentRead.model_validate(attachment), content)

    async def delete(self, principal: Principal, attachment_id: UUID) -> None:
        """Delete an attachment of a record the caller may change: its stored bytes are
        removed now, its row is marked deleted. Raises NotFound, PermissionDenied."""
        attachment = await self._require(principal, attachment_id, write=True)
        now = utcnow()
        attachment.deleted_at = now
        attachment.updated_at = now
        attachment.version += 1
        await self.attachments.save(attachment)
        # Before the commit: an answer "deleted" must never leave the bytes behind (should
        # the commit fail after this, the row points at nothing and reads answer 404).
        await self.storage.delete(attachment.storage_key)
        record(
            self.uow,
            principal,
            AuditAction.delete,
            ENTITY,
            attachment.id,
            organization_id=attachment.organization_id,
        )

    # -- helpers --------------------------------------------------------------------------
    async def _locate(
        self,
        principal: Principal,
        rules: RecordKind,
        record_id: UUID,
        parent_id: UUID | None,
    ) -> Located:
        return await rules.locate(self.uow, principal, record_id, parent_id)

    async def _require(
        self, principal: Principal, attachment_id: UUID, *, write: bool
    ) -> Attachment:
        """The attachment, if the caller may read (or change) its record; NotFound for one
        outside her scope, exactly as for one that does not exist."""
        authorize(
            self.uow, principal, policies.MANAGE if write else policies.READ, ENTITY, attachment_id
        )
        attachment = await require(
            self.attachments.get_in(principal.organization_id, attachment_id, for_update=write),
            "Attachment",
        )
        rules = RECORD_KINDS[AttachmentRecordKind(attachment.record_kind)]
        authorize(
            self.uow,
            principal,
            rules.manage if write else rules.read,
            rules.kind.value,
            attachment.record_id,
        )
        try:
            await rules.locate(self.uow, principal, attachment.record_id, None)
        except NotFound:
            raise NotFound("Attachment not found.") from None
        return attachment
