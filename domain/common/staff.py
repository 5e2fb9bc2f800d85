"""Names, not ids, where a person needs to act: the staff member (or integration client) and
the organisation behind the ids a timeline or a list carries, looked up for a whole page at
once (persistence/repositories/staff.py: two queries, whatever the page's length).

A staff member's name and work contact are not a survivor's data, but an account may name a
survivor (a survivor leader's): like every account's name (``UserRead.full_name``) they are
``Personal()``, so an integration client receives them as null. Organisation names are public
within the platform (the service directory lists them) and flow to everyone who sees the
record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Annotated
from uuid import UUID

from pydantic import Field

from domain.common.schemas import Personal
from persistence.repositories.staff import Actor, StaffRepository
from persistence.uow import UnitOfWork

StaffName = Annotated[
    str | None,
    Personal(),
    Field(description="The name of the staff member (or integration client) who acted."),
]
OrganizationName = Annotated[
    str | None, Field(description="The name of the organisation she acted for.")
]


@dataclass(frozen=True, slots=True)
class StaffNames:
    """The names of a page's actors and organisations."""

    actors: Mapping[UUID, Actor] = field(default_factory=dict)
    organizations: Mapping[UUID, str] = field(default_factory=dict)

    def name(self, actor_id: UUID | None) -> str | None:
        actor = self.actors.get(actor_id) if actor_id is not None else None
        return actor.name if actor else None

    def work_contact(self, actor_id: UUID | None) -> str | None:
        actor = self.actors.get(actor_id) if actor_id is not None else None
        return actor.work_contact if actor else None

    def organization_of(self, actor_id: UUID | None) -> UUID | None:
        """The organisation the actor works for (now)."""
        actor = self.actors.get(actor_id) if actor_id is not None else None
        return actor.organization_id if actor else None

    def organization(self, organization_id: UUID | None) -> str | None:
        if organization_id is None:
            return None
        return self.organizations.get(organization_id)


@dataclass(slots=True)
class _Remembered:
    actors: dict[UUID, Actor | None] = field(default_factory=dict)
    organizations: dict[UUID, str | None] = field(default_factory=dict)


_remembered: ContextVar[_Remembered | None] = ContextVar("staff_names_remembered", default=None)


@contextmanager
def names_remembered() -> Iterator[None]:
    """Within the block, :func:`staff_names` looks each id up once: for one caller's batch of
    writes that each answer with the writer's name (a push of many mutations, which renames
    nobody), instead of two queries a write."""
    token = _remembered.set(_Remembered())
    try:
        yield
    finally:
        _remembered.reset(token)


async def staff_names(
    uow: UnitOfWork,
    actor_ids: Iterable[UUID | None],
    organization_ids: Iterable[UUID | None] = (),
) -> StaffNames:
    """The names of ``actor_ids`` and of ``organization_ids`` (and of the organisations the
    actors work for)."""
    repository = StaffRepository(uow)
    memo = _remembered.get()
    people = {i for i in actor_ids if i is not None}
    if memo is None:
        actors = await repository.actors(people)
    else:
        missing = people - memo.actors.keys()
        found = await repository.actors(missing) if missing else {}
        memo.actors.update({i: found.get(i) for i in missing})
        actors = {i: a for i in people if (a := memo.actors[i]) is not None}
    wanted = {i for i in organization_ids if i is not None}
    wanted |= {a.organization_id for a in actors.values() if a.organization_id is not None}
    if memo is None:
        return StaffNames(actors, await repository.organization_names(wanted))
    missing = wanted - memo.organizations.keys()
    named = await repository.organization_names(missing) if missing else {}
    memo.organizations.update({i: named.get(i) for i in missing})
    organizations = {i: n for i in wanted if (n := memo.organizations[i]) is not None}
    return StaffNames(actors, organizations)
