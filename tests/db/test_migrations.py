"""Migrations on SQLite and a real PostgreSQL: up, down, up again, no drift, offline SQL, roles and RLS."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from kis_estimator.db import migrate
from kis_estimator.db.engine import make_engine


def test_upgrade_downgrade_upgrade_without_drift(db_url: str) -> None:
    assert migrate.drift(db_url) == []
    engine = make_engine(db_url)
    assert migrate.current_revision(engine) == migrate.head_revision(db_url)
    migrate.downgrade(db_url, "base")
    assert migrate.current_revision(engine) is None
    assert migrate.drift(db_url) != []  # the drift check does see a difference
    migrate.upgrade(db_url)
    assert migrate.drift(db_url) == []
    engine.dispose()


def test_offline_sql_for_postgresql_holds_functions_and_policies() -> None:
    sql = migrate.offline_sql("postgresql://user@localhost/kis")
    for expected in (
        "CREATE SCHEMA IF NOT EXISTS estimator",
        "CREATE TABLE estimator.quotes",
        "FUNCTION estimator.calculate_quote_totals",
        "FUNCTION estimator.get_phase_balance",
        "FUNCTION estimator.validate_evidence_integrity",
        "FUNCTION shared.check_sha256",
        "ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY",
    ):
        assert expected in sql, expected


@pytest.fixture
def pg_url(postgres: Any) -> str:
    import psycopg

    with psycopg.connect(
        f"host=127.0.0.1 port={postgres.port} user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute('DROP DATABASE IF EXISTS "rls_test"')
        conn.execute('CREATE DATABASE "rls_test" TEMPLATE kis_template')
    return str(postgres.url("rls_test"))


def _insert_price_book(connection: sa.Connection) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO shared.price_books (label, source_name, state, catalog_sha256, catalog) "
            "VALUES ('t', 't.csv', 'draft', repeat('a', 64), '{}')"
        )
    )


def test_read_only_role_reads_but_cannot_change(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as connection:
        _insert_price_book(connection)
    with engine.connect() as connection:
        connection.execute(sa.text("SET ROLE kis_readonly"))
        assert connection.execute(sa.text("SELECT count(*) FROM shared.price_books")).scalar() == 1
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            connection.execute(sa.text("UPDATE shared.price_books SET label = 'x'"))
    with engine.connect() as connection:
        connection.execute(sa.text("SET ROLE kis_readonly"))
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            _insert_price_book(connection)
    with engine.begin() as connection:
        connection.execute(sa.text("SET ROLE kis_app"))
        connection.execute(sa.text("UPDATE shared.price_books SET label = 'by app'"))
    engine.dispose()


def test_sha256_check_refuses_non_hex(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as connection, pytest.raises(sa.exc.IntegrityError, match="catalog_sha256"):
        connection.execute(
            sa.text(
                "INSERT INTO shared.price_books (label, source_name, state, catalog_sha256, catalog) "
                "VALUES ('t', 't.csv', 'draft', repeat('Z', 64), '{}')"
            )
        )
    with engine.begin() as connection, pytest.raises(sa.exc.IntegrityError, match="state"):
        connection.execute(
            sa.text(
                "INSERT INTO shared.price_books (label, source_name, state, catalog_sha256, catalog) "
                "VALUES ('t', 't.csv', 'weird', repeat('a', 64), '{}')"
            )
        )
    engine.dispose()
