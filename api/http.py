"""Small HTTP helpers: ETags, Location, and the Link header of a page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response

from domain.common.pagination import Page


def etag(version: int) -> str:
    return f'"v{version}"'


def set_etag(response: Response, record: Any) -> None:
    response.headers["ETag"] = etag(record.version)


def next_link(request: Request, cursor: str) -> str:
    """The Link header of the next page: this request's path and query with ``cursor`` set."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    params.append(("cursor", cursor))
    return f'<{request.scope["path"]}?{urlencode(params)}>; rel="next"'


def set_page_links(request: Request, response: Response, page: Page[Any]) -> None:
    if page.next_cursor:
        response.headers["Link"] = next_link(request, page.next_cursor)
