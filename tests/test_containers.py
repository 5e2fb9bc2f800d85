"""The container files (Dockerfile, .dockerignore, docker-compose.yml), checked by parsing.

No Docker engine is needed: the compose file is read with PyYAML and its ``${...}``
interpolation resolved by a small resolver following the Compose specification; the Dockerfile
is split into stages and instructions here. When the ``docker compose`` plugin is installed,
one more test has it render the configuration (a client-only operation).
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from api.settings import HttpSettings
from domain.common.settings import (
    COMPOSE_DEFAULT_DATABASE_PASSWORDS,
    Settings,
    migration_problems,
    production_problems,
)
from domain.identity.keys import generate_private_key_pem
from persistence.crypto import new_key_text
from persistence.database import async_url

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

# The domain's settings and the API's own (api/settings.py), read from the same environment.
SETTINGS_VARIABLES = {
    f"SHAKTI_{name.upper()}" for name in [*Settings.model_fields, *HttpSettings.model_fields]
}
SHAKTI_NAME = re.compile(r"\bSHAKTI_[A-Z0-9_]+\b")
SERVE_COMMAND = ["shakti-mis", "serve", "--host", "0.0.0.0", "--port", "8000"]  # noqa: S104
KID = "prod-test-1"
DATA_KID = "data-2026-01"
AUDIT_KID = "audit-2026-01"
REQUIRED_SECRETS = (
    "SHAKTI_JWT_SIGNING_KEYS",
    "SHAKTI_JWT_ACTIVE_KID",
    "SHAKTI_DATA_KEYS",
    "SHAKTI_DATA_ACTIVE_KID",
    "SHAKTI_BLIND_INDEX_KEY",
    "SHAKTI_AUDIT_KEYS",
    "SHAKTI_AUDIT_ACTIVE_KID",
)


# -- Compose interpolation ----------------------------------------------------------------------
class InterpolationError(ValueError):
    """A required variable is missing (``${VAR:?message}``), or the syntax is not understood."""


_REFERENCE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)
_BRACED = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?", re.S)


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """``value`` with Compose's ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
    ``${VAR:?message}``, ``${VAR?message}``, ``${VAR:+alt}``, ``${VAR+alt}`` and ``$$`` resolved.

    With a colon, an empty variable counts as unset. Unlike Compose, an unset variable without
    a default is an error here too (Compose would warn and substitute an empty string).
    """

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["named"]:
            raise InterpolationError(f"${match['named']} has neither a default nor a message")
        braced = _BRACED.fullmatch(match["braced"])
        if braced is None:
            raise InterpolationError(f"invalid interpolation {match[0]!r}")
        name, operator, argument = braced["name"], braced["op"], braced["arg"] or ""
        if "$" in argument:
            raise InterpolationError(f"nested interpolation in {match[0]!r} is not supported")
        if operator is None:
            if name not in env:
                raise InterpolationError(f"${{{name}}} has neither a default nor a message")
            return env[name]
        unset = (name not in env) or (operator.startswith(":") and env[name] == "")
        kind = operator[-1]
        if kind == "-":
            return argument if unset else env[name]
        if kind == "?":
            if unset:
                raise InterpolationError(f"{name}: {argument}")
            return env[name]
        return "" if unset else argument  # "+"

    return _REFERENCE.sub(replace, value)


def resolve(node: Any, env: Mapping[str, str]) -> Any:
    """The compose document with every string value interpolated (keys are left as they are)."""
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, dict):
        return {key: resolve(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, env) for item in node]
    return node


def references(node: Any) -> list[str]:
    """Every ``${...}`` expression in the document's string values."""
    if isinstance(node, str):
        return [m["braced"] for m in _REFERENCE.finditer(node) if m["braced"] is not None]
    if isinstance(node, dict):
        return [ref for value in node.values() for ref in references(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in references(item)]
    return []


@pytest.mark.parametrize(
    ("value", "env", "expected"),
    [
        ("${A:-x}", {}, "x"),
        ("${A:-x}", {"A": ""}, "x"),
        ("${A-x}", {"A": ""}, ""),
        ("${A:-x}", {"A": "y"}, "y"),
        ("${A:?no}", {"A": "y"}, "y"),
        ("${A?no}", {"A": ""}, ""),
        ("${A:+x}", {"A": "y"}, "x"),
        ("${A:+x}", {}, ""),
        ("${A}", {"A": "y"}, "y"),
        ("a$$b", {}, "a$b"),
        ("u://${U:-p}:${P:-q}@h/${D:-d}", {"P": "s"}, "u://p:s@h/d"),
    ],
)
def test_interpolation_resolver(value: str, env: dict[str, str], expected: str) -> None:
    assert interpolate(value, env) == expected


@pytest.mark.parametrize(
    ("value", "env"),
    [("${A:?missing A}", {}), ("${A:?missing A}", {"A": ""}), ("${A?missing A}", {}), ("$A", {})],
)
def test_interpolation_resolver_refuses(value: str, env: dict[str, str]) -> None:
    with pytest.raises(InterpolationError, match="A"):
        interpolate(value, env)


# -- docker-compose.yml -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    found = compose["services"]
    assert {"db", "migrate", "api"} <= set(found)
    return found


OWNER_PASSWORD = "Owner-only-secret-4c1d"
API_PASSWORD = "Api-only-secret-77e0a9"


def key_env(**extra: str) -> dict[str, str]:
    """The environment an operator provides: real (non-dev) keys and database passwords."""
    keys = json.dumps({KID: generate_private_key_pem()})
    return {
        "SHAKTI_JWT_SIGNING_KEYS": keys,
        "SHAKTI_JWT_ACTIVE_KID": KID,
        "SHAKTI_DATA_KEYS": json.dumps({DATA_KID: new_key_text()}),
        "SHAKTI_DATA_ACTIVE_KID": DATA_KID,
        "SHAKTI_BLIND_INDEX_KEY": new_key_text(),
        "SHAKTI_AUDIT_KEYS": json.dumps({AUDIT_KID: new_key_text()}),
        "SHAKTI_AUDIT_ACTIVE_KID": AUDIT_KID,
        "POSTGRES_PASSWORD": OWNER_PASSWORD,
        "SHAKTI_DATABASE_API_PASSWORD": API_PASSWORD,
        **extra,
    }


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """``depends_on`` as {service: condition} (the short list form means service_started)."""
    value = service.get("depends_on", {})
    if isinstance(value, list):
        return dict.fromkeys(value, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in value.items()}


def test_compose_names_only_settings_variables() -> None:
    named = set(SHAKTI_NAME.findall(COMPOSE_FILE.read_text()))
    assert named, "the compose file configures the app through SHAKTI_* variables"
    assert named <= SETTINGS_VARIABLES, (
        f"not fields of Settings: {sorted(named - SETTINGS_VARIABLES)}"
    )


def test_every_environment_key_of_the_app_is_a_setting(services: dict[str, Any]) -> None:
    for name in ("migrate", "api"):
        environment = services[name]["environment"]
        assert isinstance(environment, dict), "environment as a mapping"
        keys = {key for key in environment if key.startswith("SHAKTI_")}
        assert keys <= SETTINGS_VARIABLES, f"{name}: {sorted(keys - SETTINGS_VARIABLES)}"


def test_every_variable_has_a_default_or_is_required(compose: dict[str, Any]) -> None:
    """No ``${VAR}`` that Compose would silently replace by an empty string."""
    found = references(compose)
    assert found
    for reference in found:
        match = _BRACED.fullmatch(reference)
        assert match is not None, reference
        assert match["op"] in {":-", ":?"}, f"${{{reference}}}: give a default or a :? message"


def test_db_is_postgresql_16_or_newer(services: dict[str, Any]) -> None:
    image = services["db"]["image"]
    match = re.fullmatch(
        r"(?:docker\.io/)?(?:library/)?postgres:(\d+)[\w.-]*(@sha256:[0-9a-f]+)?", image
    )
    assert match, f"db image {image!r} is not a versioned postgres image"
    assert int(match[1]) >= 16


def test_db_keeps_its_data_in_a_named_volume(compose: dict[str, Any], services: dict[str, Any]):
    named_volumes = set(compose.get("volumes") or {})
    mounts = []
    for volume in services["db"]["volumes"]:
        if isinstance(volume, str):
            source, _, target = volume.partition(":")
            mounts.append((source, target.split(":")[0]))
        else:
            mounts.append((volume.get("source"), volume.get("target")))
    data = [source for source, target in mounts if target == "/var/lib/postgresql/data"]
    assert data, "the PostgreSQL data directory is mounted"
    assert data[0] in named_volumes, f"{data[0]!r} is a named volume declared at the top level"


def test_db_has_a_pg_isready_healthcheck(services: dict[str, Any]) -> None:
    healthcheck = services["db"]["healthcheck"]
    assert not healthcheck.get("disable", False)
    test = healthcheck["test"]
    command = " ".join(test) if isinstance(test, list) else test
    assert "pg_isready" in command


def test_db_is_not_published_beyond_localhost(services: dict[str, Any]) -> None:
    for port in services["db"].get("ports", []):
        spec = port if isinstance(port, str) else port.get("host_ip", "") + ":"
        assert spec.startswith("127.0.0.1:"), f"db port {port!r} is reachable from the network"


def test_db_password_default_is_marked_development_only(services: dict[str, Any]) -> None:
    raw = services["db"]["environment"]["POSTGRES_PASSWORD"]
    match = re.fullmatch(r"\$\{POSTGRES_PASSWORD:-(?P<default>[^}]+)\}", raw)
    assert match, "the password comes from POSTGRES_PASSWORD, with a default"
    assert "dev" in match["default"].lower()
    assert "not-for-production" in match["default"].lower()


def test_migrate_runs_once_after_the_database_is_healthy(services: dict[str, Any]) -> None:
    migrate = services["migrate"]
    assert migrate["command"] == ["shakti-mis", "migrate"]
    assert migrate["restart"] == "no"  # the string: YAML's bare no would be False
    assert depends_on(migrate)["db"] == "service_healthy"
    assert migrate["image"] == services["api"]["image"], "migrate runs the API's image"
    assert "SHAKTI_MIGRATION_DATABASE_URL" in migrate["environment"]
    assert migrate["environment"]["SHAKTI_DATABASE_API_ROLE"] == "shakti_api"


def test_api_starts_after_a_successful_migration(services: dict[str, Any]) -> None:
    conditions = depends_on(services["api"])
    assert conditions["migrate"] == "service_completed_successfully"
    assert conditions["db"] == "service_healthy"


def test_api_serves_on_port_8000_of_localhost(services: dict[str, Any]) -> None:
    api = services["api"]
    assert api.get("command", SERVE_COMMAND)[:2] == ["shakti-mis", "serve"]
    assert "127.0.0.1:8000:8000" in api["ports"]


def test_api_has_a_liveness_healthcheck(services: dict[str, Any]) -> None:
    healthcheck = services["api"]["healthcheck"]
    assert not healthcheck.get("disable", False)
    test = healthcheck["test"]
    assert isinstance(test, list)
    assert test[0] == "CMD"
    assert test[1] == "python", "python:slim has no curl or wget"
    assert "http://127.0.0.1:8000/health/live" in " ".join(test)


def test_api_runs_in_production_and_requires_the_signing_keys(services: dict[str, Any]) -> None:
    environment = services["api"]["environment"]
    assert environment["SHAKTI_ENV"] == "production"
    for name in REQUIRED_SECRETS:
        assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", environment[name]), name


def test_compose_refuses_to_start_without_signing_keys(compose: dict[str, Any]) -> None:
    with pytest.raises(InterpolationError, match="SHAKTI_JWT_SIGNING_KEYS"):
        resolve(compose, {"SHAKTI_JWT_ACTIVE_KID": KID})
    with pytest.raises(InterpolationError, match="SHAKTI_JWT_ACTIVE_KID"):
        resolve(compose, {"SHAKTI_JWT_SIGNING_KEYS": '{"k": "pem"}'})
    with pytest.raises(InterpolationError, match="SHAKTI_JWT_SIGNING_KEYS"):
        resolve(compose, {"SHAKTI_JWT_SIGNING_KEYS": "", "SHAKTI_JWT_ACTIVE_KID": KID})


@pytest.mark.parametrize("passwords", ["defaults", "given"])
def test_resolved_database_urls_point_at_the_db_service_as_two_roles(
    compose: dict[str, Any], passwords: str
) -> None:
    """migrate logs in as the owner (PostgreSQL's superuser in the db service); the API as the
    login role that migrate makes, with the password migrate gives it."""
    env = key_env()
    if passwords == "defaults":
        del env["POSTGRES_PASSWORD"], env["SHAKTI_DATABASE_API_PASSWORD"]
    services = resolve(compose, env)["services"]
    db = services["db"]["environment"]
    migrate = services["migrate"]["environment"]
    owner = make_url(async_url(migrate["SHAKTI_MIGRATION_DATABASE_URL"]))
    api = make_url(async_url(services["api"]["environment"]["SHAKTI_DATABASE_URL"]))
    for url in (owner, api):
        assert url.host == "db"
        assert url.port in (None, 5432)
        assert url.database == db.get("POSTGRES_DB", "postgres")
    assert owner.username == db.get("POSTGRES_USER", "postgres")
    assert owner.password == db["POSTGRES_PASSWORD"]
    assert api.username == migrate["SHAKTI_DATABASE_API_ROLE"] != owner.username
    assert api.password == migrate["SHAKTI_DATABASE_API_PASSWORD"] != owner.password
    if passwords == "given":
        assert (owner.password, api.password) == (OWNER_PASSWORD, API_PASSWORD)
    else:
        assert {owner.password, api.password} == COMPOSE_DEFAULT_DATABASE_PASSWORDS


def test_the_api_never_receives_the_owners_credentials(services: dict[str, Any]) -> None:
    """Nothing in the api service names the owner's password, URL or role: not its
    environment (anchors merged), nor secrets or env files that could carry them."""
    api = services["api"]
    assert not {"secrets", "env_file", "configs"} & set(api)
    environment = api["environment"]
    assert "SHAKTI_MIGRATION_DATABASE_URL" not in environment
    assert "SHAKTI_DATABASE_API_ROLE" not in environment
    for name, value in environment.items():
        assert "POSTGRES_PASSWORD" not in str(value), name
    resolved = resolve({"api": api}, key_env())["api"]["environment"]
    for name, value in resolved.items():
        assert OWNER_PASSWORD not in str(value), name
    url = make_url(async_url(resolved["SHAKTI_DATABASE_URL"]))
    assert url.username != services["db"]["environment"].get("POSTGRES_USER", "postgres")


def test_the_owners_password_goes_to_the_db_and_migrate_only(compose: dict[str, Any]) -> None:
    resolved = resolve(compose, key_env())["services"]
    holders = sorted(
        name
        for name, service in resolved.items()
        if OWNER_PASSWORD in json.dumps(service.get("environment", {}))
    )
    assert holders == ["db", "migrate"]


def test_the_compose_defaults_are_the_passwords_production_refuses(
    services: dict[str, Any],
) -> None:
    defaults = set(re.findall(r"PASSWORD:-([^}]+)\}", COMPOSE_FILE.read_text()))
    assert defaults == COMPOSE_DEFAULT_DATABASE_PASSWORDS


def test_with_the_default_passwords_neither_migrate_nor_the_api_would_start(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = key_env()
    del env["POSTGRES_PASSWORD"], env["SHAKTI_DATABASE_API_PASSWORD"]
    services = resolve(compose, env)["services"]
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in services["api"]["environment"].items():
        monkeypatch.setenv(name, str(value))
    api = Settings(_env_file=None)  # type: ignore[call-arg]
    assert any("default password" in problem for problem in production_problems(api))
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in services["migrate"]["environment"].items():
        monkeypatch.setenv(name, str(value))
    migrate = Settings(_env_file=None)  # type: ignore[call-arg]
    assert migrate.env == "production"
    assert len(migration_problems(migrate)) == 2


def test_resolved_api_environment_is_fit_for_production(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = resolve(compose, key_env())["services"]["api"]["environment"]
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, str(value))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.env == "production"
    assert settings.jwt_active_kid == KID
    assert settings.database_app_role == "shakti_app"
    assert settings.migration_database_url is None
    assert production_problems(settings) == []


# -- Dockerfile ---------------------------------------------------------------------------------
@dataclass
class Instruction:
    keyword: str
    args: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [i.args for i in self.instructions if i.keyword == keyword]


def logical_lines(text: str) -> list[str]:
    """Instructions with their ``\\`` continuations joined; comments and blank lines dropped."""
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue  # inside a continuation too, as Docker does
        if stripped.endswith("\\"):
            current += stripped[:-1].rstrip() + " "
            continue
        lines.append(current + stripped)
        current = ""
    if current:
        lines.append(current.strip())
    return lines


def parse_dockerfile(text: str) -> list[Stage]:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical_lines(text):
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            base = re.sub(r"\$\{?(\w+)\}?", lambda m: global_args.get(m[1], ""), words[0])
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base, name))
        elif not stages:
            if keyword == "ARG":
                arg_name, _, default = args.partition("=")
                global_args[arg_name] = default
        else:
            stages[-1].instructions.append(Instruction(keyword, args))
    return stages


