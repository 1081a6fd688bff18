"""Reads never wait for a writer (SQLite: deferred transactions in WAL mode) and search reads only the
summary columns, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event, select

from kis_estimator.db.engine import session_factory
from kis_estimator.db.models import QuoteCounterRow
from kis_estimator.db.repository import MAX_PAGE_SIZE, QuoteRepository
from kis_estimator.services.saving import SaveContext, save_estimate
from tests.factories import DOMAIN_S8


def test_a_read_proceeds_while_a_write_transaction_is_open(context: SaveContext) -> None:
    with context.sessions.begin() as session:
        save_estimate(context, DOMAIN_S8, session=session)
    engine = context.sessions.kw["bind"]
    reads = session_factory(engine, reads_only=True)
    found: list[int] = []

    def read() -> None:
        with reads() as session:
            found.append(QuoteRepository(session).search().total)

    with context.sessions.begin() as writer:
        writer.add(QuoteCounterRow(day="20990101", last_seq=1))
        writer.flush()  # the write lock is held (SQLite) and a row is uncommitted
        reader = threading.Thread(target=read)
        reader.start()
        reader.join(timeout=5)
        assert not reader.is_alive(), "a read waited for the open write transaction"
    assert found == [1]
    with reads() as session:  # and the writer's row is visible once committed
        assert "20990101" in session.execute(select(QuoteCounterRow.day)).scalars().all()


def test_search_reads_only_the_summary_columns(context: SaveContext) -> None:
    with context.sessions.begin() as session:
        quote = save_estimate(context, DOMAIN_S8, session=session)
    engine = context.sessions.kw["bind"]
    statements: list[str] = []

    def capture(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with context.sessions() as session:
            page = QuoteRepository(session).search(q=quote["number"], size=MAX_PAGE_SIZE).as_page()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert [item["id"] for item in page["items"]] == [quote["id"]]
    assert page["items"][0]["total"] == quote["totals"]["total"]
    selects = [s for s in statements if "quotes" in s]
    assert len(selects) == 2  # the count and the page
    for statement in selects:
        assert "quotes.request" not in statement and "quotes.document" not in statement, statement


def test_a_page_larger_than_the_maximum_is_refused(context: SaveContext) -> None:
    with context.sessions() as session, pytest.raises(ValueError, match="size"):
        QuoteRepository(session).search(size=MAX_PAGE_SIZE + 1)
