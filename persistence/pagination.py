"""Keyset pagination for SELECT statements: ORDER BY the key, WHERE key > last key, LIMIT n+1."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa

SelectT = TypeVar("SelectT", bound=sa.Select[Any])
# A value of a keyset key, as a cursor carries it (times, ids, text, numbers), and the key.
KeyValue = date | datetime | UUID | str | int | float | None
Key = tuple[KeyValue, ...]

_BIGINT = 2**63


class KeyMismatch(ValueError):
    """A key whose values do not fit the ordering's columns (a cursor was tampered with)."""


def _fits(column: sa.SQLColumnExpression[Any], value: KeyValue) -> bool:
    """Whether ``value`` can be compared with ``column`` without a database error."""
    if value is None:
        return True
    # Its SQL type, through a label: an ORM attribute and a Core column both make one.
    column_type: sa.types.TypeEngine[Any] = column.label(None).type
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl_instance
    try:
        expected = column_type.python_type
    except NotImplementedError:
        return True
    if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
        return False
    if isinstance(value, str):
        # PostgreSQL text holds neither NUL nor lone surrogates
        return "\x00" not in value and value.encode("utf-8", "replace").decode() == value
    if isinstance(value, int):
        return -_BIGINT <= value < _BIGINT
    if isinstance(value, datetime):
        # The driver sends times in UTC: year 1 at +05:30, or 9999-12-31 at -05:00, has none.
        try:
            value.astimezone(UTC)
        except OverflowError:
            return False
    return True


def keyset(
    stmt: SelectT,
    columns: Sequence[sa.SQLColumnExpression[Any]],
    after: Key | None,
    limit: int,
    descending: bool = False,
) -> SelectT:
    """Order ``stmt`` by ``columns`` and start after the row whose key is ``after``.

    Fetches ``limit + 1`` rows: the extra row tells the caller a next page exists. Raises
    KeyMismatch when ``after`` does not fit ``columns``.
    """
    if after is not None and (len(after) != len(columns) or not all(map(_fits, columns, after))):
        raise KeyMismatch("the key does not fit the ordering")
    key = sa.tuple_(*columns) if len(columns) > 1 else columns[0]
    if after is not None:
        bound = sa.tuple_(*after) if len(columns) > 1 else after[0]
        stmt = stmt.where(key < bound if descending else key > bound)
    order = [c.desc() if descending else c.asc() for c in columns]
    return stmt.order_by(*order).limit(limit + 1)
