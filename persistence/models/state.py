from __future__ import annotations

from sqlmodel import Field

from persistence.models.base import Entity


class State(Entity, table=True):
    """A state or union territory of India."""

    __tablename__ = "state"

    name: str = Field(max_length=100, sa_column_kwargs={"unique": True})
    code: str = Field(max_length=8, sa_column_kwargs={"unique": True})
