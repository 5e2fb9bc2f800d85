"""Client-chosen ids that are taken: one answer whoever holds the id, and a probe in the trail.

The mobile app sends ids of its own. An id held by another organisation's record must be
refused exactly as one held by the caller's own record, so that the answer confirms nothing
about records outside her scope; every such attempt is audited (durably) as a probe.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Role
from tests.factories import SOUTH_24, Actor, Factory
from tests.test_shgs import group_body
from tests.test_survivors import survivor_body

API = "/api/v1"


def training_body(provider: uuid.UUID) -> dict[str, Any]:
    return {
        "topic": "vocational",
        "course": "Tailoring and garment making (3 months)",
        "provider_organization_id": str(provider),
        "starts_on": "2026-09-01",
        "ends_on": "2026-11-20",
        "district_id": str(SOUTH_24),
    }


def user_body() -> dict[str, Any]:
    return {
        "email": f"worker.{uuid.uuid4().hex[:8]}@example.org",
        "full_name": "Mita Roy",
        "role": "social_worker",
        "district_ids": [str(SOUTH_24)],
        "password": "a long enough passphrase",
    }


# (area, path, body maker taking the world's provider organisation)
AREAS: list[tuple[str, str, Callable[[uuid.UUID], dict[str, Any]]]] = [
    ("survivor", "/survivors", lambda _: survivor_body(confirm_not_duplicate=True)),
    ("shg", "/shgs", lambda _: group_body()),
    ("training", "/trainings", training_body),
    ("user", "/users", lambda _: user_body()),
]


def without_request_id(response: httpx.Response) -> bytes:
    """The answer's bytes with its request id taken out (it differs on every request)."""
    return response.content.replace(response.json()["request_id"].encode(), b"")


@pytest.mark.parametrize(("entity", "path", "body"), AREAS, ids=[a[0] for a in AREAS])
async def test_a_taken_id_is_refused_alike_whoever_holds_it(
    entity: str,
    path: str,
    body: Callable[[uuid.UUID], dict[str, Any]],
    client: httpx.AsyncClient,
    factory: Factory,
    connection: AsyncConnection,
) -> None:
    org_a = await factory.organization("Org A")
    org_b = await factory.organization("Org B")
    provider = await factory.organization("Training provider")
    pm_a: Actor = await factory.user(org_a, Role.program_manager)
    pm_b: Actor = await factory.user(org_b, Role.program_manager)

    async def create(actor: Actor, record_id: str) -> httpx.Response:
        return await client.post(
            f"{API}{path}", json={**body(provider), "id": record_id}, headers=actor.headers
        )

    foreign, own, fresh = (str(uuid.uuid4()) for _ in range(3))
    assert (await create(pm_b, foreign)).status_code == 201
    assert (await create(pm_a, own)).status_code == 201

    refused_foreign = await create(pm_a, foreign)
    refused_own = await create(pm_a, own)
    for refused in (refused_foreign, refused_own):
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert b"exist" not in refused.content
        assert refused.json()["detail"] == "This id cannot be used; send another or leave it out."
    # Byte for byte the same answer: nothing tells the other organisation's record from hers.
    assert without_request_id(refused_foreign) == without_request_id(refused_own)
    assert refused_foreign.headers.keys() - {"x-request-id"} == refused_own.headers.keys() - {
        "x-request-id"
    }

    created = await create(pm_a, fresh)
    assert created.status_code == 201, created.text
    assert created.json()["id"] == fresh

    # Both attempts are in the trail as probes of the id, by her, kept though the request failed.
    probes = await connection.execute(
        sa.text(
            "SELECT entity_type, entity_id, actor_id, outcome FROM audit_event"
            " WHERE action = 'probe' ORDER BY seq"
        )
    )
    assert [tuple(map(str, row)) for row in probes] == [
        (entity, foreign, str(pm_a.id), "denied"),
        (entity, own, str(pm_a.id), "denied"),
    ]


def test_every_create_checks_its_client_chosen_id_through_the_one_helper() -> None:
    """No service asks a repository whether an id exists but through reject_taken_id (which
    answers alike for every holder and audits the probe)."""
    root = Path(__file__).resolve().parents[1] / "domain"
    # seed-demo (seeds/runner.py, outside domain/) asks whether its own fixed organisation is
    # there yet (no client id).
    allowed = {root / "common" / "ids.py"}
    asking = re.compile(r"await [\w.()]+\.exists\(")
    found = [
        f"{path.relative_to(root.parent)}:{number}"
        for path in sorted(root.rglob("*.py"))
        if path not in allowed
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if asking.search(line)
    ]
    assert found == []
    confirming = [
        str(path.relative_to(root.parent))
        for path in sorted(root.rglob("*.py"))
        if "with this id already exists" in path.read_text()
    ]
    assert confirming == []