def env_pairs(args: str) -> dict[str, str]:
    words = shlex.split(args)
    if all("=" in word for word in words):
        return dict(word.split("=", 1) for word in words)
    return {words[0]: " ".join(words[1:])}  # the legacy ``ENV key value`` form


def copy_sources(args: str) -> tuple[list[str], list[str]]:
    """(flags, sources) of a COPY or ADD."""
    words = json.loads(args) if args.startswith("[") else shlex.split(args)
    flags = [w for w in words if w.startswith("--")]
    paths = [w for w in words if not w.startswith("--")]
    return flags, paths[:-1]


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    found = parse_dockerfile(DOCKERFILE.read_text())
    assert len(found) >= 2, "a multi-stage build"
    return found


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


def test_dockerfile_names_only_settings_variables() -> None:
    named = set(SHAKTI_NAME.findall(DOCKERFILE.read_text()))
    assert named <= SETTINGS_VARIABLES, (
        f"not fields of Settings: {sorted(named - SETTINGS_VARIABLES)}"
    )


def test_every_stage_builds_on_python_slim(stages: list[Stage]) -> None:
    for stage in stages:
        if any(stage.base == other.name for other in stages):
            continue
        assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?(@sha256:[0-9a-f]+)?", stage.base), (
            stage.base
        )


