from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import utcnow


class SyncRecordVersion(SQLModel, table=True):
    """What a device was given of a record at one version (sealed): the base a later offline
    update names, so that a conflict is found field by field (the server's value now against
    the base the device edited) and answered with the base value too."""

    __tablename__ = "sync_record_version"

    entity: str = Field(max_length=40, primary_key=True)
    entity_id: UUID = Field(primary_key=True)
    version: int = Field(primary_key=True)
    data_enc: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False
    )
