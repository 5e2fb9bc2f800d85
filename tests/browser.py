"""Headless Chromium with the network unreachable, for the tests that render a page in a real
browser (marker ``browser``): the outcome report and the interactive docs.

Chromium's proxy is a recorder on 127.0.0.1 that sees every request the browser makes to
anywhere but 127.0.0.1 (and refuses it), and no host name resolves: a page that fetches a font,
a script or an image from elsewhere shows up in ``Recorder.seen``.
"""

from __future__ import annotations

import asyncio
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium")
NEEDS_CHROMIUM = (
    "the browser check needs Debian's `chromium` on the PATH (apt-get install chromium; "
    ".ci/run installs it): without it the page is not rendered in a browser here"
)


class Recorder(http.server.BaseHTTPRequestHandler):
    """Serves the pages in ``pages`` and is also the browser's proxy, so it sees every request
    the browser makes: to itself, and (proxied) to anywhere else, which it refuses."""

    pages: dict[str, bytes] = {}
    seen: list[str] = []

    def do_GET(self) -> None:
        self.seen.append(f"GET {self.path}")
        body = self.pages.get(self.path)
        if body is None:
            self.send_error(404 if self.path.startswith("/") else 502)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_CONNECT(self) -> None:
        self.seen.append(f"CONNECT {self.path}")
        self.send_error(502)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def recording_proxy() -> Iterator[int]:
    """A Recorder on a free port of 127.0.0.1 (its port), ``seen`` emptied first."""
    Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


# Chromium's own calls, made for any page (even with --disable-background-networking): its
# component updater, its sign-in cookie check and its spelling dictionary. Never the page's.
BROWSER_OWN = ("CONNECT update.googleapis.com:", "CONNECT accounts.google.com:")
BROWSER_OWN += ("CONNECT redirector.gvt1.com:", "GET http://update.googleapis.com/service/")
BROWSER_OWN += ("GET http://clients2.google.com/time/", "CONNECT content-autofill.googleapis.com:")


def page_requests() -> list[str]:
    """What the recorder saw, less the browser's own calls."""
    return [request for request in Recorder.seen if not request.startswith(BROWSER_OWN)]


async def chromium(
    url: str, proxy: int, profile: Path, *output: str, console: Path | None = None
) -> str:
    """Runs headless Chromium on ``url`` with the network unreachable (every other address
    goes through the recording proxy, no name resolves); its standard output. With
    ``console``, the page's console messages (Content-Security-Policy refusals among them)
    are written to that file, in Chromium's log."""
    assert CHROMIUM is not None
    logging = ["--enable-logging=stderr", "--v=0"] if console is not None else []
    with Path(console or os.devnull).open("wb") as log:  # noqa: ASYNC230 - opened once
        process = await asyncio.create_subprocess_exec(
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--proxy-server=http://127.0.0.1:{proxy}",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            *logging,
            *output,
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
        try:
            stdout, _ = await asyncio.wait_for(process.communicate(), timeout=240)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
    assert process.returncode == 0
    return stdout.decode()
