from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, enum_column
from persistence.models.leadership_vocabulary import MediaKind


class MediaEngagement(Entity, OrganizationOwned, table=True):
    """A media engagement. A survivor's story may be linked only with her media consent,
    checked when saved and when read; the story itself is sealed."""

    __tablename__ = "media_engagement"

    outlet: str = Field(max_length=200)
    kind: MediaKind = Field(sa_type=enum_column(MediaKind, "media_kind"))
    engaged_on: date
    topic: str = Field(max_length=500)
    link: str | None = Field(default=None, max_length=500)
    survivor_id: UUID | None = Field(default=None, foreign_key="survivor.id", index=True)
    consent_id: UUID | None = Field(default=None, foreign_key="consent.id")
    story_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
