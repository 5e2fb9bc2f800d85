"""The fast lane: requests for the hottest reads are answered at the app's front door, before
Starlette's middleware stack and FastAPI's routing and dependency injection, by their handlers
in api/hot.py (the same handlers the FastAPI routes call).

What every answer gets stays: the request context (request id, security headers, access log,
metrics, the last-resort 500) and CORS when it is configured. What they skip is what a GET of a
JSON resource does not need: the error and telemetry wrappers of Starlette and FastAPI (the
request context answers unhandled errors itself) and the body limits (a GET has no body).
Turn it off with SHAKTI_FAST_LANE=false to serve them through FastAPI.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from uuid import UUID

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api import hot
from api.middleware import FAST_LANE_ROUTE

_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
# A hot handler of api/hot.py: the request, then the path's parameters (all UUIDs) by name.
Handler = Callable[..., Awaitable[Response]]
Route = tuple[str, re.Pattern[str], str, Handler]
_HANDLER = "shakti.fast_lane"  # the matched handler and match, for serve()

# Each template is also a FastAPI route marked with the handler's policy (api.deps.hot_route)
# that calls the same handler: tests/test_fast_lane_routes.py holds them together.
ROUTES: list[Route] = [
    (
        "GET",
        re.compile(rf"^/api/v1/cases/(?P<case_id>{_UUID})$"),
        "/api/v1/cases/{case_id}",
        hot.read_case,
    ),
    ("GET", re.compile(r"^/api/v1/cases$"), "/api/v1/cases", hot.list_cases),
]


def claim(scope: Scope) -> bool:
    """Whether the fast lane answers this request; if so, marks ``scope`` for serve()."""
    if scope["type"] != "http":
        return False
    method, path = scope["method"], scope["path"]
    for route_method, pattern, template, handler in ROUTES:
        if method != route_method:
            continue
        match = pattern.match(path)
        if match is not None:
            scope[FAST_LANE_ROUTE] = template
            scope[_HANDLER] = (handler, match)
            return True
    return False


async def serve(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer a request claim() marked."""
    handler, match = scope[_HANDLER]
    path_parameters = {name: UUID(value) for name, value in match.groupdict().items()}
    response = await handler(Request(scope, receive), **path_parameters)
    await response(scope, receive, send)


class ShaktiAPI(FastAPI):
    """FastAPI with the fast lane at its front door: ``front_door`` (the request context
    around serve(), set by the app factory) answers what claim() takes; everything else goes
    through FastAPI as usual."""

    front_door: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.front_door is not None and claim(scope):
            scope["app"] = self  # as Starlette sets it: handlers find the container there
            await self.front_door(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
