"""A retry storm on one idempotent create: the copies wait without a thread or a write transaction,
are bounded in number, and get the original's answer (or 409 with Retry-After)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, event, func, select

from kis_estimator.api.app import create_app
from kis_estimator.api.routes import estimates
from kis_estimator.db.engine import READS_ONLY
from kis_estimator.db.models import IdempotencyKeyRow, QuoteRow
from tests.api.conftest import Api, make_api, make_settings
from tests.factories import DOMAIN_S8


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Creates run only once the gate opens: the original stays in flight while the copies arrive."""
    opened = threading.Event()
    real = estimates.run_create

    def gated(*args: Any, **kwargs: Any) -> dict[str, Any]:
        assert opened.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(estimates, "run_create", gated)
    yield opened
    opened.set()


def storm_api(tmp_path: Path, **overrides: object) -> Api:
    settings = make_settings(tmp_path, rate_limit_per_minute=0, **overrides)
    return make_api(settings)


async def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def claimed(api: Api) -> bool:
    with api.container.reads() as session:
        return session.execute(select(func.count()).select_from(IdempotencyKeyRow)).scalar_one() == 1


def quotes(api: Api) -> int:
    with api.container.reads() as session:
        return int(session.execute(select(func.count()).select_from(QuoteRow)).scalar_one())


def run(api: Api, scenario: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        transport = httpx.ASGITransport(app=create_app(api.container))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as client:
            return await scenario(client)

    return asyncio.run(main())


def test_copies_wait_without_writing_and_replay_the_original(tmp_path: Path, gate: threading.Event) -> None:
    api = storm_api(tmp_path, idempotency_max_waiters_per_key=8)
    headers = {**api.auth(), "Idempotency-Key": "storm-1"}
    transactions = {"write": 0, "read": 0}

    def count(connection: Connection) -> None:
        transactions["read" if connection.get_execution_options().get(READS_ONLY) else "write"] += 1

    async def scenario(client: httpx.AsyncClient) -> tuple[httpx.Response, list[httpx.Response]]:
        original = asyncio.create_task(client.post("/v1/estimate", json=DOMAIN_S8, headers=headers))
        await until(lambda: claimed(api))
        copies = [
            asyncio.create_task(client.post("/v1/estimate", json=DOMAIN_S8, headers=headers))
            for _ in range(12)
        ]
        await until(
            lambda: api.container.idempotency_waits.waiting() == 8 and sum(c.done() for c in copies) == 4
        )
        event.listen(api.container.engine, "begin", count)
        await asyncio.sleep(1.0)  # the waiting copies poll (read-only) with a backoff
        event.remove(api.container.engine, "begin", count)
        gate.set()
        return await original, list(await asyncio.gather(*copies))

    original, copies = run(api, scenario)
    assert transactions["write"] == 0, transactions
    assert 8 <= transactions["read"] <= 8 * 6, transactions  # a few polls each, not one per 50 ms
    assert original.status_code == 201 and "Idempotent-Replayed" not in original.headers
    replayed = [c for c in copies if c.status_code == 201]
    refused = [c for c in copies if c.status_code == 409]
    assert len(replayed) == 8 and len(refused) == 4
    for copy in replayed:
        assert copy.json() == original.json() and copy.headers["Idempotent-Replayed"] == "true"
    for copy in refused:
        assert copy.json()["code"] == "IDEMPOTENCY_IN_PROGRESS" and copy.headers["Retry-After"] == "2"
        assert copy.json()["path"] == "headers.idempotency-key"
    assert quotes(api) == 1 and api.container.idempotency_waits.waiting() == 0


def test_a_copy_still_waiting_at_the_deadline_gets_409_with_retry_after(
    tmp_path: Path, gate: threading.Event
) -> None:
    api = storm_api(tmp_path, idempotency_wait_s=0.5)
    headers = {**api.auth(), "Idempotency-Key": "storm-2"}

    async def scenario(client: httpx.AsyncClient) -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        original = asyncio.create_task(client.post("/v1/estimate", json=DOMAIN_S8, headers=headers))
        await until(lambda: claimed(api))
        late = await client.post("/v1/estimate", json=DOMAIN_S8, headers=headers)
        gate.set()
        first = await original
        return first, late, await client.post("/v1/estimate", json=DOMAIN_S8, headers=headers)

    first, late, retried = run(api, scenario)
    assert late.status_code == 409 and late.json()["code"] == "IDEMPOTENCY_IN_PROGRESS"
    assert late.headers["Retry-After"] == "2"
    assert first.status_code == retried.status_code == 201 and retried.json() == first.json()
    assert retried.headers["Idempotent-Replayed"] == "true" and quotes(api) == 1


def test_the_waiters_are_bounded_per_process(tmp_path: Path, gate: threading.Event) -> None:
    api = storm_api(tmp_path, idempotency_max_waiters=2)
    keyed = [{**api.auth(), "Idempotency-Key": f"k-{i}"} for i in range(3)]

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        tasks = [asyncio.create_task(client.post("/v1/estimate", json=DOMAIN_S8, headers=h)) for h in keyed]
        await until(lambda: len(list(_keys(api))) == 3)
        copies = [asyncio.create_task(client.post("/v1/estimate", json=DOMAIN_S8, headers=h)) for h in keyed]
        await until(lambda: sum(c.done() for c in copies) == 1)
        gate.set()
        await asyncio.gather(*tasks)
        return list(await asyncio.gather(*copies))

    copies = run(api, scenario)
    assert sorted(c.status_code for c in copies) == [201, 201, 409]


def _keys(api: Api) -> list[str]:
    with api.container.reads() as session:
        return list(session.execute(select(IdempotencyKeyRow.key)).scalars())
