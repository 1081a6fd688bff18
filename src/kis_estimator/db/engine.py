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
    cursor.execute("PRAGMA synchronous=FULL")  # every commit durable, unless `undoable`
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


READS_ONLY = "kis_reads_only"  # execution option of the connections of a session that only reads
UNDOABLE = "kis_undoable"  # execution option of a write transaction a power cut may undo (`undoable`)


def _sqlite_begin(connection: Connection) -> None:
    # A unit of work takes the write lock at BEGIN so two writers queue instead of failing on lock
    # upgrade; a read begins deferred and, in WAL mode, never waits for (nor blocks) the writer.
    options = connection.get_execution_options()
    if options.get(READS_ONLY, False):
        connection.exec_driver_sql("BEGIN")
        return
    synchronous = "NORMAL" if options.get(UNDOABLE, False) else "FULL"
    info = connection.connection.info  # the DBAPI connection's, kept while it is pooled
    if info.get("synchronous", "FULL") != synchronous:
        connection.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
        info["synchronous"] = synchronous
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def undoable(session: Session) -> None:
    """Mark `session`'s next transaction (call before its first statement) as bookkeeping that a power
    cut may undo without harm; on SQLite its commit then skips the WAL's fsync (synchronous=NORMAL).

    For: a rate-limit hit, an idempotency claim, the quote number and the storage reservation. None of
    them is shown to anyone until a durable commit follows (the quote's own), and in WAL mode that fsync
    makes every earlier commit durable too: a saved quote's number can never be handed out again. What a
    power cut may undo is only what no saved quote depends on (a number whose save had not committed:
    a gap filled again, never a duplicate). Every other write stays synchronous=FULL. No effect on
    PostgreSQL."""
    session.connection(execution_options={UNDOABLE: True})


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
