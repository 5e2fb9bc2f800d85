"""The one base every business table follows, and the metadata's constraint naming convention.

Import this module before any model: the naming convention must be set on the metadata before
tables are declared, so that migrations name constraints the same way on every database.
"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from persistence import clock

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def utcnow() -> datetime:
    """The current instant, from the one clock (persistence/clock.py)."""
    return clock.now()


def enum_column(enum_class: type[enum.Enum], name: str) -> sa.Enum:
    """A VARCHAR with a CHECK constraint over the enum's values (no native PG enum types:
    those are awkward to change in migrations)."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=40,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Entity(SQLModel):
    """Columns of every business record.

    ``id`` may be supplied by the client (the mobile app creates records offline);
    ``version`` counts updates for optimistic concurrency (ETag / If-Match);
    ``deleted_at`` marks a soft delete so that devices learn of deletions when they sync.
    """

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now()},
        nullable=False,
    )
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=sa.DateTime(timezone=True),
        sa_column_kwargs={"server_default": sa.func.now()},
        nullable=False,
    )
    created_by: UUID | None = Field(default=None, nullable=True)
    version: int = Field(
        default=1, nullable=False, sa_column_kwargs={"server_default": sa.text("1")}
    )
    deleted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class OrganizationOwned(SQLModel):
    """The owning organisation, indexed: every scoped query filters on it."""

    organization_id: UUID = Field(foreign_key="organization.id", index=True, nullable=False)


class PlaceBound(SQLModel):
    """The district a record belongs to, indexed for district scope."""

    district_id: UUID | None = Field(default=None, foreign_key="district.id", index=True)


def touch(record: Entity) -> None:
    """Mark a record changed: new version, new updated_at."""
    record.version += 1
    record.updated_at = utcnow()
