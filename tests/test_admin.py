"""End-to-end tests of the admin areas through the API: organisations, users, integration
clients, and geography (states, districts, blocks).

Each rule violation checks the status, that the answer is problem+json, and that nothing
changed: the record keeps its version and values, and no record was created.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from domain.common.principal import Role
from tests.factories import (
    DEFAULT_PASSWORD,
    NORTH_24,
    SOUTH_24,
    WEST_BENGAL,
    Actor,
    Factory,
    wb_district,
)

API = "/api/v1"
ORGS = f"{API}/organizations"
USERS = f"{API}/users"
CLIENTS = f"{API}/integration-clients"
STATES = f"{API}/states"
DISTRICTS = f"{API}/districts"
BLOCKS = f"{API}/blocks"
TOKEN = f"{API}/auth/token"

WB_DISTRICTS = {
    "Alipurduar", "Bankura", "Birbhum", "Cooch Behar", "Dakshin Dinajpur", "Darjeeling",
    "Hooghly", "Howrah", "Jalpaiguri", "Jhargram", "Kalimpong", "Kolkata", "Malda",
    "Murshidabad", "Nadia", "North 24 Parganas", "Paschim Bardhaman", "Paschim Medinipur",
    "Purba Bardhaman", "Purba Medinipur", "Purulia", "South 24 Parganas", "Uttar Dinajpur",
}  # fmt: skip


# -- helpers ------------------------------------------------------------------------------
def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert an RFC 9457 answer with ``status``; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"v{version}"'}


async def create(
    client: httpx.AsyncClient, path: str, who: Actor, body: dict[str, Any]
) -> dict[str, Any]:
    """POST ``body``; assert 201 with Location and the ETag of version 1."""
    response = await client.post(path, json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert response.headers["Location"] == f"{path}/{created['id']}"
    assert response.headers["ETag"] == '"v1"'
    assert created["version"] == 1
    return created


async def read(client: httpx.AsyncClient, url: str, who: Actor) -> dict[str, Any]:
    """GET one record; assert 200 and that its ETag names its version."""
    response = await client.get(url, headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["ETag"] == f'"v{body["version"]}"'
    return body


async def patch(
    client: httpx.AsyncClient, url: str, who: Actor, version: int | None, body: dict[str, Any]
) -> httpx.Response:
    headers = dict(who.headers)
    if version is not None:
        headers.update(if_match(version))
    return await client.patch(url, json=body, headers=headers)


async def walk(
    client: httpx.AsyncClient, path: str, who: Actor, **params: Any
) -> tuple[list[dict[str, Any]], int]:
    """Every item of a list, following next_cursor; returns the items and the page count."""
    items: list[dict[str, Any]] = []
    pages = 0
    cursor: str | None = None
    while True:
        query = {k: v for k, v in params.items() if v is not None}
        if cursor:
            query["cursor"] = cursor
        response = await client.get(path, params=query, headers=who.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            assert "Link" not in response.headers
            return items, pages
        assert response.headers["Link"].endswith('rel="next"')
        assert pages < 50, "pagination does not end"


async def total(client: httpx.AsyncClient, path: str, who: Actor, **params: Any) -> int:
    response = await client.get(
        path, params={"include_total": "true", "limit": 1, **params}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    count: int = response.json()["total"]
    return count


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(
        TOKEN, data={"grant_type": "password", "username": email, "password": password}
    )


async def client_token(client: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


def new_user(role: Role, **extra: Any) -> dict[str, Any]:
    return {
        "email": f"{role.value}.{uuid.uuid4().hex[:8]}@example.org",
        "full_name": "Rupa Das",
        "role": role.value,
        "password": DEFAULT_PASSWORD,
        **extra,
    }


# -- organisations ------------------------------------------------------------------------
async def test_admin_creates_reads_lists_and_updates_an_organisation(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    created = await create(
        client,
        ORGS,
        admin,
        {"name": "Sundarban Mahila Samiti", "kind": "partner_ngo", "state_id": str(WEST_BENGAL)},
    )
    assert created["name"] == "Sundarban Mahila Samiti"
    assert created["kind"] == "partner_ngo"
    assert created["state_id"] == str(WEST_BENGAL)

    url = f"{ORGS}/{created['id']}"
    assert await read(client, url, admin) == created

    department = await create(
        client,
        ORGS,
        admin,
        {"name": "District Child Protection Unit", "kind": "government_department"},
    )
    departments, _ = await walk(client, ORGS, admin, kind="government_department", limit=2)
    assert {o["kind"] for o in departments} == {"government_department"}
    assert department["id"] in {o["id"] for o in departments}
    assert created["id"] not in {o["id"] for o in departments}
    everyone, _ = await walk(client, ORGS, admin, limit=2)
    assert {created["id"], department["id"], str(admin.organization_id)} <= {
        o["id"] for o in everyone
    }
    assert len(everyone) == len({o["id"] for o in everyone})

    renamed = await patch(
        client, url, admin, 1, {"name": "Sundarban Mahila Samity", "kind": "service_provider"}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.headers["ETag"] == '"v2"'
    assert renamed.json()["name"] == "Sundarban Mahila Samity"
    assert renamed.json()["kind"] == "service_provider"
    assert renamed.json()["version"] == 2

    cleared = await patch(client, url, admin, 2, {"state_id": None})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["state_id"] is None
    assert cleared.json()["version"] == 3
    assert (await read(client, url, admin))["name"] == "Sundarban Mahila Samity"


async def test_organisation_update_needs_the_current_version(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    created = await create(client, ORGS, admin, {"name": "Jabala", "kind": "partner_ngo"})
    url = f"{ORGS}/{created['id']}"
    assert (await patch(client, url, admin, 1, {"name": "Jabala Action"})).status_code == 200

    problem(await patch(client, url, admin, 1, {"name": "Stale"}), 412)
    problem(await patch(client, url, admin, None, {"name": "No precondition"}), 428)
    after = await read(client, url, admin)
    assert after["name"] == "Jabala Action"
    assert after["version"] == 2


async def test_organisation_names_are_unique_ignoring_case(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    first = await create(client, ORGS, admin, {"name": "Goranbose Gram Bikash", "kind": "lead_ngo"})
    other = await create(client, ORGS, admin, {"name": "Shakti Vahini", "kind": "partner_ngo"})
    before = await total(client, ORGS, admin)

    duplicate = await client.post(
        ORGS, json={"name": "GORANBOSE gram bikash", "kind": "partner_ngo"}, headers=admin.headers
    )
    problem(duplicate, 409)
    assert await total(client, ORGS, admin) == before

    url = f"{ORGS}/{other['id']}"
    problem(await patch(client, url, admin, 1, {"name": "goranbose GRAM BIKASH"}), 409)
    unchanged = await read(client, url, admin)
    assert unchanged["name"] == "Shakti Vahini"
    assert unchanged["version"] == 1

    # A change of case of its own name is no clash.
    recased = await patch(
        client, f"{ORGS}/{first['id']}", admin, 1, {"name": "GORANBOSE Gram Bikash"}
    )
    assert recased.status_code == 200, recased.text


async def test_organisation_with_a_chosen_id_and_a_taken_id(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    chosen = uuid.uuid4()
    created = await create(
        client, ORGS, admin, {"id": str(chosen), "name": "Chosen Id Org", "kind": "partner_ngo"}
    )
    assert created["id"] == str(chosen)
    before = await total(client, ORGS, admin)

    again = await client.post(
        ORGS,
        json={"id": str(chosen), "name": "Another Org", "kind": "lead_ngo"},
        headers=admin.headers,
    )
    problem(again, 409)
    assert await total(client, ORGS, admin) == before
    assert (await read(client, f"{ORGS}/{chosen}", admin))["name"] == "Chosen Id Org"


async def test_organisation_in_an_unknown_state_is_rejected(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    created = await create(client, ORGS, admin, {"name": "Stateless Org", "kind": "partner_ngo"})
    before = await total(client, ORGS, admin)

    body = {"name": "Nowhere Org", "kind": "partner_ngo", "state_id": str(uuid.uuid4())}
    rejected = problem(await client.post(ORGS, json=body, headers=admin.headers), 422)
    assert rejected["errors"][0]["loc"] == ["body", "state_id"]
    assert await total(client, ORGS, admin) == before

    url = f"{ORGS}/{created['id']}"
    problem(await patch(client, url, admin, 1, {"state_id": str(uuid.uuid4())}), 422)
    assert (await read(client, url, admin))["version"] == 1


async def test_only_platform_admins_manage_organisations(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    own = await factory.organization()
    other = await factory.organization()
    manager = await factory.user(own, Role.program_manager)
    before = await total(client, ORGS, admin)

    denied = await client.post(
        ORGS, json={"name": "Unsanctioned Org", "kind": "partner_ngo"}, headers=manager.headers
    )
    problem(denied, 403)
    assert await total(client, ORGS, admin) == before

    problem(await patch(client, f"{ORGS}/{own}", manager, 1, {"name": "Renamed"}), 403)
    assert (await read(client, f"{ORGS}/{own}", admin))["version"] == 1

    # Everyone else sees only her own organisation.
    visible, _ = await walk(client, ORGS, manager)
    assert [o["id"] for o in visible] == [str(own)]
    problem(await client.get(f"{ORGS}/{other}", headers=manager.headers), 404)
    assert (await read(client, f"{ORGS}/{own}", manager))["id"] == str(own)


# -- users --------------------------------------------------------------------------------
async def test_admin_creates_a_user_of_any_organisation_and_role(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    body = new_user(
        Role.program_manager,
        email="  Rupa.Das@Example.ORG ",
        organization_id=str(organization),
        district_ids=[str(SOUTH_24), str(NORTH_24), str(SOUTH_24)],
    )
    created = await create(client, USERS, admin, body)
    assert created["email"] == "rupa.das@example.org"
    assert created["organization_id"] == str(organization)
    assert created["role"] == "program_manager"
    assert created["district_ids"] == sorted({str(SOUTH_24), str(NORTH_24)})
    assert created["disabled"] is False
    assert "password" not in created
    assert "password_hash" not in created
    assert await read(client, f"{USERS}/{created['id']}", admin) == created

    signed_in = await sign_in(client, "RUPA.DAS@example.org", DEFAULT_PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    me = await client.get(f"{API}/me", headers=bearer(signed_in.json()["access_token"]))
    assert me.json()["id"] == created["id"]

    for role in (Role.platform_admin, Role.auditor):
        other = await create(
            client, USERS, admin, new_user(role, organization_id=str(organization))
        )
        assert other["role"] == role.value


async def test_user_lists_filter_by_organisation_role_and_disabled(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    first = await factory.organization()
    second = await factory.organization()
    worker = await factory.user(first, Role.social_worker)
    analyst = await factory.user(first, Role.analyst)
    leader = await factory.user(second, Role.survivor_leader)
    second_analyst = await factory.user(second, Role.analyst)

    of_first, pages = await walk(client, USERS, admin, organization_id=str(first), limit=1)
    assert {u["id"] for u in of_first} == {str(worker.id), str(analyst.id)}
    assert pages == 2
    assert len(of_first) == 2

    analysts, _ = await walk(client, USERS, admin, role="analyst", limit=1)
    assert {u["role"] for u in analysts} == {"analyst"}
    assert {str(analyst.id), str(second_analyst.id)} <= {u["id"] for u in analysts}

    both, _ = await walk(client, USERS, admin, organization_id=str(second), role="analyst")
    assert [u["id"] for u in both] == [str(second_analyst.id)]

    disabled = await client.post(f"{USERS}/{leader.id}/disable", headers=admin.headers)
    assert disabled.status_code == 200, disabled.text
    off, _ = await walk(client, USERS, admin, organization_id=str(second), disabled="true")
    assert [u["id"] for u in off] == [str(leader.id)]
    assert off[0]["disabled"] is True
    on, _ = await walk(client, USERS, admin, organization_id=str(second), disabled="false")
    assert [u["id"] for u in on] == [str(second_analyst.id)]
    assert await total(client, USERS, admin, organization_id=str(second)) == 2


async def test_user_update_with_if_match_bumps_the_version(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))
    url = f"{USERS}/{worker.id}"

    updated = await patch(
        client,
        url,
        admin,
        1,
        {
            "full_name": "Rupa Mondal",
            "email": "Rupa.Mondal@Example.org",
            "role": "program_manager",
            "district_ids": [str(NORTH_24)],
        },
    )
    assert updated.status_code == 200, updated.text
    assert updated.headers["ETag"] == '"v2"'
    body = updated.json()
    assert body["full_name"] == "Rupa Mondal"
    assert body["email"] == "rupa.mondal@example.org"
    assert body["role"] == "program_manager"
    assert body["district_ids"] == [str(NORTH_24)]
    assert body["version"] == 2
    assert await read(client, url, admin) == body

    problem(await patch(client, url, admin, 1, {"full_name": "Stale Write"}), 412)
    problem(await patch(client, url, admin, None, {"full_name": "No Precondition"}), 428)
    problem(await patch(client, url, admin, 2, {"email": None}), 422)
    after = await read(client, url, admin)
    assert after == body

    # Her token named her old role and districts: it ends at once; a new one names the new.
    stale = await client.get(f"{API}/me", headers=worker.headers)
    assert stale.status_code == 401
    me = await client.get(f"{API}/me", headers=await factory.user_headers(worker.id))
    assert me.json()["district_ids"] == [str(NORTH_24)]
    assert me.json()["role"] == "program_manager"


async def test_a_work_contact_is_kept_changed_cleared_and_withheld_from_clients(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """How partners reach her at work (shown with her referrals): set at creation, changed or
    cleared with If-Match; like her name, null to an integration client."""
    admin = await factory.platform_admin()
    organization = await factory.organization()
    worker = await factory.user(
        organization, Role.social_worker, work_contact="+91 33 2470 1234 (office)"
    )
    url = f"{USERS}/{worker.id}"
    assert (await read(client, url, admin))["work_contact"] == "+91 33 2470 1234 (office)"
    changed = await patch(client, url, admin, 1, {"work_contact": "rupa.das@work.example.org"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["work_contact"] == "rupa.das@work.example.org"
    cleared = await patch(client, url, admin, 2, {"work_contact": None})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["work_contact"] is None
    problem(await patch(client, url, admin, 3, {"work_contact": "x" * 201}), 422)
    await patch(client, url, admin, 3, {"work_contact": "+91 33 2470 9999"})
    machine = await factory.integration_client(organization, Role.program_manager, ["users:read"])
    seen = await client.get(url, headers=machine.headers)
    assert seen.status_code == 200, seen.text
    assert (seen.json()["work_contact"], seen.json()["full_name"]) == (None, None)


async def test_user_emails_are_unique(client: httpx.AsyncClient, factory: Factory) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    taken = await factory.user(organization, Role.social_worker, email="mita.roy@example.org")
    other = await factory.user(organization, Role.analyst)
    before = await total(client, USERS, admin, organization_id=str(organization))

    body = new_user(Role.analyst, email="MITA.Roy@example.ORG", organization_id=str(organization))
    problem(await client.post(USERS, json=body, headers=admin.headers), 409)
    assert await total(client, USERS, admin, organization_id=str(organization)) == before

    url = f"{USERS}/{other.id}"
    problem(await patch(client, url, admin, 1, {"email": "Mita.Roy@example.org"}), 409)
    unchanged = await read(client, url, admin)
    assert unchanged["email"] == other.email
    assert unchanged["version"] == 1
    assert (await read(client, f"{USERS}/{taken.id}", admin))["email"] == "mita.roy@example.org"

    # Keeping one's own email is no clash.
    same = await patch(client, f"{USERS}/{taken.id}", admin, 1, {"email": "MITA.ROY@example.org"})
    assert same.status_code == 200, same.text


async def test_user_districts_must_exist(client: httpx.AsyncClient, factory: Factory) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker, districts=(SOUTH_24,))
    before = await total(client, USERS, admin, organization_id=str(organization))

    body = new_user(
        Role.social_worker,
        organization_id=str(organization),
        district_ids=[str(SOUTH_24), str(uuid.uuid4())],
    )
    rejected = problem(await client.post(USERS, json=body, headers=admin.headers), 422)
    assert rejected["errors"][0]["loc"] == ["body", "district_ids"]
    assert await total(client, USERS, admin, organization_id=str(organization)) == before
    # Nothing was kept of the rejected account: its email is still free.
    body["district_ids"] = [str(SOUTH_24)]
    await create(client, USERS, admin, body)

    url = f"{USERS}/{worker.id}"
    problem(await patch(client, url, admin, 1, {"district_ids": [str(uuid.uuid4())]}), 422)
    unchanged = await read(client, url, admin)
    assert unchanged["district_ids"] == [str(SOUTH_24)]
    assert unchanged["version"] == 1


async def test_user_in_an_unknown_organisation_is_rejected(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    before = await total(client, USERS, admin)
    body = new_user(Role.social_worker, organization_id=str(uuid.uuid4()))
    problem(await client.post(USERS, json=body, headers=admin.headers), 422)
    assert await total(client, USERS, admin) == before


async def test_passwords_are_12_to_256_characters(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    before = await total(client, USERS, admin, organization_id=str(organization))

    for password in ("x" * 11, "y" * 257):
        body = new_user(Role.analyst, organization_id=str(organization), password=password)
        rejected = problem(await client.post(USERS, json=body, headers=admin.headers), 422)
        assert password not in rejected.get("detail", "") + str(rejected.get("errors"))
    assert await total(client, USERS, admin, organization_id=str(organization)) == before

    for password in ("x" * 12, "y" * 256):
        body = new_user(Role.analyst, organization_id=str(organization), password=password)
        await create(client, USERS, admin, body)
        assert (await sign_in(client, body["email"], password)).status_code == 200

    worker = await factory.user(organization, Role.social_worker)
    short = await client.post(
        f"{USERS}/{worker.id}/password", json={"password": "x" * 11}, headers=admin.headers
    )
    problem(short, 422)
    assert (await client.get(f"{API}/me", headers=worker.headers)).status_code == 200
    assert (await sign_in(client, worker.email or "", DEFAULT_PASSWORD)).status_code == 200


async def test_user_with_a_chosen_id_and_a_taken_id(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    chosen = uuid.uuid4()
    body = new_user(Role.social_worker, id=str(chosen), organization_id=str(organization))
    created = await create(client, USERS, admin, body)
    assert created["id"] == str(chosen)
    before = await total(client, USERS, admin, organization_id=str(organization))

    again = new_user(Role.analyst, id=str(chosen), organization_id=str(organization))
    problem(await client.post(USERS, json=again, headers=admin.headers), 409)
    assert await total(client, USERS, admin, organization_id=str(organization)) == before
    assert (await read(client, f"{USERS}/{chosen}", admin))["email"] == body["email"]
    # The rejected email was not kept either.
    await create(client, USERS, admin, {**again, "id": None})


async def test_disabling_ends_her_sessions_and_enabling_lets_her_sign_in(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker)
    email = worker.email or ""
    signed_in = await sign_in(client, email, DEFAULT_PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    token = bearer(signed_in.json()["access_token"])
    assert (await client.get(f"{API}/me", headers=token)).status_code == 200

    disabled = await client.post(f"{USERS}/{worker.id}/disable", headers=admin.headers)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled"] is True
    assert disabled.json()["disabled_at"] is not None
    assert disabled.headers["ETag"] == f'"v{disabled.json()["version"]}"'
    assert disabled.json()["version"] == 2

    problem(await client.get(f"{API}/me", headers=token), 401)
    problem(await client.get(f"{API}/me", headers=worker.headers), 401)
    refreshed = await client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": signed_in.json()["refresh_token"]},
    )
    problem(refreshed, 400)
    problem(await sign_in(client, email, DEFAULT_PASSWORD), 400)

    enabled = await client.post(f"{USERS}/{worker.id}/enable", headers=admin.headers)
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["disabled"] is False
    assert enabled.json()["disabled_at"] is None
    assert enabled.json()["version"] == 3
    again = await sign_in(client, email, DEFAULT_PASSWORD)
    assert again.status_code == 200, again.text
    me = await client.get(f"{API}/me", headers=bearer(again.json()["access_token"]))
    assert me.status_code == 200
    # Sessions ended by the disabling stay ended.
    problem(await client.get(f"{API}/me", headers=token), 401)


async def test_no_one_disables_her_own_account(client: httpx.AsyncClient, factory: Factory) -> None:
    admin = await factory.platform_admin()
    problem(await client.post(f"{USERS}/{admin.id}/disable", headers=admin.headers), 409)
    assert (await client.get(f"{API}/me", headers=admin.headers)).status_code == 200
    assert (await read(client, f"{USERS}/{admin.id}", admin))["disabled"] is False


async def test_password_reset_ends_her_sessions_and_the_new_password_works(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker)
    email = worker.email or ""
    signed_in = await sign_in(client, email, DEFAULT_PASSWORD)
    token = bearer(signed_in.json()["access_token"])

    new_password = "a brand new passphrase"
    reset = await client.post(
        f"{USERS}/{worker.id}/password", json={"password": new_password}, headers=admin.headers
    )
    # Asked for, not applied: a second platform admin approves it (tests/test_reset_requests).
    assert reset.status_code == 202, reset.text
    assert reset.json()["status"] == "pending"
    assert new_password not in reset.text
    assert (await client.get(f"{API}/me", headers=token)).status_code == 200
    second_admin = await factory.platform_admin()
    approved = await client.post(
        f"{API}/reset-requests/{reset.json()['id']}/approve", headers=second_admin.headers
    )
    assert approved.status_code == 200, approved.text

    problem(await client.get(f"{API}/me", headers=token), 401)
    problem(await client.get(f"{API}/me", headers=worker.headers), 401)
    problem(await sign_in(client, email, DEFAULT_PASSWORD), 400)
    fresh = await sign_in(client, email, new_password)
    assert fresh.status_code == 200, fresh.text
    me = await client.get(f"{API}/me", headers=bearer(fresh.json()["access_token"]))
    assert me.json()["id"] == str(worker.id)

    problem(
        await client.post(
            f"{USERS}/{uuid.uuid4()}/password",
            json={"password": new_password},
            headers=admin.headers,
        ),
        404,
    )


async def test_program_manager_staffs_her_own_organisation(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    own = await factory.organization()
    other = await factory.organization()
    manager = await factory.user(own, Role.program_manager)

    staffed = []
    for role in (Role.social_worker, Role.survivor_leader, Role.partner_staff, Role.analyst):
        created = await create(client, USERS, manager, new_user(role, district_ids=[str(SOUTH_24)]))
        assert created["organization_id"] == str(own)  # defaults to hers
        assert created["role"] == role.value
        staffed.append(created["id"])
    before = await total(client, USERS, admin)

    for role in (Role.program_manager, Role.platform_admin, Role.auditor):
        problem(await client.post(USERS, json=new_user(role), headers=manager.headers), 403)
    elsewhere = new_user(Role.social_worker, organization_id=str(other))
    problem(await client.post(USERS, json=elsewhere, headers=manager.headers), 404)
    assert await total(client, USERS, admin) == before

    # She sees and manages her own organisation's accounts only.
    mine, _ = await walk(client, USERS, manager)
    assert {u["id"] for u in mine} == {str(manager.id), *staffed}
    foreign, _ = await walk(client, USERS, manager, organization_id=str(other))
    assert foreign == []
    outsider = await factory.user(other, Role.social_worker)
    problem(await client.get(f"{USERS}/{outsider.id}", headers=manager.headers), 404)
    problem(await patch(client, f"{USERS}/{outsider.id}", manager, 1, {"full_name": "X Y"}), 404)
    problem(await client.post(f"{USERS}/{outsider.id}/disable", headers=manager.headers), 404)
    problem(
        await client.post(
            f"{USERS}/{outsider.id}/password",
            json={"password": "a brand new passphrase"},
            headers=manager.headers,
        ),
        404,
    )
    assert (await read(client, f"{USERS}/{outsider.id}", admin))["version"] == 1
    assert (await client.get(f"{API}/me", headers=outsider.headers)).status_code == 200

    # She may not promote her staff, nor touch a peer manager.
    worker_url = f"{USERS}/{staffed[0]}"
    problem(await patch(client, worker_url, manager, 1, {"role": "program_manager"}), 403)
    assert (await read(client, worker_url, manager))["role"] == "social_worker"
    peer = await factory.user(own, Role.program_manager)
    problem(await patch(client, f"{USERS}/{peer.id}", manager, 1, {"full_name": "P Q"}), 403)
    problem(await client.post(f"{USERS}/{peer.id}/disable", headers=manager.headers), 403)
    problem(
        await client.post(
            f"{USERS}/{peer.id}/password",
            json={"password": "a brand new passphrase"},
            headers=manager.headers,
        ),
        403,
    )
    assert (await read(client, f"{USERS}/{peer.id}", admin))["version"] == 1
    assert (await client.get(f"{API}/me", headers=peer.headers)).status_code == 200

    # Within her remit she manages fully.
    renamed = await patch(
        client, worker_url, manager, 1, {"full_name": "Rupa M", "role": "analyst"}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["version"] == 2
    off = await client.post(f"{worker_url}/disable", headers=manager.headers)
    assert off.status_code == 200
    assert off.json()["disabled"] is True
    on = await client.post(f"{worker_url}/enable", headers=manager.headers)
    assert on.json()["disabled"] is False
    reset = await client.post(
        f"{worker_url}/password",
        json={"password": "a brand new passphrase"},
        headers=manager.headers,
    )
    assert reset.status_code == 202, reset.text
    approved = await client.post(
        f"{API}/reset-requests/{reset.json()['id']}/approve", headers=admin.headers
    )
    assert approved.status_code == 200, approved.text
    worker_email = (await read(client, worker_url, admin))["email"]
    assert (await sign_in(client, worker_email, "a brand new passphrase")).status_code == 200


async def test_other_roles_cannot_read_or_manage_users(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker)
    before = await total(client, USERS, admin)
    problem(await client.get(USERS, headers=worker.headers), 403)
    problem(await client.get(f"{USERS}/{worker.id}", headers=worker.headers), 403)
    problem(await client.post(USERS, json=new_user(Role.analyst), headers=worker.headers), 403)
    assert await total(client, USERS, admin) == before


# -- integration clients ------------------------------------------------------------------
async def test_admin_registers_an_integration_client_that_can_sign_in(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    other = await factory.organization()
    created = await create(
        client,
        CLIENTS,
        admin,
        {
            "name": "Partner referral inbox",
            "organization_id": str(organization),
            "role": "partner_staff",
            "scopes": ["organizations:read"],
        },
    )
    secret = created.pop("client_secret")
    assert secret.startswith("shk_")
    assert created["scopes"] == ["organizations:read"]
    assert created["disabled"] is False
    url = f"{CLIENTS}/{created['id']}"
    shown = await read(client, url, admin)
    assert "client_secret" not in shown
    assert shown == created

    granted = await client_token(client, created["id"], secret)
    assert granted.status_code == 200, granted.text
    assert granted.json()["scope"] == "organizations:read"
    token = bearer(granted.json()["access_token"])
    organizations = await client.get(ORGS, headers=token)
    assert [o["id"] for o in organizations.json()["items"]] == [str(organization)]
    problem(await client.get(USERS, headers=token), 403)

    elsewhere = await create(
        client,
        CLIENTS,
        admin,
        {"name": "Dashboard", "organization_id": str(other), "role": "analyst", "scopes": []},
    )
    of_org, _ = await walk(client, CLIENTS, admin, organization_id=str(organization))
    assert [c["id"] for c in of_org] == [created["id"]]
    assert "client_secret" not in of_org[0]
    everyone, _ = await walk(client, CLIENTS, admin, limit=1)
    assert {created["id"], elsewhere["id"]} <= {c["id"] for c in everyone}


async def test_integration_client_update_with_if_match(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    created = await create(
        client,
        CLIENTS,
        admin,
        {
            "name": "Monitoring",
            "organization_id": str(organization),
            "role": "analyst",
            "scopes": ["organizations:read"],
        },
    )
    url = f"{CLIENTS}/{created['id']}"
    updated = await patch(
        client,
        url,
        admin,
        1,
        {"name": "Monitoring board", "scopes": ["metrics:read", "organizations:read"]},
    )
    assert updated.status_code == 200, updated.text
    assert updated.headers["ETag"] == '"v2"'
    assert updated.json()["name"] == "Monitoring board"
    assert updated.json()["scopes"] == ["metrics:read", "organizations:read"]
    assert "client_secret" not in updated.json()
    assert await read(client, url, admin) == updated.json()

    problem(await patch(client, url, admin, 1, {"name": "Stale"}), 412)
    problem(await patch(client, url, admin, None, {"name": "Unconditional"}), 428)
    # partner_staff may not hold metrics:read, which the client still has.
    problem(await patch(client, url, admin, 2, {"role": "partner_staff"}), 422)
    problem(await patch(client, url, admin, 2, {"scopes": ["users:manage"]}), 422)
    problem(await patch(client, url, admin, 2, {"role": "platform_admin", "scopes": []}), 422)
    assert await read(client, url, admin) == updated.json()

    narrowed = await patch(
        client, url, admin, 2, {"role": "partner_staff", "scopes": ["organizations:read"]}
    )
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["role"] == "partner_staff"
    assert narrowed.json()["version"] == 3


async def test_integration_client_grants_are_checked(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    before = await total(client, CLIENTS, admin)
    base = {"name": "Bad grant", "organization_id": str(organization)}
    for body in (
        {**base, "role": "platform_admin", "scopes": []},
        {**base, "role": "platform_admin", "scopes": ["organizations:manage"]},
        {**base, "role": "partner_staff", "scopes": ["no-such:scope"]},
        {**base, "role": "analyst", "scopes": ["organizations:read", "users:read"]},
        {**base, "role": "program_manager", "scopes": ["integration-clients:manage"]},
        {**base, "role": "auditor", "scopes": ["audit:read"], "organization_id": str(uuid.uuid4())},
    ):
        problem(await client.post(CLIENTS, json=body, headers=admin.headers), 422)
    assert await total(client, CLIENTS, admin) == before

    # A person's acts are never a client's, whatever its role allows (issue 9): each refusal
    # names the scope and why.
    for scope in (
        "users:manage",
        "cases:assign",
        "consents:override",
        "notes:manage",
        "safety_reports:read",
        "identification_referrals:decide",
        "integration-clients:inbox",
    ):
        refused = await client.post(
            CLIENTS,
            json={**base, "role": "program_manager", "scopes": ["users:read", scope]},
            headers=admin.headers,
        )
        problem(refused, 422)
        assert f"'{scope}'" in refused.json()["detail"], refused.text
        assert "person's act" in refused.json()["detail"], refused.text
    # The referral inbox is granted by the client's own organisation, not by the admin.
    inbox = await client.post(
        CLIENTS,
        json={**base, "role": "partner_staff", "scopes": ["referrals:read", "referrals:inbox"]},
        headers=admin.headers,
    )
    problem(inbox, 422)
    assert "'referrals:inbox'" in inbox.json()["detail"]
    assert "program manager" in inbox.json()["detail"]
    assert await total(client, CLIENTS, admin) == before

    allowed = {**base, "role": "program_manager", "scopes": ["users:read", "cases:read"]}
    created = await create(client, CLIENTS, admin, allowed)
    assert created["scopes"] == ["cases:read", "users:read"]
    assert (created["inbox_granted_by"], created["inbox_granted_at"]) == (None, None)


async def test_integration_client_with_a_chosen_id_and_a_taken_id(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    chosen = uuid.uuid4()
    body = {
        "id": str(chosen),
        "name": "Chosen",
        "organization_id": str(organization),
        "role": "analyst",
    }
    created = await create(client, CLIENTS, admin, body)
    assert created["id"] == str(chosen)
    before = await total(client, CLIENTS, admin)

    problem(await client.post(CLIENTS, json={**body, "name": "Clash"}, headers=admin.headers), 409)
    assert await total(client, CLIENTS, admin) == before
    assert (await read(client, f"{CLIENTS}/{chosen}", admin))["name"] == "Chosen"
    assert (await client_token(client, str(chosen), created["client_secret"])).status_code == 200


async def test_rotating_a_secret_retires_the_old_one(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    created = await create(
        client,
        CLIENTS,
        admin,
        {"name": "Rotating", "organization_id": str(organization), "role": "analyst",
         "scopes": ["organizations:read"]},
    )  # fmt: skip
    old_secret = created["client_secret"]
    assert created["secret_rotated_at"] is None
    url = f"{CLIENTS}/{created['id']}"

    rotated = await client.post(f"{url}/rotate-secret", headers=admin.headers)
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["client_secret"]
    assert new_secret.startswith("shk_")
    assert new_secret != old_secret
    assert rotated.json()["secret_rotated_at"] is not None
    assert rotated.json()["version"] == 2
    assert rotated.headers["ETag"] == '"v2"'
    assert "client_secret" not in await read(client, url, admin)

    refused = problem(await client_token(client, created["id"], old_secret), 401)
    assert refused["error"] == "invalid_client"
    assert (await client_token(client, created["id"], new_secret)).status_code == 200
    problem(
        await client.post(f"{CLIENTS}/{uuid.uuid4()}/rotate-secret", headers=admin.headers), 404
    )


async def test_disabling_a_client_stops_its_tokens(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    created = await create(
        client,
        CLIENTS,
        admin,
        {"name": "Switchable", "organization_id": str(organization), "role": "analyst",
         "scopes": ["organizations:read"]},
    )  # fmt: skip
    secret = created["client_secret"]
    url = f"{CLIENTS}/{created['id']}"
    token = bearer((await client_token(client, created["id"], secret)).json()["access_token"])
    assert (await client.get(ORGS, headers=token)).status_code == 200

    disabled = await client.post(f"{url}/disable", headers=admin.headers)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled"] is True
    assert disabled.json()["version"] == 2
    problem(await client.get(ORGS, headers=token), 401)
    problem(await client_token(client, created["id"], secret), 401)

    enabled = await client.post(f"{url}/enable", headers=admin.headers)
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["disabled"] is False
    assert enabled.json()["version"] == 3
    # Tokens issued before the disabling stay ended; the client signs in again.
    problem(await client.get(ORGS, headers=token), 401)
    fresh = await client_token(client, created["id"], secret)
    assert fresh.status_code == 200, fresh.text
    assert (await client.get(ORGS, headers=bearer(fresh.json()["access_token"]))).status_code == 200


async def test_only_platform_admins_manage_integration_clients(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    manager = await factory.user(organization, Role.program_manager)
    existing = await factory.integration_client(organization, Role.analyst, ["organizations:read"])
    before = await total(client, CLIENTS, admin)
    body = {"name": "Sneaky", "organization_id": str(organization), "role": "analyst"}
    problem(await client.post(CLIENTS, json=body, headers=manager.headers), 403)
    problem(await client.get(CLIENTS, headers=manager.headers), 403)
    url = f"{CLIENTS}/{existing.id}"
    problem(await client.post(f"{url}/rotate-secret", headers=manager.headers), 403)
    problem(await client.post(f"{url}/disable", headers=manager.headers), 403)
    assert await total(client, CLIENTS, admin) == before
    assert (await client_token(client, str(existing.id), existing.secret or "")).status_code == 200


# -- geography ----------------------------------------------------------------------------
async def test_west_bengal_has_its_23_seeded_districts(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    organization = await factory.organization()
    worker = await factory.user(organization, Role.social_worker)
    districts, pages = await walk(client, DISTRICTS, worker, state_id=str(WEST_BENGAL), limit=5)
    assert pages == 5
    names = [d["name"] for d in districts]
    assert len(names) == 23
    assert set(names) == WB_DISTRICTS
    assert names == sorted(names)
    assert {"South 24 Parganas", "North 24 Parganas"} <= set(names)
    for district in districts:
        assert district["state_id"] == str(WEST_BENGAL)
        assert district["id"] == str(wb_district(district["name"]))
    assert await total(client, DISTRICTS, worker, state_id=str(WEST_BENGAL)) == 23

    state = await read(client, f"{STATES}/{WEST_BENGAL}", worker)
    assert (state["name"], state["code"]) == ("West Bengal", "WB")
    south = await read(client, f"{DISTRICTS}/{SOUTH_24}", worker)
    assert south["name"] == "South 24 Parganas"


async def test_states_are_created_read_listed_and_renamed(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    created = await create(client, STATES, admin, {"name": "Odisha", "code": "OD"})
    assert (created["name"], created["code"]) == ("Odisha", "OD")
    url = f"{STATES}/{created['id']}"
    assert await read(client, url, admin) == created
    states, _ = await walk(client, STATES, admin, limit=1)
    assert {str(WEST_BENGAL), created["id"]} <= {s["id"] for s in states}

    renamed = await patch(client, url, admin, 1, {"name": "Orissa", "code": "OR"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.headers["ETag"] == '"v2"'
    assert (renamed.json()["name"], renamed.json()["code"]) == ("Orissa", "OR")
    assert renamed.json()["version"] == 2

    problem(await patch(client, url, admin, 1, {"name": "Stale"}), 412)
    problem(await patch(client, url, admin, None, {"name": "Unconditional"}), 428)
    problem(await patch(client, url, admin, 2, {"code": "or"}), 422)
    problem(await patch(client, url, admin, 2, {"code": "WB"}), 409)
    problem(await patch(client, url, admin, 2, {"name": "West Bengal"}), 409)
    assert await read(client, url, admin) == renamed.json()


async def test_state_rules(client: httpx.AsyncClient, factory: Factory) -> None:
    admin = await factory.platform_admin()
    before = await total(client, STATES, admin)
    for body, status in (
        ({"name": "Jharkhand", "code": "jh"}, 422),
        ({"name": "Jharkhand", "code": "J-H"}, 422),
        ({"name": "Jharkhand", "code": "J H"}, 422),
        ({"name": "Jharkhand", "code": "WB"}, 409),
        ({"name": "West Bengal", "code": "WB2"}, 409),
        ({"id": str(WEST_BENGAL), "name": "Jharkhand", "code": "JH"}, 409),
    ):
        problem(await client.post(STATES, json=body, headers=admin.headers), status)
    assert await total(client, STATES, admin) == before

    chosen = uuid.uuid4()
    created = await create(
        client, STATES, admin, {"id": str(chosen), "name": "Jharkhand", "code": "JH2"}
    )
    assert created["id"] == str(chosen)


async def test_districts_are_created_listed_and_renamed(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    state = await create(client, STATES, admin, {"name": "Odisha", "code": "OD"})
    created = await create(client, DISTRICTS, admin, {"state_id": state["id"], "name": "Khordha"})
    assert created["state_id"] == state["id"]
    url = f"{DISTRICTS}/{created['id']}"
    assert await read(client, url, admin) == created
    # A name may repeat in another state.
    kolkata = await create(client, DISTRICTS, admin, {"state_id": state["id"], "name": "Kolkata"})

    of_state, _ = await walk(client, DISTRICTS, admin, state_id=state["id"], limit=1)
    assert [d["name"] for d in of_state] == ["Khordha", "Kolkata"]
    everywhere, _ = await walk(client, DISTRICTS, admin, limit=200)
    assert {created["id"], kolkata["id"], str(SOUTH_24)} <= {d["id"] for d in everywhere}

    renamed = await patch(client, url, admin, 1, {"name": "Khurda"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.headers["ETag"] == '"v2"'
    assert renamed.json()["name"] == "Khurda"
    assert renamed.json()["version"] == 2

    problem(await patch(client, url, admin, 1, {"name": "Stale"}), 412)
    problem(await patch(client, url, admin, None, {"name": "Unconditional"}), 428)
    problem(await patch(client, url, admin, 2, {"name": "Kolkata"}), 409)
    assert await read(client, url, admin) == renamed.json()

    south = f"{DISTRICTS}/{SOUTH_24}"
    problem(await patch(client, south, admin, 1, {"name": "North 24 Parganas"}), 409)
    assert (await read(client, south, admin))["name"] == "South 24 Parganas"


async def test_district_rules(client: httpx.AsyncClient, factory: Factory) -> None:
    admin = await factory.platform_admin()
    before = await total(client, DISTRICTS, admin)
    for body, status in (
        ({"state_id": str(WEST_BENGAL), "name": "South 24 Parganas"}, 409),
        ({"state_id": str(uuid.uuid4()), "name": "Sundarbans"}, 422),
        ({"id": str(SOUTH_24), "state_id": str(WEST_BENGAL), "name": "Sundarbans"}, 409),
        ({"state_id": str(WEST_BENGAL), "name": "S"}, 422),
    ):
        problem(await client.post(DISTRICTS, json=body, headers=admin.headers), status)
    assert await total(client, DISTRICTS, admin) == before
    assert await total(client, DISTRICTS, admin, state_id=str(WEST_BENGAL)) == 23

    chosen = uuid.uuid4()
    body = {"id": str(chosen), "state_id": str(WEST_BENGAL), "name": "Sundarbans"}
    assert (await create(client, DISTRICTS, admin, body))["id"] == str(chosen)
    assert await total(client, DISTRICTS, admin, state_id=str(WEST_BENGAL)) == 24


async def test_blocks_are_created_listed_and_renamed(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    canning = await create(
        client, BLOCKS, admin, {"district_id": str(SOUTH_24), "name": "Canning I"}
    )
    assert canning["district_id"] == str(SOUTH_24)
    url = f"{BLOCKS}/{canning['id']}"
    assert await read(client, url, admin) == canning
    basanti = await create(client, BLOCKS, admin, {"district_id": str(SOUTH_24), "name": "Basanti"})
    # Same name in another district is fine.
    north = await create(client, BLOCKS, admin, {"district_id": str(NORTH_24), "name": "Canning I"})

    of_south, pages = await walk(client, BLOCKS, admin, district_id=str(SOUTH_24), limit=1)
    assert [b["id"] for b in of_south] == [basanti["id"], canning["id"]]
    assert pages == 2
    of_north, _ = await walk(client, BLOCKS, admin, district_id=str(NORTH_24))
    assert [b["id"] for b in of_north] == [north["id"]]

    renamed = await patch(client, url, admin, 1, {"name": "Canning-I"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.headers["ETag"] == '"v2"'
    assert renamed.json()["name"] == "Canning-I"
    problem(await patch(client, url, admin, 1, {"name": "Stale"}), 412)
    problem(await patch(client, url, admin, None, {"name": "Unconditional"}), 428)
    problem(await patch(client, url, admin, 2, {"name": "Basanti"}), 409)
    assert await read(client, url, admin) == renamed.json()


async def test_block_rules(client: httpx.AsyncClient, factory: Factory) -> None:
    admin = await factory.platform_admin()
    existing = await create(client, BLOCKS, admin, {"district_id": str(SOUTH_24), "name": "Gosaba"})
    before = await total(client, BLOCKS, admin)
    for body, status in (
        ({"district_id": str(SOUTH_24), "name": "Gosaba"}, 409),
        ({"district_id": str(uuid.uuid4()), "name": "Nowhere"}, 422),
        ({"id": existing["id"], "district_id": str(SOUTH_24), "name": "Patharpratima"}, 409),
    ):
        problem(await client.post(BLOCKS, json=body, headers=admin.headers), status)
    assert await total(client, BLOCKS, admin) == before

    chosen = uuid.uuid4()
    body = {"id": str(chosen), "district_id": str(SOUTH_24), "name": "Patharpratima"}
    assert (await create(client, BLOCKS, admin, body))["id"] == str(chosen)


async def test_everyone_reads_geography_and_only_platform_admins_change_it(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    organization = await factory.organization()
    manager = await factory.user(organization, Role.program_manager)
    block = await create(client, BLOCKS, admin, {"district_id": str(SOUTH_24), "name": "Kultali"})
    before = (
        await total(client, STATES, admin),
        await total(client, DISTRICTS, admin),
        await total(client, BLOCKS, admin),
    )

    assert (await read(client, f"{BLOCKS}/{block['id']}", manager))["name"] == "Kultali"
    problem(
        await client.post(STATES, json={"name": "Bihar", "code": "BR"}, headers=manager.headers),
        403,
    )
    body = {"state_id": str(WEST_BENGAL), "name": "Sundarbans"}
    problem(await client.post(DISTRICTS, json=body, headers=manager.headers), 403)
    body = {"district_id": str(SOUTH_24), "name": "Mathurapur"}
    problem(await client.post(BLOCKS, json=body, headers=manager.headers), 403)
    problem(await patch(client, f"{STATES}/{WEST_BENGAL}", manager, 1, {"name": "Bengal"}), 403)
    problem(await patch(client, f"{DISTRICTS}/{SOUTH_24}", manager, 1, {"name": "S 24 Pgs"}), 403)
    problem(await patch(client, f"{BLOCKS}/{block['id']}", manager, 1, {"name": "Kultoli"}), 403)
    after = (
        await total(client, STATES, admin),
        await total(client, DISTRICTS, admin),
        await total(client, BLOCKS, admin),
    )
    assert after == before
    assert (await read(client, f"{STATES}/{WEST_BENGAL}", admin))["version"] == 1
    assert (await read(client, f"{BLOCKS}/{block['id']}", admin))["version"] == 1
    problem(await client.get(f"{DISTRICTS}/{uuid.uuid4()}", headers=manager.headers), 404)
    problem(await client.get(DISTRICTS), 401)
