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
from datetime import timedelta
from typing import Any
from uuid import UUID

import orjson
from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import get_container
from api.http import etag
from domain.audit.trail import record
from domain.common.errors import (
    BadRequest,
    BusinessRuleViolation,
    Conflict,
    NotFound,
)
from domain.common.principal import Principal
from persistence.crypto import Place
from persistence.models.base import utcnow
from persistence.models.enums import AuditAction, AuditOutcome
from persistence.models.idempotency_record import IdempotencyRecord
from persistence.repositories.idempotency import IdempotencyRepository
from persistence.uow import UnitOfWork

REPLAY_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("location", "etag")
REPLAY_ENTITY = "idempotency_record"
# Reads the created record (by its id) through its area's read path, in the caller's scope.
Reread = Callable[[UUID], Awaitable[object]]


def _ttl_seconds(request: Request) -> int:
    """How long a stored answer is kept, from the settings the app was built with."""
    return get_container(request).settings.idempotency_ttl_seconds


def _place(principal: Principal, key: str) -> Place:
    return Place("idempotency_record", "response_body", f"{principal.id}:{key}")


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
    uow: UnitOfWork,
    principal: Principal,
    key: str | None,
    create: Callable[[], Awaitable[BaseModel]],
    *,
    location: Callable[[Any], str],
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
    repo = IdempotencyRepository(uow)
    if not await repo.try_lock(principal.id, key):
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    now = utcnow()
    fingerprint = await _fingerprint(request)
    stored = await repo.find(principal.id, key, now)
    if stored is not None:
        if stored.request_fingerprint != fingerprint:
            raise BusinessRuleViolation(
                "This Idempotency-Key was used with a different request.",
                field="Idempotency-Key",
            )
        answer = uow.cipher.open(stored.response_body, _place(principal, key))
        await _still_visible(uow, principal, answer, reread)
        headers = dict(stored.response_headers)
        headers[REPLAY_HEADER] = "true"
        return Response(
            content=answer,
            status_code=stored.status_code,
            media_type="application/json",
            headers=headers,
        )
    result = await create()
    response = _created(result, location(result))
    kept = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
    body = result.model_dump(mode="json", exclude=set(withhold) or None)
    await repo.store(
        IdempotencyRecord(
            principal_id=principal.id,
            key=key,
            request_fingerprint=fingerprint,
            status_code=response.status_code,
            # Sealed: a stored answer can hold personal data (a survivor's name).
            response_body=uow.cipher.seal(orjson.dumps(body), _place(principal, key)),
            response_headers=kept,
            created_at=now,
            expires_at=now + timedelta(seconds=_ttl_seconds(request)),
        )
    )
    return response


async def _still_visible(
    uow: UnitOfWork, principal: Principal, body: bytes, reread: Reread
) -> None:
    """Read the record a stored answer created again, in the caller's scope now, and audit the
    replay (durably: a refused replay is kept too). Raises what the read raises (NotFound)."""
    answer = orjson.loads(body)
    try:
        record_id: UUID | None = UUID(str(answer["id"]))
    except (KeyError, TypeError, ValueError):
        record_id = None
    outcome = AuditOutcome.denied
    try:
        if record_id is None:  # every create answers with its record's id; fail closed
            raise NotFound()
        await reread(record_id)
        outcome = AuditOutcome.success
    finally:
        record(
            uow,
            principal,
            AuditAction.replay,
            REPLAY_ENTITY,
            record_id,
            outcome=outcome,
            durable=True,
        )
