"""The house rules: imports flow api -> domain -> persistence, HTTP stays in api/, every
endpoint is documented and named area:action. The synthetic demo data (seeds/) sits beside
api/: it writes through the domain's services and may take persistence's wiring, but nothing
of the product imports it (only the CLI's seed-demo command, in api/)."""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from api.app import create_app
from api.route_table import api_routes
from api.settings import HttpSettings
from domain.common.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

# Which top-level packages each layer may not import.
FORBIDDEN = {
    "domain": {"api", "fastapi", "starlette", "seeds"},
    "persistence": {"api", "domain", "fastapi", "starlette", "seeds"},
    "seeds": {"api", "fastapi", "starlette"},
}


def imported_roots(source: str) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def violations(layer: str, files: dict[str, str]) -> list[str]:
    found = []
    for name, source in sorted(files.items()):
        for root in sorted(imported_roots(source) & FORBIDDEN[layer]):
            found.append(f"{name} imports {root}")
    return found


def layer_files(layer: str) -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text() for path in (ROOT / layer).rglob("*.py")}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_flow_one_way(layer: str) -> None:
    files = layer_files(layer)
    assert files, f"no modules found under {layer}/"
    assert violations(layer, files) == []


@pytest.mark.parametrize(
    ("layer", "source"),
    [
        ("domain", "from fastapi import HTTPException\n"),
        ("domain", "import api.deps\n"),
        ("domain", "def f():\n    from starlette.responses import Response\n"),
        ("persistence", "from domain.common.principal import Principal\n"),
        ("persistence", "import fastapi\n"),
        ("domain", "from seeds.runner import seed_demo\n"),
        ("persistence", "import seeds.context\n"),
        ("seeds", "from api.deps import get_uow\n"),
    ],
)
def test_the_import_check_catches_a_violation(layer: str, source: str) -> None:
    assert violations(layer, {"bad.py": source}) != []


# api/ takes from persistence only its wiring (the database, the unit of work, the embedded
# server, the migrator, and what the CLI needs to rotate keys and set up the login role), and
# only where the app is wired: the app factory and its container, the CLI and the
# dependencies. A repository, a model or a table's vocabulary comes through the domain.
WIRING_MODULES = {
    "persistence.attachment_store",
    "persistence.boundary",
    "persistence.crypto",
    "persistence.database",
    "persistence.embedded",
    "persistence.key_rotation",
    "persistence.migrator",
    "persistence.uow",
}
WIRING_PLACES = {
    "api/app.py",
    "api/cli.py",
    "api/container.py",
    "api/deps.py",
    "api/process.py",
}


def imported_modules(source: str) -> set[str]:
    """Every module a source imports, anywhere in it (``from persistence import migrator``
    counts as ``persistence.migrator``)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "persistence":
                modules.update(f"persistence.{alias.name}" for alias in node.names)
            else:
                modules.add(node.module)
    return modules


def layer_skips(files: dict[str, str]) -> list[str]:
    """api modules reaching past the domain into persistence beyond its wiring."""
    found = []
    for name, source in sorted(files.items()):
        for module in sorted(imported_modules(source)):
            if module.split(".")[0] != "persistence":
                continue
            if name not in WIRING_PLACES or module not in WIRING_MODULES:
                found.append(f"{name} imports {module}")
    return found


def test_api_takes_only_wiring_from_persistence() -> None:
    files = layer_files("api")
    assert files, "no modules found under api/"
    assert layer_skips(files) == []


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("api/routers/cases.py", "from persistence.models.case_vocabulary import CaseStatus\n"),
        ("api/routers/shgs.py", "from persistence.repositories.shgs import ShgFilter\n"),
        ("api/routers/exports.py", "from persistence.uow import UnitOfWork\n"),
        ("api/cli.py", "def f():\n    from persistence.models.app_user import AppUser\n"),
        ("api/deps.py", "import persistence.repositories.users\n"),
        ("api/app.py", "from persistence import models\n"),
    ],
)
def test_the_layer_check_catches_a_skip(name: str, source: str) -> None:
    assert layer_skips({name: source}) != []


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("api/deps.py", "from persistence.uow import UnitOfWork\n"),
        ("api/cli.py", "def f():\n    from persistence import key_rotation, migrator\n"),
        ("api/routers/cases.py", "from domain.common.vocabulary import CaseStatus\n"),
    ],
)
def test_the_layer_check_lets_wiring_through(name: str, source: str) -> None:
    assert layer_skips({name: source}) == []


@pytest.fixture(scope="module")
def routes(settings: Settings) -> list:  # type: ignore[type-arg]
    return list(api_routes(create_app(settings).routes))


def test_every_endpoint_has_a_docstring(routes: list) -> None:  # type: ignore[type-arg]
    undocumented = [e.path for e in routes if not (e.route.endpoint.__doc__ or "").strip()]
    assert undocumented == []


def test_operation_ids_are_stable_area_action_names(routes: list) -> None:  # type: ignore[type-arg]
    ids = [e.route.operation_id for e in routes if e.route.include_in_schema]
    assert all(re.fullmatch(r"[a-z-]+:[a-z-]+", str(op)) for op in ids), ids
    assert len(ids) == len(set(ids))


def test_every_operation_has_a_tag(routes: list) -> None:  # type: ignore[type-arg]
    assert [e.path for e in routes if e.route.include_in_schema and not e.route.tags] == []


# python-jose is a fixed dependency, called through one module only (its algorithm pinning,
# key choice and claim checks live there).
JOSE_MODULE = "domain/identity/tokens.py"


def jose_importers(files: dict[str, str]) -> list[str]:
    return sorted(name for name, source in files.items() if "jose" in imported_roots(source))


def test_only_the_token_module_imports_jose() -> None:
    files = {
        name: source
        for layer in ("api", "domain", "persistence", "migrations", "seeds")
        for name, source in layer_files(layer).items()
    }
    assert jose_importers(files) == [JOSE_MODULE]


def test_the_jose_check_catches_another_importer() -> None:
    files = {
        JOSE_MODULE: "from jose import jwt\n",
        "api/deps.py": "def f():\n    from jose.jwt import decode\n",
    }
    assert jose_importers(files) == ["api/deps.py", JOSE_MODULE]


def test_long_and_branchy_product_functions_stay_the_exception() -> None:
    """ruff's complexity rules hold product code to what its longest functions reach today
    (issue 12): a function may not grow past them; tests and benchmarks are exempt."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert {"C901", "PLR0915"} <= set(config["select"])
    assert config["mccabe"]["max-complexity"] <= 21
    assert config["pylint"]["max-statements"] <= 70
    for product in ("api", "domain", "persistence", "migrations", "seeds"):
        exempt = [k for k in config.get("per-file-ignores", {}) if k.startswith(product)]
        assert not any(
            rule in config["per-file-ignores"][k] for k in exempt for rule in ("C901", "PLR0915")
        ), product


