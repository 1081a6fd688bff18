"""The API documentation page (/openapi) in a real browser: drawn from the app's own files only."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import LiveApp


def test_the_api_documentation_renders_from_the_app_alone(page_for: Any, live_app: LiveApp) -> None:
    page = page_for(None)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/openapi")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() >= 20  # every operation of the API is drawn
    assert requested and all(url.startswith(live_app.url) for url in requested), requested
