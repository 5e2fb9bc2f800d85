from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.device_vocabulary import (
    AttachmentCategory,
    AttachmentMediaType,
    AttachmentRecordKind,
)


class Attachment(Entity, OrganizationOwned, table=True):
    """A file attached to a record (a consent form, an ID scan, a photo, a meeting photo).

    The bytes live outside the database (a local directory or S3-compatible storage, under
    ``storage_key``, a random name that says nothing of the record), encrypted with a key of
    their own; that key is kept here sealed by the data key (``file_key_enc``), so a rotation
    of the data key re-seals the key and never rewrites the file. Deleting an attachment
    removes the stored bytes; the row stays, marked deleted, so devices learn of it.
    """

    __tablename__ = "attachment"
    __table_args__ = (
        sa.Index(
            "ix_attachment_record_kind_record_id_created_at_id",
            "record_kind",
            "record_id",
            "created_at",
            "id",
        ),
    )

    record_kind: AttachmentRecordKind = Field(
        sa_type=enum_column(AttachmentRecordKind, "attachment_record_kind")
    )
    record_id: UUID = Field(nullable=False)
    category: AttachmentCategory = Field(
        sa_type=enum_column(AttachmentCategory, "attachment_category")
    )
    media_type: AttachmentMediaType = Field(
        sa_type=enum_column(AttachmentMediaType, "attachment_media_type")
    )
    size_bytes: int = Field(ge=0)
    storage_key: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    file_key_enc: bytes = Field(sa_type=sa.LargeBinary())
