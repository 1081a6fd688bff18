"""Sentry: with SENTRY_DSN set, an unhandled error reaches Sentry tagged with the request's X-Trace-Id and
without the body, cookies, query string, API key or Idempotency-Key. Run in a child process (the SDK
patches Starlette process-wide), against a local stand-in for Sentry's ingest endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.integrations.conftest import Sink, subprocess_env

SECRETS = (
    "kis_secret-api-key",
    "idem-key-42",
    "session=cookie-value",
    "signature=query-secret",
    "body-secret",
)

CRASH = f"""
import sentry_sdk
from fastapi.testclient import TestClient
from kis_estimator import bootstrap
from kis_estimator.api.app import create_app
from kis_estimator.settings import Settings

container = bootstrap.build(Settings(_env_file=None))
container.prepare_embedded()
app = create_app(container)

@app.post("/crash")
def crash() -> None:
    raise RuntimeError("a bug")

with TestClient(app, raise_server_exceptions=False) as client:
    response = client.post(
        "/crash?signature=query-secret",
        json={{"note": "body-secret"}},
        headers={{"Authorization": "Bearer {SECRETS[0]}", "Idempotency-Key": "{SECRETS[1]}",
                 "Cookie": "{SECRETS[2]}"}},
    )
sentry_sdk.flush(timeout=10)
print(response.status_code, response.headers["X-Trace-Id"])
"""


def events_in(envelope: bytes) -> list[dict[str, Any]]:
    """The event items of a Sentry envelope (newline-separated JSON: header, then item header + payload)."""
    lines = envelope.split(b"\n")
    return [
        json.loads(payload)
        for header, payload in zip(lines[1::2], lines[2::2], strict=False)
        if json.loads(header).get("type") == "event"
    ]


def test_an_unhandled_error_reaches_sentry_scrubbed_and_tagged_with_the_trace_id(
    tmp_path: Path, sink: Sink
) -> None:
    dsn = f"http://publickey@{sink.url.removeprefix('http://')}/7"
    done = subprocess.run(
        [sys.executable, "-c", CRASH],
        env=subprocess_env(tmp_path, SENTRY_DSN=dsn),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    status, trace_id = done.stdout.split()[-2:]
    assert status == "500"
    assert {r.path for r in sink.received} == {"/api/7/envelope/"}  # the event, sessions, client reports
    for secret in SECRETS:
        assert not any(secret.encode() in r.body for r in sink.received)
    (event,) = [event for r in sink.received for event in events_in(r.body)]  # one error, one event
    (error,) = event["exception"]["values"]
    assert (error["type"], error["value"]) == ("RuntimeError", "a bug")
    assert event["tags"]["trace_id"] == trace_id
    request = event["request"]
    assert request["url"].endswith("/crash") and request["method"] == "POST"
    assert not {"data", "cookies", "query_string", "env"} & set(request)
    assert not {"authorization", "idempotency-key", "cookie"} & {h.lower() for h in request["headers"]}
    assert event["environment"] == "development"
