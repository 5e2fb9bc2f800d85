"""The committed spec is what partner tools build against: it must match the app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.cli import openapi_document
from domain.common.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "openapi" / "openapi.json"
PUBLIC = {
    ("/", "get"),
    ("/api/v1/auth/token", "post"),
    ("/health/live", "get"),
    ("/health/ready", "get"),
}


@pytest.fixture(scope="module")
def spec(settings: Settings) -> dict[str, Any]:
    return create_app(settings).openapi()


def test_committed_spec_matches_the_app(settings: Settings) -> None:
    assert SPEC.read_text() == openapi_document(settings), (
        "openapi/openapi.json is stale: run `shakti-mis openapi` and commit it"
    )


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op) for path, item in spec["paths"].items() for method, op in item.items()
    ]


def test_security_schemes_are_declared(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["HTTPBearer"]["scheme"] == "bearer"
    flows = schemes["oauth2"]["flows"]
    assert flows["password"]["tokenUrl"] == "/api/v1/auth/token"
    assert "organizations:read" in flows["clientCredentials"]["scopes"]


def test_every_non_public_operation_names_its_policy(spec: dict[str, Any]) -> None:
    missing = [
        (path, method)
        for path, method, op in operations(spec)
        if (path, method) not in PUBLIC and ("x-policy" not in op or not op.get("security"))
    ]
    assert missing == []


def test_every_request_body_has_an_example(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    without = []
    for path, method, op in operations(spec):
        content = op.get("requestBody", {}).get("content", {})
        for media in content.values():
            ref = media["schema"].get("$ref", "")
            schema = schemas.get(ref.rsplit("/", 1)[-1], media["schema"])
            if media.get("examples") or media.get("example") or schema.get("examples"):
                continue
            if path.startswith("/api/v1/auth/"):
                continue  # OAuth2 form bodies are described field by field
            without.append((path, method))
    assert without == []


def test_errors_are_documented_as_problem_details(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        if (path, method) in PUBLIC or path == "/metrics":
            continue
        assert "401" in op["responses"], (path, method)
        assert "application/problem+json" in op["responses"]["401"]["content"], (path, method)


def test_spec_is_valid_json_with_stable_operation_ids() -> None:
    document = json.loads(SPEC.read_text())
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    assert "users:read" in ids
    assert "auth:token" in ids
