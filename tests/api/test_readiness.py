"""/readyz: the deployment guide's contract (`db` and `storage` exactly "ok" when healthy, details in
other fields) and the cache that keeps a flood of unauthenticated calls from probing storage each time."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from kis_estimator.storage import BlobStore
from tests.api.conftest import Api, make_api, make_settings


class CountingStore:
    """The real store, counting its readiness probes (`check`); every other call goes straight through."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        self.checks = 0

    def check(self) -> None:
        self.checks += 1
        self.store.check()

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)


def counting_api(tmp_path: Path, **settings: object) -> tuple[Api, CountingStore]:
    api = make_api(make_settings(tmp_path, **settings))
    counting = CountingStore(api.container.store)
    api.container.__dict__["store"] = counting
    return api, counting


def test_a_healthy_service_answers_exactly_ok_with_the_database_clock_apart(api: Api) -> None:
    response = api.client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert (body["status"], body["db"], body["storage"]) == ("ok", "ok", "ok")
    db_time = datetime.fromisoformat(body["dbTime"])
    assert db_time.tzinfo is not None and abs((datetime.now(UTC) - db_time).total_seconds()) < 60
    assert datetime.fromisoformat(body["checkedAt"]).tzinfo is not None


def test_two_quick_calls_do_one_storage_probe(tmp_path: Path) -> None:
    api, store = counting_api(tmp_path, readyz_cache_s=30.0)
    with api.client:
        first = api.client.get("/readyz").json()
        second = api.client.get("/readyz").json()
    assert store.checks == 1
    assert first["checkedAt"] == second["checkedAt"] and first["traceId"] != second["traceId"]


def test_concurrent_calls_share_one_probe(tmp_path: Path) -> None:
    api, store = counting_api(tmp_path, readyz_cache_s=30.0)
    with api.client, ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: api.client.get("/readyz").status_code, range(16)))
    assert statuses == [200] * 16 and store.checks == 1


def test_the_probe_runs_again_once_the_cached_answer_is_older_than_the_setting(tmp_path: Path) -> None:
    api, store = counting_api(tmp_path, readyz_cache_s=0.2)
    with api.client:
        api.client.get("/readyz")
        time.sleep(0.3)
        api.client.get("/readyz")
    assert store.checks == 2


def test_a_zero_cache_probes_every_call(tmp_path: Path) -> None:
    api, store = counting_api(tmp_path, readyz_cache_s=0)
    with api.client:
        for _ in range(3):
            api.client.get("/readyz")
    assert store.checks == 3
