"""Turning a keyset query into a Page: decode the cursor, fetch one row more, encode the next.

Every list that takes ``include_total`` counts when asked: ``count`` is required here, so a
list cannot accept the parameter and answer ``total: null``."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar, cast
from uuid import UUID

from domain.common.errors import BadRequest
from domain.common.pagination import Page, PageRequest, decode_cursor, encode_cursor
from persistence.pagination import Key, KeyMismatch

RecordT = TypeVar("RecordT")
RecordT_contra = TypeVar("RecordT_contra", contravariant=True)
ReadT = TypeVar("ReadT")
PageT = TypeVar("PageT", bound=Page[Any])


@dataclass(frozen=True, slots=True)
class Keyset(Generic[RecordT_contra]):
    """How a list is ordered: the name its cursors carry (a cursor of one ordering is refused
    by another), how many values the key has, and how to read the key off a returned row. The
    repository's ORDER BY must use the same columns in the same order."""

    sort: str
    arity: int
    key_of: Callable[[RecordT_contra], Key]


class Created(Protocol):
    """A row ordered by when it was created, its id breaking ties."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def id(self) -> UUID: ...


class Named(Protocol):
    """A row ordered by its name, its id breaking ties."""

    @property
    def name(self) -> str: ...

    @property
    def id(self) -> UUID: ...


def _created_key(row: Created) -> Key:
    return (row.created_at, row.id)


def _name_key(row: Named) -> Key:
    return (row.name, row.id)


# The orderings most lists use; their names are what their cursors have always carried.
CREATED: Keyset[Created] = Keyset("created", 2, _created_key)
CREATED_ASC: Keyset[Created] = Keyset("created-asc", 2, _created_key)
CREATED_DESC: Keyset[Created] = Keyset("created-desc", 2, _created_key)
BY_NAME: Keyset[Named] = Keyset("name", 2, _name_key)

# A list's ordering: one of the shared ones above, or its own keyset over its rows. (Written as
# a union because mypy would otherwise solve the row type as the shared protocol, not the row
# the repository returns.)
Ordering = Keyset[RecordT] | Keyset[Created] | Keyset[Named]


async def _window(
    request: PageRequest,
    keyset: Ordering[RecordT],
    fetch: Callable[[Key | None, int], Awaitable[Sequence[RecordT]]],
    count: Callable[[], Awaitable[int]],
) -> tuple[list[RecordT], str | None, int | None]:
    """The page's rows, the next cursor and the total (when asked for)."""
    sort = keyset.sort
    after = decode_cursor(request.cursor, sort, keyset.arity) if request.cursor else None
    try:
        rows = list(await fetch(after, request.limit))
    except KeyMismatch as exc:  # a well-formed cursor whose values do not fit the columns
        raise BadRequest("The cursor is not valid for this list; start again without it.") from exc
    next_cursor = None
    if len(rows) > request.limit:
        rows = rows[: request.limit]
        key_of = cast(Callable[[RecordT], Key], keyset.key_of)
        next_cursor = encode_cursor(sort, key_of(rows[-1]))
    total = await count() if request.include_total else None
    return rows, next_cursor, total


async def paginate(
    request: PageRequest,
    keyset: Ordering[RecordT],
    *,
    fetch: Callable[[Key | None, int], Awaitable[Sequence[RecordT]]],
    to_read: Callable[[Sequence[RecordT]], Sequence[ReadT] | Awaitable[Sequence[ReadT]]],
    page_type: type[PageT],
    count: Callable[[], Awaitable[int]],
) -> PageT:
    """One page of ``page_type`` (a concrete ``Page[...]`` class, built once at import:
    parametrising Page here per call would rebuild the class on every request), in the order
    ``keyset`` names."""
    rows, next_cursor, total = await _window(request, keyset, fetch, count)
    items = to_read(rows)
    if inspect.isawaitable(items):
        items = await items
    return page_type(items=list(items), next_cursor=next_cursor, total=total)


async def paginate_documents(
    request: PageRequest,
    keyset: Ordering[RecordT],
    *,
    fetch: Callable[[Key | None, int], Awaitable[Sequence[RecordT]]],
    to_document: Callable[[RecordT], dict[str, Any]],
    count: Callable[[], Awaitable[int]],
) -> dict[str, Any]:
    """One page as a JSON-ready document (``items``, ``next_cursor``, ``total``), for hot
    reads that build their items without models."""
    rows, next_cursor, total = await _window(request, keyset, fetch, count)
    return {
        "items": [to_document(row) for row in rows],
        "next_cursor": next_cursor,
        "total": total,
    }
