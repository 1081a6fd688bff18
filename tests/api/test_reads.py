"""Viewers cannot block the database: reads (the key lookup included) do not wait for a writer, search
loads no request or document JSON, and a page holds at most MAX_PAGE_SIZE quotes."""

from __future__ import annotations

import re
import threading
from typing import Any

from sqlalchemy import event

from kis_estimator.db.models import QuoteCounterRow
from kis_estimator.db.repository import MAX_PAGE_SIZE
from tests.api.conftest import Api
from tests.factories import DOMAIN_S8

EXTRACTED = re.compile(r"JSON_EXTRACT\((?:\w+\.)?quotes\.request, \?\)")


def test_a_viewer_reads_while_a_write_transaction_is_open(api: Api) -> None:
    created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    answers: list[Any] = []  # TestClient responses

    def view() -> None:
        answers.append(api.client.get("/v1/estimate", headers=api.auth("viewer")))
        answers.append(api.client.get(f"/v1/estimate/{created['id']}", headers=api.auth("viewer")))

    with api.container.sessions.begin() as writer:
        writer.add(QuoteCounterRow(day="20990101", last_seq=1))
        writer.flush()  # SQLite's write lock is held until this block ends
        viewer = threading.Thread(target=view)
        viewer.start()
        viewer.join(timeout=10)
        assert not viewer.is_alive(), "the viewer waited for the writer"
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json()["total"] == 1 and answers[1].json()["id"] == created["id"]


def test_search_loads_no_request_or_document_json(api: Api) -> None:
    for _ in range(2):
        api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    statements: list[str] = []

    def capture(*args: Any) -> None:
        statements.append(args[2])

    event.listen(api.container.engine, "before_cursor_execute", capture)
    try:
        page = api.client.get("/v1/estimate", params={"size": MAX_PAGE_SIZE}, headers=api.auth("viewer"))
    finally:
        event.remove(api.container.engine, "before_cursor_execute", capture)
    assert page.status_code == 200 and page.json()["total"] == 2
    on_quotes = [s for s in statements if "quotes." in s]
    assert on_quotes, statements
    for statement in on_quotes:
        # The panel summary's two enclosure words are extracted by the database (a JSON path each); the
        # request is never selected whole, the document never read at all.
        rest = EXTRACTED.sub("", statement)
        assert "quotes.request" not in rest and "quotes.document" not in statement, statement


def test_a_page_over_the_maximum_is_refused_with_a_hint(api: Api) -> None:
    response = api.client.get("/v1/estimate", params={"size": MAX_PAGE_SIZE + 1}, headers=api.auth("viewer"))
    body = response.json()
    assert response.status_code == 422 and body["code"] == "REQ_INVALID"
    assert body["path"] == "query.size" and str(MAX_PAGE_SIZE) in body["hint"]
    assert body["meta"]["maxSize"] == MAX_PAGE_SIZE
    assert api.client.get("/v1/estimate", params={"size": 200}, headers=api.auth()).status_code == 422
