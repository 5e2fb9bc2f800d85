from __future__ import annotations

from uuid import UUID

from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class CaseNumberCounter(SQLModel, table=True):
    """The last case number given per organisation, district and year."""

    __tablename__ = "case_number_counter"

    organization_id: UUID = Field(foreign_key="organization.id", primary_key=True)
    district_id: UUID = Field(foreign_key="district.id", primary_key=True)
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = Field(default=0)
