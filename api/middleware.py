"""Pure ASGI middleware (no BaseHTTPMiddleware): request context, security headers, access log,
metrics, the last-resort 500, and limits on body size and media type."""

from __future__ import annotations

import ipaddress
import os
import re
import time
from collections.abc import Iterable
from typing import Any

import structlog
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics
from api.docs import DOCS_CSP, DOCS_PATHS
from api.logging import get_logger
from api.problems import problem_response
from api.route_table import templates_by_route
from domain.common.request_context import (
    RequestContext,
    reset_current_request,
    set_current_request,
)

log = get_logger("shakti.access")
error_log = get_logger("shakti.error")

FAST_LANE_ROUTE = "shakti.route"  # set by api/fast_lane.py
# What a caller's X-Request-ID must look like to be kept (as the separate caller_request_id of
# audit events and log lines); anything else is dropped, never stored or echoed. The request's
# own id is always generated here.
CALLER_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_API_HEADERS = [*_SECURITY_HEADERS, _API_CSP]
# The docs pages run the scripts they load from the app itself (api/docs.py), and nothing else.
_DOCS_HEADERS = [*_SECURITY_HEADERS, (b"content-security-policy", DOCS_CSP.encode())]
_REPLACED = frozenset({b"x-request-id", b"cache-control"})  # ours win over the handler's


class TrustedProxies:
    """The peers (reverse proxies) whose ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are
    believed (``SHAKTI_FORWARDED_ALLOW_IPS``: addresses or CIDR networks; ``*`` trusts every
    peer, refused in production).

    The client is the right-most address of X-Forwarded-For that is not a trusted proxy: each
    proxy appends the peer it saw, so that is the last one written by someone we trust. From an
    untrusted peer the header is ignored (anyone may send it)."""

    def __init__(self, entries: Iterable[str]) -> None:
        listed = {entry.strip() for entry in entries if entry.strip()}
        self.everyone = "*" in listed
        self.networks = [ipaddress.ip_network(e, strict=False) for e in listed - {"*"}]

    def trusts(self, host: str | None) -> bool:
        if self.everyone:
            return True
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def apply(self, scope: Scope) -> str | None:
        """The client's address; from a trusted peer, ``scope``'s client and scheme are
        replaced by the ones it forwarded (so every later reader sees the real client)."""
        client = scope.get("client")
        peer: str | None = client[0] if client else None
        if not self.trusts(peer):
            return peer
        forwarded_for: list[str] = []
        forwarded_proto: str | None = None
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                forwarded_for.extend(value.decode("latin-1").split(","))
            elif name == b"x-forwarded-proto":
                forwarded_proto = value.decode("latin-1").split(",")[-1].strip().lower()
        if forwarded_proto in {"http", "https"}:
            scope["scheme"] = forwarded_proto
        hops = [_host_of(hop) for hop in forwarded_for if hop.strip()]
        if not hops:
            return peer
        address = next((hop for hop in reversed(hops) if not self.trusts(hop)), hops[0])
        scope["client"] = (address, 0)
        return address


def _host_of(hop: str) -> str:
    """The address of one X-Forwarded-For entry (``1.2.3.4``, ``1.2.3.4:5``, ``[::1]:5``)."""
    hop = hop.strip()
    if hop.startswith("["):
        return hop[1 : hop.find("]")] if "]" in hop else hop
    if hop.count(":") == 1:
        return hop.split(":", 1)[0]
    return hop


