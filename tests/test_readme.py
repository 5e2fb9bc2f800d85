"""README's worked examples run as written: every shell block that signs in or calls the API is
replayed against the app, in order, and every request must succeed.

The blocks use the README's three helpers (``signin``, ``call``, ``id``); this test interprets
exactly those, so a body or path that the API would refuse fails here first. A line it does
not understand fails too, so the examples cannot drift into something untested.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import shlex
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.common.principal import Role
from persistence.models.enums import OrganizationKind
from tests.factories import DEFAULT_PASSWORD, Factory
from tests.live_server import serving

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
CALL = re.compile(r"^(?:(?P<var>\w+)=\$\()?call (?P<method>[A-Z]+) (?P<path>\S+)(?P<rest>.*)$")
ADMIN = re.compile(
    r"^printf '%s\\n' '(?P<password>[^']+)' \| \.venv/bin/shakti-mis create-admin "
    r"--email (?P<email>\S+) --password-stdin$"
)
HELPERS = ("API=", "field() {", "signin() {", "call() {", "id() {")
VARIABLE = re.compile(r"\$\{?(\w+)\}?")


def example_blocks() -> list[str]:
    """The README's shell blocks that talk to a running API (the install and docker ones do
    not)."""
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    return [
        block
        for block in blocks
        if re.search(r"^(signin|call) |=\$\(call |\.venv/bin/shakti-mis create-admin", block, re.M)
    ]


@dataclass
class Replay:
    client: httpx.AsyncClient
    factory: Factory
    variables: dict[str, str] = field(default_factory=dict)
    token: str | None = None
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    answers: dict[str, httpx.Response] = field(default_factory=dict)  # the last, by URL

    def expand(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            assert name in self.variables, f"README uses ${name} before setting it"
            return self.variables[name]

        return VARIABLE.sub(value, text)

    async def create_admin(self, email: str, password: str) -> None:
        organization = await self.factory.organization(
            "Platform operators", kind=OrganizationKind.lead_ngo
        )
        await self.factory.user(organization, Role.platform_admin, email=email, password=password)

    async def signin(self, email: str, password: str) -> None:
        answer = await self.client.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": email, "password": password},
        )
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["access_token"]

    async def call(self, method: str, path: str, rest: str, body: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        headers["Idempotency-Key"] = f"readme-{len(self.requests)}"
        words = shlex.split(rest.split("|")[0].replace("<<JSON", ""))
        for flag, value in itertools.pairwise(words):
            if flag == "-H":
                name, _, header = value.partition(":")
                headers[name.strip()] = self.expand(header.strip())
        url = "/api/v1" + self.expand(shlex.split(path)[0])
        content = None
        if body is not None:
            content = self.expand(body).encode()
            json.loads(content)  # the README's body is JSON as written
        answer = await self.client.request(method, url, headers=headers, content=content)
        self.requests.append((method, url, answer.status_code))
        self.answers[f"{method} {url}"] = answer
        assert answer.status_code < 400, f"{method} {url}: {answer.status_code} {answer.text}"
        return answer

    async def run(self, block: str) -> None:
        lines = block.splitlines()
        index = 0
        while index < len(lines):
            line = lines[index].strip()
            index += 1
            if not line or line.startswith("#") or line.startswith(HELPERS):
                continue
            if admin := ADMIN.match(line):
                await self.create_admin(admin["email"], admin["password"])
                continue
            if line.startswith("signin "):
                _, email, password = shlex.split(line)
                await self.signin(email, password)
                continue
            call = CALL.match(line)
            assert call is not None, f"README line not understood: {line!r}"
            body = None
            if "<<JSON" in call["rest"]:
                end = lines.index("JSON", index)
                body = "\n".join(lines[index:end])
                index = end + 1
            elif " -d " in call["rest"]:
                raise AssertionError(f"README: bodies go in a <<JSON heredoc: {line!r}")
            answer = await self.call(call["method"], call["path"], call["rest"], body)
            if call["var"]:
                assert "| id" in call["rest"], f"README: a captured call ends with | id: {line!r}"
                self.variables[call["var"]] = str(answer.json()["id"])
                if index < len(lines) and lines[index].strip() == ")":
                    index += 1


@pytest.fixture
def blocks() -> list[str]:
    found = example_blocks()
    assert found, "README has no worked examples"
    return found


async def test_the_readme_examples_run_as_written(
    client: httpx.AsyncClient, factory: Factory, blocks: list[str]
) -> None:
    replay = Replay(client, factory)
    for block in blocks:
        await replay.run(block)
    methods = {method for method, _, _ in replay.requests}
    assert {"GET", "POST"} <= methods
    # The walk-through reaches the intake, the case and (later) the referral.
    paths = [path for _, path, _ in replay.requests]
    assert any(path.endswith("/survivors") for path in paths)
    assert any(path.endswith("/cases") for path in paths)
    assert any(path.endswith("/referrals") for path in paths)
    assert any(path.endswith("/transitions") for path in paths)
    assert any(path.endswith("/meetings") for path in paths)


async def test_what_the_readme_says_of_the_answers_holds(
    client: httpx.AsyncClient, factory: Factory, blocks: list[str]
) -> None:
    """The text around the examples describes their answers: the inbox names who to call
    back, Mita's short repayment shows against her first instalment, and the group grades C
    as of its last meeting for the meetings not recorded (the reasons are in the norms)."""
    replay = Replay(client, factory)
    for block in blocks:
        await replay.run(block)

    def answer(method: str, tail: str) -> Any:
        found = [
            a for key, a in replay.answers.items() if key.startswith(method) and key.endswith(tail)
        ]
        assert found, f"README makes no {method} ...{tail}"
        return found[-1].json()

    (referral,) = answer("GET", "/referrals?direction=incoming")["items"]
    assert referral["organization_name"] == "Sundarban Mahila Samiti"
    assert referral["referred_by_name"] == "Rupa Das"
    assert referral["referred_by_contact"]
    grading = answer("GET", "/grading?as_of=2026-11-23")
    assert grading["grade"] == "C"
    norms = {n["norm"]: n for n in grading["norms"]}
    assert grading["meetings_expected"] == 25
    assert norms["regular_meetings"]["grade"] == norms["books_up_to_date"]["grade"] == "C"
    assert norms["timely_repayment"]["value_percent"] is None
    loan = next(
        a.json() for key, a in replay.answers.items() if "/loans/" in key and "as_of" in key
    )
    (first, second) = loan["instalments"][:2]
    assert (first["status"], first["paid_paise"]) == ("partly_paid", 51000)
    assert (second["status"], second["paid_paise"]) == ("upcoming", 0)
    groups = answer("GET", "/shgs")["items"]
    assert [(g["member_count"], g["savings_paise"]) for g in groups] == [(3, 10000)]


def test_the_replay_refuses_lines_it_does_not_understand() -> None:
    assert CALL.match("SURVIVOR=$(call POST /survivors -d @- <<JSON | id")
    assert CALL.match("call GET /cases/$CASE")
    assert not CALL.match("curl -s http://127.0.0.1:8000/api/v1/me")
    assert ADMIN.match(
        "printf '%s\\n' 'choose a long passphrase' | .venv/bin/shakti-mis create-admin "
        "--email admin@example.org --password-stdin"
    )


# -- the helpers themselves, in bash against a served API -----------------------------------------
def helper_definitions() -> str:
    """The README's helper lines, as written (API= first)."""
    for block in BLOCK.findall(README.read_text(encoding="utf-8")):
        lines = [line for line in block.splitlines() if line.startswith(HELPERS)]
        if len(lines) == len(HELPERS):
            return "\n".join(lines)
    raise AssertionError("README defines API=, field, signin, call and id in one block")