def test_every_base_image_is_pinned_by_digest(stages: list[Stage]) -> None:
    for stage in stages:
        if any(stage.base == other.name for other in stages):
            continue
        assert re.search(r"@sha256:[0-9a-f]{64}$", stage.base), f"{stage.base}: pin a digest"


def test_final_stage_runs_as_a_fixed_non_root_user(final: Stage) -> None:
    users = final.all("USER")
    assert users, "the final stage sets USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user.isdigit(), "a numeric uid, so that runAsNonRoot-style checks can verify it"
    assert int(user) >= 1000


def test_final_stage_has_no_compilers(final: Stage) -> None:
    compilers = re.compile(r"\b(gcc|g\+\+|clang|build-essential|python3-dev|libc6-dev|make)\b")
    for command in final.all("RUN"):
        assert not compilers.search(command), command


def test_final_stage_environment(final: Stage) -> None:
    environment: dict[str, str] = {}
    for args in final.all("ENV"):
        environment.update(env_pairs(args))
    assert environment["PYTHONDONTWRITEBYTECODE"] == "1"
    assert environment["PYTHONUNBUFFERED"] == "1"
    assert environment["SHAKTI_ENV"] == "production"
    assert "8000" in " ".join(final.all("EXPOSE")).split()


def test_final_stage_takes_the_virtualenv_from_the_builder(stages: list[Stage]) -> None:
    builder, final = stages[0], stages[-1]
    copies = [copy_sources(args) for args in final.all("COPY")]
    assert any(f"--from={builder.name}" in flags for flags, _ in copies)


