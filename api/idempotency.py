"""Idempotent creates: a retry with the same Idempotency-Key returns the first answer.

Same key and body: the stored answer, and nothing is created again. Same key, other body: 422.
Same key while the first request is still running: 409. Keys belong to one principal.

A stored answer can hold personal data, and a caller's scope changes (a case reassigned, a
district taken away). So a replay first reads the created record again through its area's
read path, in the caller's scope as it is now: when she may no longer see it, the replay
answers exactly what that read answers (404, as for another organisation's record). Every
replay is audited, refused ones durably.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar
from uuid import UUID

import orjson
from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import UoW, get_container
from api.http import etag
from domain.common.errors import (
    BadRequest,
    BusinessRuleViolation,
    Conflict,
    NotFound,
)
from domain.common.idempotency import KeptAnswer, KeptAnswers
from domain.common.principal import Principal

REPLAY_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("location", "etag")
# Reads the created record (by its id) through its area's read path, in the caller's scope.
Reread = Callable[[UUID], Awaitable[object]]
CreatedT = TypeVar("CreatedT", bound=BaseModel)


def _ttl_seconds(request: Request) -> int:
    """How long a stored answer is kept, from the settings the app was built with."""
    return get_container(request).http.idempotency_ttl_seconds


async def _fingerprint(request: Request) -> bytes:
    raw = await request.body()
    try:
        canonical = json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = raw.decode(errors="replace")
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    material = f"{request.method} {template} {request.url.path}\n{canonical}"
    return hashlib.sha256(material.encode()).digest()


def _created(result: BaseModel, location: str) -> Response:
    headers = {"Location": location}
    version = getattr(result, "version", None)
    if isinstance(version, int):
        headers["ETag"] = etag(version)
    return Response(
        content=orjson.dumps(result.model_dump(mode="json")),
        status_code=201,
        media_type="application/json",
        headers=headers,
    )


async def create_once(
    request: Request,
    uow: UoW,
    principal: Principal,
    key: str | None,
    create: Callable[[], Awaitable[CreatedT]],
    *,
    location: Callable[[CreatedT], str],
    reread: Reread,
    withhold: frozenset[str] = frozenset(),
) -> Response:
    """Run ``create`` at most once per (principal, key) and answer 201 with Location.

    ``reread`` reads the created record again, given its id, as the area's GET does (raising
    NotFound outside the caller's scope): a replay answers only after it succeeds.
    ``withhold`` names fields never stored for replay (a client secret is shown once).
    """
    if key is None:
        result = await create()
        return _created(result, location(result))
    if not key.isprintable() or not key.strip():
        raise BadRequest("Idempotency-Key must be printable text.")
    answers = KeptAnswers(uow, principal, key)
    if not await answers.lock():
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    fingerprint = await _fingerprint(request)
    stored = await answers.find()
    if stored is not None:
        if stored.fingerprint != fingerprint:
            raise BusinessRuleViolation(
                "This Idempotency-Key was used with a different request.",
                field="Idempotency-Key",
            )
        await _still_visible(answers, stored.body, reread)
        headers = dict(stored.headers)
        headers[REPLAY_HEADER] = "true"
        return Response(
            content=stored.body,
            status_code=stored.status_code,
            media_type="application/json",
            headers=headers,
        )
    result = await create()
    response = _created(result, location(result))
    kept = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
    body = result.model_dump(mode="json", exclude=set(withhold) or None)
    await answers.keep(
        KeptAnswer(
            fingerprint=fingerprint,
            status_code=response.status_code,
            body=orjson.dumps(body),
            headers=kept,
        ),
        _ttl_seconds(request),
    )
    return response


async def _still_visible(answers: KeptAnswers, body: bytes, reread: Reread) -> None:
    """Read the record a stored answer created again, in the caller's scope now, and audit the
    replay (durably: a refused replay is kept too). Raises what the read raises (NotFound)."""
    answer = orjson.loads(body)
    try:
        record_id: UUID | None = UUID(str(answer["id"]))
    except (KeyError, TypeError, ValueError):
        record_id = None
    answered = False
    try:
        if record_id is None:  # every create answers with its record's id; fail closed
            raise NotFound()
        await reread(record_id)
        answered = True
    finally:
        answers.audit_replay(record_id, answered=answered)
