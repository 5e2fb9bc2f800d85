"""Which dates the API accepts: from 1900-01-01 to a year after today (Asia/Kolkata), unless a
field declares other bounds.

Every date and time of a request body is bounded by default (RequestBody applies
``bound_dates`` to its schema); a field that needs other bounds says so with
``Annotated[date, DateBounds(...)]``. Query parameters use ``BoundedDate`` /
``BoundedDatetime``. Without bounds, year 1 or 9999 reach date arithmetic and the database
and fail there (a 500) instead of answering 422.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, GetCoreSchemaHandler
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from persistence import clock

EARLIEST = date(1900, 1, 1)
_MARK = "shakti_date_bounds"  # in a core schema's metadata: the node already has its bounds


def years_after(day: date, years: int) -> date:
    """``day`` moved ``years`` years on (29 February becomes 28 February when needed)."""
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return day.replace(year=year, day=min(day.day, last))


@dataclass(frozen=True, slots=True)
class DateBounds:
    """The days a date (or the calendar day of a time) may fall on: from ``earliest`` to
    ``years_ahead`` years after today."""

    earliest: date = EARLIEST
    years_ahead: int = 1

    def latest(self) -> date:
        return years_after(clock.today(), self.years_ahead)

    def check(self, value: Any) -> Any:
        """``value`` unchanged when within the bounds; a 'date_out_of_range' error if not."""
        if isinstance(value, date):
            day = _day_of(value) if isinstance(value, datetime) else value
            latest = self.latest()
            if not self.earliest <= day <= latest:
                raise PydanticCustomError(
                    "date_out_of_range",
                    "The date must lie between {earliest} and {latest}.",
                    {"earliest": self.earliest.isoformat(), "latest": latest.isoformat()},
                )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            self.check, handler(source), metadata={_MARK: True}
        )


DEFAULT_BOUNDS = DateBounds()

# For query parameters (bodies are bounded by RequestBody without a special type).
BoundedDate = Annotated[date, DEFAULT_BOUNDS]
BoundedDatetime = Annotated[AwareDatetime, DEFAULT_BOUNDS]

# The end of something planned long ahead (a goal's target, the end of a scheme's version, a
# consent's expiry): up to ten years after today.
HORIZON = DateBounds(years_ahead=10)
HorizonDate = Annotated[date, HORIZON]
HorizonDatetime = Annotated[datetime, HORIZON]

# Keys of a core schema node that hold no schema to bound (values, configuration, hooks).
_SKIPPED_KEYS = frozenset({"metadata", "serialization", "ref", "config", "default"})


def bound_dates(schema: CoreSchema, owner: type) -> CoreSchema:
    """``schema`` (the core schema of model ``owner``) with DEFAULT_BOUNDS on every date and
    datetime of its fields, nested lists, dicts and unions included. Nodes that already carry
    bounds (DateBounds) keep theirs; nested models of other classes are left as they are when
    they apply the rule themselves (``apply_date_bounds``), and are bounded here otherwise.
    Returns new dicts; the schema given is not changed."""
    bounded: CoreSchema = _bound(schema, owner)
    return bounded


def _bound(node: Any, owner: type) -> Any:
    if isinstance(node, list):
        return [_bound(item, owner) for item in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    if kind in ("date", "datetime"):
        return core_schema.no_info_after_validator_function(
            DEFAULT_BOUNDS.check, node, metadata={_MARK: True}
        )
    metadata = node.get("metadata")
    if isinstance(metadata, dict) and metadata.get(_MARK):
        return node
    if kind == "model" and node.get("cls") is not owner:
        cls = node.get("cls")
        if getattr(cls, "apply_date_bounds", False):
            return node
    return {
        key: value if key in _SKIPPED_KEYS else _bound(value, owner) for key, value in node.items()
    }


def _day_of(moment: datetime) -> date:
    """The business date of a time: India's date when it carries a zone, its own when naive
    or at the very ends of the calendar (year 1 or 9999, out of bounds on any day)."""
    if moment.tzinfo is None:
        return moment.date()
    try:
        return clock.business_date(moment)
    except OverflowError:
        return moment.date()
