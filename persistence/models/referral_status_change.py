from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence.models.base import enum_column, utcnow
from persistence.models.case_vocabulary import ReferralStatus


class ReferralStatusChange(SQLModel, table=True):
    """One step of a referral's way (sent, accepted, declined, in progress, completed, not
    delivered, revoked): from, to, when, who (and for which side), and a remark in words
    (why it was declined, the outcome), sealed. The first row of a referral has no
    ``from_status``. Append-only; ``organization_id`` is the referring organisation."""

    __tablename__ = "referral_status_change"
    __table_args__ = (
        sa.Index(
            "ix_referral_status_change_referral_id_occurred_at_id",
            "referral_id",
            "occurred_at",
            "id",
        ),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    referral_id: UUID = Field(foreign_key="referral.id", nullable=False)
    organization_id: UUID = Field(foreign_key="organization.id", nullable=False)
    from_status: ReferralStatus | None = Field(
        default=None, sa_type=enum_column(ReferralStatus, "from_referral_status")
    )
    to_status: ReferralStatus = Field(sa_type=enum_column(ReferralStatus, "to_referral_status"))
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    actor_id: UUID | None = None
    actor_organization_id: UUID | None = Field(default=None, foreign_key="organization.id")
    note_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