class RequestContextMiddleware:
    """Gives every request an id generated here (answered as X-Request-ID, on every log line
    and audit event; a caller's own X-Request-ID is kept only apart, as caller_request_id,
    when it is 8 to 64 letters, digits, '.', '_' or '-', and dropped otherwise) and its
    client's address (through trusted proxies only), adds security headers and
    ``Cache-Control: no-store``, logs one access line by route template, counts metrics, and
    answers a bare problem+json 500 for anything unhandled."""

    def __init__(self, app: ASGIApp, *, trusted_proxies: Iterable[str] = ("127.0.0.1",)) -> None:
        self.app = app
        self.proxies = TrustedProxies(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        caller_request_id = incoming if CALLER_REQUEST_ID.fullmatch(incoming) else None
        request_id = os.urandom(16).hex()
        token = set_current_request(
            RequestContext(
                request_id=request_id,
                client_address=self.proxies.apply(scope),
                caller_request_id=caller_request_id,
            )
        )
        structlog.contextvars.bind_contextvars(request_id=request_id)
        if caller_request_id is not None:
            structlog.contextvars.bind_contextvars(caller_request_id=caller_request_id)
        started = time.perf_counter()
        status = 500
        response_started = False
        path: str = scope.get("path", "")
        is_docs = path.startswith(DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = [
                    (name, value)
                    for name, value in message.get("headers", ())
                    if name.lower() not in _REPLACED
                ]
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(_DOCS_HEADERS if is_docs else _API_HEADERS)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            status = 500
            error_log.error("unhandled error", exc_info=exc, route=_route(scope))
            if not response_started:
                response = problem_response(
                    500,
                    "Internal server error",
                    "The server could not answer; the request id identifies the failure.",
                    code="internal-error",
                )
                await response(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = _route(scope)
            metrics.observe(scope["method"], route, status, elapsed)
            log.info(
                "request",
                method=scope["method"],
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id", "caller_request_id")
            reset_current_request(token)


def _route(scope: Scope) -> str:
    """The route template that answered (never the raw path, which holds ids)."""
    fast: str | None = scope.get(FAST_LANE_ROUTE)
    if fast is not None:
        return fast
    route: Any = scope.get("route")
    if route is None:
        return metrics.UNMATCHED_ROUTE
    app: Any = scope.get("app")
    state: Any = getattr(app, "state", None)
    table: dict[int, str] | None = getattr(state, "route_templates", None)
    if table is None and app is not None:
        table = templates_by_route(app.routes)
        state.route_templates = table
    if table and id(route) in table:
        return table[id(route)]
    return getattr(route, "path", None) or metrics.UNMATCHED_ROUTE


_FORM_MEDIA_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


class _BodyTooLarge(HTTPException):
    """Raised while streaming; FastAPI re-raises HTTPExceptions from body parsing as they are,
    so the exception handler answers 413 (and the middleware does when it escapes)."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodyLimitMiddleware:
    """Answers 413 for bodies over ``max_bytes`` (by Content-Length, or while streaming), and
    415 when a body's media type is not what the endpoint takes: JSON everywhere under the
    API, form-encoded on the OAuth2 endpoints. Uploads (POSTs to ``upload_paths``) may reach
    ``max_upload_bytes`` and take any media type: what a file is comes from its bytes, judged
    by the endpoint after it has authenticated the caller."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        api_prefix: str,
        form_paths: Iterable[str],
        max_upload_bytes: int | None = None,
        upload_paths: re.Pattern[str] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes or max_bytes
        self.upload_paths = upload_paths
        self.api_prefix = api_prefix
        self.form_paths = frozenset(form_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in {"POST", "PUT", "PATCH", "DELETE"}:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        path: str = scope["path"]
        upload = (
            self.upload_paths is not None
            and scope["method"] == "POST"
            and self.upload_paths.match(path) is not None
        )
        limit = self.max_upload_bytes if upload else self.max_bytes
        if length is not None:
            if not length.isdigit():
                await _problem(
                    400, "Bad request", "Content-Length is not a number.", "bad-request"
                )(scope, receive, send)
                return
            if int(length) > limit:
                await self._too_large(scope, receive, send, limit)
                return
        has_body = (length is not None and int(length) > 0) or "transfer-encoding" in headers
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if upload and has_body and media_type in _FORM_MEDIA_TYPES:
            # A file is its bytes as the body: a form would be parsed (and mistaken) first.
            await _problem(
                415,
                "Unsupported media type",
                "Send the file's bytes as the body, not a form.",
                "unsupported-media-type",
            )(scope, receive, send)
            return
        if has_body and path.startswith(self.api_prefix) and not upload:
            media_type = headers.get("content-type", "").split(";")[0].strip().lower()
            wants_form = path in self.form_paths
            ok = (
                media_type == "application/x-www-form-urlencoded"
                if wants_form
                else media_type == "application/json" or media_type.endswith("+json")
            )
            if not ok:
                expected = "application/x-www-form-urlencoded" if wants_form else "application/json"
                await _problem(
                    415,
                    "Unsupported media type",
                    f"Send the body as {expected}.",
                    "unsupported-media-type",
                )(scope, receive, send)
                return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._too_large(scope, receive, send, limit)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await _problem(
            413,
            "Content too large",
            f"The body may not exceed {limit} bytes.",
            "content-too-large",
        )(scope, receive, send)


def _problem(status: int, title: str, detail: str, code: str) -> Response:
    return problem_response(status, title, detail, code=code)
