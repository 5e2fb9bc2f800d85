from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import DATEMULTIRANGE
from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class ReportingConsent(SQLModel, table=True):
    """Per survivor, the business days at whose end her consent to aggregate reporting was in
    force: a survivor counts in an aggregate of a period only when the period's last day is
    one of them.

    Kept by the database, never written by the app: triggers on ``consent`` recompute a
    survivor's row in the same transaction as any change to her aggregate-reporting consents,
    with the one rule ``consent_in_force_days`` (migration 0022): a revision is in force from
    the day it was given until the day it was withdrawn, expired or superseded by the next
    revision, whichever comes first. It spares every figure recomputing the rule for every
    survivor (about 100 ms at 100,000 survivors, bench/evidence.py)."""

    __tablename__ = "reporting_consent"
    __table_args__ = (sa.Index("ix_reporting_consent_organization_id", "organization_id"),)

    survivor_id: UUID = Field(foreign_key="survivor.id", primary_key=True, ondelete="CASCADE")
    organization_id: UUID = Field(foreign_key="organization.id", nullable=False)
    days: Any = Field(sa_type=DATEMULTIRANGE, nullable=False)
