"""Repositories: every SQL statement of the application. They never commit; the caller does, once."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, case, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from kis_estimator.db.errors import IllegalTransition, QuoteReadOnly
from kis_estimator.db.models import (
    STATUSES,
    BreakerRow,
    DocumentRow,
    EvidenceBlobRow,
    PanelRow,
    QuoteCounterRow,
    QuoteItemRow,
    QuoteRow,
    RulebookRow,
)
from kis_estimator.engine.model import Quote, QuotePanel

# Allowed status moves: the happy path, and closing a quote that will not go ahead.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("sent", "closed"),
    "sent": ("ordered", "closed"),
    "ordered": ("shipped", "closed"),
    "shipped": ("paid",),
    "paid": ("closed",),
    "closed": (),
}
assert set(TRANSITIONS) == set(STATUSES)


@dataclass(frozen=True)
class StoredBlob:
    path: str  # path inside the evidence pack, e.g. "stages/pricing.json"
    key: str  # storage key
    sha256: str
    size: int


MAX_PAGE_SIZE = 100  # quotes per search page

# What a search may be ordered by (each ascending or descending); every order ends with the newest first
# (creation time, then number) so that equal keys keep one order from page to page.
SORT_KEYS = ("number", "date", "customer", "total", "status", "revision")
DEFAULT_SORT = ("date", True)  # (key, descending): newest first
AnySelect = Select[*tuple[Any, ...]]
_Statement = TypeVar("_Statement", bound=AnySelect)

# The columns of a search row: never the request or document JSON (tens of KB per quote).
SUMMARY_COLUMNS = (
    QuoteRow.id,
    QuoteRow.number,
    QuoteRow.status,
    QuoteRow.customer_name,
    QuoteRow.project,
    QuoteRow.quote_date,
    QuoteRow.total,
    QuoteRow.revision,
    QuoteRow.author,
)


@dataclass(frozen=True)
class QuoteSummary:
    id: str
    number: str
    status: str
    customer_name: str
    project: str | None
    quote_date: date
    total: int
    revision: int
    author: str | None


@dataclass(frozen=True)
class ListedQuote(QuoteSummary):
    """A search row with the amounts an export shows beside the total."""

    subtotal: int
    vat: int


@dataclass(frozen=True)
class SearchResult:
    items: list[QuoteSummary]
    total: int
    page: int
    size: int

    def as_page(self) -> dict[str, Any]:
        """The page as the API and the MCP tools answer it: one summary row per quote."""
        items = [
            {
                "id": r.id,
                "number": r.number,
                "status": r.status,
                "customer": r.customer_name,
                "project": r.project,
                "date": r.quote_date.isoformat(),
                "total": r.total,
                "revision": r.revision,
                "author": r.author,
            }
            for r in self.items
        ]
        return {"items": items, "total": self.total, "page": self.page, "size": self.size}


def allocate_number(session: Session, day: date) -> str:
    """The next `EST-YYYYMMDD-NNNN` of `day`, unique across processes (an atomic upsert of the counter)."""
    key = day.strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(QuoteCounterRow)
        .values(day=key, last_seq=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last_seq": QuoteCounterRow.last_seq + 1})
        .returning(QuoteCounterRow.last_seq)
    )
    sequence = session.execute(statement).scalar_one()
    return f"EST-{key}-{sequence:04d}"


def revision_number(root_number: str, revision: int) -> str:
    """The number of a chain's `revision` (2, 3, …): its root's number and `-R1`, `-R2`, …"""
    return f"{root_number}-R{revision - 1}"


def _phase_counts(phases: Sequence[str | None]) -> tuple[int, int, int]:
    return (phases.count("R"), phases.count("S"), phases.count("T"))


def _breaker_rows(panel_id: int, panel: QuotePanel) -> list[dict[str, Any]]:
    rows = []
    for position, b in enumerate(panel["breakers"]):
        r, s, t = _phase_counts(b.get("phases") or [])
        load = 0 if b.get("spd") else (b["load_a"] if b["load_a"] is not None else b["trip_at"])
        rows.append(
            {
                "panel_id": panel_id,
                "position": position,
                "role": b["role"],
                "model": b["model"],
                "type": b["type"],
                "poles": b["poles"],
                "frame_af": b["frame_af"],
                "trip_at": b["trip_at"],
                "qty": b["qty"],
                "load_a": b["load_a"],
                "phase": b["phase"],
                "phase_load_a": Decimal(str(load)).quantize(Decimal("0.01")),
                "qty_r": r,
                "qty_s": s,
                "qty_t": t,
            }
        )
    return rows


def _item_rows(panel_id: int, panel: QuotePanel) -> list[dict[str, Any]]:
    return [
        {
            "panel_id": panel_id,
            "position": i,
            "name": ln["name"],
            "spec": ln["spec"],
            "unit": ln["unit"],
            "qty": Decimal(str(ln["qty"])),
            "unit_price": ln["unit_price"],
            "amount": ln["amount"],
        }
        for i, ln in enumerate(panel["lines"])
    ]


def _panel_row(quote_id: str, position: int, panel: QuotePanel) -> dict[str, Any]:
    enclosure, phases = panel["enclosure"], panel["phases"]
    w, h, d = enclosure["size_mm"]
    return {
        "quote_id": quote_id,
        "position": position,
        "name": panel["name"],
        "quantity": panel["quantity"],
        "enclosure_model": enclosure["model"],
        "width_mm": w,
        "height_mm": h,
        "depth_mm": d,
        "stock": enclosure["stock"],
        "fit_score": enclosure["fit_score"],
        "subtotal": panel["subtotal"],
        "phase_r_a": phases["R"],
        "phase_s_a": phases["S"],
        "phase_t_a": phases["T"],
        "imbalance_pct": phases["imbalance_pct"],
    }


class QuoteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        quote: Quote,
        *,
        documents: Sequence[tuple[str, str, str, StoredBlob]],  # (kind, filename, media type, blob)
        evidence: Sequence[StoredBlob],
        previous_id: str | None = None,
        revision: int = 1,
        price_book_id: int | None = None,
    ) -> None:
        """Stage a quote with its panels, breakers, lines, documents and evidence rows (no commit).

        A revision (`previous_id`) locks the quote it revises and raises QuoteReadOnly when that one is
        closed or already has a next revision (the unique index on previous_id backs this up).
        """
        if previous_id is not None:
            previous = self.session.get(QuoteRow, previous_id, with_for_update=True, populate_existing=True)
            if previous is not None:
                self.check_writable(previous)
        evidence_block: Mapping[str, Any] = quote.get("evidence") or {}
        quote_id = quote["id"]
        row = {
            "id": quote_id,
            # Set here, to the microsecond (SQLite's CURRENT_TIMESTAMP has whole seconds): the list's
            # order by date, and its ties, follow the order quotes were saved, revisions included.
            "created_at": datetime.now(UTC),
            "number": quote["number"],
            "status": quote["status"],
            "revision": revision,
            "previous_id": previous_id,
            "customer_name": quote["customer"]["name"],
            "project": quote.get("project"),
            "brand": quote["brand"],
            "quote_date": date.fromisoformat(quote["date"]),
            "subtotal": quote["totals"]["subtotal"],
            "vat": quote["totals"]["vat"],
            "total": quote["totals"]["total"],
            "request": quote["request"],
            "document": quote,
            "evidence_sha256": evidence_block.get("sha256"),
            "calculation_sha256": evidence_block.get("calculation_sha256"),
            "signature": evidence_block.get("signature"),
            "rulebook_version": quote["rulebook_version"],
            "rulebook_sha256": quote["rulebook_sha256"],
            "catalog_sha256": quote["catalog_sha256"],
            "price_book_id": price_book_id,
            "author": quote.get("author"),
        }
        try:
            self.session.execute(insert(QuoteRow), [row])
        except IntegrityError as exc:  # a parallel revision of the same quote won
            if previous_id is not None and _is_second_revision(exc):
                raise QuoteReadOnly(previous_id, "superseded") from exc
            raise
        # Bulk inserts (one executemany a table): the ORM's unit of work costs more than the rows.
        panels = [_panel_row(quote_id, i, p) for i, p in enumerate(quote["panels"])]
        returned = self.session.execute(
            insert(PanelRow).returning(PanelRow.id, sort_by_parameter_order=True), panels
        )
        panel_ids = list(returned.scalars())
        pairs = list(zip(panel_ids, quote["panels"], strict=True))
        children: list[tuple[type[Any], list[dict[str, Any]]]] = [
            (BreakerRow, [b for panel_id, p in pairs for b in _breaker_rows(panel_id, p)]),
            (QuoteItemRow, [i for panel_id, p in pairs for i in _item_rows(panel_id, p)]),
            (
                DocumentRow,
                [
                    {
                        "quote_id": quote_id,
                        "kind": kind,
                        "filename": filename,
                        "media_type": media,
                        "storage_key": blob.key,
                        "sha256": blob.sha256,
                        "size_bytes": blob.size,
                    }
                    for kind, filename, media, blob in documents
                ],
            ),
            (
                EvidenceBlobRow,
                [
                    {
                        "quote_id": quote_id,
                        "path": b.path,
                        "storage_key": b.key,
                        "sha256": b.sha256,
                        "size_bytes": b.size,
                    }
                    for b in evidence
                ],
            ),
        ]
        for table, rows in children:
            if rows:
                self.session.execute(insert(table), rows)

    def next_revision_id(self, quote_id: str) -> str | None:
        return self.session.execute(
            select(QuoteRow.id).where(QuoteRow.previous_id == quote_id)
        ).scalar_one_or_none()

    def latest_revision(self, quote_id: str) -> QuoteRow | None:
        """The last revision of the chain `quote_id` belongs to (the quote itself when none follows)."""
        current = quote_id
        while (following := self.next_revision_id(current)) is not None:
            current = following
        return self.get(current)

    def root_of(self, quote_id: str) -> QuoteRow | None:
        """The first quote of the chain `quote_id` belongs to (following previous_id back)."""
        row = self.get(quote_id)
        while row is not None and row.previous_id is not None:
            row = self.get(row.previous_id)
        return row

    def chain_of(self, quote_id: str) -> list[QuoteRow]:
        """Every revision of the chain `quote_id` belongs to, the root first."""
        root = self.root_of(quote_id)
        chain = [root] if root is not None else []
        while chain and (following := self.next_revision_id(chain[-1].id)) is not None:
            row = self.get(following)
            assert row is not None
            chain.append(row)
        return chain

    def check_writable(self, row: QuoteRow) -> None:
        """Raise QuoteReadOnly for a closed or superseded quote."""
        if row.status == "closed":
            raise QuoteReadOnly(row.id, "closed")
        if self.next_revision_id(row.id) is not None:
            raise QuoteReadOnly(row.id, "superseded")

    def get(self, quote_id: str) -> QuoteRow | None:
        if "\x00" in quote_id:  # no id holds a NUL (and PostgreSQL refuses one in text)
            return None
        return self.session.get(QuoteRow, quote_id)

    def get_full(self, quote_id: str) -> QuoteRow | None:
        if "\x00" in quote_id:
            return None
        statement = (
            select(QuoteRow)
            .where(QuoteRow.id == quote_id)
            .options(selectinload(QuoteRow.documents), selectinload(QuoteRow.evidence))
        )
        return self.session.execute(statement).scalar_one_or_none()

    def by_number(self, number: str) -> QuoteRow | None:
        return self.session.execute(select(QuoteRow).where(QuoteRow.number == number)).scalar_one_or_none()

    def set_status(self, quote_id: str, wanted: str) -> QuoteRow | None:
        """Move a quote to `wanted`; raise IllegalTransition for a move the workflow does not allow and
        QuoteReadOnly for a closed or superseded quote."""
        if "\x00" in quote_id:
            return None
        row = self.session.get(QuoteRow, quote_id, with_for_update=True)
        if row is None:
            return None
        self.check_writable(row)
        if wanted not in TRANSITIONS.get(row.status, ()):
            raise IllegalTransition(row.status, wanted)
        row.status = wanted
        row.document = {**row.document, "status": wanted}
        self.session.flush()
        return row

    def search(
        self,
        *,
        q: str | None = None,
        customer: str | None = None,
        status: str | None = None,
        number: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        author: str | None = None,
        sort: tuple[str, bool] = DEFAULT_SORT,
        page: int = 1,
        size: int = 20,
    ) -> SearchResult:
        """Quotes matching every given filter in the order of `sort` ((key of SORT_KEYS, descending);
        newest first by default), one page of them (at most MAX_PAGE_SIZE) and the total count. Only
        the summary columns are read."""
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValueError(f"size must be 1..{MAX_PAGE_SIZE}")
        statement = _matching(
            select(*SUMMARY_COLUMNS), q, customer, status, number, date_from, date_to, author
        )
        if statement is None:
            return SearchResult(items=[], total=0, page=page, size=size)
        total = self.count(statement)
        ordered = statement.order_by(*_order(sort))
        rows = self.session.execute(ordered.offset((page - 1) * size).limit(size))
        items = [QuoteSummary(*row) for row in rows]
        return SearchResult(items=items, total=total, page=page, size=size)

    def listed(
        self,
        *,
        q: str | None = None,
        customer: str | None = None,
        status: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        author: str | None = None,
        sort: tuple[str, bool] = DEFAULT_SORT,
        limit: int,
    ) -> tuple[int, list[ListedQuote]]:
        """How many quotes a search with these filters finds, and those quotes in the order of `sort`
        with their subtotal and VAT (the rows of an export); none are read when more than `limit` match."""
        columns = (*SUMMARY_COLUMNS, QuoteRow.subtotal, QuoteRow.vat)
        statement = _matching(select(*columns), q, customer, status, None, date_from, date_to, author)
        if statement is None:
            return 0, []
        total = self.count(statement)
        if not 0 < total <= limit:
            return total, []
        return total, [
            ListedQuote(*tuple(row)) for row in self.session.execute(statement.order_by(*_order(sort)))
        ]

    def count(self, statement: AnySelect) -> int:
        return int(self.session.execute(select(func.count()).select_from(statement.subquery())).scalar_one())

    def all_blob_rows(self) -> list[tuple[str, str, str]]:
        """(quote id, storage key, sha256) of every document and evidence blob the database knows."""
        documents = self.session.execute(
            select(DocumentRow.quote_id, DocumentRow.storage_key, DocumentRow.sha256)
        )
        evidence = self.session.execute(
            select(EvidenceBlobRow.quote_id, EvidenceBlobRow.storage_key, EvidenceBlobRow.sha256)
        )
        return [(a, b, c) for a, b, c in [*documents, *evidence]]

    def record_deferred(
        self, quote_id: str, kind: str, filename: str, media_type: str, blob: StoredBlob
    ) -> bool:
        """Record a document rendered after its quote was saved, once: its document row and its evidence
        row (at its pack path, `blob.path`), each by a conditional insert on its unique key, so the first
        writer's rows stay. True when this call recorded them."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stored = {
            "quote_id": quote_id,
            "storage_key": blob.key,
            "sha256": blob.sha256,
            "size_bytes": blob.size,
        }
        document = (
            insert(DocumentRow)
            .values(kind=kind, filename=filename, media_type=media_type, **stored)
            .on_conflict_do_nothing(index_elements=["quote_id", "kind"])
            .returning(DocumentRow.id)
        )
        if self.session.execute(document).scalar_one_or_none() is None:
            return False
        evidence = (
            insert(EvidenceBlobRow)
            .values(path=blob.path, **stored)
            .on_conflict_do_nothing(index_elements=["quote_id", "path"])
        )
        self.session.execute(evidence)
        return True

    def document(self, quote_id: str, kind: str) -> DocumentRow | None:
        statement = select(DocumentRow).where(DocumentRow.quote_id == quote_id, DocumentRow.kind == kind)
        return self.session.execute(statement).scalar_one_or_none()

    def quote_ids(self) -> set[str]:
        return set(self.session.execute(select(QuoteRow.id)).scalars())

    def remember_rulebook(self, sha256: str, version: str, content: Callable[[], dict[str, Any]]) -> None:
        """Keep the rulebook a quote used; concurrent savers of the same rulebook insert it once.
        `content` is called only when the rulebook is not stored yet (after the first quote, a lookup)."""
        known = select(RulebookRow.sha256).where(RulebookRow.sha256 == sha256)
        if self.session.execute(known).first() is not None:
            return
        dialect = self.session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = upsert(RulebookRow).values(sha256=sha256, version=version, content=content())
        self.session.execute(statement.on_conflict_do_nothing(index_elements=["sha256"]))


