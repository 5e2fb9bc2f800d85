from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned


class ResearchExtract(Entity, OrganizationOwned, table=True):
    """A de-identified extract made for a study: survivors whose research consent was in force
    that day, under pseudonyms keyed for this extract alone (the key is thrown away once the
    extract is made), k-anonymous over the quasi-identifiers.

    Kept as made, never changed: its parameters, what it generalised and how many survivors it
    suppressed, its row count and the SHA-256 of its records (canonical JSON, the bytes of the
    JSON download), and the records themselves, sealed at rest. Only program managers download
    it, and every download is audited."""

    __tablename__ = "research_extract"
    __table_args__ = (
        sa.Index("ix_research_extract_study_id_created_at_id", "study_id", "created_at", "id"),
    )

    study_id: UUID = Field(foreign_key="study.id", nullable=False)
    k: int
    suppression_limit: float
    parameters: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    generalised: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    population: int = Field(description="Survivors with research consent in force that day.")
    suppressed: int
    record_count: int
    sha256: str = Field(max_length=64)
    records_enc: bytes = Field(sa_type=sa.LargeBinary)
