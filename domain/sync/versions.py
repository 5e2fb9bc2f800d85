"""The versions of records a device was given, kept sealed: the base an offline update is
compared with, field by field. Only entities that take offline updates keep them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.sync.entities import ENTITIES
from domain.sync.schemas import SyncChange
from persistence.crypto import Place
from persistence.models.base import utcnow
from persistence.repositories.sync import GivenVersion, SyncRepository
from persistence.uow import UnitOfWork

TABLE = "sync_record_version"


def _place(entity: str, entity_id: UUID, version: int) -> Place:
    return Place(TABLE, "data_enc", f"{entity}:{entity_id}:{version}")


async def keep_given(uow: UnitOfWork, changes: Sequence[SyncChange]) -> None:
    """Keep what the device is given of records it may update offline."""
    kept = [
        GivenVersion(
            entity=change.entity.value,
            entity_id=change.id,
            version=change.version,
            data_enc=uow.cipher.seal_json(
                change.data, _place(change.entity.value, change.id, change.version)
            ),
            created_at=utcnow(),
        )
        for change in changes
        if change.op == "upsert"
        and change.version is not None
        and ENTITIES[change.entity.value].update is not None
    ]
    await SyncRepository(uow).keep_versions(kept)


async def given(
    uow: UnitOfWork, entity: str, entity_id: UUID, version: int
) -> dict[str, Any] | None:
    """The record as a device was given it at ``version``; None if no device was."""
    sealed = await SyncRepository(uow).version(entity, entity_id, version)
    if sealed is None:
        return None
    value = uow.cipher.open_json(sealed, _place(entity, entity_id, version))
    return value if isinstance(value, dict) else None
