"""Small HTTP helpers: ETags, Location, and the Link header of a page.

A route answers a versioned record with ``return tagged(response, record)`` and a page with
``return paged(request, response, page)``: the record or page itself, its header set."""

from __future__ import annotations

from typing import Protocol, TypeVar
from urllib.parse import urlencode

from fastapi import Request, Response


class Versioned(Protocol):
    """A record whose version a client sends back in If-Match (none for a read model that
    stands for nothing recorded yet, such as a financial product she has not used)."""

    @property
    def version(self) -> int | None: ...


class Paged(Protocol):
    """A page of a list: the cursor of the next page, if any."""

    @property
    def next_cursor(self) -> str | None: ...


RecordT = TypeVar("RecordT", bound=Versioned)
PageT = TypeVar("PageT", bound=Paged)


def etag(version: int) -> str:
    return f'"v{version}"'


def set_etag(response: Response, record: Versioned) -> None:
    if record.version is not None:
        response.headers["ETag"] = etag(record.version)


def tagged(response: Response, record: RecordT) -> RecordT:
    """``record``, with its version as the response's ETag."""
    set_etag(response, record)
    return record


def next_link(request: Request, cursor: str) -> str:
    """The Link header of the next page: this request's path and query with ``cursor`` set."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    params.append(("cursor", cursor))
    return f'<{request.scope["path"]}?{urlencode(params)}>; rel="next"'


def set_page_links(request: Request, response: Response, page: Paged) -> None:
    if page.next_cursor:
        response.headers["Link"] = next_link(request, page.next_cursor)


def paged(request: Request, response: Response, page: PageT) -> PageT:
    """``page``, with a Link header to the next page when there is one."""
    set_page_links(request, response, page)
    return page
