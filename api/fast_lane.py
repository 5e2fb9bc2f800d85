"""The fast lane: requests for the hottest reads skip FastAPI's routing and dependency
injection and go straight to their handlers in api/hot.py (the same handlers the FastAPI
routes call). Everything around them stays: request id, security headers, access log,
metrics, body limits. Turn it off with SHAKTI_FAST_LANE=false to serve them through FastAPI.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api import hot
from api.middleware import FAST_LANE_ROUTE

_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
Route = tuple[str, re.Pattern[str], str, Callable[[Request, re.Match[str]], Awaitable[Response]]]

ROUTES: list[Route] = [
    (
        "GET",
        re.compile(rf"^/api/v1/cases/(?P<case_id>{_UUID})$"),
        "/api/v1/cases/{case_id}",
        lambda request, match: hot.read_case(request, UUID(match["case_id"])),
    ),
    (
        "GET",
        re.compile(r"^/api/v1/cases$"),
        "/api/v1/cases",
        lambda request, match: hot.list_cases(request),
    ),
]


class FastLane:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method, path = scope["method"], scope["path"]
            for route_method, pattern, template, handler in ROUTES:
                if method != route_method:
                    continue
                match = pattern.match(path)
                if match is not None:
                    scope[FAST_LANE_ROUTE] = template
                    response = await handler(Request(scope, receive), match)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
