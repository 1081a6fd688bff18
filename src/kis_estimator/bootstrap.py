"""The one composition root: builds the collaborators from settings. Nothing connects at import time."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.settings import Settings
from kis_estimator.storage import BlobStore, open_blob_store

if TYPE_CHECKING:  # the pipeline (OR-Tools, renderers) loads only when a command estimates
    from kis_estimator.db.pricebooks import BuiltCatalogs
    from kis_estimator.pipeline import DocumentOptions
    from kis_estimator.services.saving import SaveContext

__all__ = ["Container", "DatabaseNotReady", "Settings", "build"]


class DatabaseNotReady(Exception):
    """The configured database cannot serve a command as it is; the message says, in one line, why and
    what to run."""


@dataclass
class Container:
    settings: Settings
    catalog: Catalog
    rules: Rulebook
    _engine: Engine | None = field(default=None, repr=False)

    @cached_property
    def engine(self) -> Engine:
        from kis_estimator.db.engine import is_sqlite, make_engine

        url = self.settings.database_url
        if is_sqlite(url) and url.startswith("sqlite:///") and ":memory:" not in url:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return make_engine(url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from kis_estimator.db.engine import session_factory

        return session_factory(self.engine)

    @cached_property
    def reads(self) -> sessionmaker[Session]:
        """Sessions that only read: on SQLite they never take (or wait for) the write lock."""
        from kis_estimator.db.engine import session_factory

        return session_factory(self.engine, reads_only=True)

    @cached_property
    def store(self) -> BlobStore:
        s = self.settings
        return open_blob_store(
            s.storage_url,
            signing_secret=s.evidence_secret,  # None: the store's own (see open_blob_store)
            s3_endpoint_url=s.s3_endpoint_url,
            access_key=s.aws_access_key_id,
            secret_key=s.aws_secret_access_key,
            region=s.aws_region,
        )  # the filesystem's signed URLs are paths: the HTTP edge puts them under its base URL

    @cached_property
    def built_catalogs(self) -> BuiltCatalogs:
        """The Catalogs of price books built by this process (the active one, a rollback, a staged one)."""
        from kis_estimator.db.pricebooks import BuiltCatalogs

        return BuiltCatalogs(size=3)

    @cached_property
    def metrics(self) -> Any:
        """The service's Prometheus metrics (kis_estimator.observability.metrics.Metrics)."""
        from kis_estimator.observability.metrics import Metrics

        return Metrics()

    @cached_property
    def idempotency_waits(self) -> Any:
        """Duplicates of running idempotent requests waiting in this process (kis_estimator.services.waits)."""
        from kis_estimator.services.waits import Waits

        s = self.settings
        return Waits(s.idempotency_max_waiters_per_key, s.idempotency_max_waiters)

    def prepare_embedded(self) -> None:
        """On the embedded default (SQLite + files) nothing needs setting up: migrate and create the store."""
        from kis_estimator.db.engine import is_sqlite

        if is_sqlite(self.settings.database_url):
            self.prepare_database()
        self.prepare_local_store()

    def prepare_database(self) -> None:
        """Make the database ready for a command: the embedded SQLite is migrated (as `kis serve` does);
        any other database must already be at the code's migration head, else DatabaseNotReady says what
        to run."""
        from sqlalchemy.exc import SQLAlchemyError

        from kis_estimator.db import migrate
        from kis_estimator.db.engine import is_sqlite

        url = self.settings.database_url
        if is_sqlite(url):
            self.engine  # noqa: B018 - creates the database's directory
            migrate.upgrade(url)
            return
        try:
            current = migrate.current_revision(self.engine)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise DatabaseNotReady(
                f"데이터베이스에 연결할 수 없습니다 / cannot reach the database (DATABASE_URL): {reason}"
            ) from exc
        head = migrate.head_revision(url)
        if current != head:
            raise DatabaseNotReady(
                f"데이터베이스 스키마가 최신이 아닙니다 / the database is at migration {current or '(none)'}, "
                f"the code at {head}: run `kis db upgrade`"
            )

    def prepare_local_store(self) -> None:
        """Create the filesystem (or memory) store's root; a bucket is the operator's (`kis storage init`)."""
        if self.settings.storage_url.startswith(("file://", "memory://")):
            self.store.init()

    def save_context(self, options: DocumentOptions | None = None) -> SaveContext:
        """What saving a quote needs: the catalog in use (services.catalog_in_use), rules, store, options.
        The price book and the supplier profile are read in one session."""
        from kis_estimator.services.catalog_in_use import (
            CatalogInUse,
            catalog_in_use,
            embedded_database_absent,
        )
        from kis_estimator.services.saving import SaveContext

        if embedded_database_absent(self.settings.database_url):  # a new folder: no book, no profile
            in_use, options = CatalogInUse(self.catalog, None), options or self._document_options(None)
        else:
            with self.reads() as session:
                in_use = catalog_in_use(self, session)
                options = options or self._document_options(session)
        return SaveContext(
            in_use.catalog,
            self.rules,
            self.store,
            self.sessions,
            options,
            self.settings.timezone,
            in_use.price_book_id,
        )

    def document_options(self, recalculate: bool = False) -> DocumentOptions:
        from kis_estimator.services.catalog_in_use import embedded_database_absent

        if embedded_database_absent(self.settings.database_url):  # a new folder keeps no file
            return self._document_options(None, recalculate)
        with self.reads() as session:
            return self._document_options(session, recalculate)

    def _document_options(self, session: Session | None, recalculate: bool = False) -> DocumentOptions:
        """The supplier profile (공급자) read in `session` when an admin set one, else the settings'."""
        from kis_estimator.pipeline import DocumentOptions
        from kis_estimator.services.profile import supplier

        s = self.settings
        profile = supplier(session, self.store) if session is not None else None
        return DocumentOptions(
            company=profile.company if profile else s.company(),
            terms=s.terms(),
            evidence_secret=s.evidence_secret,
            recalculate=recalculate,
            supplier=profile.snapshot if profile else None,
        )


def build(settings: Settings | None = None) -> Container:
    """Load the catalog and rulebook the settings point at (the package defaults when unset)."""
    settings = settings or Settings()
    return Container(
        settings=settings,
        catalog=load_catalog(settings.kis_catalog),
        rules=load_rulebook(settings.kis_rulebook),
    )
