from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import utcnow


class SyncConflict(SQLModel, table=True):
    """A field a device changed offline that was changed on the server too since the device's
    base version: kept until the worker resolves it with a chosen value. The three values
    (server, base, client) are sealed."""

    __tablename__ = "sync_conflict"
    __table_args__ = (
        sa.Index("ix_sync_conflict_user_id_created_at_id", "user_id", "created_at", "id"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    mutation_id: UUID = Field(nullable=False)
    user_id: UUID = Field(nullable=False)
    organization_id: UUID | None = Field(default=None)
    entity: str = Field(max_length=40)
    entity_id: UUID = Field(nullable=False)
    field: str = Field(max_length=60)
    base_version: int
    server_version: int
    values_enc: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False
    )
    resolved_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    resolved_version: int | None = None
