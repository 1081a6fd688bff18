"""Storage used per caller and UTC day, in the database so that every API process counts the same
bytes; added by an atomic upsert (like the rate limits)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kis_estimator.db.models import StorageUsageRow

DAY_S = 86_400


def day_start(now: float) -> int:
    """The Unix time of 00:00 UTC on the day of `now`."""
    return int(now) // DAY_S * DAY_S


class StorageUsageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def used(self, bucket: str, now: float) -> int:
        """Bytes `bucket` stored on the day of `now`."""
        statement = select(StorageUsageRow.stored_bytes).where(
            StorageUsageRow.bucket == bucket, StorageUsageRow.day_start == day_start(now)
        )
        return int(self.session.execute(statement).scalar_one_or_none() or 0)

    def add(self, bucket: str, now: float, size: int) -> int:
        """Count `size` more bytes for `bucket` on the day of `now`; returns the day's total."""
        day = day_start(now)
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(StorageUsageRow)
            .values(bucket=bucket, day_start=day, stored_bytes=size)
            .on_conflict_do_update(
                index_elements=["bucket", "day_start"],
                set_={"stored_bytes": StorageUsageRow.stored_bytes + size},
            )
            .returning(StorageUsageRow.stored_bytes)
        )
        total = int(self.session.execute(statement).scalar_one())
        if total == size:  # the caller's first quote of the day clears its older days
            self.session.execute(
                delete(StorageUsageRow).where(
                    StorageUsageRow.bucket == bucket, StorageUsageRow.day_start < day
                )
            )
        return total
