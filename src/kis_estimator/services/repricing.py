"""The impact of a price book on the open quotes, and re-quoting them under it.

Impact: every open quote (draft or sent, the latest revision of its chain) re-priced by the engine
with a book's catalog, without documents or a save: its stored totals against the new ones, the BOM
lines whose unit price moved, and the quotes the book can no longer price (the engine's first refusal).
A book is usually looked at while staged (imported, not yet active); any stored book may be.

Re-quote: each chosen quote becomes a revision priced with the catalog in use, which must be that
book (re-quoting activates nothing). A quote whose chain already ends in a revision priced with the
book is skipped and reported, so a retried call makes no second revision.

Both are bounded by REPRICE_MAX_QUOTES: an impact is paged, a re-quote call refuses a longer list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from kis_estimator.db.models import QuoteRow
from kis_estimator.db.pricebooks import PriceBookNotFound, PriceBookRepository
from kis_estimator.db.repository import QuoteRepository
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.estimate import Work, run_engine, totals_of
from kis_estimator.services.catalog_in_use import catalog_in_use
from kis_estimator.services.creating import run_create
from kis_estimator.services.failures import Refused

if TYPE_CHECKING:  # bootstrap imports the services lazily; only its type is needed here
    from kis_estimator.bootstrap import Container

__all__ = ["OPEN_STATUSES", "Impact", "QuoteImpact", "impact", "requote"]

OPEN_STATUSES = ("draft", "sent")
_TOTALS = ("subtotal", "vat", "total")
# A BOM line as the two pricings are matched on: panel index, line name, spec and model.
_LineKey = tuple[int, str, str, str | None]


@dataclass(frozen=True)
class QuoteImpact:
    """One open quote under the book: its totals before and after, and the lines whose price moved;
    `refusal` (code, path) when the book can no longer price it."""

    quote_id: str
    number: str
    status: str
    old: dict[str, int]
    new: dict[str, int] | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    refusal: dict[str, str] | None = None

    @property
    def changed(self) -> bool:
        return self.refusal is None and (self.new != self.old or bool(self.lines))

    def as_dict(self) -> dict[str, Any]:
        difference = {k: self.new[k] - self.old[k] for k in _TOTALS} if self.new is not None else None
        return {
            "quoteId": self.quote_id,
            "number": self.number,
            "status": self.status,
            "old": self.old,
            "new": self.new,
            "difference": difference,
            "lines": self.lines,
            "refusal": self.refusal,
        }


@dataclass(frozen=True)
class Impact:
    """One page of the open quotes under a book."""

    book_id: int
    open_quotes: int
    page: int
    size: int
    quotes: list[QuoteImpact]

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `GET /v1/catalog/books/{id}/impact`: only changed and unpriceable quotes are listed;
        `checked` counts the quotes of this page."""
        return {
            "bookId": self.book_id,
            "openQuotes": self.open_quotes,
            "page": self.page,
            "size": self.size,
            "checked": len(self.quotes),
            "changed": [q.as_dict() for q in self.quotes if q.changed],
            "unpriced": [q.as_dict() for q in self.quotes if q.refusal is not None],
        }


def _too_many(limit: int, path: str) -> Refused:
    return Refused(
        422,
        "REQ_INVALID",
        f"한 번에 최대 {limit}건입니다 / At most {limit} quotes per call",
        hint=f"{limit}건 이하로 나누어 보내 주세요 / Send at most {limit} quotes per call.",
        path=path,
        extra={"maxQuotes": limit},
    )


def _open_quotes(session: Session) -> Any:
    """Open quotes that no later revision supersedes, oldest number first."""
    following = aliased(QuoteRow)
    superseded = select(following.id).where(following.previous_id == QuoteRow.id).exists()
    return select(QuoteRow).where(QuoteRow.status.in_(OPEN_STATUSES), ~superseded)


def _book_catalog(container: Container, session: Session, book_id: int) -> Catalog:
    repository = PriceBookRepository(session, container.built_catalogs)
    row = repository.get(book_id)
    if row is None:
        raise PriceBookNotFound(book_id)
    return repository.catalog_of(row)


def _quote_catalog(
    container: Container, session: Session, row: QuoteRow, cache: dict[int, Catalog]
) -> Catalog:
    """The catalog the quote was priced with: its price book's, else the configured catalog."""
    if row.price_book_id is None:
        return container.catalog
    if row.price_book_id not in cache:
        cache[row.price_book_id] = _book_catalog(container, session, row.price_book_id)
    return cache[row.price_book_id]


def _lines(work: Work) -> dict[_LineKey, tuple[int, int, str]]:
    """Each line's (unit price, amount, panel name) by its key; a repeated key keeps its first line."""
    found: dict[_LineKey, tuple[int, int, str]] = {}
    for panel in work.panels:
        for line in panel.lines:
            key = (panel.index, line.name, line.spec, line.model)
            found.setdefault(key, (line.unit_price, line.amount * panel.request.quantity, panel.request.name))
    return found


