"""Saving, finding and changing quotes on SQLite and PostgreSQL, with blobs in storage, as one unit."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event, func, select

from kis_estimator.db.engine import make_engine, session_factory
from kis_estimator.db.models import BreakerRow, DocumentRow, EvidenceBlobRow, PanelRow, QuoteItemRow, QuoteRow
from kis_estimator.db.repository import IllegalTransition, QuoteReadOnly, QuoteRepository
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.services.saving import SaveContext, save_estimate
from kis_estimator.services.storage_checks import (
    collect_garbage,
    find_orphans,
    verify_blobs,
    verify_quote_evidence,
)
from kis_estimator.storage import InMemoryBlobStore, StorageError
from tests.db.conftest import SECRET
from tests.factories import DOMAIN_S8, make_request


def _save(context: SaveContext, raw: dict[str, Any] = DOMAIN_S8, **kwargs: Any) -> dict[str, Any]:
    with context.sessions.begin() as session:
        return save_estimate(context, raw, session=session, **kwargs)


def _count(context: SaveContext, model: Any) -> int:
    with context.sessions() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_saved_quote_has_every_row_and_blob(context: SaveContext) -> None:
    quote = _save(context)
    assert quote["number"] == f"EST-{quote['date'].replace('-', '')}-0001"
    with context.sessions() as session:
        row = QuoteRepository(session).get_full(quote["id"])
        assert row is not None
        assert (row.total, row.status, row.revision) == (1_831_170, "draft", 1)
        assert {d.kind for d in row.documents} == {"xlsx", "svg"}  # the PDF and DXF on first download
        # the manifest's files, plus metrics.json (a measurement), manifest.json, SHA256SUMS, signature.json
        assert len(row.evidence) == len(quote["evidence"]["files"]) + 4
    assert _count(context, PanelRow) == 1
    assert _count(context, BreakerRow) == 4
    assert _count(context, QuoteItemRow) == 17
    with context.sessions() as session:
        assert verify_blobs(session, context.store).ok
        result = verify_quote_evidence(session, context.store, quote["id"], secret=SECRET)
    assert result.ok, (result.changed, result.missing, result.extra, result.problems)
    assert result.derivable == ["documents/quote.pdf", "drawing/layout.dxf"]


def test_numbers_are_consecutive_per_day(context: SaveContext) -> None:
    numbers = [_save(context)["number"] for _ in range(3)]
    sequences = [int(n[-4:]) for n in numbers]
    assert sequences == [sequences[0], sequences[0] + 1, sequences[0] + 2]


def test_a_bad_request_spends_no_number_and_writes_nothing(context: SaveContext) -> None:
    with pytest.raises(RequestRejected):
        _save(context, make_request(main={"poles": 5, "trip_at": 200}))
    assert _count(context, QuoteRow) == 0
    assert list(context.store.list("quote/")) == []


def test_database_failure_at_commit_leaves_no_rows_and_gc_finds_the_blobs(context: SaveContext) -> None:
    session = context.sessions()

    def explode(_session: Any) -> None:
        raise sa.exc.OperationalError("COMMIT", {}, Exception("injected: database gone at commit"))

    event.listen(session, "before_commit", explode)
    with pytest.raises(sa.exc.OperationalError), session.begin():
        save_estimate(context, DOMAIN_S8, session=session)
    session.close()
    for model in (QuoteRow, PanelRow, BreakerRow, QuoteItemRow, DocumentRow, EvidenceBlobRow):
        assert _count(context, model) == 0, model
    with context.sessions() as session:
        orphans = find_orphans(session, context.store)
    assert orphans and all(key.startswith("quote/") for key in orphans)
    with context.sessions() as session:
        assert collect_garbage(session, context.store, delete=True) == ([], orphans)  # too young
        assert collect_garbage(session, context.store, delete=True, min_age_s=0) == (orphans, [])
    assert list(context.store.list("quote/")) == []


class _FailingStore(InMemoryBlobStore):
    def __init__(self, fail_at: int) -> None:
        super().__init__(signing_secret=SECRET)
        self.puts = 0
        self.fail_at = fail_at

    def put(
        self,
        key: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        sha256: str | None = None,
    ) -> Any:
        self.puts += 1
        if self.puts == self.fail_at:
            raise StorageError("injected: storage down mid-save", backend="memory", key=key)
        return super().put(key, data, content_type, sha256=sha256)


def test_storage_failure_mid_save_leaves_no_rows(context: SaveContext) -> None:
    failing = SaveContext(**{**context.__dict__, "store": _FailingStore(fail_at=5)})
    with pytest.raises(StorageError):
        _save(failing)
    assert _count(context, QuoteRow) == 0 and _count(context, EvidenceBlobRow) == 0
    with failing.sessions() as session:  # every put that succeeded is an orphan
        orphans = find_orphans(session, failing.store)
    assert failing.store.puts == 5 and len(orphans) == 4  # the memory store puts one blob after another


def test_status_moves_and_illegal_moves(context: SaveContext) -> None:
    quote = _save(context)
    with context.sessions.begin() as session:
        repository = QuoteRepository(session)
        for status in ("sent", "ordered", "shipped", "paid", "closed"):
            row = repository.set_status(quote["id"], status)
            assert row is not None and row.status == status and row.document["status"] == status
    with context.sessions.begin() as session, pytest.raises(QuoteReadOnly):
        QuoteRepository(session).set_status(quote["id"], "draft")  # a closed quote is read-only
    second = _save(context)
    with context.sessions.begin() as session, pytest.raises(IllegalTransition):
        QuoteRepository(session).set_status(second["id"], "paid")


def test_revision_links_to_its_predecessor(context: SaveContext) -> None:
    first = _save(context)
    edited = make_request(branches=[{"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 6}])
    second = _save(context, edited, previous=(first["id"], 1))
    with context.sessions() as session:
        row = QuoteRepository(session).get(second["id"])
        assert row is not None and (row.previous_id, row.revision) == (first["id"], 2)
        assert row.number != first["number"]


def test_search_by_number_customer_text_status_dates_with_paging(context: SaveContext) -> None:
    saved = []
    for customer, project in (
        ("동양기전", "신축공장"),
        ("한빛전기", "아파트 101동"),
        ("동양기전", "물류센터"),
    ):
        raw = {**DOMAIN_S8, "customer": {"name": customer}, "project": project}
        saved.append(_save(context, raw))
    with context.sessions.begin() as session:
        QuoteRepository(session).set_status(saved[1]["id"], "sent")
    with context.sessions() as session:
        repository = QuoteRepository(session)
        assert repository.search(customer="동양").total == 2
        assert [q.id for q in repository.search(q="아파트").items] == [saved[1]["id"]]
        assert repository.search(status="sent").total == 1
        assert repository.search(number=saved[2]["number"]).items[0].id == saved[2]["id"]
        assert repository.search(q="100%_").total == 0  # LIKE wildcards are literal
        today = date.fromisoformat(saved[0]["date"])
        assert repository.search(date_from=today, date_to=today).total == 3
        assert repository.search(date_from=today + timedelta(days=1)).total == 0
        page = repository.search(page=2, size=2)
        assert (page.total, len(page.items)) == (3, 1)


def test_backup_restore_into_an_empty_database_then_every_quote_verifies(
    context: SaveContext, db_url: str, tmp_path: Path, request: Any
) -> None:
    from kis_estimator.db.backup import backup, restore

    quotes = [_save(context) for _ in range(2)]
    target = backup(db_url, tmp_path / "kis.backup")
    if db_url.startswith("sqlite"):
        empty = f"sqlite:///{tmp_path}/restored.db"
    else:
        server = request.getfixturevalue("postgres")
        empty = server.create_database("restored_" + tmp_path.name.replace("-", "_")[-20:])
    restore(empty, target)
    sessions = session_factory(make_engine(empty))
    for quote in quotes:
        with sessions() as session:
            result = verify_quote_evidence(session, context.store, quote["id"], secret=SECRET)
        assert result.ok, result.problems
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(QuoteRow)).scalar_one() == 2


def test_stored_quote_document_equals_the_saved_quote(context: SaveContext) -> None:
    quote = _save(context)
    with context.sessions() as session:
        row = QuoteRepository(session).get(quote["id"])
        assert row is not None
        assert json.dumps(row.document, sort_keys=True) == json.dumps(quote, sort_keys=True)
