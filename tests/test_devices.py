"""Devices: registered to a person, bound to her tokens, revoked when lost (with a wipe).

A device-bound token works only with its device's id (X-Device-Id); revoking the device ends
its tokens at once through the one liveness check (its sessions are revoked), and every
later call with them, a refresh and a sign-in naming the device answer 401
``device-revoked`` with ``wipe: true``. Who may see and revoke which device is a matrix.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.errors import NotAuthenticated
from domain.common.principal import Role
from domain.identity.tokens import TokenSubject
from tests.factories import DEFAULT_PASSWORD, SOUTH_24, Actor, CaseFactory, Factory
from tests.worlds import ADMIN, BaseWorld, Client, person, world_fixture

API = "/api/v1"
DEVICES = f"{API}/devices"
TOKEN = f"{API}/auth/token"
WIPE_TYPE = "urn:shakti-mis:problem:device-revoked"
PHONE = {"name": "Field phone 2", "platform": "android", "app_version": "1.4.0"}


async def sign_in(
    client: httpx.AsyncClient, actor: Actor, device_id: str | None = None
) -> httpx.Response:
    form = {"grant_type": "password", "username": actor.email or "", "password": DEFAULT_PASSWORD}
    if device_id is not None:
        form["device_id"] = device_id
    return await client.post(TOKEN, data=form)


def bearer(tokens: dict[str, Any], device_id: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    if device_id is not None:
        headers["X-Device-Id"] = device_id
    return headers


async def register(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    response = await client.post(DEVICES, json={**PHONE, **body}, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def is_wipe(response: httpx.Response, device_id: str) -> bool:
    body = response.json()
    return (
        response.status_code == 401
        and response.headers["content-type"].startswith("application/problem+json")
        and body["type"] == WIPE_TYPE
        and body["wipe"] is True
        and body["device_id"] == device_id
    )


class World(BaseWorld):
    people = {
        "pm_a": person("org_a", Role.program_manager),
        "sw_a": person("org_a", Role.social_worker, SOUTH_24),
        "sw_a2": person("org_a", Role.social_worker, SOUTH_24),
        "leader_a": person("org_a", Role.survivor_leader),
        "pm_b": person("org_b", Role.program_manager),
        "admin": ADMIN,
    }
    clients = {"client_a": Client("org_a", Role.program_manager)}


world = world_fixture(World)


async def test_signing_in_on_a_device_binds_the_token_to_it(
    client: httpx.AsyncClient, world: World
) -> None:
    device = await register(client, world.sw_a.headers)
    assert device["user_id"] == str(world.sw_a.id)
    assert device["organization_id"] == str(world.org_a)
    assert (device["platform"], device["app_version"], device["revoked_at"]) == (
        "android",
        "1.4.0",
        None,
    )

    signed_in = await sign_in(client, world.sw_a, device["id"])
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    # The token names its device: without the device's id, or with another's, it is refused.
    assert (await client.get(f"{API}/me", headers=bearer(tokens))).status_code == 401
    other = bearer(tokens, str(uuid.uuid4()))
    refused = await client.get(f"{API}/me", headers=other)
    assert refused.status_code == 401
    assert "X-Device-Id" in refused.json()["detail"]
    assert (await client.get(f"{API}/me", headers=bearer(tokens, "not-an-id"))).status_code == 401
    assert (await client.get(f"{API}/me", headers=bearer(tokens, device["id"]))).status_code == 200
    # The hot reads (the fast lane) apply the same binding.
    assert (await client.get(f"{API}/cases", headers=bearer(tokens))).status_code == 401
    cases = await client.get(f"{API}/cases", headers=bearer(tokens, device["id"]))
    assert cases.status_code == 200, cases.text

    # Its refresh token works from that device only.
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    elsewhere = await client.post(TOKEN, data=refresh)
    assert elsewhere.status_code == 400
    assert elsewhere.json()["error"] == "invalid_grant"
    refreshed = await client.post(TOKEN, data={**refresh, "device_id": device["id"]})
    assert refreshed.status_code == 200, refreshed.text
    again = bearer(refreshed.json(), device["id"])
    assert (await client.get(f"{API}/me", headers=again)).status_code == 200
    seen = await client.get(f"{DEVICES}/{device['id']}", headers=again)
    assert seen.json()["last_seen_at"] is not None

    # Another person's device cannot be signed in on, nor an unknown one.
    theirs = await sign_in(client, world.sw_a2, device["id"])
    assert theirs.status_code == 400
    assert theirs.json()["error"] == "invalid_grant"
    assert (await sign_in(client, world.sw_a, str(uuid.uuid4()))).status_code == 400
    assert (await sign_in(client, world.sw_a, "not-an-id")).status_code == 400


async def test_registering_binds_the_session_it_was_made_with(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    signed_in = (await sign_in(client, world.sw_a)).json()
    device = await register(client, bearer(signed_in))
    bound = await connection.scalar(
        sa.text("SELECT count(*) FROM auth_session WHERE device_id = :d"), {"d": device["id"]}
    )
    assert bound == 1
    # The token it was registered with carries no device yet; its refresh does.
    refresh = {"grant_type": "refresh_token", "refresh_token": signed_in["refresh_token"]}
    assert (await client.post(TOKEN, data=refresh)).status_code == 400
    refreshed = await client.post(TOKEN, data={**refresh, "device_id": device["id"]})
    assert refreshed.status_code == 200, refreshed.text
    assert (await client.get(f"{API}/me", headers=bearer(refreshed.json()))).status_code == 401
    ok = await client.get(f"{API}/me", headers=bearer(refreshed.json(), device["id"]))
    assert ok.status_code == 200
    # A second device does not take over a session bound to the first.
    await register(client, bearer(refreshed.json(), device["id"]), name="Tablet")
    assert (
        await connection.scalar(
            sa.text(
                "SELECT device_id FROM auth_session WHERE user_id = :u AND device_id IS NOT NULL"
            ),
            {"u": world.sw_a.id},
        )
    ) == UUID(device["id"])


async def test_a_revoked_device_is_told_to_wipe_and_its_tokens_stop_at_once(
    client: httpx.AsyncClient, world: World, factory: Factory, connection: AsyncConnection
) -> None:
    device = await register(client, world.sw_a.headers)
    tokens = (await sign_in(client, world.sw_a, device["id"])).json()
    on_phone = bearer(tokens, device["id"])
    # A case of hers, read through the fast lane before and after.
    cases = CaseFactory(factory)
    survivor = await cases.survivor(world.org_a, created_by=world.sw_a.id)
    case_id = await cases.case(world.org_a, survivor, assigned_worker_id=world.sw_a.id)
    assert (await client.get(f"{API}/cases/{case_id}", headers=on_phone)).status_code == 200
    # Her other sign-in (the web, on no device) is not the phone's.
    web = (await sign_in(client, world.sw_a)).json()

    revoked = await client.post(f"{DEVICES}/{device['id']}/revoke", headers=world.pm_a.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None

    # The phone's very next request, whatever it is, is told to wipe.
    for path in ("/me", f"/cases/{case_id}", "/cases", f"/devices/{device['id']}"):
        answer = await client.get(f"{API}{path}", headers=on_phone)
        assert is_wipe(answer, device["id"]), (path, answer.text)
        assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    wrote = await client.post(DEVICES, json=PHONE, headers=on_phone)
    assert is_wipe(wrote, device["id"])
    # So are its refresh token and a sign-in naming it.
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "device_id": device["id"],
    }
    assert is_wipe(await client.post(TOKEN, data=refresh), device["id"])
    assert is_wipe(await sign_in(client, world.sw_a, device["id"]), device["id"])
    # Her web session goes on; the revocation is in the trail.
    assert (await client.get(f"{API}/me", headers=bearer(web))).status_code == 200
    events = await connection.scalar(
        sa.text(
            "SELECT count(*) FROM audit_event WHERE entity_type = 'device'"
            " AND action = 'disable' AND entity_id = :d AND actor_id = :pm"
        ),
        {"d": device["id"], "pm": world.pm_a.id},
    )
    assert events == 1
    # Revoking again changes nothing.
    twice = await client.post(f"{DEVICES}/{device['id']}/revoke", headers=world.pm_a.headers)
    assert twice.status_code == 200
    assert twice.json()["revoked_at"] == revoked.json()["revoked_at"]
    # A token of an unbound session that merely fails (logged out) is a plain 401.
    await client.post(f"{API}/auth/revoke", headers=bearer(web))
    plain = await client.get(f"{API}/me", headers=bearer(web))
    assert plain.status_code == 401
    assert plain.json()["type"] == "urn:shakti-mis:problem:not-authenticated"
    assert "wipe" not in plain.json()


async def test_the_app_reports_its_syncs_on_its_own_device_only(
    client: httpx.AsyncClient, world: World
) -> None:
    device = await register(client, world.sw_a.headers)
    url = f"{DEVICES}/{device['id']}/sync"
    synced = await client.post(url, json={"app_version": "1.5.0"}, headers=world.sw_a.headers)
    assert synced.status_code == 200, synced.text
    assert synced.json()["last_synced_at"] is not None
    assert synced.json()["app_version"] == "1.5.0"
    assert synced.json()["version"] == device["version"] + 1
    # Her manager sees the device but does not report its syncs; another worker does not see it.
    assert (await client.post(url, json={}, headers=world.pm_a.headers)).status_code == 403
    assert (await client.post(url, json={}, headers=world.sw_a2.headers)).status_code == 404
    bad = await client.post(url, json={"app_version": "x" * 41}, headers=world.sw_a.headers)
    assert bad.status_code == 422
    revoke = await client.post(f"{DEVICES}/{device['id']}/revoke", headers=world.sw_a.headers)
    assert revoke.status_code == 200
    assert is_wipe(await client.post(url, json={}, headers=world.sw_a.headers), device["id"])


async def test_registration_input_is_bounded(client: httpx.AsyncClient, world: World) -> None:
    for body in (
        {**PHONE, "name": ""},
        {**PHONE, "name": "n" * 101},
        {**PHONE, "platform": "symbian"},
        {**PHONE, "app_version": "1.0 beta"},
        {**PHONE, "user_id": str(world.pm_a.id)},
        {"name": "Phone"},
    ):
        response = await client.post(DEVICES, json=body, headers=world.sw_a.headers)
        assert response.status_code == 422, body


# -- the matrix -------------------------------------------------------------------------
# Columns: reg registers a device of one's own; list lists devices (what it shows is checked
# below); own reads one's own device; swA reads the social worker's device; revA revokes it
# (the last column: each row works on a fresh device of hers).
MATRIX = """
actor     reg list own  swA revA
sw_a      201  200 200  200  200
sw_a2     201  200 200  404  404
leader_a  201  200 200  404  404
pm_a      201  200 200  200  200
pm_b      201  200 200  404  404
admin     201  200 200  200  200
client_a  403  403 403  403  403
"""
ROWS = [line.split() for line in MATRIX.strip().splitlines()[1:]]


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
async def test_matrix(row: list[str], client: httpx.AsyncClient, world: World) -> None:
    name, *cells = row
    expected = dict(zip(("reg", "list", "own", "swA", "revA"), map(int, cells), strict=True))
    actor: Actor = getattr(world, name)
    hers = await register(client, world.sw_a.headers)
    got: dict[str, int] = {}
    registered = await client.post(DEVICES, json=PHONE, headers=actor.headers)
    got["reg"] = registered.status_code
    listed = await client.get(DEVICES, headers=actor.headers)
    got["list"] = listed.status_code
    own_id = registered.json()["id"] if registered.status_code == 201 else str(uuid.uuid4())
    got["own"] = (await client.get(f"{DEVICES}/{own_id}", headers=actor.headers)).status_code
    got["swA"] = (await client.get(f"{DEVICES}/{hers['id']}", headers=actor.headers)).status_code
    got["revA"] = (
        await client.post(f"{DEVICES}/{hers['id']}/revoke", headers=actor.headers)
    ).status_code
    assert got == expected
    if listed.status_code == 200:
        listed_ids = {item["id"] for item in listed.json()["items"]}
        users = {item["user_id"] for item in listed.json()["items"]}
        orgs = {item["organization_id"] for item in listed.json()["items"]}
        assert own_id in listed_ids
        if name in {"sw_a", "pm_a", "admin"}:
            assert hers["id"] in listed_ids
        if name in {"sw_a2", "leader_a", "sw_a"}:
            assert users == {str(actor.id)}  # people see their own devices only
        if name.startswith("pm_"):
            assert orgs == {str(actor.organization_id)}
    if got["revA"] == 404:
        # A device out of scope answers as one that does not exist.
        missing = await client.post(f"{DEVICES}/{uuid.uuid4()}/revoke", headers=actor.headers)
        mine = await client.post(f"{DEVICES}/{hers['id']}/revoke", headers=actor.headers)
        assert {k: v for k, v in missing.json().items() if k not in {"instance", "request_id"}} == {
            k: v for k, v in mine.json().items() if k not in {"instance", "request_id"}
        }


async def test_a_program_manager_lists_one_persons_devices(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await register(client, world.sw_a.headers)
    second = await register(client, world.sw_a.headers, name="Tablet", platform="ios")
    await register(client, world.sw_a2.headers)
    page = await client.get(
        DEVICES,
        params={"user_id": str(world.sw_a.id), "limit": 1, "include_total": "true"},
        headers=world.pm_a.headers,
    )
    assert page.status_code == 200
    assert [d["id"] for d in page.json()["items"]] == [first["id"]]
    assert page.json()["total"] == 2
    assert "Link" in page.headers
    rest = await client.get(
        DEVICES,
        params={"user_id": str(world.sw_a.id), "cursor": page.json()["next_cursor"]},
        headers=world.pm_a.headers,
    )
    assert [d["id"] for d in rest.json()["items"]] == [second["id"]]


async def test_only_a_persons_token_can_name_a_device(
    app: Any, client: httpx.AsyncClient, world: World
) -> None:
    tokens = app.state.container.identity.tokens
    device = uuid.uuid4()
    forged = tokens.issue_access_token(
        TokenSubject(
            principal_kind="client",
            id=world.client_a.id,
            organization_id=world.org_a,
            role=Role.program_manager.value,
            access_version=1,
            scopes=(),
            device_id=device,
        ),
        600,
    )
    with pytest.raises(NotAuthenticated):
        tokens.verify_access_token(forged)
    answer = await client.get(
        f"{API}/me", headers={"Authorization": f"Bearer {forged}", "X-Device-Id": str(device)}
    )
    assert answer.status_code == 401
