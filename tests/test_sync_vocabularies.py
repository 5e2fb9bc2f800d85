"""The editable reference data a pull carries, on real PostgreSQL with real commits: the places
(states, districts, blocks) and the scheme catalogue (every version), each as its own read
endpoint answers it, to everyone who may pull (survivor leaders too); a change comes with the
next pull, a deleted one as a tombstone; devices whose first pull ended before migration 0032
receive what was there already. An integration client pulls nothing, and nothing personal is
in them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.common.principal import Role
from domain.common.schemas import personal_fields
from domain.entitlements.schemas import SchemeRead
from domain.geography.schemas import BlockRead, DistrictRead, StateRead
from domain.sync.cursor import Position
from domain.sync.pull import FIRST_PULL_ORDER
from domain.sync.schemas import SyncEntity
from tests import test_sync_carried
from tests.factories import SOUTH_24, Actor
from tests.test_sync_carried import API, PULL, World, pull_all

world = test_sync_carried.world  # (the fixture: the same world as what a pull carries)

VOCABULARIES = ("state", "district", "block", "scheme")
READ_OF = {
    "state": "states/{id}",
    "district": "districts/{id}",
    "block": "blocks/{id}",
    "scheme": "schemes/{id}",
}
# The first pull's order before the places and schemes were carried: a cursor names its step
# by position in it, so it must stay a prefix of the order.
ORDER_BEFORE = (
    "assessment_instrument",
    "survivor",
    "case",
    "consent",
    "case_note",
    "case_visit",
    "care_plan_goal",
    "assessment",
    "referral",
    "entitlement_application",
    "shg",
    "shg_member",
    "shg_meeting",
    "shg_balances",
    "leader_group",
    "leader_group_meeting",
    "campaign",
    "demand",
    "attachment",
    "leader_group_member",
)


def vocabulary(changes: list[dict[str, Any]], op: str = "upsert") -> dict[tuple[str, str], Any]:
    """The places and schemes among ``changes`` (of ``op``), each with its data."""
    return {
        (c["entity"], c["id"]): c["data"]
        for c in changes
        if c["op"] == op and c["entity"] in VOCABULARIES
    }


async def stored(world: World) -> set[tuple[str, str]]:
    """Every place and scheme version not deleted, as the database holds them."""
    rows = await world.sql(
        " UNION ALL ".join(
            f"SELECT '{table}', id FROM {table} WHERE deleted_at IS NULL" for table in VOCABULARIES
        )
    )
    return {(entity, str(record)) for entity, record in rows}


async def as_endpoints_show(world: World, actor: Actor, pulled: dict[Any, Any]) -> None:
    """Each record pulled is exactly what its own read endpoint answers her."""
    for (entity, record), data in pulled.items():
        read = await world.client.get(
            f"{API}/" + READ_OF[entity].format(id=record), headers=actor.headers
        )
        assert read.status_code == 200, read.text
        assert data == read.json(), (entity, record)
        assert data["version"] == read.json()["version"]


async def admin_created(world: World, admin: Actor, path: str, body: dict[str, Any]) -> Any:
    return await world.created(admin, f"{API}/{path}", body)


def new_scheme(code: str = "vocab_test_scheme", **fields: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Test scheme",
        "benefit": "A benefit for the test.",
        "amount_paise": 100_000,
        "amount_period": "monthly",
        "documents_required": ["aadhaar"],
        "effective_from": "2024-04-01",
        **fields,
    }


async def test_a_first_pull_carries_every_place_and_scheme_as_its_endpoint_shows_them(
    world: World,
) -> None:
    admin = await world.factory.platform_admin()
    await admin_created(world, admin, "blocks", {"district_id": str(SOUTH_24), "name": "Canning I"})
    leader = await world.factory.user(world.org, Role.survivor_leader, districts=(SOUTH_24,))
    expected = await stored(world)
    assert {entity for entity, _ in expected} == set(VOCABULARIES)
    for actor in (world.worker, world.manager, leader):
        changes, _ = await pull_all(world, actor)
        pulled = vocabulary(changes)
        # Every one, to every person who may pull (a survivor leader too), and each once.
        assert set(pulled) == expected
        assert len([c for c in changes if c["entity"] in VOCABULARIES]) == len(expected)
        await as_endpoints_show(world, actor, pulled)
        if actor is world.worker:
            # Sent last, after what a first pull sent before (the instruments here).
            kinds = [c["entity"] for c in changes]
            others = [i for i, kind in enumerate(kinds) if kind not in VOCABULARIES]
            assert others
            assert kinds.index("state") > max(others)
    assert FIRST_PULL_ORDER[: len(ORDER_BEFORE)] == ORDER_BEFORE
    assert FIRST_PULL_ORDER[len(ORDER_BEFORE) :] == VOCABULARIES


async def test_a_changed_scheme_a_new_block_and_a_renamed_district_come_in_the_next_pull(
    world: World,
) -> None:
    admin = await world.factory.platform_admin()
    leader = await world.factory.user(world.org, Role.survivor_leader, districts=(SOUTH_24,))
    first = await admin_created(world, admin, "schemes", new_scheme())
    _, cursor = await pull_all(world, world.worker)
    _, leader_cursor = await pull_all(world, leader)

    block = await admin_created(
        world, admin, "blocks", {"district_id": str(SOUTH_24), "name": "Basanti"}
    )
    # A new version of the scheme ends the one before (its effective_to changes).
    second = await admin_created(
        world, admin, "schemes", new_scheme(amount_paise=120_000, effective_from="2025-04-01")
    )
    district = await world.client.get(f"{API}/districts/{SOUTH_24}", headers=admin.headers)
    renamed = await world.client.patch(
        f"{API}/districts/{SOUTH_24}",
        json={"name": "Dakshin 24 Parganas"},
        headers={**admin.headers, "If-Match": district.headers["ETag"]},
    )
    assert renamed.status_code == 200, renamed.text

    for actor, since in ((world.worker, cursor), (leader, leader_cursor)):
        later, _ = await pull_all(world, actor, since)
        pulled = vocabulary(later)
        assert set(pulled) == {
            ("block", block["id"]),
            ("scheme", first["id"]),
            ("scheme", second["id"]),
            ("district", str(SOUTH_24)),
        }
        assert pulled[("scheme", first["id"])]["effective_to"] == "2025-03-31"
        assert pulled[("scheme", first["id"])]["version"] == first["version"] + 1
        assert pulled[("scheme", second["id"])]["amount_paise"] == 120_000
        assert pulled[("district", str(SOUTH_24))]["name"] == "Dakshin 24 Parganas"
        assert vocabulary(later, "delete") == {}
        await as_endpoints_show(world, actor, pulled)


async def test_a_deleted_place_or_scheme_comes_as_a_tombstone(world: World) -> None:
    admin = await world.factory.platform_admin()
    block = await admin_created(
        world, admin, "blocks", {"district_id": str(SOUTH_24), "name": "Gosaba"}
    )
    scheme = await admin_created(world, admin, "schemes", new_scheme("vocab_gone"))
    _, cursor = await pull_all(world, world.worker)

    # A block retired (soft-deleted), a scheme version removed outright.
    await world.sql("UPDATE block SET deleted_at = now() WHERE id = :id", id=UUID(block["id"]))
    await world.sql("DELETE FROM scheme WHERE id = :id", id=UUID(scheme["id"]))
    later, cursor = await pull_all(world, world.worker, cursor)
    assert [(c["entity"], c["id"], c["op"], c["data"]) for c in later] == [
        ("block", block["id"], "delete", None),
        ("scheme", scheme["id"], "delete", None),
    ]
    # Gone from a first pull too; and restored, it comes again.
    fresh, _ = await pull_all(world, world.manager)
    assert {("block", block["id"]), ("scheme", scheme["id"])}.isdisjoint(vocabulary(fresh))
    await world.sql("UPDATE block SET deleted_at = NULL WHERE id = :id", id=UUID(block["id"]))
    again, _ = await pull_all(world, world.worker, cursor)
    assert set(vocabulary(again)) == {("block", block["id"])}


async def test_devices_whose_first_pull_ended_before_receive_what_was_there(
    world: World,
) -> None:
    """Migration 0032 logged the places and schemes already there: a cursor of the change log
    from before it (a device's first pull that ended without them) brings them all."""
    ((txid, seq),) = await world.sql(
        "SELECT txid, seq FROM sync_change WHERE entity IN ('state', 'district', 'block',"
        " 'scheme') ORDER BY txid, seq LIMIT 1"
    )
    before = Position("l", txid, seq - 1).encode()
    changes, _ = await pull_all(world, world.worker, before)
    assert set(vocabulary(changes)) == await stored(world)


async def test_an_integration_client_pulls_none_and_nothing_personal_is_in_them(
    world: World,
) -> None:
    machine = await world.factory.integration_client(
        world.org, Role.program_manager, ["geography:read", "schemes:read"], unchecked=True
    )
    answer = await world.client.get(PULL, headers=machine.headers)
    assert answer.status_code == 403, answer.text
    for read in (StateRead, DistrictRead, BlockRead, SchemeRead):
        assert personal_fields(read) == frozenset(), read
    assert {SyncEntity(kind) for kind in VOCABULARIES} <= set(SyncEntity)
    # The log keeps no organisation, person or scope key of them: ids only.
    rows = await world.sql(
        "SELECT DISTINCT organization_id, case_id, survivor_id, holder_id,"
        " prior_organization_id, prior_district_id, prior_assigned_worker_id, prior_created_by"
        " FROM sync_change WHERE entity IN ('state', 'district', 'block', 'scheme')"
    )
    assert rows == [(None,) * 8]
