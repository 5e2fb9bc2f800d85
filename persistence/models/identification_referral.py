from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.leadership_vocabulary import IdentificationConcern, IdentificationStatus


class IdentificationReferral(Entity, OrganizationOwned, PlaceBound, table=True):
    """A person at risk or a possible victim a survivor leader refers to the NGO, with as
    little data as will do (sealed). It becomes an intake lead; the leader sees its status,
    never the case that follows."""

    __tablename__ = "identification_referral"

    submitted_by: UUID = Field(foreign_key="app_user.id", index=True, nullable=False)
    concern: IdentificationConcern = Field(
        sa_type=enum_column(IdentificationConcern, "identification_concern")
    )
    details_enc: bytes = Field(sa_type=sa.LargeBinary)
    status: IdentificationStatus = Field(
        sa_type=enum_column(IdentificationStatus, "identification_status")
    )
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    decided_by: UUID | None = Field(default=None, foreign_key="app_user.id")
    case_id: UUID | None = Field(default=None, foreign_key="survivor_case.id")
    # Why it was declined (sealed); seen by the organisation's case workers, not the leader.
    decision_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
