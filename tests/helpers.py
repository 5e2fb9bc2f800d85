"""Small helpers the API tests share: today's date, an If-Match header, problem answers, row
counts, the audit events of one request."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from persistence import clock
from tests.factories import Actor

PROBLEM = "application/problem+json"
# What audit_of reads of each event unless told otherwise.
AUDIT_COLUMNS = ("action", "entity_type", "entity_id", "organization_id")


def today() -> date:
    """Today's business date (Asia/Kolkata), from the product's one clock: the date the API
    gives a record made now. Never the machine's UTC date, which is a day behind from 18:30
    to 24:00 UTC."""
    return clock.today()


def if_match(actor: Actor, version: int | str) -> dict[str, str]:
    """``actor``'s headers with an If-Match for ``version`` of a record."""
    return {**actor.headers, "If-Match": f'"v{version}"'}


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert an RFC 9457 answer with ``status``; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def without_request(problem: dict[str, Any]) -> dict[str, Any]:
    """A problem body without what differs from request to request."""
    return {k: v for k, v in problem.items() if k not in {"instance", "request_id"}}


async def table_counts(connection: AsyncConnection, tables: Iterable[str]) -> dict[str, int]:
    """How many rows each of ``tables`` holds."""
    return {
        table: int(await connection.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)
        for table in tables
    }


async def audit_of(
    connection: AsyncConnection,
    response: httpx.Response,
    columns: Iterable[str] = AUDIT_COLUMNS,
) -> list[Any]:
    """The audit events the request behind ``response`` wrote, in the order written."""
    result = await connection.execute(
        sa.text(f"SELECT {', '.join(columns)} FROM audit_event WHERE request_id = :r ORDER BY seq"),
        {"r": response.headers["x-request-id"]},
    )
    return list(result.all())
