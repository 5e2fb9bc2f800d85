from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class AuditChainHead(SQLModel, table=True):
    """The single row holding the last sequence number and hash of the audit chain.

    Appending an event updates this row in the same statement; its row lock orders appends.
    Verification compares it with the last event, so removing events from the tail shows.
    """

    __tablename__ = "audit_chain_head"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_seq: int = Field(default=0, sa_type=sa.BigInteger)
    last_hash: bytes = Field(sa_type=sa.LargeBinary(32))
