from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class AuditChainHead(SQLModel, table=True):
    """The last position and hash of each audit chain (one row per chain).

    Appending an event (the function ``audit_append``) updates its chain's row in the same
    statement; that row lock orders the appends of one chain. The application's role may only
    read the heads. Verification compares each head with its chain's last event, and a signed
    checkpoint of the heads kept elsewhere shows a tail removed with its head set back.
    """

    __tablename__ = "audit_chain_head"
    __table_args__ = (sa.CheckConstraint("id BETWEEN 1 AND 64", name="chain_number"),)

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_seq: int = Field(default=0, sa_type=sa.BigInteger)
    last_hash: bytes = Field(sa_type=sa.LargeBinary(32))
