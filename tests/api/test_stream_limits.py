"""Event streams cannot exhaust a running server (issue 14, finding 2): a cap on open tails per caller
and per process (429 TOO_MANY_STREAMS with Retry-After), and a revoked key's streams end.

One `kis serve` over SQLite with small caps; the test writes the in-flight quote's events and revokes
keys directly in the same database, as another process would.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from kis_estimator import bootstrap
from kis_estimator.bootstrap import Container
from kis_estimator.db.events import EventRepository
from kis_estimator.db.keys import ApiKeyRepository
from kis_estimator.settings import Settings
from tests.live import LiveServer, SseReader, embedded_env

PER_CALLER = 2
PER_PROCESS = 3
RECHECK_S = 0.3
IN_FLIGHT = "in-flight-create"  # a create still running elsewhere: its stream stays open
ENVELOPE_KEYS = {"code", "message", "hint", "path", "traceId", "meta"}


@dataclass
class Running:
    server: LiveServer
    container: Container  # the test's own hands on the server's database
    keys: dict[str, tuple[int, str]]  # name -> (key id, key)

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name][1]}"}

    def open(self, stack: contextlib.ExitStack, name: str) -> httpx.Response:
        client = stack.enter_context(self.server.client(timeout=httpx.Timeout(10.0, read=5.0)))
        return stack.enter_context(
            client.stream("GET", f"/v1/estimate/{IN_FLIGHT}/events", headers=self.auth(name))
        )


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    with tempfile.TemporaryDirectory(prefix="kis-streams-") as tmp:
        env = embedded_env(
            tmp,
            SSE_MAX_STREAMS_PER_CALLER=str(PER_CALLER),
            SSE_MAX_STREAMS=str(PER_PROCESS),
            SSE_AUTH_RECHECK_S=str(RECHECK_S),
            SSE_HEARTBEAT_S="0.5",
            SSE_STALL_S="60",
        )
        settings = Settings(_env_file=None, database_url=env["DATABASE_URL"], storage_url=env["STORAGE_URL"])  # type: ignore[call-arg]
        container = bootstrap.build(settings)
        container.prepare_embedded()
        keys = {}
        with container.sessions.begin() as session:
            for name in ("a", "b", "c", "revoked"):
                row, key = ApiKeyRepository(session).create(f"streams {name}", "viewer")
                keys[name] = (row.id, key)
            EventRepository(session).append(IN_FLIGHT, "PROGRESS", {"stage": "accepted"})
        with LiveServer(env, mode="serve", name="streams") as server:
            yield Running(server, container, keys)
        container.engine.dispose()


def _first_frame(response: httpx.Response) -> SseReader:
    assert response.status_code == 200, response.read()[:300]
    reader = SseReader(response)
    assert reader.next().type == "PROGRESS"  # the server holds the stream (and its slot) from here
    return reader


def _refusal(running: Running, name: str, scope: str) -> None:
    with running.server.client() as client:
        response = client.get(f"/v1/estimate/{IN_FLIGHT}/events", headers=running.auth(name))
    assert response.status_code == 429, response.text[:300]
    body = response.json()
    assert set(body) == ENVELOPE_KEYS and body["code"] == "TOO_MANY_STREAMS", body
    assert body["meta"]["scope"] == scope and response.headers["Retry-After"].isdigit(), body


def _open_streams(running: Running) -> float:
    with running.server.client() as client:
        text = client.get("/metrics").text
    (line,) = [line for line in text.splitlines() if line.startswith("kis_sse_streams_open ")]
    return float(line.split()[1])


def test_streams_beyond_the_cap_per_caller_and_per_process_get_429(running: Running) -> None:
    with contextlib.ExitStack() as stack:
        # keep the readers: a reader collected as garbage closes its stream
        held = [_first_frame(running.open(stack, "a")) for _ in range(PER_CALLER)]
        _refusal(running, "a", "caller")
        held.append(_first_frame(running.open(stack, "b")))  # another caller still gets one
        assert _open_streams(running) == len(held) == PER_PROCESS
        _refusal(running, "c", "process")
    deadline = time.monotonic() + 5.0  # the closed streams give their slots back
    while _open_streams(running) > 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _open_streams(running) == 0
    with contextlib.ExitStack() as stack:
        _first_frame(running.open(stack, "c"))


def test_the_streams_of_a_revoked_key_end_with_an_error_frame(running: Running) -> None:
    key_id = running.keys["revoked"][0]
    with contextlib.ExitStack() as stack:
        reader = _first_frame(running.open(stack, "revoked"))
        with running.container.sessions.begin() as session:
            ApiKeyRepository(session).revoke(key_id)
        revoked_at = time.monotonic()
        frames = reader.until(("ERROR", "DONE"), max_frames=50)
        ended_after = time.monotonic() - revoked_at
    assert frames[-1].type == "ERROR", [frame.type for frame in frames]
    error = frames[-1].payload
    assert (error["code"], error["status"]) == ("AUTH_REQUIRED", 401), error
    assert ended_after < RECHECK_S + 2.0, f"the revoked key's stream ran {ended_after:.1f} s more"
