"""Exports: what is asked for, and how it stands."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from domain.common.schemas import ReadModel, RequestBody
from persistence.models.export import ExportFormat, ExportStatus

__all__ = ["ExportCreate", "ExportDataset", "ExportFormat", "ExportRead", "ExportStatus"]

MAX_FILTERS = 12
MAX_COLUMNS = 100
MIN_REASON = 10


class ExportDataset(StrEnum):
    """The datasets of domain/exports/catalogue.py (a test holds the two the same)."""

    cases = "cases"
    visits = "visits"
    assessments = "assessments"
    care_plan_goals = "care_plan_goals"
    referrals = "referrals"
    entitlement_applications = "entitlement_applications"
    shgs = "shgs"
    shg_members = "shg_members"
    shg_meetings = "shg_meetings"
    shg_ledger = "shg_ledger"
    shg_loans = "shg_loans"
    trainings = "trainings"
    training_participants = "training_participants"
    leader_groups = "leader_groups"
    leader_group_meetings = "leader_group_meetings"
    campaigns = "campaigns"
    duty_bearer_commitments = "duty_bearer_commitments"
    demands = "demands"


FilterName = Annotated[str, StringConstraints(min_length=1, max_length=40)]
FilterValue = Annotated[str, StringConstraints(min_length=1, max_length=100)]
ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=60)]


class ExportCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dataset": "cases",
                    "format": "csv",
                    "filters": {"status": "active", "opened_from": "2026-04-01"},
                },
                {
                    "dataset": "cases",
                    "format": "xlsx",
                    "columns": ["case_number", "status", "survivor_given_name"],
                    "personal": True,
                    "reason": "Home visit plan for the district review on 12 December.",
                },
            ]
        }
    )

    dataset: ExportDataset
    format: ExportFormat = ExportFormat.csv
    filters: dict[FilterName, FilterValue] = Field(
        default_factory=dict,
        max_length=MAX_FILTERS,
        description="The dataset's filters by name (see its description): ids, values of a "
        "vocabulary, and `<date>_from` / `<date>_to` days (YYYY-MM-DD, both included).",
    )
    columns: list[ColumnName] | None = Field(
        default=None,
        max_length=MAX_COLUMNS,
        description="The columns wanted, in order; all the dataset's (personal ones only with "
        "`personal`) when absent.",
    )
    personal: bool = Field(
        default=False,
        description="Include personal fields (names, phones): program managers only, with a "
        "reason; never analysts or integration clients.",
    )
    reason: str | None = Field(
        default=None,
        min_length=MIN_REASON,
        max_length=500,
        description="Why personal fields are needed (required with `personal`; kept sealed).",
    )

    @model_validator(mode="after")
    def _fits_the_dataset(self) -> ExportCreate:
        from domain.exports.catalogue import DATASETS

        dataset = DATASETS[self.dataset.value]
        problems: list[str] = []
        for name, text in self.filters.items():
            found = dataset.filter_by_name.get(name)
            if found is None:
                problems.append(f"filters: {self.dataset.value} has no filter {name!r}")
                continue
            try:
                found.value(text)
            except ValueError as exc:
                problems.append(f"filters.{name}: not a valid value ({exc})")
        for name in self.columns or ():
            column = dataset.by_name.get(name)
            if column is None:
                problems.append(f"columns: {self.dataset.value} has no column {name!r}")
            elif column.personal and not self.personal:
                problems.append(f"columns: {name!r} is personal: ask with personal and a reason")
        if self.columns is not None and len(set(self.columns)) != len(self.columns):
            problems.append("columns: each column once")
        if self.personal and not self.reason:
            problems.append("reason: required with personal")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ExportRead(ReadModel):
    id: UUID
    dataset: str
    format: ExportFormat
    filters: dict[str, Any]
    columns: list[str]
    personal: bool
    status: ExportStatus = Field(
        description="queued, running, ready (download it), failed, or expired (the file was "
        "deleted, or streamed at once and never kept)."
    )
    row_count: int | None = None
    byte_count: int | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = Field(
        default=None, description="Until when the file can be downloaded."
    )
    failure: str | None = None
    file_url: str | None = Field(
        default=None, description="Where to download the file, while it is ready."
    )
