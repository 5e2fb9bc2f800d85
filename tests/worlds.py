"""One configurable world for the API tests: the organisations, people, integration clients
and records a test file works with, declared as data and created through tests/factories.py
in the order they are declared (organisations, then people, then clients, then records).

A test file declares what its world holds and keeps only what is its own::

    class World(CaseWorld):
        clients = {"client_a": Client("org_a", Role.program_manager, ("legal:read",))}


    world = world_fixture(World)

Each entry becomes an attribute of the world under its key (``world.org_a`` an organisation's
id, ``world.sw_a`` an ``Actor``). A file that needs more overrides ``records`` (which runs
last), and may add methods of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self
from uuid import UUID

import pytest

from domain.common.principal import Role
from persistence.models.enums import OrganizationKind
from tests.factories import NORTH_24, SOUTH_24, Actor, CaseFactory, Factory


@dataclass(frozen=True)
class Org:
    """An organisation; a generated name unless one is given (or a function that makes a
    name for each world)."""

    name: str | Callable[[], str] | None = None
    kind: OrganizationKind = OrganizationKind.partner_ngo


@dataclass(frozen=True)
class Person:
    """A user of ``organization`` (the key of one of the world's organisations)."""

    organization: str
    role: Role
    districts: tuple[UUID, ...] = ()
    name: str | None = None
    work_contact: str | None = None


@dataclass(frozen=True)
class PlatformAdmin:
    """The platform's administrator (no organisation)."""


@dataclass(frozen=True)
class Client:
    """An integration client of ``organization`` granted ``scopes`` (``unchecked``: written
    into its row past the grant's checks, see ``Factory.integration_client``)."""

    organization: str
    role: Role
    scopes: tuple[str, ...] = ()
    unchecked: bool = False


ADMIN = PlatformAdmin()


def person(organization: str, role: Role, *districts: UUID, **details: str) -> Person:
    return Person(organization, role, districts, **details)


# The people around a case of A in South 24 Parganas: A's program manager, the social worker
# the case is assigned to (sw_a), another of her district, one of another district; B's
# program manager, social worker and partner staff; A's roles that see no case; the admin.
CASE_PEOPLE: Mapping[str, Person | PlatformAdmin] = {
    "pm_a": person("org_a", Role.program_manager),
    "sw_a": person("org_a", Role.social_worker, SOUTH_24),
    "sw_a2": person("org_a", Role.social_worker, SOUTH_24),
    "sw_north": person("org_a", Role.social_worker, NORTH_24),
    "pm_b": person("org_b", Role.program_manager),
    "sw_b": person("org_b", Role.social_worker, SOUTH_24),
    "partner_b": person("org_b", Role.partner_staff),
    "analyst_a": person("org_a", Role.analyst),
    "leader_a": person("org_a", Role.survivor_leader),
    "auditor_a": person("org_a", Role.auditor),
    "admin": ADMIN,
}


def with_people(
    people: Mapping[str, Person | PlatformAdmin],
    *,
    after: str | None = None,
    **changed: Person | PlatformAdmin,
) -> dict[str, Person | PlatformAdmin]:
    """``people`` with ``changed`` ones replaced where they stand, and new ones added after the
    person ``after`` (else at the end), so that they are created in that order."""
    result: dict[str, Person | PlatformAdmin] = {}
    added = {key: value for key, value in changed.items() if key not in people}
    for key, value in people.items():
        result[key] = changed.get(key, value)
        if key == after:
            result.update(added)
    result.update(added)
    return result


class BaseWorld:
    """Organisations A and B, and whatever a test file declares."""

    organizations: ClassVar[Mapping[str, Org]] = {"org_a": Org(), "org_b": Org()}
    people: ClassVar[Mapping[str, Person | PlatformAdmin]] = {}
    clients: ClassVar[Mapping[str, Client]] = {}

    def __init__(self, factory: Factory) -> None:
        self.factory = factory
        self.cases = CaseFactory(factory)

    if TYPE_CHECKING:
        # The declared entries are attributes named by their keys.
        def __getattr__(self, name: str) -> Any: ...

    async def build(self) -> Self:
        f = self.factory
        for key, org in self.organizations.items():
            name = org.name() if callable(org.name) else org.name
            setattr(self, key, await f.organization(name, kind=org.kind))
        for key, someone in self.people.items():
            if isinstance(someone, PlatformAdmin):
                setattr(self, key, await f.platform_admin())
                continue
            details = {"name": someone.name} if someone.name is not None else {}
            actor = await f.user(
                getattr(self, someone.organization),
                someone.role,
                districts=someone.districts,
                work_contact=someone.work_contact,
                **details,
            )
            setattr(self, key, actor)
        for key, client in self.clients.items():
            actor = await f.integration_client(
                getattr(self, client.organization),
                client.role,
                scopes=list(client.scopes),
                unchecked=client.unchecked,
            )
            setattr(self, key, actor)
        await self.records()
        return self

    async def records(self) -> None:
        """What the world holds beyond its people (nothing here)."""

    def actor(self, name: str) -> Actor:
        """The person or client declared as ``name`` (for tests parametrized by name)."""
        found: Actor = getattr(self, name)
        return found


def world_fixture(world_class: type[BaseWorld]) -> Any:
    """A test module's ``world`` fixture: ``world_class`` built on the test's factory
    (``world = world_fixture(World)``)."""

    @pytest.fixture
    async def world(factory: Factory) -> BaseWorld:
        return await world_class(factory).build()

    return world


class CaseWorld(BaseWorld):
    """Two organisations and the people around a case (``CASE_PEOPLE``); a survivor of A with
    a case held by ``sw_a``; if asked, a survivor of B (``survivor_b``) and her case
    (``case_b``)."""

    people = CASE_PEOPLE
    survivor_name: ClassVar[str | None] = None
    survivor_of_b: ClassVar[bool] = False
    case_of_b: ClassVar[bool] = False

    async def records(self) -> None:
        details = {"name": self.survivor_name} if self.survivor_name is not None else {}
        self.survivor = await self.cases.survivor(self.org_a, created_by=self.sw_a.id, **details)
        self.case = await self.cases.case(
            self.org_a, self.survivor, assigned_worker_id=self.sw_a.id
        )
        if self.survivor_of_b or self.case_of_b:
            self.survivor_b = await self.cases.survivor(self.org_b)
        if self.case_of_b:
            self.case_b = await self.cases.case(self.org_b, self.survivor_b)


# The rows of an area's authorization matrix over two survivors, S of A and T of B
# (tests/test_survivors.py, tests/test_consents.py): A's program manager, the social worker
# S's case is assigned to, another of her district (twice: her organisation's district
# visibility off, then on), B's program manager and partner staff, the roles that see no
# survivor, the admin, and a client of each organisation.
MATRIX_ACTORS = (
    "pm_a", "sw_assigned", "sw_district", "sw_district_visible", "pm_b", "partner_b",
    "analyst_a", "leader_a", "auditor_a", "admin", "client_a", "client_b",
)  # fmt: skip


@dataclass
class MatrixCast:
    """Organisations A ("Org A") and B ("Org B") and the matrix's actors by row name."""

    org_a: UUID
    org_b: UUID
    actors: dict[str, Actor]
    cases: CaseFactory


async def matrix_cast(
    factory: Factory, *, district_visibility: bool, client_a_scopes: list[str]
) -> MatrixCast:
    """The organisations and ``MATRIX_ACTORS`` (A's client granted ``client_a_scopes``, B's
    none); A lets district social workers see its cases if ``district_visibility``."""
    org_a = await factory.organization("Org A")
    org_b = await factory.organization("Org B")
    cases = CaseFactory(factory)
    if district_visibility:
        await cases.allow_district_visibility(org_a)
    pm_a = await factory.user(org_a, Role.program_manager)
    sw_assigned = await factory.user(org_a, Role.social_worker, districts=(SOUTH_24,))
    sw_district = await factory.user(org_a, Role.social_worker, districts=(SOUTH_24,))
    pm_b = await factory.user(org_b, Role.program_manager)
    actors = {
        "pm_a": pm_a,
        "sw_assigned": sw_assigned,
        "sw_district": sw_district,
        "sw_district_visible": sw_district,
        "pm_b": pm_b,
        "partner_b": await factory.user(org_b, Role.partner_staff),
        "analyst_a": await factory.user(org_a, Role.analyst),
        "leader_a": await factory.user(org_a, Role.survivor_leader),
        "auditor_a": await factory.user(org_a, Role.auditor),
        "admin": await factory.platform_admin(),
        "client_a": await factory.integration_client(org_a, Role.program_manager, client_a_scopes),
        "client_b": await factory.integration_client(org_b, Role.partner_staff, []),
    }
    return MatrixCast(org_a, org_b, actors, cases)
