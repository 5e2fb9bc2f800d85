from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.leadership_vocabulary import StudyStatus


class Study(Entity, OrganizationOwned, table=True):
    """A study or research piece (e.g. the national documentation of CBR practice). A
    survivor's story may be linked only with her media/advocacy consent, checked when saved
    and when read; the story itself is sealed."""

    __tablename__ = "study"

    title: str = Field(max_length=300)
    summary: str | None = Field(default=None, max_length=4000)
    # What the study is for, and who approved it (an ethics committee, a university's review
    # board): a de-identified extract is made only for a study that names both.
    purpose: str | None = Field(default=None, max_length=1000)
    approving_body: str | None = Field(default=None, max_length=300)
    partners: str | None = Field(default=None, max_length=500)
    status: StudyStatus = Field(sa_type=enum_column(StudyStatus, "study_status"))
    started_on: date | None = None
    published_on: date | None = None
    link: str | None = Field(default=None, max_length=500)
    survivor_id: UUID | None = Field(default=None, foreign_key="survivor.id", index=True)
    consent_id: UUID | None = Field(default=None, foreign_key="consent.id")
    story_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
