"""The storage budget's counters on SQLite and a real PostgreSQL: per caller and UTC day, added
atomically, so that concurrent creates can never reserve more than the budget between them."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from kis_estimator.db.engine import make_engine, session_factory
from kis_estimator.db.models import StorageUsageRow
from kis_estimator.db.storage_usage import StorageUsageRepository
from kis_estimator.services.storage_budget import StorageBudget, StorageBudgetExceeded

DAY = 86_400


def test_bytes_are_counted_per_caller_and_day_and_old_days_cleared(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    with sessions.begin() as session:
        usage = StorageUsageRepository(session)
        assert usage.add("key:1", 10 * DAY + 5, 100) == 100
        assert usage.add("key:1", 10 * DAY + 6, 50) == 150
        assert usage.add("key:2", 10 * DAY + 7, 70) == 70
        assert usage.used("key:1", 11 * DAY - 1) == 150
        assert usage.add("key:1", 11 * DAY, 30) == 30  # a new day starts from its first quote
        assert usage.used("key:1", 11 * DAY + 1) == 30 and usage.used("key:3", 11 * DAY) == 0
        rows = session.execute(select(StorageUsageRow.bucket, StorageUsageRow.day_start)).all()
        assert sorted(tuple(row) for row in rows) == [("key:1", 11 * DAY), ("key:2", 10 * DAY)]


def test_concurrent_reservations_never_exceed_the_budget(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    budget = StorageBudget(sessions, "key:9", 1_000)
    granted: list[int] = []
    refused: list[StorageBudgetExceeded] = []

    def reserve() -> None:
        try:
            budget.reserve(300)
            granted.append(300)
        except StorageBudgetExceeded as exc:
            refused.append(exc)

    threads = [threading.Thread(target=reserve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(granted) == 900 and len(refused) == 5
    assert all(exc.limit == 1_000 and exc.needed == 300 for exc in refused)
    with pytest.raises(StorageBudgetExceeded):
        budget.reserve(101)
    budget.reserve(100)  # exactly the budget is allowed
    with sessions() as session, pytest.raises(StorageBudgetExceeded) as spent:
        budget.check(session)
    assert spent.value.used == 1_000 and 0 < spent.value.retry_after_s <= DAY
