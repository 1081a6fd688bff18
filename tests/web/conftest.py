"""The real service for browser tests: uvicorn in a background thread on a free loopback port, over a
temporary SQLite database and file store, with one API key per role; and Debian's chromium driven by
Playwright. Screenshots go to out/screenshots/ (git-ignored)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from kis_estimator import bootstrap
from kis_estimator.api.app import create_app
from kis_estimator.db.keys import ApiKeyRepository
from kis_estimator.settings import Settings
from tests.api.conftest import make_settings
from tests.factories import ROOT

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "out" / "screenshots"
WIDTHS = (1280, 768)
EXAMPLE = ROOT / "examples" / "domain-s8-outdoor-sus.json"


@dataclass
class LiveApp:
    url: str
    keys: dict[str, str]  # role -> API key
    settings: Settings  # the server's own: a test may change a limit while it runs, and set it back

    def api(self, role: str = "estimator") -> httpx.Client:
        """A plain HTTP client of the same server, to set up data and to compare with what the page shows."""
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.keys[role]}"}, timeout=30
        )


@contextmanager
def running_app(directory: Path) -> Iterator[LiveApp]:
    """The whole app (API and UI) served by uvicorn on a free port, over its own database and store."""
    settings = make_settings(directory, public_base_url="http://127.0.0.1")
    container = bootstrap.build(settings)
    container.prepare_embedded()
    with container.sessions.begin() as session:
        repository = ApiKeyRepository(session)
        keys = {role: repository.create(f"web {role}", role)[1] for role in ("admin", "estimator", "viewer")}
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(container), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web test server did not start")
        time.sleep(0.02)
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", keys, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """One server for the session: tests add quotes to it but never change its catalog."""
    with running_app(tmp_path_factory.mktemp("web")) as app:
        yield app


def chromium_found() -> bool:
    return CHROMIUM.exists() and shutil.which(str(CHROMIUM)) is not None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium (never a downloaded one). Missing it skips on a developer box, fails in CI."""
    if not chromium_found():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI installs it with apt (chromium)")
        pytest.skip(f"{CHROMIUM} is installed by .ci/run (apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--lang=ko-KR"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page_for(browser: Any, live_app: LiveApp) -> Iterator[Any]:
    """page_for(role, app) → a page of a fresh browser context on `app` (default: the session's), signed
    in with that role's key (None: not signed in). The console's errors fail the test: a broken script must not pass unseen."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_page(role: str | None = "estimator", app: LiveApp = live_app) -> Any:
        # Signed in as the UI keeps it: the key in the origin's localStorage, set once for the context
        # (so signing out stays signed out, and a second tab shares it).
        storage = None
        if role is not None:
            signed_in = {"kis.apiKey": app.keys[role], "kis.role": "admin" if role == "admin" else "user"}
            local = [{"name": name, "value": value} for name, value in signed_in.items()]
            storage = {"cookies": [], "origins": [{"origin": app.url, "localStorage": local}]}
        context = browser.new_context(
            base_url=app.url,
            viewport={"width": WIDTHS[0], "height": 900},
            accept_downloads=True,
            locale="ko-KR",
            storage_state=storage,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: _console_error(message, errors))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"errors in the browser console: {errors}"


def _console_error(message: Any, errors: list[str]) -> None:
    # The browser logs every 4xx answer; those are the API's refusals the page shows, not script errors.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(message.text)


def screenshot(page: Any, name: str) -> None:
    """Full-page screenshots of the current screen at each width (out/screenshots/NAME-WIDTH.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(150)  # let the layout settle after the resize
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(original)
