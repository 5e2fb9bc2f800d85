"""Exports: their rows, their files in sealed pieces, the rows of a dataset read through a
server-side cursor, and the purge of expired files."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.export import Export, ExportStatus
from persistence.models.export_chunk import ExportChunk
from persistence.repositories.session import Repository

# Rows fetched from the server per round trip while an export is written.
CURSOR_BATCH = 1000


class ExportRepository(Repository):
    async def add(self, export: Export) -> None:
        self.session.add(export)
        await self.session.flush()

    async def get_own(self, export_id: UUID, actor_id: UUID) -> Export | None:
        """The export, when ``actor_id`` asked for it (nobody else follows or downloads it)."""
        stmt = sa.select(Export).where(
            col(Export.id) == export_id, col(Export.actor_id) == actor_id
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def get_for_update(self, export_id: UUID) -> Export | None:
        stmt = sa.select(Export).where(col(Export.id) == export_id).with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def count(self, statement: sa.Select[Any]) -> int:
        return int(await self.session.scalar(statement) or 0)

    async def stream(self, statement: sa.Select[Any]) -> AsyncIterator[Mapping[str, Any]]:
        """The rows of ``statement`` one by one, fetched in batches through a server-side
        cursor (the unit's transaction holds it): memory stays flat whatever their number."""
        result = await self.session.stream(statement, execution_options={"yield_per": CURSOR_BATCH})
        async for partition in result.mappings().partitions(CURSOR_BATCH):
            for row in partition:
                yield row

    # -- files ------------------------------------------------------------------------------
    async def drop_chunks(self, export_id: UUID) -> None:
        await self.session.execute(
            sa.delete(ExportChunk).where(col(ExportChunk.export_id) == export_id)
        )

    async def add_chunk(self, export_id: UUID, seq: int, data: bytes) -> None:
        # Core, not the ORM: a piece must not stay in the session's identity map.
        await self.session.execute(
            sa.insert(ExportChunk).values(export_id=export_id, seq=seq, data_enc=data)
        )

    async def chunk(self, export_id: UUID, seq: int) -> bytes | None:
        stmt = sa.select(col(ExportChunk.data_enc)).where(
            col(ExportChunk.export_id) == export_id, col(ExportChunk.seq) == seq
        )
        data: bytes | None = await self.session.scalar(stmt)
        return data

    async def expire(self, now: datetime) -> list[UUID]:
        """Mark every ready export whose time has passed expired and delete its file."""
        expired = list(
            (
                await self.session.scalars(
                    sa.update(Export)
                    .where(
                        col(Export.status) == ExportStatus.ready,
                        col(Export.expires_at) <= now,
                    )
                    .values(status=ExportStatus.expired, chunk_count=0)
                    .returning(col(Export.id))
                )
            ).all()
        )
        if expired:
            await self.session.execute(
                sa.delete(ExportChunk).where(col(ExportChunk.export_id).in_(expired))
            )
        return expired
