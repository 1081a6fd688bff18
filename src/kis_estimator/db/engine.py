"""Engines and sessions for the embedded SQLite default and for PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from kis_estimator.db.models import ESTIMATOR, SHARED

SQLITE_SCHEMAS: dict[str | None, str | None] = {ESTIMATOR: None, SHARED: None}


def normalize_url(url: str) -> str:
    """postgres:// and postgresql:// (Supabase hands out both) use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalize_url(url)).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


READS_ONLY = "kis_reads_only"  # execution option of the connections of a session that only reads


def _sqlite_begin(connection: Connection) -> None:
    # A unit of work takes the write lock at BEGIN so two writers queue instead of failing on lock
    # upgrade; a read begins deferred and, in WAL mode, never waits for (nor blocks) the writer.
    reads_only = connection.get_execution_options().get(READS_ONLY, False)
    connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; on SQLite the schemas are translated away and foreign keys are enforced."""
    url = normalize_url(url)
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine.execution_options(schema_translate_map=SQLITE_SCHEMAS)
    # A database that does not answer (packets dropped) fails a connection within 5 s instead of hanging.
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args={"connect_timeout": 5}, **kwargs
    )


def session_factory(engine: Engine, *, reads_only: bool = False) -> sessionmaker[Session]:
    """Sessions over `engine`. `reads_only`: sessions that never write; on SQLite their transactions
    begin deferred instead of taking the write lock, so a reader neither waits for nor blocks a writer."""
    bind = engine.execution_options(**{READS_ONLY: True}) if reads_only else engine
    return sessionmaker(bind, expire_on_commit=False)
