"""Every error becomes RFC 9457 problem+json: domain errors through one status table,
validation errors without the offending values, and anything unexpected as a bare 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.problems import problem_response
from domain.attachments.errors import ContentTooLarge, UnsupportedMediaType
from domain.common import errors

logger = logging.getLogger("shakti.api")

STATUS: dict[type[errors.DomainError], int] = {
    errors.BadRequest: 400,
    errors.InvalidGrant: 400,
    errors.UnsupportedGrantType: 400,
    errors.NotAuthenticated: 401,
    errors.InvalidClient: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.InvalidState: 409,
    errors.PreconditionFailed: 412,
    ContentTooLarge: 413,
    UnsupportedMediaType: 415,
    errors.BusinessRuleViolation: 422,
    errors.PreconditionRequired: 428,
    errors.TooManyRequests: 429,
}

_HTTP_TITLES = {
    400: ("Bad request", "bad-request"),
    401: ("Not authenticated", "not-authenticated"),
    403: ("Forbidden", "forbidden"),
    404: ("Not found", "not-found"),
    405: ("Method not allowed", "method-not-allowed"),
    406: ("Not acceptable", "not-acceptable"),
    413: ("Content too large", "content-too-large"),
    415: ("Unsupported media type", "unsupported-media-type"),
}


def status_of(error: errors.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, errors.DomainError):  # pragma: no cover - registered for it
        raise exc
    status = status_of(exc)
    headers: dict[str, str] = {}
    extra: dict[str, object] = {}
    if isinstance(exc, errors.TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, errors.NotAuthenticated):
        # RFC 6750 3.1: no error code when the request carried no credentials at all.
        missing = exc.extra.get("credentials_missing")
        headers["WWW-Authenticate"] = (
            'Bearer realm="shakti-mis"' if missing else 'Bearer error="invalid_token"'
        )
    if isinstance(exc, errors.InvalidClient):
        headers["WWW-Authenticate"] = 'Basic realm="shakti-mis"'
    if isinstance(exc, errors.InvalidGrant):
        # RFC 6749 section 5.2 (kinds of invalid_grant, such as a missing second factor, have
        # their own problem type)
        extra["error"] = errors.InvalidGrant.code
    elif isinstance(exc, errors.InvalidClient | errors.UnsupportedGrantType):
        extra["error"] = exc.code  # RFC 6749 section 5.2
    if isinstance(exc, errors.BusinessRuleViolation) and "field" in exc.extra:
        extra["errors"] = [
            {"loc": ["body", exc.extra["field"]], "msg": exc.detail, "type": "business_rule"}
        ]
    # RFC 9457 extension members a domain error carries (ids and flags, never personal data);
    # they cannot replace the standard members.
    extensions = exc.extra.get("extensions")
    if isinstance(extensions, dict):
        reserved = {"type", "title", "status", "detail", "instance", "request_id"}
        extra.update({k: v for k, v in extensions.items() if k not in reserved})
    return problem_response(
        status,
        exc.title,
        exc.detail,
        code=exc.code,
        instance=request.url.path,
        headers=headers,
        **extra,
    )


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):  # pragma: no cover
        raise exc
    # Only where and what kind: never the input, which may be personal data.
    details = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]
    return problem_response(
        422,
        "Validation failed",
        "The request is not valid; see errors.",
        code="validation-failed",
        instance=request.url.path,
        errors=details,
    )


async def http_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):  # pragma: no cover
        raise exc
    title, code = _HTTP_TITLES.get(exc.status_code, ("Request failed", "error"))
    headers = dict(exc.headers or {})
    return problem_response(
        exc.status_code, title, title, code=code, instance=request.url.path, headers=headers
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, domain_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
