"""Idempotency-Key: replay, refusal of another body, one quote for concurrent duplicates."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kis_estimator.db.idempotency import IdempotencyRepository
from kis_estimator.services.creating import Recorder, idempotent
from tests.api.conftest import Api
from tests.factories import DOMAIN_S8, make_request


def _count(api: Api) -> int:
    total: int = api.client.get("/v1/estimate", headers=api.auth()).json()["total"]
    return total


def test_the_same_key_and_body_replays_the_first_response(api: Api) -> None:
    headers = {**api.auth(), "Idempotency-Key": "order-42"}
    first = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=headers)
    again = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(api) == 1
    other = api.client.post(
        "/v1/estimate", json=DOMAIN_S8, headers={**api.auth(), "Idempotency-Key": "order-43"}
    )
    assert other.json()["id"] != first.json()["id"] and _count(api) == 2


def test_the_same_key_with_another_body_is_refused(api: Api) -> None:
    headers = {**api.auth(), "Idempotency-Key": "order-42"}
    api.client.post("/v1/estimate", json=DOMAIN_S8, headers=headers)
    changed = {**DOMAIN_S8, "project": "다른 공사"}
    response = api.client.post("/v1/estimate", json=changed, headers=headers)
    body = response.json()
    assert response.status_code == 409 and body["code"] == "IDEMPOTENCY_BODY_MISMATCH"
    assert body["path"] == "headers.idempotency-key" and response.headers["X-Trace-Id"] == body["traceId"]
    assert _count(api) == 1


def test_keys_are_scoped_to_the_caller(api: Api) -> None:
    mine = api.client.post("/v1/estimate", json=DOMAIN_S8, headers={**api.auth(), "Idempotency-Key": "k"})
    theirs = api.client.post(
        "/v1/estimate", json=DOMAIN_S8, headers={**api.auth("admin"), "Idempotency-Key": "k"}
    )
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_refused_request_replays_its_refusal_with_a_new_trace_id(api: Api) -> None:
    headers = {**api.auth(), "Idempotency-Key": "bad-1"}
    bad = make_request(main={"poles": 5, "trip_at": 200})
    first = api.client.post("/v1/estimate", json=bad, headers=headers)
    again = api.client.post("/v1/estimate", json=bad, headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.json()["code"] == first.json()["code"] == "POLES_MISMATCH"
    assert again.json()["traceId"] == again.headers["X-Trace-Id"] != first.json()["traceId"]


def test_an_unusable_key_is_a_400(api: Api) -> None:
    response = api.client.post(
        "/v1/estimate", json=DOMAIN_S8, headers={**api.auth(), "Idempotency-Key": "x" * 150}
    )
    assert response.status_code == 400 and response.json()["code"] == "IDEMPOTENCY_KEY_INVALID"


def test_concurrent_duplicates_run_the_work_once(api: Api) -> None:
    calls = 0
    lock = threading.Lock()

    def produce(record: Recorder | None) -> tuple[int, dict[str, Any], str | None]:
        nonlocal calls
        with lock:
            calls += 1
        threading.Event().wait(0.3)  # slow enough for every duplicate to arrive while it runs
        answer = {"id": "q-42", "answer": 42}
        with api.container.sessions.begin() as session:
            assert record is not None
            record(session, answer)
        return 201, answer, "q-42"

    async def duplicates() -> list[tuple[int, dict[str, Any], bool]]:
        return list(
            await asyncio.gather(
                *(idempotent(api.container, "key:1:same", {"a": 1}, produce) for _ in range(12))
            )
        )

    results = asyncio.run(duplicates())
    assert calls == 1
    assert {(status, body["answer"]) for status, body, _ in results} == {(201, 42)}
    assert sum(1 for *_, replayed in results if not replayed) == 1


def test_a_claim_left_by_a_dead_process_is_taken_over(api: Api) -> None:
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    with api.container.sessions.begin() as session:
        assert IdempotencyRepository(session).claim("key:1:orphan", "0" * 64, now=long_ago).outcome == "owner"
    with api.container.sessions.begin() as session:
        assert IdempotencyRepository(session).claim("key:1:orphan", "0" * 64).outcome == "owner"


def test_the_answer_commits_with_the_quote_or_not_at_all(api: Api) -> None:
    """A save whose transaction fails after the answer was recorded in it leaves the key free: the
    retry runs the work again instead of replaying an answer for a quote that does not exist."""
    runs = 0

    def produce(record: Recorder | None) -> tuple[int, dict[str, Any], str | None]:
        nonlocal runs
        runs += 1
        answer = {"id": f"q-{runs}"}
        with api.container.sessions.begin() as session:
            assert record is not None
            record(session, answer)
            if runs == 1:
                raise ConnectionError("the database went away before the commit")
        return 201, answer, answer["id"]

    def run() -> tuple[int, dict[str, Any], bool]:
        return asyncio.run(idempotent(api.container, "key:1:atomic", {"a": 1}, produce))

    with pytest.raises(ConnectionError):
        run()
    status, body, replayed = run()
    assert (status, body, replayed, runs) == (201, {"id": "q-2"}, False, 2)
    assert run() == (201, {"id": "q-2"}, True)
