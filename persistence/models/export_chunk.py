from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class ExportChunk(SQLModel, table=True):
    """One piece (up to 1 MiB before sealing) of an export's file, sealed under the data key
    with its export and position as associated data: read and written one piece at a time,
    so neither the worker nor a download holds a whole file in memory."""

    __tablename__ = "export_chunk"

    export_id: UUID = Field(foreign_key="export.id", primary_key=True, ondelete="CASCADE")
    seq: int = Field(primary_key=True)
    data_enc: bytes = Field(sa_type=sa.LargeBinary)
