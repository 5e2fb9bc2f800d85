from __future__ import annotations

from uuid import UUID

from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class UserDistrict(SQLModel, table=True):
    """A district a user serves (district scope)."""

    __tablename__ = "user_district"

    user_id: UUID = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    district_id: UUID = Field(foreign_key="district.id", primary_key=True, index=True)
