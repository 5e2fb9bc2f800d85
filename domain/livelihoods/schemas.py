"""A survivor's livelihood records as the API speaks them: her plan, her jobs and enterprises,
her monthly income and her financial inclusion. Money is integer paise (Rs 1 = 100)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field, field_validator, model_validator

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, Personal, ReadModel, RequestBody
from persistence.clock import today
from persistence.models.livelihood_vocabulary import (
    ActivityKind,
    FinancialProduct,
    LivelihoodOption,
    ProductStatus,
)

# Ten thousand crore rupees: far above any income or investment, well inside BIGINT.
MAX_PAISE = 10**13
Paise = Annotated[int, Field(ge=0, le=MAX_PAISE, description="Integer paise (Rs 1 = 100).")]
Skill = Annotated[str, Field(min_length=1, max_length=80)]
Sector = Annotated[str, Field(min_length=1, max_length=80)]


def month_start(day: date) -> date:
    return day.replace(day=1)


class IncomeSource(StrEnum):
    """Where a month's income came from (a code: the employer or the trade stays out of a
    plain column)."""

    wage_employment = "wage_employment"
    self_employment = "self_employment"
    enterprise = "enterprise"
    agriculture = "agriculture"
    scheme_benefit = "scheme_benefit"
    other = "other"


# -- the plan -------------------------------------------------------------------------------
class LivelihoodPlanPut(RequestBody):
    """Her livelihood plan, whole: what is not sent is emptied."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "aspirations": "A tailoring unit of her own, near her mother's house",
                    "skills": ["tailoring", "embroidery", "basic accounts"],
                    "options": ["self_employment", "skills_training"],
                }
            ]
        }
    )

    aspirations: str | None = Field(
        default=None, min_length=1, max_length=4000, description="In her words; sealed at rest."
    )
    skills: list[Skill] = Field(default_factory=list, max_length=30)
    options: list[LivelihoodOption] = Field(
        default_factory=list,
        max_length=len(LivelihoodOption),
        description="The livelihood options she is exploring.",
    )

    @field_validator("skills", "options")
    @classmethod
    def _once_each(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise ValueError("each value at most once")
        return values


class LivelihoodPlanRead(ReadModel):
    id: UUID
    survivor_id: UUID
    organization_id: UUID
    aspirations: Annotated[str | None, Personal()]
    skills: list[str]
    options: list[LivelihoodOption]
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


# -- jobs and enterprises ---------------------------------------------------------------------
class _Dates(RequestBody):
    @model_validator(mode="after")
    def _ends_after_start(self) -> _Dates:
        started, ended = getattr(self, "started_on", None), getattr(self, "ended_on", None)
        if started is not None and ended is not None and ended < started:
            raise ValueError("ended_on may not lie before started_on")
        if ended is not None and ended > today():
            raise ValueError("ended_on may not lie in the future")
        return self


class ActivityCreate(_Dates):
    """A job she holds or an enterprise she runs."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "enterprise",
                    "sector": "tailoring",
                    "description": "Blouse stitching for the weekly haat",
                    "started_on": "2026-08-01",
                    "investment_paise": 1500000,
                }
            ]
        }
    )

    id: UUID | None = None
    kind: ActivityKind
    sector: Sector | None = None
    description: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="What and where; sealed at rest (it can locate her).",
    )
    started_on: date
    ended_on: date | None = None
    investment_paise: Paise | None = Field(
        default=None, description="Capital put in, integer paise (Rs 1 = 100)."
    )


class ActivityUpdate(PatchBody, _Dates):
    """Correct a job or enterprise, or record that it ended."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"ended_on": "2026-11-15"}, {"investment_paise": 0}]}
    )
    nullable_fields = frozenset({"sector", "description", "ended_on", "investment_paise"})

    kind: ActivityKind | None = None
    sector: Sector | None = None
    description: str | None = Field(default=None, min_length=1, max_length=2000)
    started_on: date | None = None
    ended_on: date | None = None
    investment_paise: Paise | None = None


class ActivityRead(ReadModel):
    id: UUID
    survivor_id: UUID
    organization_id: UUID
    kind: ActivityKind
    sector: str | None
    description: Annotated[str | None, Personal()]
    started_on: date
    ended_on: date | None
    investment_paise: int | None
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class ActivityPage(Page[ActivityRead]):
    """One page of her jobs and enterprises."""


# -- income ---------------------------------------------------------------------------------
class IncomeCreate(RequestBody):
    """Her income from one source in one month."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"month": "2026-10-01", "source": "enterprise", "amount_paise": 450000}]
        }
    )

    id: UUID | None = None
    month: date = Field(description="The first day of the month, e.g. 2026-10-01.")
    source: IncomeSource
    amount_paise: Paise

    @field_validator("month")
    @classmethod
    def _a_month(cls, month: date) -> date:
        if month.day != 1:
            raise ValueError("month is the first day of the month, e.g. 2026-10-01")
        if month > month_start(today()):
            raise ValueError("month may not lie in the future")
        return month


class IncomeUpdate(PatchBody):
    """Correct the amount of a month's income (the month and source identify the record)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"amount_paise": 480000}]})

    amount_paise: Paise | None = None


class IncomeRead(ReadModel):
    id: UUID
    survivor_id: UUID
    month: date
    source: IncomeSource
    amount_paise: int
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class MonthlyIncome(ReadModel):
    month: date
    total_paise: int = Field(description="All her recorded sources that month.")


class IncomeAverage(ReadModel):
    """Her average monthly income over three calendar months: those ending with the last month
    of the series (the latest month recorded, or ``to_month``). Months without any record are
    unknown, not zero: they are left out of the average and counted in neither figure."""

    from_month: date | None
    to_month: date | None
    months_recorded: int
    average_paise: int | None = Field(description="Rounded down; null with no month recorded.")


class IncomeSeries(ReadModel):
    survivor_id: UUID
    records: list[IncomeRead] = Field(description="By month, then source.")
    monthly: list[MonthlyIncome] = Field(description="Months with a record, oldest first.")
    average_3_months: IncomeAverage


# -- financial inclusion ----------------------------------------------------------------------
class FinancialInclusionPut(RequestBody):
    """Where she stands with one product, whole: what is not sent is emptied."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "active",
                    "since": "2026-09-12",
                    "provider": "State Bank of India",
                    "details": "PMJDY account, RuPay card received",
                }
            ]
        }
    )

    status: ProductStatus
    since: date | None = Field(default=None, description="Since when she stands so.")
    provider: str | None = Field(
        default=None, min_length=1, max_length=120, description="Bank, insurer or app."
    )
    details: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Account or policy numbers, remarks; sealed at rest.",
    )

    @field_validator("since")
    @classmethod
    def _not_future(cls, since: date | None) -> date | None:
        if since is not None and since > today():
            raise ValueError("since may not lie in the future")
        return since


class FinancialInclusionRead(ReadModel):
    """One product. ``recorded`` false: nothing recorded yet (status none, no version)."""

    product: FinancialProduct
    recorded: bool
    id: UUID | None
    status: ProductStatus
    since: date | None
    provider: str | None
    details: Annotated[str | None, Personal()]
    updated_at: datetime | None
    version: int | None


class FinancialInclusionOverview(ReadModel):
    survivor_id: UUID
    products: list[FinancialInclusionRead] = Field(description="Every product, recorded or not.")