def _moved(before: Work, after: Work) -> list[dict[str, Any]]:
    """The lines whose unit price differs (a line on one side only: its price is null on the other)."""
    old, new = _lines(before), _lines(after)
    moved = []
    for key in [*old, *(k for k in new if k not in old)]:
        was, now = old.get(key), new.get(key)
        if was is not None and now is not None and was[0] == now[0]:
            continue
        panel = (was or now or (0, 0, ""))[2]
        moved.append(
            {
                "panel": panel,
                "path": f"panels.{key[0]}",
                "name": key[1],
                "spec": key[2],
                "model": key[3],
                "oldPrice": was[0] if was else None,
                "newPrice": now[0] if now else None,
                "amountDifference": (now[1] if now else 0) - (was[1] if was else 0),
            }
        )
    return moved


def _reprice(container: Container, row: QuoteRow, before: Catalog, after: Catalog) -> QuoteImpact:
    old = {"subtotal": row.subtotal, "vat": row.vat, "total": row.total}
    try:
        work = run_engine(row.request, after, container.rules)
    except RequestRejected as exc:
        first = exc.first
        refusal = {
            "code": first.code,
            "path": first.path,
            "message": f"{first.message_ko} / {first.message_en}",
        }
        return QuoteImpact(row.id, row.number, row.status, old, refusal=refusal)
    totals = totals_of(work)
    new = {"subtotal": totals.subtotal, "vat": totals.vat, "total": totals.total}
    try:
        lines = _moved(run_engine(row.request, before, container.rules), work)
    except RequestRejected:  # its own catalog no longer prices it: every line of the new one is shown
        lines = [{**line, "oldPrice": None} for line in _moved(work, work)]
    return QuoteImpact(row.id, row.number, row.status, old, new, lines)


def impact(container: Container, book_id: int, *, page: int = 1, size: int | None = None) -> Impact:
    """The open quotes of one page (oldest number first) re-priced with book `book_id`. Raises
    PriceBookNotFound, DataError for a corrupted book, Refused (422) for a page over REPRICE_MAX_QUOTES."""
    limit = container.settings.reprice_max_quotes
    size = limit if size is None else size
    if size > limit:
        raise _too_many(limit, "query.size")
    with container.reads() as session:
        after = _book_catalog(container, session, book_id)
        open_quotes = _open_quotes(session)
        count = session.execute(select(func.count()).select_from(open_quotes.subquery())).scalar_one()
        rows = session.execute(
            open_quotes.order_by(QuoteRow.number).offset((page - 1) * size).limit(size)
        ).scalars()
        cache: dict[int, Catalog] = {}
        quotes = [
            _reprice(container, row, _quote_catalog(container, session, row, cache), after) for row in rows
        ]
    return Impact(book_id, count, page, size, quotes)


def requote(
    container: Container, book_id: int, quote_ids: Sequence[str], *, trace_id: str, caller: str | None
) -> list[dict[str, Any]]:
    """Revise each quote with the catalog in use, which must be book `book_id`; one result per id, in
    order: `revised` (the new revision), `skipped` (its chain already ends in a revision priced with the
    book), `not_found`, `not_open`, or `refused` (the engine's first problem). Raises PriceBookNotFound
    and Refused: 409 PRICE_BOOK_NOT_ACTIVE, 422 for more than REPRICE_MAX_QUOTES ids."""
    limit = container.settings.reprice_max_quotes
    if len(quote_ids) > limit:
        raise _too_many(limit, "quoteIds")
    with container.reads() as session:
        if PriceBookRepository(session).get(book_id) is None:
            raise PriceBookNotFound(book_id)
    if catalog_in_use(container).price_book_id != book_id:
        raise Refused(
            409,
            "PRICE_BOOK_NOT_ACTIVE",
            f"활성 가격표가 아닙니다 / Price book {book_id} is not the active one",
            hint=f"먼저 활성화하세요 (POST /v1/catalog/price-books/{book_id}/activate) / Activate it first.",
            path="book_id",
        )
    return [
        _requote_one(container, book_id, quote_id, trace_id, caller) for quote_id in dict.fromkeys(quote_ids)
    ]


def _requote_one(
    container: Container, book_id: int, quote_id: str, trace_id: str, caller: str | None
) -> dict[str, Any]:
    with container.reads() as session:
        latest = QuoteRepository(session).latest_revision(quote_id)
        if latest is None:
            return {"quoteId": quote_id, "outcome": "not_found"}
        if latest.price_book_id == book_id:
            return {"quoteId": quote_id, "outcome": "skipped", "revision": _summary(latest)}
        if latest.id != quote_id or latest.status not in OPEN_STATUSES:
            return {"quoteId": quote_id, "outcome": "not_open", "latest": _summary(latest)}
        raw, previous = latest.request, (latest.id, latest.revision)
    try:
        quote = run_create(container, raw, trace_id=trace_id, previous=previous, caller=caller)
    except RequestRejected as exc:
        return {"quoteId": quote_id, "outcome": "refused", "code": exc.first.code, "path": exc.first.path}
    except Refused as exc:  # a parallel call revised it first: report what its chain ends in now
        if exc.code != "QUOTE_READ_ONLY":
            raise
        return _requote_one(container, book_id, quote_id, trace_id, caller)
    revision = {k: quote[k] for k in ("id", "number", "status", "totals")}
    return {"quoteId": quote_id, "outcome": "revised", "revision": revision}


def _summary(row: QuoteRow) -> dict[str, Any]:
    return {"id": row.id, "number": row.number, "status": row.status, "totals": row.document["totals"]}
