from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import enum_column, utcnow
from persistence.models.livelihood_vocabulary import LedgerKind


class ShgLedgerEntry(SQLModel, table=True):
    """One typed movement of an SHG's money, in paise (always positive; the kind says which
    way). Entries are never edited: a correction is a new entry that ``reverses`` another.
    Balances (savings, loans outstanding, cash in hand, bank) are derived from entries."""

    __tablename__ = "shg_ledger_entry"
    __table_args__ = (
        sa.CheckConstraint("amount_paise > 0", name="positive_amount"),
        sa.Index("ix_shg_ledger_entry_shg_id_entry_date", "shg_id", "entry_date"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    organization_id: UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    shg_id: UUID = Field(foreign_key="shg.id", nullable=False)
    meeting_id: UUID | None = Field(default=None, foreign_key="shg_meeting.id", index=True)
    kind: LedgerKind = Field(sa_type=enum_column(LedgerKind, "ledger_kind"))
    member_id: UUID | None = Field(default=None, foreign_key="shg_member.id", index=True)
    loan_id: UUID | None = Field(default=None, foreign_key="shg_loan.id", index=True)
    amount_paise: int = Field(sa_type=sa.BigInteger)
    entry_date: date
    reverses_id: UUID | None = Field(
        default=None, foreign_key="shg_ledger_entry.id", sa_column_kwargs={"unique": True}
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    created_by: UUID | None = None
