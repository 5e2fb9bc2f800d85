from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class ShgLoanInstalment(SQLModel, table=True):
    """One row of a loan's repayment schedule (due date, principal and interest due)."""

    __tablename__ = "shg_loan_instalment"

    loan_id: UUID = Field(foreign_key="shg_loan.id", primary_key=True, ondelete="CASCADE")
    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    due_on: date
    principal_paise: int = Field(sa_type=sa.BigInteger)
    interest_paise: int = Field(sa_type=sa.BigInteger)
