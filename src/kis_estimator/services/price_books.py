"""Price-book use cases shared by the HTTP API (`/v1/catalog/...`) and `kis catalog`: list the versions,
import a book (read, check, stage, optionally activate), stage an already read one, activate.

Reading a book runs outside any transaction (a big book takes seconds, and no reader or writer waits
for it); staging and activating each own one short write transaction. A refused book raises
BookRefused with every Problem; an unknown id PriceBookNotFound; a stored book that fails its hash
DataError. The edges render those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import event
from sqlalchemy.orm import Session

from kis_estimator.db.models import PriceBookRow
from kis_estimator.db.pricebooks import PriceBookNotFound, PriceBookRepository
from kis_estimator.engine.catalog import Catalog
from kis_estimator.pricebooks import (
    KINDS,
    ExportFormat,
    ParsedBook,
    Problem,
    export_filename,
    label_problem,
    read_price_book,
)
from kis_estimator.services import audit
from kis_estimator.services.catalog_in_use import catalog_in_use

if TYPE_CHECKING:
    from kis_estimator.bootstrap import Container

__all__ = [
    "BookRefused",
    "ExportedBook",
    "PriceBookVersion",
    "Staged",
    "activate_price_book",
    "base_catalog",
    "export_price_book",
    "import_price_book",
    "list_price_books",
    "read_book",
    "stage_price_book",
]


class BookRefused(ValueError):
    """A price book that cannot be stored: every Problem, first one first; `on_label` when it is the
    label that is refused (its problem is the only one)."""

    def __init__(self, problems: Sequence[Problem], *, on_label: bool = False) -> None:
        self.problems = list(problems)
        self.on_label = on_label
        super().__init__(str(self.problems[0]))


@dataclass(frozen=True)
class PriceBookVersion:
    """One stored version, as every edge shows it."""

    id: int
    label: str
    source_name: str
    state: Literal["draft", "active", "retired"]
    sha256: str
    items: dict[str, int]
    created_at: dt.datetime | None
    activated_at: dt.datetime | None

    @classmethod
    def of(cls, row: PriceBookRow) -> PriceBookVersion:
        state: Any = row.state
        return cls(
            row.id,
            row.label,
            row.source_name,
            state,
            row.catalog_sha256,
            {kind: len(row.catalog.get(kind, ())) for kind in KINDS},
            row.created_at,
            row.activated_at,
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `GET /v1/catalog/price-books`."""
        return {
            "id": self.id,
            "label": self.label,
            "source_name": self.source_name,
            "state": self.state,
            "active": self.state == "active",
            "sha256": self.sha256,
            "items": self.items,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "activated_at": self.activated_at.isoformat() if self.activated_at else None,
        }


@dataclass(frozen=True)
class Staged:
    """A staged book and whether this call stored it (False: the identical book was already stored)."""

    version: PriceBookVersion
    created: bool


def list_price_books(container: Container) -> list[PriceBookVersion]:
    """Every version, newest first."""
    with container.reads() as session:
        return [PriceBookVersion.of(row) for row in PriceBookRepository(session).list()]


def base_catalog(container: Container) -> Catalog:
    """The catalog a single-kind CSV completes and an upsert merges into: the catalog in use."""
    return catalog_in_use(container).catalog


def read_book(container: Container, filename: str, data: bytes, base: Catalog | None) -> ParsedBook:
    """read_price_book with the installation's row limit (PRICE_BOOK_MAX_ROWS); BookRefused with every
    problem when the book is refused."""
    parsed = read_price_book(filename, data, base, max_rows=container.settings.price_book_max_rows)
    if isinstance(parsed, list):
        raise BookRefused(parsed)
    return parsed


def check_label(label: str) -> None:
    """BookRefused (on the label) when `label` cannot name a price book."""
    problem = label_problem(label)
    if problem is not None:
        raise BookRefused([problem], on_label=True)


def import_price_book(
    container: Container,
    filename: str,
    data: bytes,
    label: str,
    source_name: str,
    *,
    activate: bool,
    who: str | None = None,
    trace_id: str | None = None,
) -> Staged:
    """Check the label, read the book (a single-kind CSV completed from the catalog in use), stage it
    and, with `activate`, make it the active one."""
    check_label(label)
    parsed = read_book(container, filename, data, base_catalog(container))
    return stage_price_book(
        container, parsed, label, source_name, activate=activate, who=who, trace_id=trace_id
    )


def stage_price_book(
    container: Container,
    parsed: ParsedBook,
    label: str,
    source_name: str,
    *,
    activate: bool,
    who: str | None = None,
    trace_id: str | None = None,
) -> Staged:
    """Store a read book as a version (the identical one already stored is returned instead), in one
    short write transaction; with `activate`, activated in the same transaction. The audit trail
    records it as `who` (None: `kis`)."""
    check_label(label)
    with container.sessions.begin() as session:  # only the inserts: one short write transaction
        repository = PriceBookRepository(session, container.built_catalogs)
        with _inserted(session) as inserted:
            row = repository.stage(parsed, label, source_name)
        created = row in inserted
        if activate:
            row = repository.activate(row.id)
        detail = {"label": row.label, "activate": activate, "new": created}
        audit.record(session, who, "pricebook.import", str(row.id), detail, trace_id)
        return Staged(PriceBookVersion.of(row), created)


def activate_price_book(
    container: Container, book_id: int, *, who: str | None = None, trace_id: str | None = None
) -> PriceBookVersion:
    """Make a version the one quotes are priced with; the previous one is retired. Its Catalog is built
    and checked before the write transaction (seconds for a big book). Raises PriceBookNotFound, or
    DataError when the stored book fails its hash."""
    with container.sessions() as session:
        repository = PriceBookRepository(session, container.built_catalogs)
        row = repository.get(book_id)
        if row is not None:
            repository.catalog_of(row)
    with container.sessions.begin() as session:
        activated = PriceBookRepository(session, container.built_catalogs).activate(book_id)
        audit.record(session, who, "pricebook.activate", str(book_id), {}, trace_id)
        return PriceBookVersion.of(activated)


@dataclass(frozen=True)
class ExportedBook:
    """A version written out: its bytes and an ASCII file name (`price-book-7-3f2a9c1b04de.zip`)."""

    version: PriceBookVersion
    data: bytes
    filename: str


def export_price_book(container: Container, book_id: int | None, format: ExportFormat) -> ExportedBook:
    """A version (the active one when `book_id` is None) as a ZIP of the three CSVs or an XLSX, checked
    against its hash first. Raises PriceBookNotFound (id 0: none is active), or DataError for a
    corrupted book."""
    with container.reads() as session:
        repository = PriceBookRepository(session)
        row = repository.get(book_id) if book_id is not None else repository.active()
        if row is None:
            raise PriceBookNotFound(book_id or 0)
        data = repository.export(row.id, format)
        return ExportedBook(PriceBookVersion.of(row), data, export_filename(row, format))


@contextmanager
def _inserted(session: Session) -> Iterator[list[object]]:
    """The objects this block inserts: tells a newly staged book from the stored twin stage() returns."""
    inserted: list[object] = []

    def record(_: Session, instance: object) -> None:
        inserted.append(instance)

    event.listen(session, "pending_to_persistent", record)
    try:
        yield inserted
    finally:
        event.remove(session, "pending_to_persistent", record)
