"""The app's routes as (full path template, methods, route), across included routers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts


@dataclass(frozen=True)
class RouteEntry:
    path: str  # full template, e.g. /api/v1/users/{user_id}
    methods: frozenset[str]
    route: APIRoute


def api_routes(routes: Any) -> Iterator[RouteEntry]:
    """Every APIRoute with the path it is served at (prefixes of included routers applied)."""
    for context in iter_route_contexts(routes):
        original = context.original_route
        if isinstance(original, APIRoute):
            yield RouteEntry(
                path=str(context.path_format),
                methods=frozenset(context.methods or ()),
                route=original,
            )


def templates_by_route(routes: Any) -> dict[int, str]:
    """Full path template by ``id(route)``: the middleware labels metrics and logs with it."""
    return {id(entry.route): entry.path for entry in api_routes(routes)}
