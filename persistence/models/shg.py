from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.livelihood_vocabulary import MeetingFrequency, ShgStatus, Weekday


class Shg(Entity, OrganizationOwned, PlaceBound, table=True):
    """A self-help group of women (survivors among them, which is never shown to partners or
    analysts). Its bank account number is sealed. ``interest_rate_bps`` is the internal
    lending rate, per annum, in basis points (24% = 2400)."""

    __tablename__ = "shg"

    name: str = Field(max_length=200)
    formed_on: date
    village: str | None = Field(default=None, max_length=120)
    gram_panchayat: str | None = Field(default=None, max_length=120)
    block_id: UUID | None = Field(default=None, foreign_key="block.id")
    federation_id: UUID | None = Field(default=None, foreign_key="shg_federation.id")
    meeting_frequency: MeetingFrequency = Field(
        sa_type=enum_column(MeetingFrequency, "meeting_frequency")
    )
    meeting_day: Weekday | None = Field(default=None, sa_type=enum_column(Weekday, "weekday"))
    saving_per_meeting_paise: int = Field(sa_type=sa.BigInteger)
    interest_rate_bps: int
    bank_name: str | None = Field(default=None, max_length=120)
    bank_branch: str | None = Field(default=None, max_length=120)
    bank_account_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    bank_account_opened_on: date | None = None
    status: ShgStatus = Field(sa_type=enum_column(ShgStatus, "shg_status"))
