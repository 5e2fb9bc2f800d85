"""The OpenAPI document: problem schema, documented error answers, security schemes, and each
operation's policy (``x-policy``) taken from the route's own PolicyDependency."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from api.deps import PolicyDependency
from api.route_table import api_routes
from domain.common.policy import Policy

API_DESCRIPTION = """\
Shakti MIS: case management, livelihoods, evidence, survivor leadership and expansion for
community based rehabilitation (CBR) of survivors of human trafficking.

**Authentication.** `POST /api/v1/auth/token` (OAuth2, form-encoded) with
`grant_type=password` (people), `refresh_token`, or `client_credentials` (integration clients).
Send the access token as `Authorization: Bearer <token>`. People with a second factor (TOTP)
send `otp` (or `recovery_code`) with their password; see the token endpoint.

**Conventions.** Errors are RFC 9457 `application/problem+json` with a `request_id`. Lists use
keyset pagination (`limit`, `cursor`; `next_cursor` in the body and a `Link` header). Reads carry
an `ETag`; updates need `If-Match`. Creates accept `Idempotency-Key`. Unknown body fields are
rejected. Text may not hold control characters (tab, line feed and carriage return excepted),
and dates lie from 1900-01-01 to a year after today (Asia/Kolkata) unless a field says
otherwise: both answer 422. Each operation's `x-policy` names the policy that admits callers;
records outside the caller's scope answer 404.

**Integration clients** never take a person's act (policies marked people only) and never
receive personal data: every field marked `x-personal` is `null` in an answer to a client. The
one exception is `referrals:inbox`, granted by a program manager of the client's organisation:
the consented fields (`shared`) of referrals addressed to that organisation.
"""

PERSONAL_NOTE = "Personal: `null` for integration clients."
RELEASED_NOTE = (
    "Personal: `null` for integration clients, except a client holding `{scope}` reading a "
    "referral addressed to its own organisation."
)


class ValidationIssue(BaseModel):
    loc: list[str]
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:shakti-mis:problem:not-found",
                    "title": "Not found",
                    "status": 404,
                    "detail": "User not found.",
                    "instance": "/api/v1/users/8a0f...",
                    "request_id": "5d1c0b1e2f3a4b5c",
                }
            ]
        }
    )

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    error: str | None = Field(default=None, description="OAuth2 error code (token endpoint).")
    errors: list[ValidationIssue] | None = None
    wipe: bool | None = Field(
        default=None,
        description="With type `urn:shakti-mis:problem:device-revoked` (401): the device was "
        "revoked; the app deletes every record, file and token it keeps, then signs out.",
    )
    device_id: str | None = Field(default=None, description="The revoked device (with `wipe`).")


_DESCRIPTIONS = {
    400: "Malformed parameter (cursor, filter), a body that cannot be read, or OAuth2 error.",
    401: "No valid access token.",
    403: "The caller's role or scopes do not allow this action.",
    404: "No such record in the caller's scope.",
    409: "Conflicts with the current state (duplicate, a client-chosen id that cannot be "
    "used, or a concurrent request).",
    412: "If-Match names an older version: reload and retry.",
    413: "Body too large.",
    415: "Body media type not accepted.",
    422: "Body or parameters not valid.",
    428: "If-Match is required.",
    429: "Too many requests; see Retry-After.",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Documented error answers of an operation."""
    return {
        code: {
            "model": Problem,
            "description": _DESCRIPTIONS[code],
            "content": {"application/problem+json": {}},
        }
        for code in codes
    }


READ_ERRORS = problems(401, 403, 404)
LIST_ERRORS = problems(400, 401, 403, 422)
CREATE_ERRORS = problems(401, 403, 409, 413, 415, 422)
UPDATE_ERRORS = problems(401, 403, 404, 409, 412, 413, 415, 422, 428)
ACTION_ERRORS = problems(401, 403, 404, 409, 422)


# What any operation that takes a body can answer before its own work starts: a body that
# cannot be read (not UTF-8), one too large, one of another media type, one not valid.
BODY_ERRORS = (400, 413, 415, 422)
# An operation that names records (in its path or its body) answers 404 for one outside the
# caller's scope; one that takes If-Match answers 428 without it and 412 for an old version.
RECORD_ERRORS = (404,)
IF_MATCH_ERRORS = (412, 428)
# FastAPI's own description of the 422 it documents for any operation with parameters.
_FASTAPI_422 = "Validation Error"