async def bash(definitions: str, api: str, script: str) -> tuple[int, str, str]:
    """Run ``script`` in bash after the README's helpers, with ``API`` pointing at ``api``."""
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        f"{definitions}\nAPI={shlex.quote(api)}\n{script}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_the_helpers_fail_loudly_with_the_problems_detail(
    app: object, factory: Factory
) -> None:
    definitions = helper_definitions()
    organization = await factory.organization("Helpers NGO", kind=OrganizationKind.lead_ngo)
    admin = await factory.user(organization, Role.platform_admin, email="helper@example.org")
    missing = uuid.uuid4()
    async with serving(app) as base:
        api = f"{base}/api/v1"
        # A wrong password: the API's own words, a failed status, no token.
        code, out, err = await bash(
            definitions, api, 'signin helper@example.org "not the password"; echo "[$?|$TOKEN]"'
        )
        assert out.strip() == "[1|]", (out, err)
        assert "Invalid" in err or "invalid" in err, err
        assert "Traceback" not in err, err
        assert "KeyError" not in err, err
        # Signed in: call prints the answer and a newline; id picks the id.
        code, out, err = await bash(
            definitions,
            api,
            f"signin helper@example.org '{DEFAULT_PASSWORD}' && call GET /me && "
            'ME=$(call GET /me | id) && echo "me=$ME"',
        )
        assert code == 0, err
        first, me = out.splitlines()[0], out.splitlines()[-1]
        assert json.loads(first)["id"] == str(admin.id)
        assert me == f"me={admin.id}"
        # An error answer: call prints the problem on its line and fails; id says why.
        code, out, err = await bash(
            definitions,
            api,
            f"signin helper@example.org '{DEFAULT_PASSWORD}'; call GET /users/{missing}; "
            f'echo "call=$?"; X=$(call GET /users/{missing} | id); echo "id=$?|$X"',
        )
        lines = out.splitlines()
        assert json.loads(lines[0])["status"] == 404
        assert lines[1] == "call=22"  # curl's --fail-with-body
        assert lines[2] == "id=1|"
        assert "Not found: User not found." in err, err
    # No API at all: the helpers say so instead of failing silently.
    code, out, err = await bash(definitions, "http://127.0.0.1:9/api/v1", "signin a b; echo $?")
    assert out.strip() == "1"
    assert "is it running?" in err, err
