"""`/openapi`: the interactive API documentation (Swagger UI), every file served by the app itself.

Swagger UI's files come from the pinned `swagger-ui-bundle-v2` package (its `vendor/swagger-ui-*`
directory) and are served under `/openapi/assets/`: no CDN, so the page works offline and loads no
third-party script. The page carries a Content-Security-Policy that allows scripts from this origin
plus the one inline start-up script (by its SHA-256), and Swagger UI's online validator badge (which
would send the document's address to a third party) is switched off.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/openapi"
ASSETS_PATH = "/openapi/assets"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _page_html(app: FastAPI) -> str:
    assert app.openapi_url is not None
    response = get_swagger_ui_html(
        openapi_url=app.openapi_url,
        title=f"{app.title} - API",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
        oauth2_redirect_url=None,
        swagger_ui_parameters={"validatorUrl": None},
    )
    return bytes(response.body).decode("utf-8")


def _policy(html: str) -> str:
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def mount(app: FastAPI) -> None:
    """Serve the page at /openapi and Swagger UI's files under /openapi/assets (create the app with
    docs_url=None, so that FastAPI's own CDN page is not added)."""

    @cache
    def page() -> tuple[str, dict[str, str]]:
        html = _page_html(app)
        headers = {
            "Content-Security-Policy": _policy(html),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        return html, headers

    async def docs() -> HTMLResponse:
        html, headers = page()
        return HTMLResponse(html, headers=headers)

    app.add_api_route(DOCS_PATH, docs, methods=["GET"], include_in_schema=False)
    app.mount(ASSETS_PATH, StaticFiles(directory=str(swagger_ui_path)), name="openapi-assets")
