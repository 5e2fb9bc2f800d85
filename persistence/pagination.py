"""Keyset pagination for SELECT statements: ORDER BY the key, WHERE key > last key, LIMIT n+1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

SelectT = TypeVar("SelectT", bound=sa.Select[Any])


def keyset(
    stmt: SelectT,
    columns: Sequence[Any],
    after: tuple[Any, ...] | None,
    limit: int,
    descending: bool = False,
) -> SelectT:
    """Order ``stmt`` by ``columns`` and start after the row whose key is ``after``.

    Fetches ``limit + 1`` rows: the extra row tells the caller a next page exists.
    """
    key = sa.tuple_(*columns) if len(columns) > 1 else columns[0]
    if after is not None:
        bound = sa.tuple_(*after) if len(columns) > 1 else after[0]
        stmt = stmt.where(key < bound if descending else key > bound)
    order = [c.desc() if descending else c.asc() for c in columns]
    return stmt.order_by(*order).limit(limit + 1)
