from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import utcnow


class SyncMutation(SQLModel, table=True):
    """A mutation a device pushed, by its own (client-made) id, with the answer it was given:
    a retried batch is answered from here and applies nothing twice. Written in the same
    savepoint as the mutation's effect. The answer is sealed (a conflict's values are her
    data)."""

    __tablename__ = "sync_mutation"

    id: UUID = Field(primary_key=True)
    user_id: UUID = Field(nullable=False, index=True)
    entity: str = Field(max_length=40)
    entity_id: UUID = Field(nullable=False)
    status: str = Field(max_length=20)
    result_enc: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False
    )
