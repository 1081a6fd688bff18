"""Rate limits in the database, so that every API process counts the same requests: a fixed one-minute
window per caller, incremented by an atomic upsert (like the quote counter)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kis_estimator.db.models import RateLimitRow

WINDOW_S = 60


class RateLimitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def hit(self, bucket: str, now: float) -> tuple[int, int]:
        """Count one request of `bucket` at Unix time `now`: (hits in this window, seconds left in it)."""
        window = int(now) // WINDOW_S * WINDOW_S
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(RateLimitRow)
            .values(bucket=bucket, window_start=window, hits=1)
            .on_conflict_do_update(
                index_elements=["bucket", "window_start"], set_={"hits": RateLimitRow.hits + 1}
            )
            .returning(RateLimitRow.hits)
        )
        hits = int(self.session.execute(statement).scalar_one())
        if hits == 1:  # the first request of a window clears the caller's old windows
            self.session.execute(
                delete(RateLimitRow).where(RateLimitRow.bucket == bucket, RateLimitRow.window_start < window)
            )
        return hits, window + WINDOW_S - int(now)
