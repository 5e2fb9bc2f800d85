from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.case_bound import CaseBound
from persistence.models.case_vocabulary import NoteConfidentiality


class CaseNote(Entity, OrganizationOwned, PlaceBound, CaseBound, table=True):
    """A case note, sealed. Restricted notes (counselling) are seen only by their author and
    the organisation's program managers."""

    __tablename__ = "case_note"

    author_id: UUID = Field(foreign_key="app_user.id", nullable=False)
    confidentiality: NoteConfidentiality = Field(
        sa_type=enum_column(NoteConfidentiality, "note_confidentiality")
    )
    body_enc: bytes = Field(sa_type=sa.LargeBinary)
