from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import enum_column
from persistence.models.enums import ActorType, AuditAction, AuditOutcome


class AuditEvent(SQLModel, table=True):
    """Append-only, hash-chained record of who did what to which record. Never the data itself.

    Events are spread over a fixed number of chains (``chain``) so that concurrent requests do
    not queue behind one lock; within its chain an event has a position (``chain_seq``) and
    ``hash`` = HMAC-SHA256 under the audit key ``kid`` of (hash of the previous event of the
    chain || digest of this event's fields); events of before audit keys have no kid and a
    plain SHA-256 step (persistence/audit_chain.py). ``seq`` orders all events for listing.
    The application's database role reads events and appends them only through the function
    ``audit_append``; it never inserts, updates or deletes rows itself.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.UniqueConstraint("chain", "chain_seq"),
        sa.Index("ix_audit_event_organization_id_seq", "organization_id", "seq"),
        sa.Index("ix_audit_event_entity_type_entity_id", "entity_type", "entity_id"),
        sa.Index("ix_audit_event_actor_id_seq", "actor_id", "seq"),
    )

    seq: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.BigInteger, sa.Identity(always=True), primary_key=True),
    )
    chain: int = Field(sa_type=sa.SmallInteger)
    chain_seq: int = Field(sa_type=sa.BigInteger)
    id: UUID = Field(sa_column_kwargs={"unique": True})
    occurred_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    actor_type: ActorType = Field(sa_type=enum_column(ActorType, "actor_type"))
    actor_id: UUID | None = Field(default=None)
    organization_id: UUID | None = Field(default=None)
    action: AuditAction = Field(sa_type=enum_column(AuditAction, "audit_action"))
    entity_type: str = Field(max_length=60)
    entity_id: UUID | None = Field(default=None)
    # The server's id of the request (never the caller's), and the caller's X-Request-ID when
    # it was a plain short token.
    request_id: str | None = Field(default=None, max_length=64)
    caller_request_id: str | None = Field(default=None, max_length=64)
    # The registered device the event came from (a read done offline and uploaded with a
    # push, or a request made with a device-bound token); digested only when set.
    device_id: UUID | None = Field(default=None)
    outcome: AuditOutcome = Field(sa_type=enum_column(AuditOutcome, "audit_outcome"))
    hash: bytes = Field(sa_type=sa.LargeBinary(32))
    # The audit key the event was chained under (None: before audit keys, plain SHA-256).
    kid: str | None = Field(default=None, max_length=64)