def _is_second_revision(exc: IntegrityError) -> bool:
    message = str(exc.orig)  # PostgreSQL names the index, SQLite the column
    return "uq_quotes_previous_id" in message or "UNIQUE constraint failed: quotes.previous_id" in message


def _matching(
    statement: _Statement,
    q: str | None,
    customer: str | None,
    status: str | None,
    number: str | None,
    date_from: date | None,
    date_to: date | None,
    author: str | None = None,
) -> _Statement | None:
    """`statement` narrowed to the quotes matching every given filter; None when none can (a NUL)."""
    if any("\x00" in text for text in (q, customer, number, author) if text):  # no stored text holds a NUL
        return None
    if q:
        pattern = f"%{_escape_like(q)}%"
        statement = statement.where(
            or_(
                QuoteRow.number.ilike(pattern, escape="\\"),
                QuoteRow.customer_name.ilike(pattern, escape="\\"),
                QuoteRow.project.ilike(pattern, escape="\\"),
            )
        )
    if customer:
        statement = statement.where(QuoteRow.customer_name.ilike(f"%{_escape_like(customer)}%", escape="\\"))
    if author:
        statement = statement.where(QuoteRow.author.ilike(f"%{_escape_like(author)}%", escape="\\"))
    if status:
        statement = statement.where(QuoteRow.status == status)
    if number:
        statement = statement.where(QuoteRow.number.startswith(number, autoescape=True))
    if date_from:
        statement = statement.where(QuoteRow.quote_date >= date_from)
    if date_to:
        statement = statement.where(QuoteRow.quote_date <= date_to)
    return statement


def _order(sort: tuple[str, bool]) -> list[ColumnElement[Any]]:
    """ORDER BY terms for (key, descending), ending with the newest first as the tie-break. `date` is the
    creation time (the quote date is its day); a status sorts by its place in the workflow (draft …
    paid, then closed), not by its spelling."""
    key, descending = sort
    if key not in SORT_KEYS:
        raise ValueError(f"sort key must be one of {', '.join(SORT_KEYS)}")
    column: SQLColumnExpression[Any] = {
        "number": QuoteRow.number,
        "date": QuoteRow.created_at,
        "customer": QuoteRow.customer_name,
        "total": QuoteRow.total,
        "status": case({name: rank for rank, name in enumerate(STATUSES)}, value=QuoteRow.status),
        "revision": QuoteRow.revision,
    }[key]
    if key == "date":  # the number breaks a tie of creation times, in the same direction
        return (
            [column.desc(), QuoteRow.number.desc()] if descending else [column.asc(), QuoteRow.number.asc()]
        )
    return [column.desc() if descending else column.asc(), QuoteRow.created_at.desc(), QuoteRow.number.desc()]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
