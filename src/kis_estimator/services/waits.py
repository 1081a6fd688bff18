"""Duplicates of a running idempotent request, waiting in this process for its answer.

A waiting duplicate holds no thread and no transaction: it awaits the key's event, which the first
request sets when it finishes in this process, and between wake-ups reads the key's row (a read-only
transaction) with a backoff from POLL_FIRST_S to POLL_MAX_S, for a first request running in another
process. Their number is bounded per key and per process: beyond, the duplicate is refused at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

POLL_FIRST_S = 0.05
POLL_MAX_S = 1.0


class WaitersFull(Exception):
    """Too many duplicates already wait (for this key, or in this process)."""


class Slot:
    """One waiting duplicate's place: wait() returns when the key's first request finished here or after
    the next poll interval, whichever comes first."""

    def __init__(self, waits: Waits, key: str) -> None:
        self._waits, self._key, self._delay = waits, key, POLL_FIRST_S

    async def wait(self, at_most: float) -> None:
        event = self._waits.event(self._key)
        try:
            await asyncio.wait_for(event.wait(), max(0.0, min(self._delay, at_most)))
        except TimeoutError:
            self._delay = min(self._delay * 2, POLL_MAX_S)


class Waits:
    def __init__(self, per_key: int, total: int) -> None:
        self.per_key, self.total = per_key, total
        self._lock = threading.Lock()
        self._events: dict[str, asyncio.Event] = {}
        self._counts: dict[str, int] = {}
        self._waiting = 0

    def event(self, key: str) -> asyncio.Event:
        with self._lock:
            return self._events.setdefault(key, asyncio.Event())

    def waiting(self, key: str | None = None) -> int:
        with self._lock:
            return self._waiting if key is None else self._counts.get(key, 0)

    @contextmanager
    def slot(self, key: str) -> Iterator[Slot]:
        with self._lock:
            if self._counts.get(key, 0) >= self.per_key or self._waiting >= self.total:
                raise WaitersFull(key)
            self._counts[key] = self._counts.get(key, 0) + 1
            self._waiting += 1
        try:
            yield Slot(self, key)
        finally:
            with self._lock:
                self._waiting -= 1
                self._counts[key] -= 1
                if not self._counts[key]:
                    del self._counts[key]
                    self._events.pop(key, None)

    def finished(self, key: str) -> None:
        """The key's first request finished here (answered or released): wake its waiters to look."""
        with self._lock:
            event = self._events.pop(key, None)
        if event is not None:
            event.set()
