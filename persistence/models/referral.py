from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.case_bound import CaseBound
from persistence.models.case_vocabulary import ReferralStatus, ServiceKind, Urgency


class Referral(Entity, OrganizationOwned, PlaceBound, CaseBound, table=True):
    """A referral of a survivor, for one service need, from the organisation holding her case
    (``organization_id``) to a receiving organisation. ``shared_enc`` seals the snapshot of the
    fields her consent allowed at the moment of referral; the receiver sees only those, and the
    note written for it (``note_to_partner_enc``), never the internal ``reason_enc``."""

    __tablename__ = "referral"
    __table_args__ = (
        sa.Index(
            "ix_referral_receiving_organization_id_created_at_id",
            "receiving_organization_id",
            "created_at",
            "id",
        ),
    )

    survivor_id: UUID = Field(foreign_key="survivor.id", nullable=False)
    receiving_organization_id: UUID = Field(foreign_key="organization.id", nullable=False)
    service_offering_id: UUID | None = Field(default=None, foreign_key="service_offering.id")
    service_kind: ServiceKind = Field(sa_type=enum_column(ServiceKind, "referral_service_kind"))
    urgency: Urgency = Field(sa_type=enum_column(Urgency, "urgency"))
    # Why she is referred: the referring organisation's own record, never shown to the receiver.
    reason_enc: bytes = Field(sa_type=sa.LargeBinary)
    # What the worker chose to tell the receiving organisation, knowing it is shared.
    note_to_partner_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    shared_fields: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(sa.String(40)),
        sa_column_kwargs={"server_default": "{}"},
    )
    shared_enc: bytes = Field(sa_type=sa.LargeBinary)
    consent_id: UUID | None = Field(default=None, foreign_key="consent.id")
    consent_overridden: bool = False
    status: ReferralStatus = Field(sa_type=enum_column(ReferralStatus, "referral_status"))
    responded_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    started_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    closed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    outcome_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
