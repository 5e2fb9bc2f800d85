"""Small HTTP helpers: ETags, Location, and the Link header of a page."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from domain.common.pagination import Page


def etag(version: int) -> str:
    return f'"v{version}"'


def set_etag(response: Response, record: Any) -> None:
    response.headers["ETag"] = etag(record.version)


def set_page_links(request: Request, response: Response, page: Page[Any]) -> None:
    if page.next_cursor:
        url = request.url.include_query_params(cursor=page.next_cursor)
        response.headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
