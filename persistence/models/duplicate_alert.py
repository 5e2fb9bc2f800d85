from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.case_vocabulary import DuplicateAlertStatus


class DuplicateAlert(Entity, OrganizationOwned, table=True):
    """An intake whose duplicate check matched survivors of the organisation that its author
    may not see. She is never told of them; the organisation's program managers are, here.

    ``raised_by`` is the author of the intake; ``survivor_id`` the survivor that intake
    registered (None when it was answered 409 for the matches she may see); ``matched_ids``
    the survivors it matched outside her scope. Ids only: nothing personal.
    """

    __tablename__ = "duplicate_alert"
    __table_args__ = (
        sa.Index(
            "ix_duplicate_alert_organization_id_created_at_id",
            "organization_id",
            "created_at",
            "id",
        ),
    )

    raised_by: UUID = Field(foreign_key="app_user.id", nullable=False)
    survivor_id: UUID | None = Field(default=None, foreign_key="survivor.id")
    matched_ids: list[UUID] = Field(sa_type=ARRAY(sa.Uuid()), nullable=False)
    status: DuplicateAlertStatus = Field(
        default=DuplicateAlertStatus.open,
        sa_type=enum_column(DuplicateAlertStatus, "duplicate_alert_status"),
    )
    resolved_by: UUID | None = Field(default=None, foreign_key="app_user.id")
    resolved_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
