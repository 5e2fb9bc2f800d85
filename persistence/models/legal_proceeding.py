from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.case_bound import CaseBound
from persistence.models.case_vocabulary import ProceedingKind, ProceedingStatus


class LegalProceeding(Entity, OrganizationOwned, PlaceBound, CaseBound, table=True):
    """A complaint or FIR and the court case that follows; victim compensation applied,
    awarded and paid (awards and payments are often far apart). Numbers, police station and
    court are sealed in ``details_enc``. Amounts in paise."""

    __tablename__ = "legal_proceeding"

    kind: ProceedingKind = Field(sa_type=enum_column(ProceedingKind, "proceeding_kind"))
    status: ProceedingStatus = Field(sa_type=enum_column(ProceedingStatus, "proceeding_status"))
    filed_on: date | None = None
    details_enc: bytes = Field(sa_type=sa.LargeBinary)
    witness_protection_needed: bool = False
    compensation_applied_on: date | None = None
    compensation_awarded_paise: int | None = Field(default=None, sa_type=sa.BigInteger)
    compensation_awarded_on: date | None = None
    compensation_paid_paise: int | None = Field(default=None, sa_type=sa.BigInteger)
    compensation_paid_on: date | None = None
