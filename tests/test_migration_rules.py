"""Rules every revision keeps (migrations/helpers.py): it sets a lock_timeout before anything
else in upgrade and downgrade; file names sort in revision order; a revision newer than this
rule that indexes a table it did not create builds the index CONCURRENTLY. And the helpers do
what they say on a real database."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncConnection

from migrations import helpers

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
FILE_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{4}_[a-z0-9_]+\.py$")
# Revisions written before the CONCURRENTLY rule: their indexes were built on new or small
# tables, and rewriting them would change nothing a database already has.
BEFORE_THE_RULE = {f"{n:04d}" for n in range(1, 29)}


def _revisions() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text())) for path in sorted(VERSIONS.glob("*.py"))]


def _assigned(module: ast.Module, name: str) -> object:
    for node in module.body:
        if isinstance(node, ast.Assign):
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == name:
            return ast.literal_eval(value)
    raise AssertionError(f"no {name}")


def _sets_lock_timeout(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return False
    call = statement.value
    if isinstance(call.func, ast.Name) and call.func.id == "set_lock_timeout":
        return True
    return (
        isinstance(call.func, ast.Attribute)
        and call.func.attr == "execute"
        and bool(call.args)
        and isinstance(call.args[0], ast.Constant)
        and str(call.args[0].value).startswith("SET LOCAL lock_timeout")
    )


def test_every_revision_sets_a_lock_timeout_first() -> None:
    for path, module in _revisions():
        functions = {node.name: node for node in module.body if isinstance(node, ast.FunctionDef)}
        for name in ("upgrade", "downgrade"):
            body = [
                statement
                for statement in functions[name].body
                if not (
                    isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                )
            ]
            assert body, f"{path.name}: {name}() is empty"
            assert _sets_lock_timeout(body[0]), f"{path.name}: {name}() sets no lock_timeout first"


def test_the_template_sets_a_lock_timeout() -> None:
    template = (VERSIONS.parent / "script.py.mako").read_text()
    assert template.count("set_lock_timeout()") == 2


def test_file_names_sort_in_revision_order() -> None:
    by_revision: dict[str, tuple[str, str | None]] = {}
    for path, module in _revisions():
        assert FILE_NAME.match(path.name), path.name
        down = _assigned(module, "down_revision")
        assert down is None or isinstance(down, str), f"{path.name}: a merge revision"
        by_revision[str(_assigned(module, "revision"))] = (path.name, down)
    following = {down: revision for revision, (_, down) in by_revision.items()}
    chain, current = [], following.get(None)
    while current is not None:
        chain.append(by_revision[current][0])
        current = following.get(current)
    assert chain == sorted(name for name, _ in by_revision.values())


def test_new_revisions_index_existing_tables_concurrently() -> None:
    for path, module in _revisions():
        if _assigned(module, "revision") in BEFORE_THE_RULE:
            continue
        created: set[str] = set()
        indexed: list[tuple[str, int]] = []
        for node in ast.walk(module):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            arguments = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if node.func.attr == "create_table" and arguments:
                created.add(str(arguments[0]))
            elif node.func.attr == "create_index" and len(arguments) >= 2:
                indexed.append((str(arguments[1]), node.lineno))
            elif node.func.attr == "execute" and arguments:
                sql = str(arguments[0]).upper()
                if "CREATE INDEX" in sql or "CREATE UNIQUE INDEX" in sql:
                    assert "CONCURRENTLY" in sql, f"{path.name}:{node.lineno}"
        for table, line in indexed:
            assert table in created, (
                f"{path.name}:{line}: index {table} with helpers.create_index_concurrently"
            )


async def test_replace_vocabulary_adds_not_valid_then_validates(
    connection: AsyncConnection,
) -> None:
    await connection.execute(
        sa.text(
            "CREATE TEMPORARY TABLE vocabulary_probe (kind text,"
            " CONSTRAINT ck_vocabulary_probe_kind CHECK (kind IN ('a', 'b')))"
        )
    )
    await connection.execute(sa.text("INSERT INTO vocabulary_probe VALUES ('a'), ('b')"))
    statements: list[str] = []

    def replace(sync_connection: sa.Connection) -> None:
        sa.event.listen(
            sync_connection, "before_cursor_execute", lambda *a: statements.append(a[2])
        )
        context = MigrationContext.configure(sync_connection)
        with Operations.context(context):
            helpers.set_lock_timeout()
            helpers.replace_vocabulary(
                "vocabulary_probe", "ck_vocabulary_probe_kind", "kind", ["a", "b", "c's"]
            )

    await connection.run_sync(replace)
    assert any(s.endswith("NOT VALID") for s in statements)
    assert any("VALIDATE CONSTRAINT" in s for s in statements)
    validated, definition = (
        await connection.execute(
            sa.text(
                "SELECT convalidated, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conname = 'ck_vocabulary_probe_kind'"
            )
        )
    ).one()
    assert validated
    assert "c''s" in definition
    assert (await connection.execute(sa.text("SHOW lock_timeout"))).scalar_one() == "5s"
    await connection.execute(sa.text("INSERT INTO vocabulary_probe VALUES ('c''s')"))
