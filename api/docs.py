"""The interactive docs, served whole by the app: ``/docs`` (Swagger UI) and ``/redoc``.

NGOs work offline and behind firewalls, and the docs page is where people paste bearer
tokens: nothing on these pages comes from another origin. The scripts and styles of Swagger UI
and ReDoc (Apache-2.0 and MIT) are the files the ``fastapi-offline`` wheel (MIT) ships, pinned
with its hashes in the lock files (only its files are used, not its app factory). They are
served under ``/docs/assets/`` with the start script of Swagger UI (``api/docs_assets/``: a
file, since the pages allow no inline script). The request context gives every docs path the
Content-Security-Policy below (api/middleware.py).
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI, Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
DOCS_PATHS = (DOCS_PATH, REDOC_PATH)
ASSETS_PATH = "/docs/assets"

# The app's own origin only, for everything the pages load or send. Images may also be data:
# URIs (Swagger UI's icons are inlined in its stylesheet) and styles may be inline (ReDoc
# writes its styles into <style> elements as it renders): neither fetches anything. No
# inline script, no framing, no plugins.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

_SWAGGER_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Swagger UI</title>
<link rel="icon" type="image/png" href="{assets}/favicon.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-init.js"></script>
</body>
</html>
"""

_REDOC_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - ReDoc</title>
<link rel="icon" type="image/png" href="{assets}/favicon.png">
</head>
<body>
<redoc spec-url="{openapi}"></redoc>
<script src="{assets}/redoc.standalone.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Serve ``/docs``, ``/redoc`` and their assets (the app serves its spec at
    ``app.openapi_url``)."""
    openapi_url = app.openapi_url or "/openapi.json"

    def page(template: str, request: Request) -> HTMLResponse:
        root = escape(request.scope.get("root_path", "").rstrip("/"))
        return HTMLResponse(
            template.format(
                title=escape(app.title),
                assets=root + ASSETS_PATH,
                openapi=root + escape(openapi_url),
            )
        )

    async def swagger_ui(request: Request) -> HTMLResponse:
        return page(_SWAGGER_PAGE, request)

    async def redoc(request: Request) -> HTMLResponse:
        return page(_REDOC_PAGE, request)

    app.add_route(DOCS_PATH, swagger_ui, include_in_schema=False)
    app.add_route(REDOC_PATH, redoc, include_in_schema=False)
    app.mount(
        ASSETS_PATH,
        StaticFiles(packages=[("fastapi_offline", "static"), ("api", "docs_assets")]),
        name="docs-assets",
    )
