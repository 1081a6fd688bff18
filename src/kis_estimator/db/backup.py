"""Backups: pg_dump/pg_restore on PostgreSQL, SQLite's online backup API on the embedded default."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from kis_estimator.db.engine import is_sqlite, normalize_url


class BackupError(Exception):
    pass


def _libpq_url(url: str) -> str:
    """The URL as pg_dump expects it (no SQLAlchemy driver suffix)."""
    parsed = make_url(normalize_url(url)).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database:
        raise BackupError("SQLite URL has no file path")
    return Path(database)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return found


def _ensure_roles(url: str) -> None:
    """The cluster-wide roles the schema's grants and policies name (a fresh server lacks them)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(normalize_url(url))
    try:
        with engine.begin() as connection:
            for role in ("kis_app", "kis_readonly"):
                connection.execute(
                    text(
                        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') "  # identifiers quoted from our own metadata  # nosec B608
                        f"THEN CREATE ROLE {role} NOLOGIN; END IF; END $$"
                    )
                )
    finally:
        engine.dispose()


def backup(url: str, target: Path) -> Path:
    """Write a consistent backup of the database at `url` to `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        source = sqlite3.connect(_sqlite_path(url))
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)  # consistent even while the service writes
        finally:
            destination.close()
            source.close()
        return target
    command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), _libpq_url(url)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return target


def restore(url: str, source: Path) -> None:
    """Restore a backup made by `backup` into the (empty or existing) database at `url`."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if is_sqlite(url):
        backup_db = sqlite3.connect(source)
        destination = sqlite3.connect(_sqlite_path(url))
        try:
            backup_db.backup(destination)
        finally:
            destination.close()
            backup_db.close()
        return
    _ensure_roles(url)
    command = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--exit-on-error",
        "--dbname",
        _libpq_url(url),
        str(source),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
