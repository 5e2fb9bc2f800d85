from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.livelihood_vocabulary import ShgRole


class ShgMember(Entity, OrganizationOwned, table=True):
    """A woman's membership of an SHG. ``survivor_id`` links a survivor's own record (shown
    only to her case workers); every member's name is sealed in ``name_enc``."""

    __tablename__ = "shg_member"

    shg_id: UUID = Field(foreign_key="shg.id", index=True, nullable=False)
    survivor_id: UUID | None = Field(default=None, foreign_key="survivor.id", index=True)
    name_enc: bytes = Field(sa_type=sa.LargeBinary)
    role: ShgRole = Field(sa_type=enum_column(ShgRole, "shg_role"))
    joined_on: date
    exited_on: date | None = None
