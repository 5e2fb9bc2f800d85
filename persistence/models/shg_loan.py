from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.livelihood_vocabulary import InterestMethod, LoanKind, LoanStatus


class ShgLoan(Entity, OrganizationOwned, table=True):
    """An internal loan (group -> member) or a bank loan (bank -> group). Amounts in paise;
    rate per annum in basis points; the schedule is in shg_loan_instalment; what was paid is
    in the ledger."""

    __tablename__ = "shg_loan"

    shg_id: UUID = Field(foreign_key="shg.id", index=True, nullable=False)
    member_id: UUID | None = Field(default=None, foreign_key="shg_member.id", index=True)
    kind: LoanKind = Field(sa_type=enum_column(LoanKind, "loan_kind"))
    lender: str | None = Field(default=None, max_length=120)
    purpose: str | None = Field(default=None, max_length=200)
    principal_paise: int = Field(sa_type=sa.BigInteger)
    annual_rate_bps: int
    tenure_months: int
    interest_method: InterestMethod = Field(sa_type=enum_column(InterestMethod, "interest_method"))
    status: LoanStatus = Field(sa_type=enum_column(LoanStatus, "loan_status"))
    applied_on: date
    approved_on: date | None = None
    disbursed_on: date | None = None
    closed_on: date | None = None
