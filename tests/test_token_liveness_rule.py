"""Token liveness has one definition (``access_select`` in persistence/access.py): the hot
reads' CTE and the check every other request makes alone are both made from it, and answer
alike on every state of an account and its session."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from domain.common.principal import Role
from persistence.access import AccessCheck, access_cte, access_is_live_sql, access_select
from persistence.clock import wall_time
from persistence.database import Database
from persistence.models.auth_session import AuthSession
from persistence.repositories.integration_clients import IntegrationClientRepository
from persistence.repositories.users import UserRepository
from persistence.uow import UnitOfWork
from tests.factories import Factory


def _numbered(args: list[Any]) -> Any:
    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    return arg


def test_the_cte_and_the_lone_check_are_the_same_rule() -> None:
    for check in (
        AccessCheck("user", uuid.uuid4(), 3, session_id=uuid.uuid4()),
        AccessCheck("client", uuid.uuid4(), 2),
    ):
        rule = access_select(check, _numbered([]))
        cte_args: list[Any] = []
        assert rule in access_cte(check, _numbered(cte_args))
        sql, args = access_is_live_sql(check)
        assert sql == f"SELECT EXISTS ({rule})"
        assert args == cte_args


async def _both(database: Database, check: AccessCheck) -> tuple[bool, bool]:
    """(the repositories' answer, the CTE's answer) for ``check``."""
    async with UnitOfWork(database) as uow:
        if check.kind == "user":
            alone = await UserRepository(uow).access_is_live(
                check.subject_id, check.session_id, check.access_version
            )
        else:
            alone = await IntegrationClientRepository(uow).access_is_live(
                check.subject_id, check.access_version
            )
        args: list[Any] = []
        cte = access_cte(check, _numbered(args))
        connection = await UserRepository(uow).driver()
        folded = await connection.fetchval(
            f"WITH {cte} SELECT EXISTS (SELECT 1 FROM access)", *args
        )
    return alone, bool(folded)


async def _set(database: Database, sql: str, **values: Any) -> None:
    async with UnitOfWork(database) as uow:
        await uow.session.execute(sa.text(sql), values)


async def test_both_forms_agree_on_every_state(database: Database, factory: Factory) -> None:
    org = await factory.organization()
    user = await factory.user(org, Role.social_worker)
    now = wall_time()
    session = AuthSession(user_id=user.id, created_at=now, expires_at=now + timedelta(days=1))
    async with UnitOfWork(database) as uow:
        uow.session.add(session)
    client = await factory.integration_client(org, Role.program_manager, [])

    person = AccessCheck("user", user.id, 1, session_id=session.id)
    service = AccessCheck("client", client.id, 1)
    answers: list[tuple[str, bool, bool]] = []

    async def note(label: str, check: AccessCheck) -> None:
        answers.append((label, *await _both(database, check)))

    await note("live user", person)
    await note("another session", AccessCheck("user", user.id, 1, session_id=uuid.uuid4()))
    await note("older access version", AccessCheck("user", user.id, 0, session_id=session.id))
    await note("live client", service)
    await note("client, older access version", AccessCheck("client", client.id, 0))
    await note("someone else", AccessCheck("client", user.id, 1))

    await _set(database, "UPDATE auth_session SET expires_at = now() WHERE id = :id", id=session.id)
    await note("session expired", person)
    await _set(
        database,
        "UPDATE auth_session SET expires_at = now() + interval '1 day', revoked_at = now()"
        " WHERE id = :id",
        id=session.id,
    )
    await note("session revoked", person)
    await _set(database, "UPDATE auth_session SET revoked_at = NULL WHERE id = :id", id=session.id)
    await note("session restored", person)
    await _set(database, "UPDATE app_user SET disabled_at = now() WHERE id = :id", id=user.id)
    await note("user disabled", person)
    await _set(
        database,
        "UPDATE app_user SET disabled_at = NULL, deleted_at = now() WHERE id = :id",
        id=user.id,
    )
    await note("user deleted", person)
    await _set(
        database, "UPDATE integration_client SET disabled_at = now() WHERE id = :id", id=client.id
    )
    await note("client disabled", service)
    await _set(
        database,
        "UPDATE integration_client SET disabled_at = NULL, deleted_at = now() WHERE id = :id",
        id=client.id,
    )
    await note("client deleted", service)

    for label, alone, folded in answers:
        assert alone == folded, label
    live = {label for label, alone, _ in answers if alone}
    assert live == {"live user", "live client", "session restored"}
