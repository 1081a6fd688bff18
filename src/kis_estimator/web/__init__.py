"""The estimator's web UI, served by the API app at `/` (`make run` serves both).

Design decision: no front-end build step. The UI is a small vanilla-JavaScript app (ES modules, one
stylesheet) served as static files; every page path (`/`, `/login`, `/quotes`, `/quotes/{id}`,
`/quotes/{id}/revise`, `/catalog`, `/drafts`, `/drafts/{id}`, `/templates`, `/customers`, `/customers/{id}`, `/profile`,
`/audit`) answers with the same HTML shell and the script draws the page.
The script talks only to the public JSON API under `/v1`, exactly as any other client does, with the
API key the user signs in with kept in `localStorage` (shared by the browser's tabs until 로그아웃,
docs/decisions.md). So the UI adds no second way into the data: roles, validation, error envelopes and idempotency are the API's, and the
server side of the UI is this module alone. Live progress reads the `text/event-stream` answer of
`POST /v1/estimate` with fetch and a ReadableStream (EventSource can neither POST nor send headers).

Every asset is served by the app (no CDN); fonts are the system's Korean fonts. Pages carry a strict
Content-Security-Policy (scripts and styles from this origin only; `blob:` images for the drawing).
Web routes stay out of the OpenAPI document.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from kis_estimator import __version__

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGES = (
    "/",
    "/login",
    "/quotes",
    "/quotes/{quote_id}",
    "/quotes/{quote_id}/revise",
    "/catalog",
    "/drafts",
    "/drafts/{draft_id}",
    "/templates",
    "/customers",
    "/customers/{customer_id}",
    "/profile",
    "/audit",
)
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


class _RevalidatedStatic(StaticFiles):
    """Static files that the browser revalidates (ETag) on every load, so a new version shows at once."""

    def file_response(self, *args: Any, **kwargs: Any) -> Any:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


@cache
def _shell() -> str:
    return (STATIC_DIR / "index.html").read_text(encoding="utf-8").replace("{{version}}", __version__)


def _page() -> HTMLResponse:
    return HTMLResponse(_shell(), headers=PAGE_HEADERS)


for _path in PAGES:
    router.add_api_route(_path, _page, methods=["GET"], response_class=HTMLResponse)


def mount(app: object) -> None:
    """Attach the UI's pages and its static files to the app."""
    assert isinstance(app, FastAPI)
    app.include_router(router)
    app.mount("/static", _RevalidatedStatic(directory=STATIC_DIR), name="static")
