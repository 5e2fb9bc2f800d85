"""The index, liveness, readiness and metrics (outside /api/v1)."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api import metrics
from api.deps import get_container, requires
from api.docs import DOCS_PATH, REDOC_PATH
from api.openapi import problems
from api.problems import problem_response
from domain.common.principal import Principal
from domain.monitoring.policies import READ_METRICS

router = APIRouter(tags=["health"])
API_PREFIX = "/api/v1"  # as api/app.py mounts the API (it imports this module)


class IndexLinks(BaseModel):
    model_config = ConfigDict(extra="forbid")

    docs: str | None = Field(description="Swagger UI; null where the docs are not served.")
    redoc: str | None = Field(description="ReDoc; null where the docs are not served.")
    api: str = Field(description="The prefix of every API path.")
    openapi: str = Field(description="The OpenAPI document.")
    ready: str = Field(description="Readiness: 200 while the database answers.")


class ServiceIndex(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    links: IndexLinks


@router.get("/", operation_id="health:index", response_model=ServiceIndex)
async def index(request: Request) -> ServiceIndex:
    """What this server is and where to go next: its name and version, and links to the
    interactive docs (where served), the spec and readiness. Public, like the spec."""
    app = request.app
    container = get_container(request)
    serves_docs = container.http.serves_docs(container.settings.env)
    root = request.scope.get("root_path", "").rstrip("/")
    return ServiceIndex(
        name=app.title,
        version=app.version,
        links=IndexLinks(
            api=root + API_PREFIX,
            docs=root + DOCS_PATH if serves_docs else None,
            redoc=root + REDOC_PATH if serves_docs else None,
            openapi=root + (app.openapi_url or "/openapi.json"),
            ready=root + "/health/ready",
        ),
    )


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
