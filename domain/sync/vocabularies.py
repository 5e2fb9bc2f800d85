"""The editable reference data devices carry: the places (``state``, ``district``, ``block``)
and the scheme catalogue (``scheme``, every version), each as its own read endpoint answers it,
to everyone its area's read policy permits (every signed-in person who may pull). They are
owned by no organisation: a change to one is logged for everyone (migration 0032), and one
deleted comes as a tombstone. The fixed vocabularies (statuses, kinds, categories) are the
enums of the OpenAPI spec, not sent by pull."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.common.policy import Policy
from domain.common.principal import Principal
from domain.entitlements import policies as entitlement_policies
from domain.entitlements.service import SchemeService
from domain.geography import policies as geography_policies
from domain.geography.service import GeographyService
from persistence.uow import UnitOfWork

if TYPE_CHECKING:
    from domain.sync.entities import Anchor, SyncedEntity


async def _read_state(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await GeographyService(uow).get_state(p, entity_id)


async def _read_states(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return await GeographyService(uow).get_states(p, ids)


async def _read_district(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await GeographyService(uow).get_district(p, entity_id)


async def _read_districts(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return await GeographyService(uow).get_districts(p, ids)


async def _read_block(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await GeographyService(uow).get_block(p, entity_id)


async def _read_blocks(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return await GeographyService(uow).get_blocks(p, ids)


async def _read_scheme(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await SchemeService(uow).get(p, entity_id)


async def _read_schemes(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return await SchemeService(uow).get_many(p, ids)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """One kind of editable reference data: the read policy that must permit her."""

    name: str
    policy: Policy


# In a first pull's order (a district after its state, a block after its district); they come
# after every other kind (a first pull's cursor names its step by position, so kinds added
# later go at the end: a cursor made before keeps its meaning).
VOCABULARIES: dict[str, Vocabulary] = {
    kind.name: kind
    for kind in (
        Vocabulary("state", geography_policies.READ),
        Vocabulary("district", geography_policies.READ),
        Vocabulary("block", geography_policies.READ),
        Vocabulary("scheme", entitlement_policies.SCHEMES_READ),
    )
}


def register_vocabularies(entities: dict[str, SyncedEntity]) -> None:
    """Add the readers of the reference data to the registry (read only: never pushed)."""
    from domain.sync.entities import SyncedEntity

    for entity in (
        SyncedEntity("state", _read_state, read_many=_read_states),
        SyncedEntity("district", _read_district, read_many=_read_districts),
        SyncedEntity("block", _read_block, read_many=_read_blocks),
        SyncedEntity("scheme", _read_scheme, read_many=_read_schemes),
    ):
        entities.setdefault(entity.name, entity)
