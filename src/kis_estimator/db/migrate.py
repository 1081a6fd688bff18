"""Alembic driven from code: upgrade, downgrade, current, drift check and offline SQL."""

from __future__ import annotations

import io
from importlib import resources

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import BLANK_SCHEMA, Engine, MetaData

from kis_estimator.db.engine import is_sqlite, make_engine
from kis_estimator.db.models import Base


def alembic_config(url: str, output: io.StringIO | None = None) -> Config:
    config = Config(output_buffer=output) if output is not None else Config()
    config.set_main_option("script_location", str(resources.files("kis_estimator.db").joinpath("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "-1") -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def offline_sql(url: str, revision: str = "head") -> str:
    """The migration SQL for `url`'s dialect, without touching a database."""
    output = io.StringIO()
    command.upgrade(alembic_config(url, output), revision, sql=True)
    return output.getvalue()


def _schemaless(metadata: MetaData) -> MetaData:
    """The models as SQLite holds them: the same tables with the schemas translated away."""
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        # SQLAlchemy documents None and BLANK_SCHEMA for these (no schema); its annotations leave them out.
        table.to_metadata(copy, schema=None, referred_schema_fn=lambda *_: BLANK_SCHEMA)  # type: ignore[arg-type]
    return copy


def _cross_schema_fk_names() -> set[str]:
    names = set()
    for table in Base.metadata.tables.values():
        for fk in table.foreign_key_constraints:
            if fk.referred_table.schema != table.schema and fk.name:
                names.add(str(fk.name))
    return names


def _is_cross_schema_fk(diff: object) -> bool:
    # SQLite's DDL compiler leaves out foreign keys between schemas (quotes → price_books), and the
    # schemas are one database there, so their absence is expected, not drift.
    return (
        isinstance(diff, tuple)
        and diff[0] == "add_fk"
        and getattr(diff[1], "name", None) in _cross_schema_fk_names()
    )


def drift(url: str) -> list[str]:
    """Differences between the models and the migrated database (empty when they agree)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            metadata = _schemaless(Base.metadata) if is_sqlite(url) else Base.metadata
            context = MigrationContext.configure(
                connection,
                opts={
                    "include_schemas": not is_sqlite(url),
                    "compare_type": True,
                    "target_metadata": metadata,
                },
            )
            diffs = compare_metadata(context, metadata)
            if is_sqlite(url):
                diffs = [d for d in diffs if not _is_cross_schema_fk(d)]
            return [_describe(diff) for diff in diffs]
    finally:
        engine.dispose()


def _describe(diff: object) -> str:
    """One line per difference: the operation and the table or column it concerns."""
    if isinstance(diff, tuple) and diff:
        operation, *rest = diff
        subject = next((getattr(item, "name", None) for item in rest if getattr(item, "name", None)), "")
        return f"{operation} {subject}".strip()
    if isinstance(diff, list):
        return "; ".join(_describe(item) for item in diff)
    return repr(diff)
