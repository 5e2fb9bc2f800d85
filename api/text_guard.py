"""Control characters in query parameters, path parameters and form fields are refused (422)
before any of them reaches a service, as RequestBody refuses them in JSON bodies; the rule
itself is domain/common/text.py."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from domain.common.text import CONTROL_CHARACTER_MESSAGE, has_control_characters

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _issue(*loc: str) -> dict[str, Any]:
    return {"type": "control_character", "loc": loc, "msg": CONTROL_CHARACTER_MESSAGE, "input": ""}


def parameter_issues(request: Request) -> list[dict[str, Any]]:
    """Validation errors for the path and query parameters of ``request`` that hold control
    characters (a refused name is reported as ``[name]``, never by its text)."""
    issues = [
        _issue("path", name)
        for name, value in request.path_params.items()
        if isinstance(value, str) and has_control_characters(value)
    ]
    for name, value in request.query_params.multi_items():
        if has_control_characters(name):
            issues.append(_issue("query", "[name]"))
        elif has_control_characters(value):
            issues.append(_issue("query", name))
    return issues


async def refuse_control_characters(request: Request) -> None:
    """Router dependency: 422 when a parameter or form field holds control characters."""
    issues = parameter_issues(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in _FORM_TYPES:
        form = await request.form()  # parsed already for the endpoint; this reads the cache
        for name, value in form.multi_items():
            if has_control_characters(name):
                issues.append(_issue("body", "[name]"))
            elif isinstance(value, str) and has_control_characters(value):
                issues.append(_issue("body", name))
    if issues:
        raise RequestValidationError(issues)
