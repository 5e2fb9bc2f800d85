"""Base classes of API schemas: bodies forbid unknown fields, refuse control characters and
bound their dates; reads build from records."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)
from pydantic_core import CoreSchema, InitErrorDetails, PydanticCustomError

from domain.common.dates import bound_dates
from domain.common.text import CONTROL_CHARACTER_MESSAGE, control_character_locations


class RequestBody(BaseModel):
    """Base of every request body: unknown fields are rejected (422), strings are trimmed,
    text holding control characters is refused (domain/common/text.py), and every date lies
    from 1900-01-01 to a year after today unless its field declares other DateBounds
    (domain/common/dates.py). All three apply to nested objects, lists and dicts too."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    apply_date_bounds: ClassVar[bool] = True

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[BaseModel], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return bound_dates(handler(source), cls)

    @model_validator(mode="wrap")
    @classmethod
    def _refuse_control_characters(
        cls, data: Any, handler: ModelWrapValidatorHandler[RequestBody]
    ) -> RequestBody:
        # On the raw input, before any field is converted: every string of the body, keys
        # included, whatever type its field has.
        issues = [
            InitErrorDetails(
                type=PydanticCustomError("control_character", CONTROL_CHARACTER_MESSAGE),
                loc=location,
                input="",  # never the text itself
            )
            for location in control_character_locations(data)
        ]
        if issues:
            raise ValidationError.from_exception_data(cls.__name__, issues)
        return handler(data)


class ReadModel(BaseModel):
    """Base of every response body, built from a record's attributes."""

    model_config = ConfigDict(from_attributes=True)


class PatchBody(RequestBody):
    """Base of partial updates: absent fields stay as they are; ``null`` is accepted only for
    the fields listed in ``nullable_fields``."""

    nullable_fields: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> PatchBody:
        for name in self.model_fields_set:
            if getattr(self, name) is None and name not in self.nullable_fields:
                raise ValueError(f"{name} may not be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent, with their values."""
        return self.model_dump(exclude_unset=True)
