"""Alembic environment: one migration history for SQLite and PostgreSQL.

On SQLite the `estimator`/`shared` schemas are translated away; on PostgreSQL they are real schemas.
The URL comes from the Alembic config (set by `kis db …` from settings), never from a file.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from kis_estimator.db.engine import SQLITE_SCHEMAS, is_sqlite, make_engine, normalize_url
from kis_estimator.db.models import Base

config = context.config


def _configure(connection: Connection | None = None, *, url: str | None = None) -> None:
    context.configure(
        connection=connection,
        url=url,
        target_metadata=Base.metadata,
        include_schemas=True,
        compare_type=True,
        render_as_batch=bool(url and is_sqlite(url))
        or bool(connection and connection.dialect.name == "sqlite"),
        literal_binds=url is not None,
        dialect_opts={"paramstyle": "named"} if url else None,
    )


def _timeouts() -> None:
    # A migration waits at most 10 s for a lock and runs at most 5 min, instead of queueing traffic.
    if context.get_context().dialect.name == "postgresql":
        context.execute("SET lock_timeout = '10s'")
        context.execute("SET statement_timeout = '300s'")


def run_offline() -> None:
    """`kis db sql`: the SQL of the migrations, for psql or the Supabase CLI."""
    _configure(url=normalize_url(config.get_main_option("sqlalchemy.url") or ""))
    with context.begin_transaction():
        _timeouts()
        context.run_migrations()


def run_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        if is_sqlite(url):
            connection = connection.execution_options(schema_translate_map=SQLITE_SCHEMAS)
        _configure(connection)
        with context.begin_transaction():
            _timeouts()
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
