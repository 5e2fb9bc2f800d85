from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)

TXID_SQL = "(pg_current_xact_id()::text)::bigint"
# Every transaction older than this one has ended (committed or rolled back).
HORIZON_SQL = "(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint"


class SyncChange(SQLModel, table=True):
    """One change to a record devices carry, written by a trigger in the writing transaction
    (migration 0028). ``txid`` is that transaction's id: a pull returns only changes of
    transactions older than every transaction still running (the snapshot's xmin), in
    (txid, seq) order, so a change committed late is never passed over (domain/sync/pull.py).

    The ``prior_*`` columns are the scope keys the record had before the change (a case's
    organisation, district and worker; a survivor's organisation and registering worker):
    a pull answers a tombstone to whoever the record was visible to under them and no longer
    is. No personal data: ids and keys only."""

    __tablename__ = "sync_change"
    __table_args__ = (sa.Index("ix_sync_change_txid_seq", "txid", "seq"),)

    seq: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.BigInteger, sa.Identity(always=True), primary_key=True),
    )
    # The writing transaction's id (xid8, epoch-extended: it never wraps), as a bigint.
    txid: int = Field(
        sa_column=sa.Column(sa.BigInteger, nullable=False, server_default=sa.text(TXID_SQL))
    )
    entity: str = Field(max_length=40)
    entity_id: UUID = Field(nullable=False)
    organization_id: UUID | None = Field(default=None)
    case_id: UUID | None = Field(default=None)
    survivor_id: UUID | None = Field(default=None)
    # What the record hangs off beyond a case (migration 0029): its SHG, its leader group, an
    # attachment's record.
    holder_id: UUID | None = Field(default=None)
    # A case's move (organisation, district, worker, deletion): the device may gain or lose it.
    scope_changed: bool = Field(
        default=False, nullable=False, sa_column_kwargs={"server_default": sa.false()}
    )
    prior_organization_id: UUID | None = Field(default=None)
    prior_district_id: UUID | None = Field(default=None)
    prior_assigned_worker_id: UUID | None = Field(default=None)
    prior_created_by: UUID | None = Field(default=None)
