from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import enum_column
from persistence.models.enums import ActorType, AuditAction, AuditOutcome


class AuditEvent(SQLModel, table=True):
    """Append-only, hash-chained record of who did what to which record. Never the data itself.

    ``hash`` = SHA-256(previous event's hash || digest of this event's fields), in ``seq`` order.
    The application's database role may insert and read events, never update or delete them.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_organization_id_seq", "organization_id", "seq"),
        sa.Index("ix_audit_event_entity_type_entity_id", "entity_type", "entity_id"),
        sa.Index("ix_audit_event_actor_id_seq", "actor_id", "seq"),
    )

    seq: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    id: UUID = Field(sa_column_kwargs={"unique": True})
    occurred_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    actor_type: ActorType = Field(sa_type=enum_column(ActorType, "actor_type"))
    actor_id: UUID | None = Field(default=None)
    organization_id: UUID | None = Field(default=None)
    action: AuditAction = Field(sa_type=enum_column(AuditAction, "audit_action"))
    entity_type: str = Field(max_length=60)
    entity_id: UUID | None = Field(default=None)
    request_id: str | None = Field(default=None, max_length=64)
    outcome: AuditOutcome = Field(sa_type=enum_column(AuditOutcome, "audit_outcome"))
    hash: bytes = Field(sa_type=sa.LargeBinary(32))
