"""Turning a keyset query into a Page: decode the cursor, fetch one row more, encode the next.

Every list that takes ``include_total`` counts when asked: ``count`` is required here, so a
list cannot accept the parameter and answer ``total: null``."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from domain.common.errors import BadRequest
from domain.common.pagination import Page, PageRequest, decode_cursor, encode_cursor
from persistence.pagination import KeyMismatch

RecordT = TypeVar("RecordT")
ReadT = TypeVar("ReadT")


async def _window(
    request: PageRequest,
    sort: str,
    key_arity: int,
    fetch: Callable[[tuple[Any, ...] | None, int], Awaitable[Sequence[RecordT]]],
    key_of: Callable[[RecordT], tuple[Any, ...]],
    count: Callable[[], Awaitable[int]],
) -> tuple[list[RecordT], str | None, int | None]:
    """The page's rows, the next cursor and the total (when asked for)."""
    after = decode_cursor(request.cursor, sort, key_arity) if request.cursor else None
    try:
        rows = list(await fetch(after, request.limit))
    except KeyMismatch as exc:  # a well-formed cursor whose values do not fit the columns
        raise BadRequest("The cursor is not valid for this list; start again without it.") from exc
    next_cursor = None
    if len(rows) > request.limit:
        rows = rows[: request.limit]
        next_cursor = encode_cursor(sort, key_of(rows[-1]))
    total = await count() if request.include_total else None
    return rows, next_cursor, total


async def paginate(
    request: PageRequest,
    *,
    sort: str,
    key_arity: int,
    fetch: Callable[[tuple[Any, ...] | None, int], Awaitable[Sequence[RecordT]]],
    key_of: Callable[[RecordT], tuple[Any, ...]],
    to_read: Callable[[Sequence[RecordT]], Sequence[ReadT] | Awaitable[Sequence[ReadT]]],
    page_type: type[Page[Any]],
    count: Callable[[], Awaitable[int]],
) -> Any:
    """One page of ``page_type`` (a concrete ``Page[...]`` class, built once at import:
    parametrising Page here per call would rebuild the class on every request)."""
    rows, next_cursor, total = await _window(request, sort, key_arity, fetch, key_of, count)
    items = to_read(rows)
    if inspect.isawaitable(items):
        items = await items
    return page_type(items=list(items), next_cursor=next_cursor, total=total)


async def paginate_documents(
    request: PageRequest,
    *,
    sort: str,
    key_arity: int,
    fetch: Callable[[tuple[Any, ...] | None, int], Awaitable[Sequence[RecordT]]],
    key_of: Callable[[RecordT], tuple[Any, ...]],
    to_document: Callable[[RecordT], dict[str, Any]],
    count: Callable[[], Awaitable[int]],
) -> dict[str, Any]:
    """One page as a JSON-ready document (``items``, ``next_cursor``, ``total``), for hot
    reads that build their items without models."""
    rows, next_cursor, total = await _window(request, sort, key_arity, fetch, key_of, count)
    return {
        "items": [to_document(row) for row in rows],
        "next_cursor": next_cursor,
        "total": total,
    }
