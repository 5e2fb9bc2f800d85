"""Conflicts kept from pushes: her own, listed and resolved with the value she chooses (the
server's, her own, or another), applied through the entity's service like any update."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize
from domain.common.errors import InvalidState
from domain.common.listing import CREATED, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import require
from domain.sync import policies
from domain.sync.entities import ENTITIES, document
from domain.sync.push import anchor_of, given_change, open_conflict_values
from domain.sync.schemas import ConflictPage, ConflictRead, ConflictResolved
from domain.sync.versions import keep_given
from persistence.models.base import utcnow
from persistence.models.sync_conflict import SyncConflict
from persistence.repositories.sync import SyncRepository
from persistence.uow import UnitOfWork

ENTITY = "sync_conflict"


class SyncConflictService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.sync = SyncRepository(uow)

    async def list(self, principal: Principal, page: PageRequest) -> ConflictPage:
        """Her conflicts not yet resolved, oldest first. Raises PermissionDenied."""
        authorize(self.uow, principal, policies.CONFLICTS, ENTITY)

        def shown(rows: Sequence[SyncConflict]) -> list[ConflictRead]:
            return [self._read(row) for row in rows]

        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.sync.open_conflicts(principal.id, after, limit + 1),
            to_read=shown,
            page_type=ConflictPage,
            count=lambda: self.sync.count_open_conflicts(principal.id),
        )

    async def resolve(
        self, principal: Principal, conflict_id: UUID, value: Any
    ) -> ConflictResolved:
        """Set the field to the value she chose, on the record as it stands now. Raises
        NotFound (not hers), InvalidState (already resolved), and what the entity's update
        raises (validation, scope, state)."""
        authorize(self.uow, principal, policies.CONFLICTS, ENTITY, conflict_id)
        conflict = await require(self.sync.conflict(conflict_id, principal.id), "Conflict")
        if conflict.resolved_at is not None:
            raise InvalidState("The conflict was resolved already.")
        synced = ENTITIES[conflict.entity]
        if synced.update is None:  # pragma: no cover - only updates make conflicts
            raise InvalidState("This conflict cannot be resolved here.")
        anchor = await anchor_of(self.uow, synced, conflict.entity_id)
        current = document(await synced.read(self.uow, principal, conflict.entity_id, anchor))
        if current.get(conflict.field) == value:
            # The server's value chosen (or reached meanwhile): nothing to change.
            version = int(current["version"])
            await self.sync.resolve(conflict, utcnow(), version)
            return ConflictResolved(id=conflict.id, version=version)
        updated = document(
            await synced.update(
                self.uow,
                principal,
                conflict.entity_id,
                anchor,
                {conflict.field: value},
                int(current["version"]),
            )
        )
        version = int(updated["version"])
        await keep_given(self.uow, [given_change(synced, conflict.entity_id, updated)])
        await self.sync.resolve(conflict, utcnow(), version)
        return ConflictResolved(id=conflict.id, version=version)

    def _read(self, conflict: SyncConflict) -> ConflictRead:
        values = open_conflict_values(self.uow, conflict)
        return ConflictRead(
            id=conflict.id,
            mutation_id=conflict.mutation_id,
            entity=conflict.entity,
            entity_id=conflict.entity_id,
            field=conflict.field,
            base_version=conflict.base_version,
            server_version=conflict.server_version,
            server=values.get("server"),
            base=values.get("base"),
            client=values.get("client"),
            created_at=conflict.created_at,
        )
