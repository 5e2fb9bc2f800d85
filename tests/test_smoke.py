"""A first end-to-end path: an admin signs in and reads who she is; and what the app does at
start."""

from __future__ import annotations

import gc

import httpx

from api.app import create_app
from api.process import GC_THRESHOLDS, served_app
from domain.common.principal import Role
from domain.common.settings import Settings
from persistence.database import Database
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


async def test_serving_takes_the_long_lived_app_out_of_the_collectors_way(
    settings: Settings, database: Database
) -> None:
    """Once the served app has started (`shakti-mis serve`, api/process.py), what it built
    (routes, models, keys) is frozen out of the cyclic collector and young objects are
    collected less often: a page of 50 cases went from 0.38 to 0.57 of the bare baseline's
    throughput and its p99 from ~280 to ~85 ms (bench/read_endpoint.py). The app factory alone
    leaves the process as it found it (tests, tools and embedders call it)."""
    saved = gc.get_threshold()
    gc.unfreeze()
    try:
        plain = create_app(settings, database=database)
        async with plain.router.lifespan_context(plain):
            assert gc.get_freeze_count() == 0
            assert gc.get_threshold() == saved
        app = served_app(settings, database=database)
        async with app.router.lifespan_context(app):
            assert gc.get_threshold() == GC_THRESHOLDS
            assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*saved)
