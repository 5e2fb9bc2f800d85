"""Liveness, readiness and metrics (outside /api/v1)."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response

from api import metrics
from api.deps import get_container, requires
from api.openapi import problems
from api.problems import problem_response
from domain.common.principal import Principal
from domain.monitoring.policies import READ_METRICS

router = APIRouter(tags=["health"])


@router.get(
    "/health/live",
    operation_id="health:live",
    responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}},
)
async def live() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/health/ready",
    operation_id="health:ready",
    responses={
        200: {"content": {"application/json": {"example": {"status": "ok"}}}},
        503: {"description": "The database cannot be reached."},
    },
)
async def ready(request: Request) -> Response:
    """The database answers: the instance can take traffic."""
    try:
        async with get_container(request).database.engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))
    except Exception:
        return problem_response(
            503, "Not ready", "The database cannot be reached.", code="not-ready"
        )
    return Response(content=b'{"status":"ok"}', media_type="application/json")


@router.get(
    "/metrics",
    operation_id="health:metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}, **problems(401, 403)},
)
async def read_metrics(
    request: Request, principal: Annotated[Principal, requires(READ_METRICS)]
) -> Response:
    """Prometheus text: requests and latency by route template, database pool. Scrape it with
    an integration client (role analyst, scope `metrics:read`) through OAuth2 client
    credentials."""
    body, content_type = metrics.render(get_container(request).database.pool_status)
    return Response(content=body, media_type=content_type)
