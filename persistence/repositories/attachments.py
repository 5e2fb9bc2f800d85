"""Attachments of records: by organisation, then by the record's kind and id (one index)."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.attachment import Attachment
from persistence.models.device_vocabulary import AttachmentRecordKind
from persistence.pagination import Key, keyset
from persistence.repositories.session import Repository


class AttachmentRepository(Repository):
    async def add(self, attachment: Attachment) -> Attachment:
        self.session.add(attachment)
        await self.session.flush()
        return attachment

    async def save(self, attachment: Attachment) -> Attachment:
        await self.session.flush()
        return attachment

    async def get_in(
        self, organization_id: UUID | None, attachment_id: UUID, *, for_update: bool = False
    ) -> Attachment | None:
        """A live attachment of the organisation; with ``for_update`` locked for the
        transaction (two deletes must not both remove and mark it)."""
        if organization_id is None:
            return None
        stmt = sa.select(Attachment).where(
            col(Attachment.id) == attachment_id,
            col(Attachment.organization_id) == organization_id,
            col(Attachment.deleted_at).is_(None),
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    def _of(
        self, organization_id: UUID, kind: AttachmentRecordKind, record_id: UUID
    ) -> sa.ColumnElement[bool]:
        return sa.and_(
            col(Attachment.record_kind) == kind,
            col(Attachment.record_id) == record_id,
            col(Attachment.organization_id) == organization_id,
            col(Attachment.deleted_at).is_(None),
        )

    async def page_of(
        self,
        organization_id: UUID,
        kind: AttachmentRecordKind,
        record_id: UUID,
        after: Key | None,
        limit: int,
    ) -> list[Attachment]:
        """Up to ``limit + 1`` attachments of the record, oldest first after the key."""
        stmt = sa.select(Attachment).where(self._of(organization_id, kind, record_id))
        stmt = keyset(stmt, [col(Attachment.created_at), col(Attachment.id)], after, limit)
        return list((await self.session.scalars(stmt)).all())

    async def count_of(
        self, organization_id: UUID, kind: AttachmentRecordKind, record_id: UUID
    ) -> int:
        stmt = (
            sa.select(sa.func.count())
            .select_from(Attachment)
            .where(self._of(organization_id, kind, record_id))
        )
        return int((await self.session.execute(stmt)).scalar_one())
