from __future__ import annotations

from uuid import UUID

from sqlmodel import Field, SQLModel

import persistence.models.base  # noqa: F401  (naming convention first)


class CaseBound(SQLModel):
    """The case a record belongs to (its organisation and district are copied onto the record
    so that scope is one indexed filter)."""

    case_id: UUID = Field(foreign_key="survivor_case.id", index=True, nullable=False)
