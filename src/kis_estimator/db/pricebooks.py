"""Price-book versions in `shared.price_books` and their search rows in `shared.catalog_items`.

`PriceBookRepository` keeps the versions: `stage` → `activate` (exactly one active book; the previous
one is retired; activating a retired book again rolls back) and `export` to the shop's file formats
(pricebooks/export.py), so that export → `read_price_book` gives the same catalog SHA-256. Like every
repository it never commits. `BuiltCatalogs` keeps the Catalogs of stored books by their hash.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import case, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from kis_estimator.db.models import CatalogItemRow, PriceBookRow
from kis_estimator.engine.catalog import Catalog, build_catalog
from kis_estimator.engine.errors import DataError, DataProblem
from kis_estimator.engine.money import round_won
from kis_estimator.pricebooks.columns import label_problem
from kis_estimator.pricebooks.export import ExportFormat, render_price_book
from kis_estimator.pricebooks.problems import KINDS, ParsedBook
from kis_estimator.pricebooks.reading import member_name

ITEM_KINDS: Final = {"breakers": "breaker", "enclosures": "enclosure", "accessories": "accessory"}
_MAX_SEARCH_LIMIT: Final = 1_000
# PostgreSQL advisory lock serialising activations (any fixed 64-bit number, unique to this purpose).
_ACTIVATION_LOCK: Final = int.from_bytes(
    hashlib.sha256(b"kis.price_books.activate").digest()[:8], "big", signed=True
)


class PriceBookNotFound(LookupError):
    """No price book has the given id."""

    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        super().__init__(f"price book {book_id} does not exist")


def _item_kind(kind: str) -> str:
    """The catalog_items.kind value of a kind given as "breaker" or "breakers"."""
    singular = ITEM_KINDS.get(kind, kind)
    if singular not in ITEM_KINDS.values():
        raise ValueError(f"unknown kind {kind!r}: use breaker, enclosure or accessory")
    return singular


def _catalog_items(parsed: ParsedBook) -> list[dict[str, Any]]:
    """One search row per catalog entry, the columns of catalog_items but the book's id; a price range
    is listed at its high value, as it is quoted."""
    items = []
    for b, data in zip(parsed.catalog.breakers, parsed.rows["breakers"], strict=True):
        items.append(dict(
            kind="breaker", model=b.model, brand=b.brand,
            description=f"{b.brand} {b.type} {b.poles}P {b.frame_af}AF {b.model}",
            price_krw=round_won(b.price_krw.high) if b.price_krw else None, data=data,
        ))  # fmt: skip
    for e, data in zip(parsed.catalog.enclosures, parsed.rows["enclosures"], strict=True):
        items.append(dict(
            kind="enclosure", model=e.model, brand=None,
            description=f"{e.series} {e.material} {e.thickness_mm:.1f}T {e.location} {e.w_mm}×{e.h_mm}×{e.d_mm} {e.model}",
            price_krw=e.price_krw, data=data,
        ))  # fmt: skip
    for a, data in zip(parsed.catalog.accessories, parsed.rows["accessories"], strict=True):
        items.append(dict(
            kind="accessory", model=a.model, brand=None,
            description=f"{a.kind} {a.line_name} {a.spec} {a.model}", price_krw=a.price_krw, data=data,
        ))  # fmt: skip
    return items


class BuiltCatalogs:
    """The Catalogs of stored price books, built (and checked against their hash) once and kept by
    catalog_sha256, the most recently used `size` of them; the container holds one per process. Every
    create prices with the active book's Catalog: rebuilding it from the stored rows each time cost a
    60,000-row book seconds per create. The key is the hash of the facts, so a kept Catalog can never
    stand for other rows."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._catalogs: OrderedDict[str, Catalog] = OrderedDict()
        self._lock = threading.Lock()
        self._building = threading.Lock()

    def get_or_build(self, sha256: str, build: Callable[[], Catalog]) -> Catalog:
        """The kept Catalog of `sha256`, else `build()`'s (kept when it does not raise)."""
        found = self._get(sha256)
        if found is not None:
            return found
        with self._building:  # creates arriving together after a start wait for one build
            found = self._get(sha256)
            if found is None:
                found = build()
                self.keep(found)
        return found

    def keep(self, catalog: Catalog) -> None:
        with self._lock:
            self._catalogs[catalog.sha256] = catalog
            self._catalogs.move_to_end(catalog.sha256)
            while len(self._catalogs) > self.size:
                self._catalogs.popitem(last=False)

    def _get(self, sha256: str) -> Catalog | None:
        with self._lock:
            found = self._catalogs.get(sha256)
            if found is not None:
                self._catalogs.move_to_end(sha256)
            return found


