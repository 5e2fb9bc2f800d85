"""Keyset pagination: an opaque cursor holds the sort key of the last row a page returned."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, Field

from domain.common.errors import BadRequest
from persistence.pagination import Key, KeyValue

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    include_total: bool = False


class Page(BaseModel, Generic[ItemT]):
    """One page of a list. ``next_cursor`` is null on the last page."""

    items: list[ItemT]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )
    total: int | None = Field(
        default=None, description="Number of matching records; only with include_total=true."
    )


def _encode_value(value: KeyValue) -> KeyValue | dict[str, str]:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, UUID):
        return {"u": str(value)}
    return value


def _decode_value(value: object) -> KeyValue:
    """A value of a key from the cursor's JSON (any JSON: the cursor comes from the client)."""
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "t":
            parsed = datetime.fromisoformat(raw)
            if parsed.tzinfo is None:
                raise ValueError("naive time in cursor")
            return parsed
        if tag == "u":
            return UUID(raw)
    if isinstance(value, str | int | float) or value is None:
        return value
    raise ValueError("unsupported cursor value")


def encode_cursor(sort: str, key: Key) -> str:
    payload = json.dumps({"s": sort, "k": [_encode_value(v) for v in key]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


# Any, not Key: domain/sync/cursor.py unpacks the values unnarrowed (its phase); tighten when
# that module can change.
def decode_cursor(cursor: str, sort: str, arity: int) -> tuple[Any, ...]:
    """Decode a cursor made for ``sort``; a malformed or foreign cursor is a BadRequest."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(data, dict) or data.get("s") != sort:
            raise ValueError("cursor for another ordering")
        values = data["k"]
        if not isinstance(values, list) or len(values) != arity:
            raise ValueError("cursor arity")
        return tuple(_decode_value(v) for v in values)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadRequest("The cursor is not valid for this list; start again without it.") from exc
