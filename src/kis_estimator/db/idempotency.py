"""Idempotency keys in the database, so that every API process sees the same ones.

The first request with a key claims it (an insert that only one writer can win); duplicates with the
same body wait for its response and replay it; a duplicate with another body is refused. A claim whose
request failed on the server side is released so that a retry can run; client errors are kept and
replayed like successes. Keys older than `TTL` are forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kis_estimator.db.models import IdempotencyKeyRow

TTL = timedelta(hours=24)
STALE = timedelta(minutes=5)  # a claim still pending after this lost its process: take it over


@dataclass(frozen=True)
class Claim:
    outcome: Literal["owner", "replay", "pending", "mismatch"]
    status_code: int | None = None
    response: dict[str, Any] | None = None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _outcome(row: IdempotencyKeyRow, body_sha256: str) -> Claim:
    if row.body_sha256 != body_sha256:
        return Claim("mismatch")
    if row.response is None or row.status_code is None:
        return Claim("pending")
    return Claim("replay", row.status_code, row.response)


class IdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, key: str, body_sha256: str, now: datetime | None = None) -> Claim:
        """Claim `key` for this body, or say what its first request left (call in its own transaction)."""
        now = now or datetime.now(UTC)
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(IdempotencyKeyRow)
            .values(key=key, body_sha256=body_sha256, created_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(IdempotencyKeyRow.key)
        )
        if self.session.execute(statement).first() is not None:
            return Claim("owner")
        row = self.session.get(IdempotencyKeyRow, key, populate_existing=True)
        if row is None:  # released between our insert and read: try again next round
            return Claim("pending")
        age = now - _aware(row.created_at)
        if age > TTL or (row.response is None and age > STALE):
            self.session.delete(row)
            self.session.flush()
            return self.claim(key, body_sha256, now)
        return _outcome(row, body_sha256)

    def look(self, key: str, body_sha256: str, now: datetime | None = None) -> Claim | None:
        """What a live row of `key` says (replay, pending or mismatch), without writing; None when there
        is no live row and the key must be claimed."""
        row = self.session.get(IdempotencyKeyRow, key)
        if row is None:
            return None
        age = (now or datetime.now(UTC)) - _aware(row.created_at)
        if age > TTL or (row.response is None and age > STALE):
            return None
        return _outcome(row, body_sha256)

    def complete(self, key: str, status_code: int, response: dict[str, Any], quote_id: str | None) -> None:
        row = self.session.get(IdempotencyKeyRow, key)
        if row is not None:
            row.status_code, row.response, row.quote_id = status_code, response, quote_id
            self.session.flush()

    def release(self, key: str) -> None:
        self.session.execute(
            delete(IdempotencyKeyRow).where(
                IdempotencyKeyRow.key == key, IdempotencyKeyRow.response.is_(None)
            )
        )

    def purge(self, now: datetime | None = None) -> int:
        cutoff = (now or datetime.now(UTC)) - TTL
        result = self.session.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    def get(self, key: str) -> IdempotencyKeyRow | None:
        return self.session.execute(
            select(IdempotencyKeyRow).where(IdempotencyKeyRow.key == key)
        ).scalar_one_or_none()