def _checked_catalog(row: PriceBookRow) -> Catalog:
    rows = row.catalog
    catalog = build_catalog(rows["breakers"], rows["enclosures"], rows["accessories"])
    if catalog.sha256 != row.catalog_sha256:
        why = f"catalog_sha256 mismatch: stored {row.catalog_sha256}, rows hash to {catalog.sha256}"
        raise DataError(f"price book {row.id}", [DataProblem("HASH_MISMATCH", why)])
    return catalog


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class PriceBookRepository:
    """Price-book versions in `shared.price_books` and their search rows in `shared.catalog_items`.
    Like every repository it flushes but never commits: the caller commits, once. With `built`, the
    Catalogs of books are built once and kept there (see catalog_of); without, each call builds."""

    def __init__(self, session: Session, built: BuiltCatalogs | None = None) -> None:
        self.session = session
        self.built = built

    def stage(self, parsed: ParsedBook, label: str, source_name: str) -> PriceBookRow:
        """Store a parsed book as a draft with its search rows. A book whose catalog_sha256 is already
        stored is not stored twice: the existing row (whatever its state and label) is returned."""
        label = label.strip()
        if not label or len(label) > 100:
            raise ValueError("a price book's label must have 1 to 100 characters")
        if label_problem(label) is not None:
            raise ValueError(
                "a price book's label must not contain bidi controls (check label_problem first)"
            )
        # Made before the first statement, since on SQLite that statement takes the write lock.
        items = _catalog_items(parsed)
        existing = self._by_sha(parsed.sha256)
        if existing is not None:
            return existing
        # Only the file's name is worth keeping, and the column holds 300 characters.
        source = member_name(source_name)[-300:]
        row = PriceBookRow(label=label, source_name=source, state="draft", catalog_sha256=parsed.sha256,
                           catalog={kind: parsed.rows[kind] for kind in KINDS})  # fmt: skip
        try:
            # A savepoint: when a concurrent import of the same book commits first, the unique
            # catalog_sha256 refuses ours and that book is the answer, in a transaction still usable.
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
                for item in items:
                    item["price_book_id"] = row.id
                # One executemany of the table's INSERT: no ORM objects for tens of thousands of rows.
                self.session.connection().execute(insert(CatalogItemRow), items)
        except IntegrityError:
            existing = self._by_sha(parsed.sha256)
            if existing is None:
                raise
            return existing
        if self.built is not None:
            self.built.keep(parsed.catalog)  # built from exactly the rows stored
        return row

    def activate(self, book_id: int) -> PriceBookRow:
        """Make a book the active one; the book active until now becomes retired, so exactly one is
        active. A retired (or draft) book may be activated: that is how a shop rolls back to an older
        price book. Raises PriceBookNotFound, or DataError when the stored catalog fails its hash."""
        self._serialize_activations()
        row = self.session.get(
            PriceBookRow,
            book_id,
            with_for_update=True,
            populate_existing=True,
            options=[defer(PriceBookRow.catalog)],  # loaded only if its Catalog is not built yet
        )
        if row is None:
            raise PriceBookNotFound(book_id)
        self.catalog_of(row)  # a book that no longer matches its hash must never price a quote
        if row.state == "active":
            return row
        retire = (
            update(PriceBookRow)
            .where(PriceBookRow.state == "active", PriceBookRow.id != book_id)
            .values(state="retired")
            .execution_options(synchronize_session="fetch")
        )
        self.session.execute(retire)
        row.state = "active"
        row.activated_at = dt.datetime.now(dt.UTC)
        self.session.flush()
        return row

    def _serialize_activations(self) -> None:
        # Two activations at once would each retire the other's predecessor and leave two books active.
        # PostgreSQL: a transaction-scoped advisory lock queues them (the UPDATE that follows then sees
        # the other's committed result). SQLite: BEGIN IMMEDIATE already serialises every writer.
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ACTIVATION_LOCK})

    def active(self) -> PriceBookRow | None:
        """The active book, or None before the first activation. Its rows (`catalog`, megabytes for a big
        book) are loaded when first read: pricing needs only its id and hash (see catalog_of)."""
        statement = (
            select(PriceBookRow)
            .options(defer(PriceBookRow.catalog))
            .where(PriceBookRow.state == "active")
            .order_by(PriceBookRow.activated_at.desc(), PriceBookRow.id.desc())
        )
        return self.session.execute(statement).scalars().first()

    def list(self) -> builtins.list[PriceBookRow]:
        """Every book, newest first."""
        statement = select(PriceBookRow).order_by(PriceBookRow.created_at.desc(), PriceBookRow.id.desc())
        return builtins.list(self.session.execute(statement).scalars())

    def get(self, book_id: int) -> PriceBookRow | None:
        return self.session.get(PriceBookRow, book_id)

    def catalog_of(self, row: PriceBookRow) -> Catalog:
        """The book's Catalog, built from its stored rows (once, when the repository has `built`);
        raises DataError when the rows are invalid or do not hash to the book's catalog_sha256 (changed
        behind the application's back). A kept Catalog is the one its hash names: rows changed after it
        was built are found by the next process that builds it, and by `export`, which always checks."""
        if self.built is None:
            return _checked_catalog(row)
        return self.built.get_or_build(row.catalog_sha256, lambda: _checked_catalog(row))

    def search_items(
        self, q: str, kind: str | None = None, limit: int = 50, *, book_id: int | None = None
    ) -> builtins.list[CatalogItemRow]:
        """Catalog entries of a book (the active one unless `book_id` is given; none when no book is
        active) whose model or description holds every word of `q`, case-insensitively; an exact model
        first, then by kind and model. `kind`: breaker / enclosure / accessory; `limit` 1..1000."""
        if book_id is None:
            active = self.active()
            if active is None:
                return []
            book_id = active.id
        statement = select(CatalogItemRow).where(CatalogItemRow.price_book_id == book_id)
        for term in q.split():
            pattern = f"%{_escape_like(term)}%"
            statement = statement.where(
                or_(
                    CatalogItemRow.model.ilike(pattern, escape="\\"),
                    CatalogItemRow.description.ilike(pattern, escape="\\"),
                )
            )
        if kind is not None:
            statement = statement.where(CatalogItemRow.kind == _item_kind(kind))
        exact = case((func.upper(CatalogItemRow.model) == q.strip().upper(), 0), else_=1)
        statement = statement.order_by(exact, CatalogItemRow.kind, CatalogItemRow.model)
        statement = statement.limit(max(1, min(limit, _MAX_SEARCH_LIMIT)))
        return builtins.list(self.session.execute(statement).scalars())

    def export(self, book_id: int, format: ExportFormat = "zip") -> bytes:
        """The book as a ZIP of the three CSVs or an XLSX with the three sheets; read_price_book reads
        it back to the same catalog_sha256. Raises PriceBookNotFound, or DataError for a corrupted book."""
        row = self.get(book_id)
        if row is None:
            raise PriceBookNotFound(book_id)
        _checked_catalog(row)  # the rows written out are the ones checked, never a kept Catalog's
        return render_price_book(row.catalog, format)

    def _by_sha(self, sha256: str) -> PriceBookRow | None:
        statement = select(PriceBookRow).where(PriceBookRow.catalog_sha256 == sha256)
        return self.session.execute(statement).scalar_one_or_none()
