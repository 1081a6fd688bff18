"""The migration SQL passes squawk's PostgreSQL hazard rules (lock-taking DDL, missing timeouts, …)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from kis_estimator.db import migrate

# Deliberate schema choices, not hazards: bounded varchar columns, integer keys for row counts that
# stay far below 2^31, and serial keys (SQLAlchemy's portable autoincrement on SQLite and PostgreSQL).
EXCLUDED = "prefer-text-field,prefer-bigint-over-int,prefer-identity"


def _squawk() -> str:
    found = shutil.which("squawk") or str(Path(sys.executable).parent / "squawk")
    assert Path(found).exists(), "squawk-cli is a dev dependency (pyproject.toml)"
    return found


def test_migration_sql_has_no_postgresql_hazards(tmp_path: Path) -> None:
    sql = tmp_path / "migrations.sql"
    sql.write_text(migrate.offline_sql("postgresql://kis@localhost/kis"), encoding="utf-8")
    done = subprocess.run(
        [_squawk(), f"--exclude={EXCLUDED}", "--pg-version=15.0", str(sql)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_squawk_does_catch_a_hazard(tmp_path: Path) -> None:
    sql = tmp_path / "bad.sql"
    sql.write_text(
        "ALTER TABLE estimator.quotes ADD COLUMN note text NOT NULL DEFAULT now();\n"
        "CREATE INDEX ix_quotes_note ON estimator.quotes (note);\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [_squawk(), f"--exclude={EXCLUDED}", str(sql)], capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