# HTTP settings (origins, body limits, proxies, headers, docs pages, the fast lane, idempotency
# keys) are the API's own (api/settings.py): the domain's settings name none of them.
HTTP_SETTING = re.compile(r"cors|body|forwarded|prox|header|docs|http|fast_lane|idempotency")


def http_settings_in(names: Iterable[str]) -> list[str]:
    return sorted(name for name in names if HTTP_SETTING.search(name))


def test_domain_settings_hold_no_http_setting() -> None:
    assert http_settings_in(Settings.model_fields) == []
    # ...and the API's own settings hold each of them, under the same variable as before
    # (SHAKTI_ and the name), which the README documents.
    assert http_settings_in(HttpSettings.model_fields) == sorted(HttpSettings.model_fields)
    readme = (ROOT / "README.md").read_text()
    for name in HttpSettings.model_fields:
        assert f"`SHAKTI_{name.upper()}`" in readme, name
    assert HttpSettings.model_config.get("env_prefix") == Settings.model_config.get("env_prefix")


def test_the_http_setting_check_catches_one_in_the_domain() -> None:
    assert http_settings_in(["database_url", "cors_origins", "max_body_bytes"]) == [
        "cors_origins",
        "max_body_bytes",
    ]
    assert http_settings_in(["forwarded_allow_ips", "docs_enabled", "fast_lane_pool_size"]) != []


# A route answers a versioned record with `return tagged(response, record)` and a page with
# `return paged(request, response, page)` (api/http.py): the header and the answer in one call,
# not a header set and the same name returned on the next line in every route.
HEADER_SETTERS = {"set_etag", "set_page_links"}
# The helpers themselves.
SET_THEN_RETURN_ALLOWED = {"api/http.py"}


def set_then_return(source: str) -> list[int]:
    """Lines where a header setter's record is returned by the very next statement."""
    found = []
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for stmt, following in itertools.pairwise(body):
            if (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Call)
                and isinstance(stmt.value.func, ast.Name)
                and stmt.value.func.id in HEADER_SETTERS
                and isinstance(following, ast.Return)
                and ast.dump(following.value or ast.Constant(None)) == ast.dump(stmt.value.args[-1])
            ):
                found.append(stmt.lineno)
    return found


def test_routes_set_headers_and_answer_in_one_call() -> None:
    found = {
        name: lines
        for name, source in layer_files("api").items()
        if name not in SET_THEN_RETURN_ALLOWED and (lines := set_then_return(source))
    }
    assert found == {}


def test_the_header_check_catches_a_set_then_return() -> None:
    route = (
        "async def read(response, request):\n"
        "    case = await service.get()\n"
        "    set_etag(response, case)\n"
        "    return case\n"
        "async def page(response, request):\n"
        "    result = await service.list()\n"
        "    set_page_links(request, response, result)\n"
        "    return result\n"
    )
    assert set_then_return(route) == [3, 7]
    assert set_then_return("def f(r, c):\n    return tagged(r, c)\n") == []
