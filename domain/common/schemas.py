"""Base classes of API schemas: bodies forbid unknown fields; reads build from records."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator


class RequestBody(BaseModel):
    """Base of every request body: unknown fields are rejected (422), strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
