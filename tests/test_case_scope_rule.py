"""The case scope has one definition (``_visible`` in persistence/repositories/cases.py): the
ORM's ``case_visible`` and the hot reads' text form ``case_scope_sql`` are both made from it.
For each scope shape the fast path runs the compiled text, and in a world of cases both forms
select the same cases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from domain.common.principal import Role
from persistence.audit_chain import AuditRecord
from persistence.database import Database
from persistence.repositories.cases import (
    CaseFilter,
    CaseReads,
    case_ids_visible,
    case_scope_sql,
    scope_sql_template,
)
from persistence.scope import CaseScope
from persistence.uow import UnitOfWork
from tests.factories import NORTH_24, SOUTH_24, CaseFactory, Factory, wb_district

NADIA = wb_district("Nadia")


def _record(organization_id: UUID | None) -> AuditRecord:
    return AuditRecord(
        id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        actor_type="system",
        actor_id=None,
        organization_id=organization_id,
        action="search",
        entity_type="survivor_case",
        entity_id=None,
        request_id=None,
        outcome="success",
    )


def _binder(args: list[Any]) -> Any:
    """An ``arg`` callback numbering parameters after those already in ``args``."""

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    return arg


def _shapes(org: UUID, worker: UUID) -> list[CaseScope]:
    return [
        CaseScope(organization_id=org),
        CaseScope(organization_id=org, assigned_user_id=worker),
        CaseScope(organization_id=org, assigned_user_id=worker, district_ids=frozenset({SOUTH_24})),
        CaseScope(
            organization_id=org,
            assigned_user_id=worker,
            district_ids=frozenset({SOUTH_24, NADIA}),
        ),
    ]


def test_each_shape_compiles_once() -> None:
    """One template per shape; the values are bound, never written into the text."""
    scope_sql_template.cache_clear()
    org, worker = uuid.uuid4(), uuid.uuid4()
    for scope in _shapes(org, worker) * 2:
        args: list[Any] = []
        text = case_scope_sql(scope, _binder(args))
        assert str(org) not in text
        assert str(worker) not in text
        assert args[0] == org
    assert scope_sql_template.cache_info().currsize == 3  # manager, worker, worker + districts
    assert case_scope_sql(CaseScope.nothing(), _binder([])) == "false"


class _Capturing:
    """A driver connection that keeps the statements it is given."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        self.sql.append(sql)
        return [{"access_ok": True, "id": None}]

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        self.sql.append(sql)
        return {"access_ok": True, "id": None}

    async def fetchval(self, sql: str, *args: Any) -> Any:
        self.sql.append(sql)
        return 0


async def test_the_fast_path_runs_the_compiled_scope(database: Database) -> None:
    org, worker = uuid.uuid4(), uuid.uuid4()
    for scope in _shapes(org, worker):
        capturing = _Capturing()

        async def driver(capturing: _Capturing = capturing) -> _Capturing:
            return capturing

        async with UnitOfWork(database) as uow:
            reads = CaseReads(uow)
            reads.driver = driver  # type: ignore[method-assign]
            await reads.page_audited(scope, CaseFilter(), None, 50, 1, _record(org))
            await reads.get_audited(uuid.uuid4(), scope, 1, _record(org))
            await reads.count(scope, CaseFilter())
        captured = capturing.sql
        # The page binds the scope's values first: the same numbering as a fresh argument list.
        numbered: list[Any] = []
        expected = case_scope_sql(scope, _binder(numbered))
        assert f"WHERE {expected}" in captured[0]
        assert f"WHERE {expected}" in captured[2]
        shifted: list[Any] = [None]  # get_audited binds the case id first
        expected = case_scope_sql(scope, _binder(shifted))
        assert f"AND {expected}" in captured[1]


@pytest.mark.parametrize("district_visibility", [True, False])
async def test_both_forms_select_the_same_cases(
    database: Database, factory: Factory, district_visibility: bool
) -> None:
    cases = CaseFactory(factory)
    org, other = await factory.organization(), await factory.organization()
    worker = await factory.user(org, Role.social_worker, districts=(SOUTH_24,))
    colleague = await factory.user(org, Role.social_worker, districts=(NORTH_24,))
    await cases.allow_district_visibility(org, district_visibility)
    for organization in (org, other):
        for district in (SOUTH_24, NORTH_24, NADIA):
            for assigned in (worker.id, colleague.id, None):
                survivor = await cases.survivor(organization, district_id=district)
                await cases.case(
                    organization, survivor, district_id=district, assigned_worker_id=assigned
                )
    survivor = await cases.survivor(org)
    removed = await cases.case(org, survivor, assigned_worker_id=worker.id)
    async with UnitOfWork(database) as uow:
        await uow.session.execute(
            sa.text("UPDATE survivor_case SET deleted_at = now() WHERE id = :id"), {"id": removed}
        )

    scopes = [*_shapes(org, worker.id), *_shapes(other, worker.id), CaseScope.nothing()]
    seen: list[int] = []
    for scope in scopes:
        async with UnitOfWork(database) as uow:
            by_expression = set((await uow.session.scalars(case_ids_visible(scope))).all())
            args: list[Any] = []
            text = case_scope_sql(scope, _binder(args))
            connection = await CaseReads(uow).driver()
            rows = await connection.fetch(f"SELECT c.id FROM survivor_case c WHERE {text}", *args)
        by_text = {row["id"] for row in rows}
        assert by_expression == by_text, scope
        assert removed not in by_text
        seen.append(len(by_text))
    # The world tells the shapes apart: a manager sees her organisation's nine cases, a worker
    # her three, and with her district (when the organisation allows it) that district's too.
    assert seen[0] == 9
    assert seen[1] == 3
    assert seen[2] == (5 if district_visibility else 3)
    assert seen[-1] == 0