def document_errors(schema: dict[str, Any]) -> None:
    """Every error answer documented as what the app sends: problem+json with the Problem
    schema (FastAPI documents its default 422 and a route's ``problems()`` as
    application/json); and the answers every operation of a kind can give, whatever its
    route declares (BODY_ERRORS, RECORD_ERRORS, IF_MATCH_ERRORS)."""
    for item in schema["paths"].values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            codes: list[int] = []
            if "requestBody" in operation:
                codes.extend(BODY_ERRORS)
            authenticated = "x-policy" in operation
            names_records = "requestBody" in operation or any(
                parameter["in"] == "path" for parameter in parameters
            )
            if authenticated and names_records:
                codes.extend(RECORD_ERRORS)
            if any(parameter["name"].lower() == "if-match" for parameter in parameters):
                codes.extend(IF_MATCH_ERRORS)
            for code in codes:
                responses.setdefault(str(code), {"description": _DESCRIPTIONS[code]})
            operation["responses"] = responses = dict(sorted(responses.items()))
            for code, response in responses.items():
                if code[0] not in "45":
                    continue
                if response.get("description") == _FASTAPI_422:
                    response["description"] = _DESCRIPTIONS[422]
                response["content"] = {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)


def route_policy(route: APIRoute) -> Policy | None:
    """The policy a route declares through a PolicyDependency, if any."""

    def walk(dependant: Dependant) -> Policy | None:
        call = dependant.call
        if isinstance(call, PolicyDependency):
            return call.policy
        for sub in dependant.dependencies:
            found = walk(sub)
            if found is not None:
                return found
        return None

    declared = getattr(route.endpoint, "shakti_policy", None)
    if isinstance(declared, Policy):
        return declared  # a hot route (api/hot.py) that applies its policy itself
    return walk(route.dependant)


def install(app: FastAPI) -> None:
    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=API_DESCRIPTION,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        from domain.policies import all_policies

        client_scopes = {
            name: rule.description
            for name, rule in sorted(all_policies().items())
            if not rule.any_authenticated and not rule.people_only
        }
        components = schema.setdefault("components", {})
        schemes = components.setdefault("securitySchemes", {})
        schemes["HTTPBearer"] = {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access token from POST /api/v1/auth/token",
        }
        schemes["oauth2"] = {
            "type": "oauth2",
            "description": "People sign in with the password flow; integration clients use "
            "client credentials. Scopes apply to clients.",
            "flows": {
                "password": {"tokenUrl": "/api/v1/auth/token", "scopes": {}},
                "clientCredentials": {"tokenUrl": "/api/v1/auth/token", "scopes": client_scopes},
            },
        }
        for entry in api_routes(app.routes):
            rule = route_policy(entry.route)
            if rule is None or not entry.route.include_in_schema:
                continue
            for method in entry.methods:
                operation = schema["paths"][entry.path][method.lower()]
                operation["x-policy"] = rule.name
                who = (
                    "any authenticated caller"
                    if rule.any_authenticated
                    else ", ".join(sorted(role.value for role in rule.roles))
                )
                if rule.people_only:
                    who += " (people only: never an integration client)"
                operation["description"] = (
                    operation.get("description", "").rstrip()
                    + f"\n\n**Policy** `{rule.name}`: {who}."
                )
                scopes = [] if rule.any_authenticated or rule.people_only else [rule.name]
                operation["security"] = [{"HTTPBearer": []}, {"oauth2": scopes}]
        _note_personal_fields(components.get("schemas", {}))
        document_errors(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi  # type: ignore[method-assign]


def _note_personal_fields(schemas: dict[str, Any]) -> None:
    """Say on each field marked ``x-personal`` (domain/common/schemas.py Personal) that
    integration clients receive null."""
    for component in schemas.values():
        for field in component.get("properties", {}).values():
            if not field.get("x-personal"):
                continue
            scope = field.get("x-personal-released-by")
            note = RELEASED_NOTE.format(scope=scope) if scope else PERSONAL_NOTE
            described = field.get("description", "").rstrip()
            field["description"] = f"{described} {note}".strip()