def test_builder_installs_the_runtime_lock_without_dev_dependencies(stages: list[Stage]) -> None:
    runs = [run for stage in stages[:-1] for run in stage.all("RUN")]
    assert any(
        re.search(r"pip install --no-deps --require-hashes -r requirements\.lock\b", run)
        for run in runs
    )
    assert any(re.search(r"pip install --no-deps \.(\s|$)", run) for run in runs)
    instructions = " ".join(logical_lines(DOCKERFILE.read_text()))  # comments aside
    assert "requirements-dev" not in instructions
    assert "[dev]" not in instructions


def test_healthcheck_probes_liveness_with_python(final: Stage) -> None:
    checks = final.all("HEALTHCHECK")
    assert checks, "the final stage has a HEALTHCHECK"
    match = re.fullmatch(r"(?P<options>(?:--\S+\s+)*)CMD\s+(?P<command>.+)", checks[-1])
    assert match, f"HEALTHCHECK {checks[-1]!r} runs a command (not NONE)"
    command = json.loads(match["command"])
    assert command[0] == "python", "python:slim has no curl or wget"
    assert "http://127.0.0.1:8000/health/live" in " ".join(command)


def test_default_command_serves_the_api(final: Stage) -> None:
    commands = final.all("CMD")
    assert commands
    assert json.loads(commands[-1]) == SERVE_COMMAND, "exec form, listening on all interfaces"
    assert not final.all("ENTRYPOINT"), "so that `shakti-mis migrate` can replace the command"


