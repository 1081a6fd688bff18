"""The API under test through its ASGI app: a fresh SQLite database and file store per test, and one
API key per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kis_estimator import bootstrap
from kis_estimator.api.app import create_app
from kis_estimator.bootstrap import Container
from kis_estimator.db.keys import ApiKeyRepository
from kis_estimator.settings import Settings


@dataclass
class Api:
    client: TestClient
    container: Container
    keys: dict[str, str]  # role -> key

    def auth(self, role: str = "estimator") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite:///{tmp_path}/kis.db",
        "storage_url": f"file://{tmp_path}/blobs",
        "kis_doc_recalc": False,
        "sse_heartbeat_s": 0.2,
        "sse_poll_s": 0.02,
        # Tests write faster than people: the limiter's own tests set the limit they test.
        "rate_limit_per_minute": 100_000,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def make_api(settings: Settings) -> Api:
    container = bootstrap.build(settings)
    container.prepare_embedded()
    keys = {}
    with container.sessions.begin() as session:
        for role in ("admin", "estimator", "viewer"):
            keys[role] = ApiKeyRepository(session).create(f"test {role}", role)[1]
    client = TestClient(create_app(container), raise_server_exceptions=False)
    return Api(client, container, keys)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    made = make_api(make_settings(tmp_path))
    with made.client:
        yield made


def make_user(api: Api, name: str, role: str, password: str = "correct horse 1") -> None:
    """A personal login (kis users create does the same through the CLI)."""
    from kis_estimator.db.users import UserRepository

    with api.container.sessions.begin() as session:
        UserRepository(session).create(name, f"{name} 님", role, password)


def sign_in(api: Api, name: str, password: str = "correct horse 1") -> tuple[TestClient, str]:
    """A browser of its own (its own cookie jar) signed in as `name`: (the client, its CSRF token)."""
    browser = TestClient(api.client.app, raise_server_exceptions=False)
    answer = browser.post("/v1/session", json={"name": name, "password": password})
    assert answer.status_code == 200, answer.text
    return browser, answer.json()["csrfToken"]
