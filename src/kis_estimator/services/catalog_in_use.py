"""The catalog in use: the one rule by which the CLI, the HTTP API and the MCP server choose what to
price with, so that the same settings give the same total everywhere.

When a price book is active in the database (DATABASE_URL), its catalog is in use, rebuilt from its
stored rows and checked against its SHA-256 (DataError when they differ). Otherwise the configured
catalog is (KIS_CATALOG, or the package's). An embedded SQLite database that does not exist yet has
no book, so a command on a new folder prices with the configured catalog without creating one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from kis_estimator.db.engine import is_sqlite, normalize_url
from kis_estimator.engine.catalog import Catalog

if TYPE_CHECKING:  # bootstrap imports this module lazily; only its type is needed here
    from kis_estimator.bootstrap import Container

__all__ = ["CatalogInUse", "catalog_in_use", "embedded_database_absent"]


@dataclass(frozen=True)
class CatalogInUse:
    """The catalog to price with and the price book it came from (None: the configured catalog)."""

    catalog: Catalog
    price_book_id: int | None

    @property
    def sha256(self) -> str:
        return self.catalog.sha256


def catalog_in_use(container: Container, session: Session | None = None) -> CatalogInUse:
    """The active price book's catalog when a book is active, else the configured one.

    Reads in `session` when given (a caller inside its own transaction), else in a session of its own.
    Raises DataError when the active book's rows do not hash to its SHA-256, and the driver's error when
    the database cannot be read.
    """
    from kis_estimator.db.pricebooks import PriceBookRepository  # its spreadsheet readers load only here

    if session is None:
        if embedded_database_absent(container.settings.database_url):
            return CatalogInUse(container.catalog, None)
        with container.reads() as own:
            return catalog_in_use(container, own)
    repository = PriceBookRepository(session, container.built_catalogs)
    active = repository.active()
    if active is None:
        return CatalogInUse(container.catalog, None)
    return CatalogInUse(repository.catalog_of(active), active.id)


def embedded_database_absent(url: str) -> bool:
    """True for an embedded SQLite file that does not exist yet: nothing stored, nothing to read."""
    if not is_sqlite(url):
        return False
    database = make_url(normalize_url(url)).database
    return bool(database) and database != ":memory:" and not Path(str(database)).exists()
