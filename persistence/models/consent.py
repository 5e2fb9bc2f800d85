from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.case_vocabulary import ConsentGiver, ConsentMethod, ConsentPurpose


class Consent(Entity, OrganizationOwned, table=True):
    """One version of a survivor's consent to one purpose.

    A new version of the same purpose (and organisation, for sharing) supersedes the previous
    one; nothing is overwritten. ``fields`` lists what a sharing consent lets travel with a
    referral. Withdrawal and expiry end it; every referral, sharing and report checks it at
    that moment.
    """

    __tablename__ = "consent"
    __table_args__ = (sa.Index("ix_consent_survivor_id_purpose", "survivor_id", "purpose"),)

    survivor_id: UUID = Field(foreign_key="survivor.id", nullable=False)
    purpose: ConsentPurpose = Field(sa_type=enum_column(ConsentPurpose, "consent_purpose"))
    shared_with_organization_id: UUID | None = Field(default=None, foreign_key="organization.id")
    fields: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(sa.String(40)),
        sa_column_kwargs={"server_default": "{}"},
    )
    given_by: ConsentGiver = Field(sa_type=enum_column(ConsentGiver, "consent_giver"))
    # A guardian's name and relationship, sealed (they identify the survivor's family).
    guardian_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    method: ConsentMethod = Field(sa_type=enum_column(ConsentMethod, "consent_method"))
    language: str = Field(max_length=20)
    witness_user_id: UUID | None = Field(default=None, foreign_key="app_user.id")
    given_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    expires_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    withdrawn_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    withdrawal_reason: str | None = Field(default=None, max_length=500)
    supersedes_id: UUID | None = Field(default=None, foreign_key="consent.id")
    revision: int = Field(default=1, description="1 for the first consent of this purpose.")
