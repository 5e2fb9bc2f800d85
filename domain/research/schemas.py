"""De-identified research extracts: the request and what is said of an extract."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.common.pagination import Page
from domain.common.schemas import RequestBody


class ExtractLayout(StrEnum):
    research = "research"  # our column names
    htcds = "htcds"  # the Human Trafficking Case Data Standard's fields and values


class ExtractFormat(StrEnum):
    csv = "csv"
    json = "json"


class ExtractCreate(RequestBody):
    """Make an extract. ``k`` may be raised above the organisation's setting, never lowered."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"k": 11}]})

    k: int | None = Field(
        default=None,
        ge=2,
        le=1000,
        description="Every published combination of quasi-identifiers occurs at least k "
        "times. Default, and floor: the setting SHAKTI_RESEARCH_EXTRACT_K (11).",
    )


class GeneralisationStep(BaseModel):
    quasi_identifier: str
    published_as: str = Field(description="What it was published as, e.g. `state`.")


class ExtractRead(BaseModel):
    """What an extract is: its parameters, what it generalised and suppressed, its size and
    the SHA-256 of its records (the bytes of its JSON download, research layout). Never a
    record."""

    id: UUID
    study_id: UUID
    organization_id: UUID
    made_on: date = Field(description="The business day whose research consents it holds.")
    k: int
    suppression_limit: float = Field(
        description="The share of survivors that may be suppressed before generalising more."
    )
    quasi_identifiers: list[GeneralisationStep]
    generalised: list[str] = Field(
        description="Quasi-identifiers published coarser than at best (5-year age bands, "
        "district, month), in the order they were generalised."
    )
    sensitive_withheld: dict[str, int] = Field(
        description="Per sensitive column (trafficking_status, case_status), the published "
        "rows whose value was withheld because all of their group shared it (`*`)."
    )
    population: int = Field(description="Survivors whose research consent was in force.")
    suppressed: int = Field(description="Of those, how many were left out to reach k.")
    record_count: int
    sha256: str
    columns: list[str]
    created_by: UUID | None
    created_at: datetime


ExtractPage = Page[ExtractRead]