SECRET_PATTERNS = (".env", ".env.*", "*.pem", "*.key", "*secret*", ".shakti", "id_rsa*")


def test_no_secrets_or_whole_context_copied(stages: list[Stage]) -> None:
    for stage in stages:
        assert not stage.all("ADD"), "COPY, not ADD (no remote URLs or archive unpacking)"
        for args in stage.all("COPY"):
            flags, sources = copy_sources(args)
            if any(flag.startswith("--from=") for flag in flags):
                continue
            for source in sources:
                assert source not in {".", "./", "*"}, "copy named files, not the whole context"
                name = Path(source).name
                assert not any(fnmatch.fnmatch(name, p) for p in SECRET_PATTERNS), source


def dockerignore_patterns() -> list[str]:
    lines = (line.strip() for line in DOCKERIGNORE.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_dockerignore_keeps_local_state_and_secrets_out() -> None:
    patterns = set(dockerignore_patterns())
    for required in (".git", ".venv", ".shakti", ".env", ".env.*", ".pytest_cache", "*.pem"):
        assert required in patterns, required
    assert {"**/__pycache__", "__pycache__"} & patterns


def test_copied_sources_exist_and_are_not_ignored(stages: list[Stage]) -> None:
    patterns = [p.removeprefix("**/") for p in dockerignore_patterns() if not p.startswith("!")]
    for stage in stages:
        for args in stage.all("COPY"):
            flags, sources = copy_sources(args)
            if any(flag.startswith("--from=") for flag in flags):
                continue
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
                ignored = [p for p in patterns if fnmatch.fnmatch(source.rstrip("/"), p)]
                assert not ignored, f"COPY {source} is excluded by .dockerignore {ignored}"


# -- one image, one Python, no embedded PostgreSQL -----------------------------------------------
def test_the_image_is_built_once_and_run_by_every_app_service(services: dict[str, Any]) -> None:
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["migrate"], "one service builds the image"
    image = services["migrate"]["image"]
    for name in ("api",):
        assert services[name]["image"] == image
        assert "build" not in services[name]
        # Never pulled from a registry: the image is the one migrate built.
        assert services[name]["pull_policy"] == "never"


def _python_minor(text: str, pattern: str) -> str:
    match = re.search(pattern, text, re.M)
    assert match, pattern
    return match[1]


def test_one_python_version_everywhere(stages: list[Stage]) -> None:
    """The image's Python is the one the lock files are made for and the checks assume."""
    versions = {
        "Dockerfile": {
            re.fullmatch(r"python:(3\.\d+)-slim.*", stage.base)[1]  # type: ignore[index]
            for stage in stages
            if not any(stage.base == other.name for other in stages)
        },
        "requirements.lock": {
            _python_minor((ROOT / "requirements.lock").read_text(), r"--python-version (3\.\d+)")
        },
        "requirements-dev.lock": {
            _python_minor(
                (ROOT / "requirements-dev.lock").read_text(), r"--python-version (3\.\d+)"
            )
        },
        "mypy": {
            _python_minor((ROOT / "pyproject.toml").read_text(), r'^python_version = "(3\.\d+)"')
        },
        "ruff": {
            "3."
            + _python_minor((ROOT / "pyproject.toml").read_text(), r'^target-version = "py3(\d+)"')
        },
        "requires-python": {
            _python_minor((ROOT / "pyproject.toml").read_text(), r'^requires-python = ">=(3\.\d+)"')
        },
    }
    assert {version for found in versions.values() for version in found} == {"3.11"}, versions


def header_run_variables() -> set[str]:
    """The variables the Dockerfile's header example passes to ``docker run`` (-e NAME)."""
    header = []
    for line in DOCKERFILE.read_text().splitlines():
        if not line.startswith("#"):
            break
        header.append(line.lstrip("# ").rstrip("\\ "))
    command = " ".join(header[header.index(next(h for h in header if "docker run" in h)) :])
    command = command.split(" shakti-mis", 1)[0]
    words = shlex.split(command)
    return {words[i + 1].split("=")[0] for i, word in enumerate(words) if word == "-e"}


def test_the_dockerfile_example_gives_what_production_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Started as the header shows, with each variable it names, the API would start: no
    production refusal, no missing audit key."""
    from domain.common.settings import audit_key_problems, check_audit_keys

    named = header_run_variables()
    assert set(REQUIRED_SECRETS) | {"SHAKTI_DATABASE_URL"} <= named
    values = key_env(
        SHAKTI_DATABASE_URL=f"postgresql+asyncpg://shakti_api:{API_PASSWORD}@db:5432/shakti"
    )
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in named:
        monkeypatch.setenv(name, values[name])
    for name, value in env_of_final_stage().items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.env == "production"
    assert production_problems(settings) == []
    check_audit_keys(settings)
    # And each is needed: without any one, production refuses (an active kid says which key
    # signs during a rotation; alone, the only key is the active one).
    for name in sorted(named):
        monkeypatch.delenv(name)
        short = Settings(_env_file=None)  # type: ignore[call-arg]
        refused = production_problems(short) + audit_key_problems(short)
        assert refused or name.endswith("_ACTIVE_KID"), f"{name} is named but not needed"
        monkeypatch.setenv(name, values[name])


def env_of_final_stage() -> dict[str, str]:
    environment: dict[str, str] = {}
    for args in parse_dockerfile(DOCKERFILE.read_text())[-1].all("ENV"):
        environment.update(env_pairs(args))
    return {name: value for name, value in environment.items() if name.startswith("SHAKTI_")}
