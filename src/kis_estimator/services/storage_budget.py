"""The storage budget: the bytes of documents and evidence one caller's quotes may add to storage per
UTC day (STORAGE_BUDGET_BYTES_PER_CALLER). A create is checked once the engine accepted it, before its
documents are made, in the short transaction that allocates its number (a refusal spends no number);
its exact size is reserved after rendering and before any blob is written: a create that would go over
the budget is refused with nothing stored. Bytes reserved by a save that fails afterwards stay counted:
its blobs stay in storage until `kis storage gc` collects them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from kis_estimator.db.engine import undoable
from kis_estimator.db.storage_usage import DAY_S, StorageUsageRepository, day_start


class StorageBudgetExceeded(Exception):
    """The caller's quotes would store more than its budget for the day."""

    def __init__(self, limit: int, used: int, needed: int, retry_after_s: int) -> None:
        self.limit, self.used, self.needed, self.retry_after_s = limit, used, needed, retry_after_s
        super().__init__(f"storage budget of {limit:,} bytes a day: {used:,} used, {needed:,} more needed")


@dataclass(frozen=True)
class StorageBudget:
    """`limit` bytes a UTC day for `bucket` (a caller: "key:<id>", "jwt:<sub>"), counted in the database."""

    sessions: sessionmaker[Session]
    bucket: str
    limit: int

    def check(self, session: Session) -> None:
        """Raise StorageBudgetExceeded when the day's budget is already spent (read in `session`, the
        caller's: the save checks it in the transaction that allocates the quote's number)."""
        now = time.time()
        used = StorageUsageRepository(session).used(self.bucket, now)
        if used >= self.limit:
            raise StorageBudgetExceeded(self.limit, used, 0, _until_tomorrow(now))

    def reserve(self, size: int) -> None:
        """Count `size` bytes about to be written, in its own short transaction; raise
        StorageBudgetExceeded (and count nothing) when they would go over the budget."""
        now = time.time()
        with self.sessions.begin() as session:
            undoable(session)
            total = StorageUsageRepository(session).add(self.bucket, now, size)
            if total > self.limit:  # raised inside the transaction: the bytes are not counted
                raise StorageBudgetExceeded(self.limit, total - size, size, _until_tomorrow(now))


def _until_tomorrow(now: float) -> int:
    return day_start(now) + DAY_S - int(now)
