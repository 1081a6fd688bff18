"""The progress events of an estimate, kept in the database so that any process can replay and tail
them. Each quote's events are numbered 1, 2, 3, … by `seq`; one writer (the request that creates the
quote) appends them, and the unique (quote_id, seq) constraint guards against a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from kis_estimator.db.models import QuoteEventRow

TERMINAL = ("DONE", "ERROR")


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, quote_id: str, type_: str, data: dict[str, Any]) -> int:
        """Add the next event of `quote_id` and return its seq (flush, no commit)."""
        last = self.session.execute(
            select(func.max(QuoteEventRow.seq)).where(QuoteEventRow.quote_id == quote_id)
        ).scalar_one()
        seq = (last or 0) + 1
        self.session.add(QuoteEventRow(quote_id=quote_id, seq=seq, type=type_, data=data))
        self.session.flush()
        return seq

    def append_many(
        self, quote_id: str, first_seq: int, events: Sequence[tuple[str, dict[str, Any]]]
    ) -> list[int]:
        """Add `events` numbered from `first_seq` in one statement (the writer knows its own numbering)."""
        seqs = list(range(first_seq, first_seq + len(events)))
        if events:
            rows = [
                {"quote_id": quote_id, "seq": seq, "type": type_, "data": data}
                for seq, (type_, data) in zip(seqs, events, strict=True)
            ]
            self.session.execute(insert(QuoteEventRow), rows)
        return seqs

    def after_or_end(self, quote_id: str, seq: int, limit: int = 500) -> Sequence[QuoteEventRow]:
        """The events after `seq`, and the quote's terminal event (DONE or ERROR) wherever it is, in one
        query: a tail learns in one poll both what is new and whether the stream already ended."""
        statement = (
            select(QuoteEventRow)
            .where(
                QuoteEventRow.quote_id == quote_id,
                or_(QuoteEventRow.seq > seq, QuoteEventRow.type.in_(TERMINAL)),
            )
            .order_by(QuoteEventRow.seq)
            .limit(limit)
        )
        return self.session.execute(statement).scalars().all()

    def exists(self, quote_id: str) -> bool:
        if "\x00" in quote_id:  # no id holds a NUL (and PostgreSQL refuses one in text)
            return False
        statement = select(QuoteEventRow.id).where(QuoteEventRow.quote_id == quote_id).limit(1)
        return self.session.execute(statement).first() is not None
