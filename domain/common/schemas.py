"""Base classes of API schemas: bodies forbid unknown fields, refuse control characters and
bound their dates; reads build from records; and the marker of personal fields.

**Personal fields.** Every field of a response schema that names, locates, contacts or
describes a survivor or her family, or carries sealed free text about her, is declared
``Annotated[T, Personal()]``. The marker

- documents it: ``"x-personal": true`` in the spec, and the type nullable (api/openapi.py adds
  the note that integration clients receive ``null``);
- withholds it: serialized for an integration client (the request context says who is calling,
  set at authentication), its value is ``null``, whatever service, route or list built the
  answer. Outside a request (command line, jobs) and for people nothing is withheld.

The one exception: a field marked ``Personal(released_by=...)`` is shown to a client when the
service releases the record it belongs to (``Releasable.release()``): the consented fields of a
referral addressed to the client's own organisation, for a client holding ``referrals:inbox``.

The serializer is the field's own, so a model without personal fields pays nothing.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from contextvars import ContextVar
from functools import cache
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, InitErrorDetails, PydanticCustomError, core_schema

from domain.common.dates import bound_dates
from domain.common.request_context import answering_a_client
from domain.common.text import CONTROL_CHARACTER_MESSAGE, control_character_locations

# Set while a released record is being serialized (Releasable).
_released: ContextVar[bool] = ContextVar("shakti_personal_released", default=False)


class Personal:
    """Marks a response field as personal data (see the module's docstring). ``released_by``
    names the scope whose release opens it to a client (``referrals:inbox``)."""

    __slots__ = ("released_by",)

    def __init__(self, released_by: str | None = None) -> None:
        self.released_by = released_by

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        inner = handler(source)
        # Nullable: a withheld value is null, and a model rebuilt from a withheld dump holds.
        nullable = inner["type"] == "nullable"
        schema: Any = dict(inner) if nullable else core_schema.nullable_schema(inner)
        shown_when_released = self.released_by is not None

        def serialize(value: Any, handler: SerializerFunctionWrapHandler) -> Any:
            if value is None or not answering_a_client():
                return handler(value)
            if shown_when_released and _released.get():
                return handler(value)
            return None

        schema["serialization"] = core_schema.wrap_serializer_function_ser_schema(
            serialize, schema=dict(schema)
        )
        result: core_schema.CoreSchema = schema
        return result

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = dict(handler(schema))
        json_schema["x-personal"] = True
        if self.released_by is not None:
            json_schema["x-personal-released-by"] = self.released_by
        return json_schema


@cache
def personal_fields(model: type[BaseModel]) -> frozenset[str]:
    """The names of ``model``'s fields marked :class:`Personal`."""
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if any(isinstance(marker, Personal) for marker in info.metadata)
    )


def withhold_personal(
    model: type[BaseModel], document: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A document built by hand for ``model`` (the fast lane writes JSON without building
    models), as the model's serializer would write it for the current caller: its personal
    fields null for an integration client. Hand-built documents are flat: top-level fields."""
    if answering_a_client():
        for name in personal_fields(model):
            if name in document:
                document[name] = None
    return document


class Releasable(BaseModel):
    """A response model a service may release to an integration client: its fields marked
    ``Personal(released_by=...)`` are then shown (and only those; every other personal field
    stays null). A copy rebuilt from a dump is not released."""

    _release: bool = PrivateAttr(default=False)

    def release(self) -> None:
        self._release = True

    @property
    def released(self) -> bool:
        return self._release

    # No return annotation: the spec documents the model's own fields.
    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        if not self._release:
            return handler(self)
        token = _released.set(True)
        try:
            return handler(self)
        finally:
            _released.reset(token)


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
