"""The fast lane (api/fast_lane.py) answers only what FastAPI also serves: every template is a
FastAPI route of the same method, marked hot with the policy its handler applies; the list's
query parameters are declared once (the route takes the handler's model), and unknown ones are
refused alike on both paths."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from api import fast_lane, hot
from api.app import create_app
from api.route_table import api_routes
from api.settings import HttpSettings
from domain.common.principal import Role
from domain.common.settings import Settings
from persistence.database import Database
from tests.factories import Factory


def test_every_template_is_a_fastapi_route_marked_hot_with_the_same_policy(
    shared_app: Any,
) -> None:
    served = {
        (entry.path, method): entry.route
        for entry in api_routes(shared_app.routes)
        for method in entry.methods
    }
    assert fast_lane.ROUTES
    for method, pattern, template, handler in fast_lane.ROUTES:
        route = served.get((template, method))
        assert route is not None, f"{method} {template} is not a FastAPI route"
        policy = getattr(route.endpoint, "shakti_policy", None)
        assert policy is not None, f"{method} {template} is not marked hot"
        assert policy is hot.policy_of(handler), template
        # The pattern takes the template's path parameters by the same names.
        assert set(pattern.groupindex) == set(re.findall(r"{(\w+)}", template))


def test_the_list_route_takes_the_fast_lane_s_query_model(shared_app: Any) -> None:
    spec = shared_app.openapi()
    parameters = spec["paths"]["/api/v1/cases"]["get"]["parameters"]
    assert [p["name"] for p in parameters if p["in"] == "query"] == list(
        hot.CaseListQuery.model_fields
    )
    assert hot.CaseListQuery.model_config.get("extra") == "forbid"


def _comparable(response: httpx.Response) -> tuple[int, Any]:
    body = response.json()
    body.pop("request_id", None)
    return response.status_code, body


async def test_unknown_parameters_are_refused_alike_on_both_paths(
    settings: Settings, database: Database, factory: Factory
) -> None:
    organization = await factory.organization()
    manager = await factory.user(organization, Role.program_manager)
    requests: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({"limit": 2, "bogus": "1"}, manager.headers),
        ({"distrct_id": str(uuid.uuid4())}, manager.headers),  # a misspelt filter
        ({"bogus": "1"}, {}),  # refused before the token is asked for, as FastAPI does
        ({"limit": 0}, {}),
        ({"limit": 2}, manager.headers),
    ]
    answers: dict[bool, list[tuple[int, Any]]] = {}
    for fast in (True, False):
        app = create_app(settings, database, HttpSettings(fast_lane=fast))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            answers[fast] = [
                _comparable(await http.get("/api/v1/cases", params=params, headers=headers))
                for params, headers in requests
            ]
    assert [status for status, _ in answers[True]] == [422, 422, 422, 422, 200]
    assert answers[True] == answers[False]
    unknown = answers[True][0][1]["errors"]
    assert unknown == [
        {
            "loc": ["query", "bogus"],
            "msg": "Extra inputs are not permitted",
            "type": "extra_forbidden",
        }
    ]
