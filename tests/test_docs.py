"""The first screen: ``GET /`` says what the server is and where to go; ``/docs`` and ``/redoc``
are served whole by the app (no CDN, no font service) under a Content-Security-Policy of the
app's own origin, and render their operation lists in a real browser with the network
unreachable."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import API_PREFIX, VERSION, create_app
from api.docs import ASSETS_PATH, DOCS_CSP
from api.settings import HttpSettings
from domain.common.settings import Settings
from persistence.database import Database
from tests.browser import CHROMIUM, NEEDS_CHROMIUM, chromium, page_requests, recording_proxy
from tests.live_server import serving


class _Fetched(HTMLParser):
    """Every URL a page loads by itself: scripts, stylesheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            if found.get(name) and (tag != "a"):
                self.urls.append(found[name] or "")


def fetched(html: str) -> list[str]:
    parser = _Fetched()
    parser.feed(html)
    return parser.urls


def csp(response: httpx.Response) -> dict[str, str]:
    header = response.headers["content-security-policy"]
    return dict(part.strip().partition(" ")[::2] for part in header.split(";"))


# -- the index ----------------------------------------------------------------------------------
async def test_the_root_answers_an_index_whose_links_all_answer(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    index = response.json()
    assert index["name"] == "Shakti MIS API"
    assert index["version"] == VERSION
    links = index["links"]
    assert links == {
        "docs": "/docs",
        "redoc": "/redoc",
        "api": API_PREFIX,
        "openapi": "/openapi.json",
        "ready": "/health/ready",
    }
    for name in ("docs", "redoc", "openapi", "ready"):
        assert (await client.get(links[name])).status_code == 200, name
    # It is in the spec, public (no security requirement), like the health checks.
    operation = (await client.get("/openapi.json")).json()["paths"]["/"]["get"]
    assert operation["operationId"] == "health:index"
    assert "security" not in operation


async def test_where_the_docs_are_not_served_the_index_says_so(
    settings: Settings, database: Database
) -> None:
    app = create_app(settings, database, HttpSettings(docs_enabled=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        links = (await http.get("/")).json()["links"]
        assert links["docs"] is None
        assert links["redoc"] is None
        for path in ("/docs", "/redoc", f"{ASSETS_PATH}/swagger-ui-bundle.js"):
            assert (await http.get(path)).status_code == 404, path


# -- the pages and their assets -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "assets"),
    [
        ("/docs", {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-init.js", "favicon.png"}),
        ("/redoc", {"redoc.standalone.js", "favicon.png"}),
    ],
)
async def test_the_docs_pages_load_only_the_apps_own_files(
    client: httpx.AsyncClient, path: str, assets: set[str]
) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    urls = fetched(page.text)
    # Everything the page loads is a path on this server: no scheme, no host, no font service.
    assert urls
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert {url.rpartition("/")[2] for url in urls} == assets
    assert "<script>" not in page.text, "no inline script: the policy would refuse it"
    for url in urls:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
        assert csp(asset) == csp(page)
    policy = csp(page)
    assert page.headers["content-security-policy"] == DOCS_CSP
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "script-src" not in policy, "scripts fall back to default-src 'self'"
    # Nothing but the app's own origin (and data: images, inline styles) anywhere in it.
    sources = {source for value in policy.values() for source in value.split()}
    assert sources <= {"'self'", "'none'", "data:", "'unsafe-inline'"}
    assert page.headers["x-frame-options"] == "DENY"


async def test_the_api_keeps_its_own_policy(client: httpx.AsyncClient) -> None:
    for path in ("/", "/openapi.json", "/health/live", f"{API_PREFIX}/me"):
        response = await client.get(path)
        assert csp(response) == {"default-src": "'none'", "frame-ancestors": "'none'"}, path


# -- in a browser -------------------------------------------------------------------------------
_OPERATION = re.compile(r'class="opblock-summary-path"[^>]*data-path="(?P<path>[^"]+)"')
_REFUSED = re.compile(r'CONSOLE.*"(?P<message>[^"]*Content Security Policy[^"]*)"')


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason=NEEDS_CHROMIUM)
async def test_the_docs_render_offline_in_chromium(
    app: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = app.openapi()
    operations = sum(len(item) for item in spec["paths"].values())
    screenshot = tmp_path / "docs.png"
    # Time passes virtually until the page is idle: Swagger UI has fetched the spec and drawn
    # every operation.
    settle = "--virtual-time-budget=15000"
    async with serving(app) as base:
        with recording_proxy() as proxy:
            dom = await chromium(
                f"{base}/docs",
                proxy,
                tmp_path / "profile-docs",
                settle,
                "--dump-dom",
                console=tmp_path / "docs-console.log",
            )
            await chromium(
                f"{base}/docs",
                proxy,
                tmp_path / "profile-shot",
                settle,
                "--window-size=1280,1600",
                f"--screenshot={screenshot}",
            )
            redoc = await chromium(
                f"{base}/redoc",
                proxy,
                tmp_path / "profile-redoc",
                settle,
                "--dump-dom",
                console=tmp_path / "redoc-console.log",
            )
            elsewhere = page_requests()
    with capsys.disabled():
        print(f"\nbrowser check: screenshot of /docs {screenshot}")  # noqa: T201
    # Nothing was asked of any other address.
    assert elsewhere == []
    # Swagger UI drew one line per operation of the spec, with the app's title.
    assert "Shakti MIS API" in dom
    assert len(_OPERATION.findall(dom)) == operations
    assert f"{API_PREFIX}/survivors" in {m["path"] for m in _OPERATION.finditer(dom)}
    # ...and the policy refused nothing it needs.
    refused = _REFUSED.findall((tmp_path / "docs-console.log").read_text(errors="replace"))
    assert refused == []
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    assert screenshot.stat().st_size > 20_000
    # ReDoc drew the operations too (its search worker and its vendor's logo from a CDN are
    # refused by the policy: it searches without the worker, and the logo is not fetched).
    assert len(set(re.findall(r'id="operation/([^"]+)"', redoc))) == operations
    refused = _REFUSED.findall((tmp_path / "redoc-console.log").read_text(errors="replace"))
    assert all("worker" in message or "cdn.redoc.ly" in message for message in refused), refused
