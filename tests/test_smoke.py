"""A first end-to-end path: an admin signs in and reads who she is."""

from __future__ import annotations

import httpx

from domain.common.principal import Role
from tests.factories import DEFAULT_PASSWORD, SOUTH_24, Factory


async def test_sign_in_and_read_me(client: httpx.AsyncClient, factory: Factory) -> None:
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))

    token = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": worker.email, "password": DEFAULT_PASSWORD},
    )
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "Bearer"
    assert body["refresh_token"].startswith("r1_")

    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200, me.text
    assert me.json()["id"] == str(worker.id)
    assert me.json()["organization_id"] == str(organization)
    assert me.json()["district_ids"] == [str(SOUTH_24)]
    assert me.json()["role"] == "social_worker"
