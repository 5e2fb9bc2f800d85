"""RFC 9457 problem+json answers: type, title, status, detail, instance, request_id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from domain.common.request_context import current_request

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:shakti-mis:problem:"


def problem_body(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    code: str,
    instance: str | None = None,
    request_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if instance:
        body["instance"] = instance
    body["request_id"] = request_id or current_request().request_id
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    code: str,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = problem_body(status, title, detail, code=code, instance=instance, **extra)
    return Response(
        content=orjson.dumps(body),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )
