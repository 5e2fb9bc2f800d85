from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field

from persistence.models.base import Entity


class Indicator(Entity, table=True):
    """One version of an indicator of the evidence catalogue (reference data, seeded by
    migrations): what it counts, as a measure with filters (and, for a ratio, a second one),
    how it may be broken down, and how small cells are protected. A changed definition is a
    new version with the dates it holds; figures always use the version in effect today."""

    __tablename__ = "indicator"
    __table_args__ = (
        sa.UniqueConstraint("code", "version"),
        sa.CheckConstraint("outcome BETWEEN 1 AND 5", name="outcome"),
        sa.CheckConstraint(
            "kind IN ('count', 'sum', 'median', 'p90', 'ratio')", name="indicator_kind"
        ),
        sa.CheckConstraint("suppression IN ('people', 'none')", name="suppression"),
    )

    code: str = Field(max_length=80)
    version: int = Field(default=1)
    name: str = Field(max_length=200)
    outcome: int = Field(sa_type=sa.SmallInteger)
    definition: str = Field(max_length=2000)
    kind: str = Field(max_length=20)
    # {"measure": code, "filters": {dimension: [values]}, "aggregate": "count" | "sum" | ...}
    numerator: dict[str, Any] = Field(sa_type=JSONB)
    denominator: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    factor: int = Field(default=1)
    unit: str = Field(max_length=40)
    breakdowns: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(sa.String(40)),
        sa_column_kwargs={"server_default": "{}"},
    )
    suppression: str = Field(max_length=20)
    # Shown among the headline figures of its outcome (dashboard, report summary), in order.
    headline_rank: int | None = Field(default=None)
    # The achievement line of the report, e.g. "{value} survivors associated with the
    # programme across {districts} districts".
    sentence: str | None = Field(default=None, max_length=300)
    effective_from: date
    effective_to: date | None = None
