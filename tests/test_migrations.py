"""The schema comes only from Alembic migrations: stairway, one head, no drift from the models."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

import persistence.models  # noqa: F401
from persistence import migrator
from persistence.database import create_engine
from persistence.queue import outside_models
from tests.factories import wb_district

WEST_BENGAL_DISTRICTS = 23


async def _tables(url: str) -> set[str]:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


def test_exactly_one_head() -> None:
    assert len(migrator.heads()) == 1


async def test_stairway_upgrade_downgrade_upgrade(empty_database_url: str) -> None:
    await asyncio.to_thread(migrator.upgrade, empty_database_url)
    tables = await _tables(empty_database_url)
    assert {"organization", "app_user", "audit_event", "district"} <= tables

    await asyncio.to_thread(migrator.downgrade, empty_database_url, "base")
    assert await _tables(empty_database_url) == {"alembic_version"}

    await asyncio.to_thread(migrator.upgrade, empty_database_url)
    assert await _tables(empty_database_url) == tables


async def test_models_and_migrations_do_not_drift(connection: AsyncConnection) -> None:
    def diff(sync_connection: sa.Connection) -> list[object]:
        context = MigrationContext.configure(
            sync_connection, opts={"compare_type": True, "include_name": outside_models}
        )
        return list(compare_metadata(context, SQLModel.metadata))

    assert await connection.run_sync(diff) == []


async def test_west_bengal_and_its_districts_are_seeded(connection: AsyncConnection) -> None:
    count = await connection.scalar(
        sa.text(
            "SELECT count(*) FROM district d JOIN state s ON s.id = d.state_id WHERE s.code = 'WB'"
        )
    )
    assert count == WEST_BENGAL_DISTRICTS
    south = await connection.scalar(
        sa.text("SELECT name FROM district WHERE id = :id"),
        {"id": wb_district("South 24 Parganas")},
    )
    assert south == "South 24 Parganas"


def test_app_never_creates_tables_itself() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    offenders = [
        str(path.relative_to(root))
        for folder in ("api", "domain", "persistence", "seeds")
        for path in (root / folder).rglob("*.py")
        if "create_all(" in path.read_text()
    ]
    assert offenders == []


# Every business table follows one base (persistence.models.base.Entity).
BUSINESS_TABLES = {
    "organization": {"owned": False},
    "app_user": {"owned": True},
    "integration_client": {"owned": True},
    "state": {"owned": False},
    "district": {"owned": False},
    "block": {"owned": False},
}


@pytest.mark.parametrize("table_name", sorted(BUSINESS_TABLES))
def test_business_tables_follow_the_base(table_name: str) -> None:
    table = SQLModel.metadata.tables[table_name]
    columns = table.columns
    assert [c.name for c in table.primary_key.columns] == ["id"]
    assert isinstance(columns["id"].type, sa.Uuid)
    for name in ("created_at", "updated_at"):
        assert isinstance(columns[name].type, sa.DateTime)
        assert columns[name].type.timezone is True
        assert not columns[name].nullable
    assert isinstance(columns["created_by"].type, sa.Uuid)
    assert isinstance(columns["version"].type, sa.Integer)
    assert not columns["version"].nullable
    assert columns["deleted_at"].type.timezone is True
    assert columns["deleted_at"].nullable
    if BUSINESS_TABLES[table_name]["owned"]:
        organization = columns["organization_id"]
        assert not organization.nullable
        assert any(fk.column.table.name == "organization" for fk in organization.foreign_keys)
        indexed = {next(c.name for c in index.columns) for index in table.indexes}
        assert "organization_id" in indexed


async def test_client_may_supply_the_id(connection: AsyncConnection) -> None:
    chosen = uuid.uuid4()
    await connection.execute(
        sa.text("INSERT INTO state (id, name, code) VALUES (:id, 'Odisha', 'OD')"), {"id": chosen}
    )
    stored = await connection.scalar(
        sa.text("SELECT version FROM state WHERE id = :id"), {"id": chosen}
    )
    assert stored == 1
