"""The app answers as its spec says. schemathesis generates requests for every operation of
the spec (valid ones and invalid ones), the app answers them in-process (ASGI, on the test
database), and schemathesis's checks find any server error, any status the operation does not
document, and any media type its documentation does not list. Each request is sent by a
program manager, and each valid one again by an integration client of her organisation
holding every scope its role may be granted.

A new route is covered without editing this test. The walk is bounded (two derandomized
examples per operation and generation mode; the client sends the valid ones) so that it stays
fast.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from domain.common.errors import BusinessRuleViolation
from domain.common.principal import Role
from domain.integration_clients.service import _check_grant
from domain.policies import all_policies
from tests.factories import SOUTH_24, Actor, CaseFactory, Factory

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
EXAMPLES = 2  # per operation and generation mode
# Ends the session of the token it is called with: each call gets a token of its own.
ENDS_ITS_SESSION = frozenset({"auth:revoke"})

Headers = Callable[[str], Awaitable[dict[str, str]]]


@dataclass
class Caller:
    name: str
    headers: Headers
    modes: tuple[GenerationMode, ...] = MODES


def _request(case: Any) -> dict[str, Any]:
    """The httpx request of a generated case (schemathesis serialises it for `requests`)."""
    sent = case.as_transport_kwargs(base_url="http://testserver")
    request: dict[str, Any] = {
        "method": sent["method"],
        "url": sent["url"],
        "headers": dict(sent.get("headers") or {}),
        "params": sent.get("params"),
        "cookies": sent.get("cookies") or None,
    }
    if "json" in sent:
        request["json"] = sent["json"]
    data = sent.get("data")
    if isinstance(data, bytes | str):
        request["content"] = data
    elif data is not None:
        request["data"] = data
    return request


async def explore(
    http: httpx.AsyncClient,
    spec: dict[str, Any],
    callers: list[Caller],
    path_parameters: dict[str, str],
) -> tuple[list[str], int]:
    """Generated requests for every operation of ``spec``, each sent by every caller; the
    failures schemathesis's checks found, and how many requests were sent."""
    schema = schemathesis.openapi.from_dict(spec)
    loop = asyncio.get_running_loop()
    failures: list[str] = []
    sent = 0

    async def send(case: Any, operation_id: str, caller: Caller) -> httpx.Response:
        request = _request(case)
        request["headers"].update(await caller.headers(operation_id))
        return await http.request(**request)

    def run(operation: Any, mode: GenerationMode) -> None:
        operation_id = operation.definition.raw["operationId"]
        known = {
            name: value
            for name, value in path_parameters.items()
            if f"{{{name}}}" in operation.path
        }

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(operation.as_strategy(generation_mode=mode, path_parameters=known or None))
        def check(case: Any) -> None:
            nonlocal sent
            for caller in callers:
                if mode not in caller.modes:
                    continue
                future = asyncio.run_coroutine_threadsafe(send(case, operation_id, caller), loop)
                response = future.result()
                sent += 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Exception, BaseExceptionGroup) as exc:
                    failures.append(f"{operation.label} [{mode.value}, {caller.name}]: {exc}")

        try:
            check()
        except Unsatisfiable:
            pass  # nothing this mode can generate (no input to make invalid, for one)

    def walk() -> None:
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in MODES:
                run(operation, mode)

    await asyncio.to_thread(walk)  # Hypothesis drives; the app answers on this loop
    return failures, sent


def grantable_scopes(role: Role) -> list[str]:
    """Every scope an integration client of ``role`` may be granted."""
    granted = []
    for name in sorted(all_policies()):
        try:
            _check_grant(role, [name])
        except BusinessRuleViolation:
            continue
        granted.append(name)
    return granted


async def test_the_app_answers_as_its_spec_says(
    app: Any, client: httpx.AsyncClient, factory: Factory
) -> None:
    organization = await factory.organization()
    manager = await factory.user(organization, Role.program_manager, districts=(SOUTH_24,))
    machine: Actor = await factory.integration_client(
        organization, Role.program_manager, grantable_scopes(Role.program_manager)
    )
    cases = CaseFactory(factory)
    survivor = await cases.survivor(organization)
    case = await cases.case(organization, survivor, assigned_worker_id=manager.id)

    async def as_manager(operation_id: str) -> dict[str, str]:
        if operation_id in ENDS_ITS_SESSION:
            return await factory.user_headers(manager.id)
        return manager.headers

    async def as_machine(operation_id: str) -> dict[str, str]:
        return machine.headers

    failures, sent = await explore(
        client,
        app.openapi(),
        [
            Caller("program manager", as_manager),
            # Valid requests only: what a client may reach is the question here.
            Caller("integration client", as_machine, (GenerationMode.POSITIVE,)),
        ],
        # Real records for some paths, so that requests reach past the lookup.
        {"organization_id": str(organization), "survivor_id": str(survivor), "case_id": str(case)},
    )

    assert sent > 2 * len(app.openapi()["paths"])
    assert failures == [], "\n\n".join(failures)


def test_every_error_answer_is_documented_as_problem_json(app: Any) -> None:
    """Errors are problem+json everywhere, and every operation says so: FastAPI's own 422
    (documented as application/json) and a route's problems() included."""
    wrong = [
        (path, method, status)
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
        if status[0] in "45"
        and response.get("content")
        != {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    ]
    assert wrong == []


def test_every_operation_taking_a_body_documents_the_body_errors(app: Any) -> None:
    missing = [
        (path, method, status)
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
        for status in ("400", "413", "415", "422")
        if status not in operation["responses"]
    ]
    assert missing == []


async def test_a_body_that_is_not_utf8_answers_a_documented_400(
    app: Any, client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    response = await client.post(
        "/api/v1/organizations",
        content=b'{"name": "\xff\xfe", "kind": "partner_ngo"}',
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "400" in app.openapi()["paths"]["/api/v1/organizations"]["post"]["responses"]


async def test_the_fast_lane_s_problems_are_the_documented_media_type(
    app: Any, client: httpx.AsyncClient, factory: Factory
) -> None:
    organization = await factory.organization()
    manager = await factory.user(organization, Role.program_manager, districts=(SOUTH_24,))
    paths = app.openapi()["paths"]
    for url, params, status, documented in (
        (f"/api/v1/cases/{uuid.uuid4()}", {}, 404, paths["/api/v1/cases/{case_id}"]["get"]),
        ("/api/v1/cases/not-an-id", {}, 422, paths["/api/v1/cases/{case_id}"]["get"]),
        ("/api/v1/cases", {"limit": "0"}, 422, paths["/api/v1/cases"]["get"]),
    ):
        response = await client.get(url, params=params, headers=manager.headers)
        assert response.status_code == status
        media_type = response.headers["content-type"]
        assert media_type in documented["responses"][str(status)]["content"], (url, media_type)


async def test_throttled_password_changes_answer_a_documented_429(
    app: Any, client: httpx.AsyncClient, factory: Factory
) -> None:
    """Found by the walk with more examples: wrong current passwords end in a 429 that the
    operation did not document."""
    organization = await factory.organization()
    manager = await factory.user(organization, Role.program_manager)
    statuses = []
    for _ in range(8):
        response = await client.post(
            "/api/v1/me/password",
            json={"current_password": "not her password", "new_password": "a new long passphrase"},
            headers=manager.headers,
        )
        statuses.append(response.status_code)
    assert 429 in statuses, statuses
    documented = app.openapi()["paths"]["/api/v1/me/password"]["post"]["responses"]
    assert "429" in documented
