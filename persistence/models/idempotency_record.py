from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class IdempotencyRecord(SQLModel, table=True):
    """The stored answer to a create sent with an Idempotency-Key, per principal and key."""

    __tablename__ = "idempotency_record"

    principal_id: UUID = Field(primary_key=True)
    key: str = Field(primary_key=True, max_length=255)
    request_fingerprint: bytes = Field(sa_type=sa.LargeBinary(32))
    status_code: int
    # Serialized JSON. Bytes rather than JSONB so that it can be sealed with field encryption.
    response_body: bytes = Field(sa_type=sa.LargeBinary)
    response_headers: dict[str, str] = Field(default_factory=dict, sa_type=JSONB)
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
