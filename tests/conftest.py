"""Shared fixtures: the shipped catalog and rulebook, and a request factory with readable defaults."""

from __future__ import annotations

from typing import Any

import pytest

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.pipeline import run_pipeline
from tests.factories import IDENTITY


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def rules() -> Rulebook:
    return load_rulebook()


@pytest.fixture(scope="session")
def quote_of(catalog: Catalog, rules: Rulebook) -> Any:
    def run(raw: dict[str, Any]) -> dict[str, Any]:
        return run_pipeline(raw, catalog, rules, IDENTITY).quote

    return run


@pytest.fixture(scope="session")
def postgres() -> Any:
    """One throwaway PostgreSQL server for the session; databases are made per test from a template."""
    import logging

    from kis_estimator.db import migrate
    from tests.postgres_server import TemporaryPostgres

    logging.getLogger("alembic").setLevel(logging.WARNING)
    server = TemporaryPostgres().start()
    migrate.upgrade(server.create_database("kis_template"))
    yield server
    server.stop()


_DATABASE_COUNTER = iter(range(1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: Any, tmp_path: Any) -> str:
    """A migrated, empty database of each kind, private to the test."""
    if request.param == "sqlite":
        from kis_estimator.db import migrate

        url = f"sqlite:///{tmp_path}/kis.db"
        migrate.upgrade(url)
        return url
    server = request.getfixturevalue("postgres")
    name = f"test_{next(_DATABASE_COUNTER)}"
    import psycopg

    with psycopg.connect(
        f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE kis_template')
    return str(server.url(name))
