"""The first slice of the HTTP service through the ASGI app: health, create, get, search, status, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kis_estimator import bootstrap
from kis_estimator.api.app import create_app
from kis_estimator.settings import Settings
from tests.factories import DOMAIN_S8, make_request


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/kis.db",
        storage_url=f"file://{tmp_path}/blobs",
        kis_doc_recalc=False,
        _env_file=None,
    )  # type: ignore[call-arg]
    container = bootstrap.build(settings)
    container.prepare_embedded()
    return TestClient(create_app(container), raise_server_exceptions=False)


def _envelope(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"code", "message", "hint", "path", "traceId", "meta"}
    assert response.headers["X-Trace-Id"] == body["traceId"]
    return body


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["db"] == "ok" and ready.json()["storage"] == "ok"
    assert ready.headers["X-Trace-Id"]


def test_create_get_search_and_change_status(client: TestClient) -> None:
    created = client.post("/v1/estimate", json=DOMAIN_S8)
    assert created.status_code == 201, created.text
    quote = created.json()
    assert quote["totals"]["total"] == 1_831_170
    fetched = client.get(f"/v1/estimate/{quote['id']}").json()
    assert fetched["number"] == quote["number"]
    found = client.get("/v1/estimate", params={"q": "동양"}).json()
    assert found["total"] == 1 and found["items"][0]["id"] == quote["id"]
    assert client.patch(f"/v1/estimate/{quote['id']}", json={"status": "sent"}).json()["status"] == "sent"
    illegal = client.patch(f"/v1/estimate/{quote['id']}", json={"status": "draft"})
    assert illegal.status_code == 409 and _envelope(illegal)["code"] == "ILLEGAL_STATUS_CHANGE"


def test_errors_use_the_envelope(client: TestClient) -> None:
    rejected = client.post("/v1/estimate", json=make_request(main={"poles": 5, "trip_at": 200}))
    assert rejected.status_code == 422
    body = _envelope(rejected)
    assert (body["code"], body["path"]) == ("POLES_MISMATCH", "panels.0.main.poles")
    missing = client.get("/v1/estimate/nope")
    assert missing.status_code == 404 and _envelope(missing)["code"] == "QUOTE_NOT_FOUND"
    malformed = client.post(
        "/v1/estimate", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400 and _envelope(malformed)["code"] == "REQ_MALFORMED"
    unknown = client.get("/v2/nothing")
    assert unknown.status_code == 404 and _envelope(unknown)["code"] == "NOT_FOUND"
    bad_page = client.get("/v1/estimate", params={"page": 0})
    assert bad_page.status_code == 422 and _envelope(bad_page)["path"] == "query.page"
