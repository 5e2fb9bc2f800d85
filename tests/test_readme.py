"""README's worked examples run as written: every shell block that signs in or calls the API is
replayed against the app, in order, and every request must succeed.

The blocks use the README's three helpers (``signin``, ``call``, ``id``); this test interprets
exactly those, so a body or path that the API would refuse fails here first. A line it does
not understand fails too, so the examples cannot drift into something untested.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.common.principal import Role
from persistence.models.enums import OrganizationKind
from tests.factories import Factory

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
CALL = re.compile(r"^(?:(?P<var>\w+)=\$\()?call (?P<method>[A-Z]+) (?P<path>\S+)(?P<rest>.*)$")
ADMIN = re.compile(
    r"^printf '%s\\n' '(?P<password>[^']+)' \| \.venv/bin/shakti-mis create-admin "
    r"--email (?P<email>\S+) --password-stdin$"
)
HELPERS = ("API=", "signin() {", "call() {", "id() {")
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
