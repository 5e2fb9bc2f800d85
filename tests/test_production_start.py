"""What production refuses at start (issue 9, sections 3 and 7) without asking the database,
and `shakti-mis migrate` as the schema owner making the API's login role.

The refusals that ask the database (a session that could become a superuser or an owner) are
in tests/test_database_boundary.py.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from api import cli
from api.app import create_app, docs_problems
from api.settings import HttpSettings
from domain.common.settings import (
    COMPOSE_DEFAULT_DATABASE_PASSWORDS,
    ProductionConfigError,
    Settings,
    migration_problems,
    production_problems,
)
from domain.identity.keys import generate_private_key_pem, public_key_pem
from persistence.crypto import new_key_text
from persistence.database import create_engine
from tests.conftest import APP_ROLE, PostgresServer

API_URL = "postgresql+asyncpg://shakti_api:a-Real-Secret-42@db:5432/shakti"


def fit(**changes: Any) -> Settings:
    """Production settings with nothing to refuse, changed by ``changes``."""
    values: dict[str, Any] = {
        "env": "production",
        "database_url": SecretStr(API_URL),
        "jwt_signing_keys": {"prod-1": SecretStr(generate_private_key_pem())},
        "jwt_active_kid": "prod-1",
        "data_keys": {"data-1": SecretStr(new_key_text())},
        "data_active_kid": "data-1",
        "blind_index_key": SecretStr(new_key_text()),
        "audit_keys": {"audit-1": SecretStr(new_key_text())},
    }
    values.update(changes)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_fit_settings_have_no_problem() -> None:
    assert production_problems(fit()) == []


def test_a_development_verification_key_is_refused() -> None:
    public = public_key_pem(generate_private_key_pem())
    assert production_problems(fit(jwt_verification_keys={"prod-0": public})) == []
    problems = production_problems(fit(jwt_verification_keys={"dev-0a1b2c": public}))
    assert problems == [
        "SHAKTI_JWT_VERIFICATION_KEYS may not accept development keys (kid starting with "
        "'dev-'): dev-0a1b2c"
    ]


@pytest.mark.parametrize("password", sorted(COMPOSE_DEFAULT_DATABASE_PASSWORDS))
def test_the_compose_default_database_password_is_refused(password: str) -> None:
    url = f"postgresql+asyncpg://shakti_api:{password}@db:5432/shakti"
    problems = production_problems(fit(database_url=SecretStr(url)))
    assert len(problems) == 1
    assert "default password of docker-compose.yml" in problems[0]
    assert password not in problems[0], "a password is never repeated in a message"


def test_an_empty_app_role_is_refused() -> None:
    problems = production_problems(fit(database_app_role=""))
    assert problems == [
        "SHAKTI_DATABASE_APP_ROLE must name the app role (it may not update or delete audit "
        "events); empty is refused"
    ]


def test_the_owners_url_in_the_apis_settings_is_refused() -> None:
    owner = SecretStr("postgresql+asyncpg://postgres:an-Owner-Secret-42@db:5432/shakti")
    problems = production_problems(fit(migration_database_url=owner))
    assert len(problems) == 1
    assert "SHAKTI_MIGRATION_DATABASE_URL is set" in problems[0]


def test_every_refusal_is_one_line() -> None:
    problems = production_problems(
        Settings(_env_file=None, env="production", database_app_role="")  # type: ignore[call-arg]
    )
    assert len(problems) >= 3
    assert all("\n" not in problem for problem in problems)


async def test_production_serves_no_docs_unless_enabled() -> None:
    for docs, served in ((HttpSettings(), False), (HttpSettings(docs_enabled=True), True)):
        app = create_app(fit(), http=docs)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            for path in ("/docs", "/redoc"):
                answer = await http.get(path)
                assert (answer.status_code == 200) is served, (path, answer.status_code)
            assert (await http.get("/openapi.json")).status_code == 200


def test_docs_served_in_production_without_the_setting_are_refused() -> None:
    development_app = create_app(Settings(_env_file=None, env="development"))  # type: ignore[call-arg]
    assert docs_problems(development_app, fit(), HttpSettings()) == [
        "/docs, /redoc served without SHAKTI_DOCS_ENABLED=true"
    ]
    assert docs_problems(development_app, fit(), HttpSettings(docs_enabled=True)) == []
    assert docs_problems(create_app(fit()), fit(), HttpSettings()) == []


def test_create_app_refuses_unsafe_http_settings_in_production_with_the_domains() -> None:
    """The API's own settings are checked where the domain's are, in one message."""
    star = HttpSettings(cors_origins=["*"], forwarded_allow_ips="*")
    with pytest.raises(ProductionConfigError) as refused:
        create_app(fit(database_app_role=""), http=star)
    assert [problem.split()[0] for problem in refused.value.problems] == [
        "SHAKTI_DATABASE_APP_ROLE",
        "SHAKTI_CORS_ORIGINS",
        "SHAKTI_FORWARDED_ALLOW_IPS",
    ]
    create_app(Settings(_env_file=None, env="development"), http=star)  # type: ignore[call-arg]


def test_create_app_refuses_the_compose_default_password_in_production() -> None:
    password = sorted(COMPOSE_DEFAULT_DATABASE_PASSWORDS)[0]
    url = SecretStr(f"postgresql+asyncpg://shakti_api:{password}@db/shakti")
    with pytest.raises(ProductionConfigError, match="default password"):
        create_app(fit(database_url=url))


# -- shakti-mis migrate ---------------------------------------------------------------------
@pytest.fixture
def shakti_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("SHAKTI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SHAKTI_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


@pytest.fixture
async def new_role(postgres: PostgresServer) -> AsyncIterator[str]:
    role = f"api_{uuid.uuid4().hex[:10]}"
    yield role
    await postgres.execute(f"DROP ROLE IF EXISTS {role}")


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    import asyncio

    async def run() -> list[tuple[Any, ...]]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                return [tuple(row) for row in await connection.execute(sa.text(sql))]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_migrate_as_the_owner_makes_the_api_login_role(
    shakti_env: pytest.MonkeyPatch,
    empty_database_url: str,
    new_role: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """As the compose `migrate` service runs it: the owner's URL in its own setting, the API's
    role and password beside it, and no API URL at all."""
    shakti_env.setenv("SHAKTI_MIGRATION_DATABASE_URL", empty_database_url)
    shakti_env.setenv("SHAKTI_DATABASE_API_ROLE", new_role)
    shakti_env.setenv("SHAKTI_DATABASE_API_PASSWORD", "the-API-password-42")

    assert cli.main(["migrate"]) == 0, capsys.readouterr().err

    assert f"login role {new_role} ready" in capsys.readouterr().err
    assert _rows(empty_database_url, "SELECT count(*) FROM district") == [(23,)]
    rows = _rows(
        empty_database_url,
        "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, "
        f"pg_has_role('{new_role}', '{APP_ROLE}', 'MEMBER') FROM pg_roles "
        f"WHERE rolname = '{new_role}'",
    )
    assert rows == [(True, False, False, False, False, True)]
    api_url = make_url(empty_database_url).set(username=new_role)
    owner = _rows(api_url.render_as_string(hide_password=False), "SELECT session_user")
    assert owner == [(new_role,)]


def test_migrate_in_production_refuses_the_compose_default_passwords(
    shakti_env: pytest.MonkeyPatch,
    empty_database_url: str,
    new_role: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    default = "shakti-dev-only-not-for-production"
    assert default in COMPOSE_DEFAULT_DATABASE_PASSWORDS
    owner = make_url(empty_database_url).set(password=default)
    shakti_env.setenv("SHAKTI_ENV", "production")
    shakti_env.setenv("SHAKTI_MIGRATION_DATABASE_URL", owner.render_as_string(False))
    shakti_env.setenv("SHAKTI_DATABASE_API_ROLE", new_role)
    shakti_env.setenv("SHAKTI_DATABASE_API_PASSWORD", "shakti-api-dev-only-not-for-production")

    assert cli.main(["migrate"]) == 2

    err = capsys.readouterr().err
    assert "refusing to start in production" in err
    assert "POSTGRES_PASSWORD" in err
    assert "SHAKTI_DATABASE_API_PASSWORD is the development-only default" in err
    tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    assert _rows(empty_database_url, tables) == [(0,)], "nothing was migrated"
    assert _rows(empty_database_url, f"SELECT 1 FROM pg_roles WHERE rolname = '{new_role}'") == []


def test_migration_problems_accept_real_passwords() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="production",
        migration_database_url=SecretStr("postgresql://postgres:Own3r-secret-xyz@db/shakti"),
        database_api_password=SecretStr("the-API-password-42"),
    )
    assert migration_problems(settings) == []
