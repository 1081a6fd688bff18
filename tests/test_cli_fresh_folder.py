"""Every command that uses the database, run first thing in a new folder: on the embedded default it
migrates SQLite itself (as `kis serve` does); on a database it must not migrate (PostgreSQL), it says in
one line what to run. Never a raw database error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kis_estimator.db import migrate
from kis_estimator.db.engine import make_engine
from tests.factories import DOMAIN_S8, SHOP_CATALOG

KIS = [sys.executable, "-m", "kis_estimator.cli"]

# (arguments, exit code and a word of the output on a fresh embedded default)
DATABASE_COMMANDS = [
    (["catalog", "list"], 0, "state"),
    (["catalog", "export"], 1, "no such price book"),
    (["catalog", "export", "--format", "xlsx", "7"], 1, "no such price book"),
    (["catalog", "import", "breakers.csv"], 0, "price book 1"),
    (["catalog", "activate", "1"], 1, "no price book 1"),
    (["keys", "create", "--role", "viewer"], 0, "created"),
    (["keys", "list"], 0, ""),
    (["keys", "revoke", "1"], 1, "no API key 1"),
    (["evidence", "verify", "EST-20261122-0001"], 1, "no such quote"),
    (["storage", "verify"], 0, "0 blobs match"),
    (["storage", "gc"], 0, "0 orphan"),
    (["estimate", "request.json", "--save"], 0, "saved"),
]
IDS = [" ".join(args) for args, _, _ in DATABASE_COMMANDS]
RAW_ERRORS = ("Traceback", "sqlalche", "no such table", "OperationalError", "ProgrammingError")


def _kis(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "STORAGE_URL")}
    environment.update(KIS_DOC_RECALC="0", **env)
    return subprocess.run(
        [*KIS, *args], cwd=cwd, capture_output=True, text=True, env=environment, check=False
    )


def _fresh_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "fresh"
    folder.mkdir()
    shutil.copy(SHOP_CATALOG / "breakers.csv", folder / "breakers.csv")
    (folder / "request.json").write_text(json.dumps(DOMAIN_S8, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.mark.parametrize(("args", "code", "word"), DATABASE_COMMANDS, ids=IDS)
def test_a_database_command_in_a_new_folder_migrates_the_embedded_default(
    args: list[str], code: int, word: str, tmp_path: Path
) -> None:
    folder = _fresh_folder(tmp_path)
    done = _kis(args, folder)
    output = done.stdout + done.stderr
    assert done.returncode == code, output
    assert word in output
    assert not any(raw in output for raw in RAW_ERRORS), output
    url = f"sqlite:///{folder}/var/kis.db"
    engine = make_engine(url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision(url)
    finally:
        engine.dispose()


@pytest.mark.parametrize(("args", "code", "word"), DATABASE_COMMANDS, ids=IDS)
def test_an_unmigrated_postgresql_gets_one_line_naming_kis_db_upgrade(
    args: list[str], code: int, word: str, tmp_path: Path, postgres: Any
) -> None:
    name = f"empty_{tmp_path.name.replace('-', '_').lower()}"
    url = postgres.create_database(name)
    done = _kis(args, _fresh_folder(tmp_path), DATABASE_URL=url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert not any(raw in done.stdout + done.stderr for raw in RAW_ERRORS), done.stderr
    assert "run `kis db upgrade`" in done.stderr
    if args[0] != "estimate":  # estimate's errors are the JSON envelope; its message is that line
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    engine = make_engine(url)
    try:
        assert migrate.current_revision(engine) is None  # told, not migrated behind the operator's back
    finally:
        engine.dispose()


def test_serve_on_an_unmigrated_postgresql_says_so_before_listening(tmp_path: Path, postgres: Any) -> None:
    url = postgres.create_database(f"empty_{tmp_path.name.replace('-', '_').lower()}")
    done = subprocess.run(
        [*KIS, "serve", "--port", "0"],
        cwd=_fresh_folder(tmp_path),
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": url},
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "run `kis db upgrade`" in done.stderr, done.stderr


def test_an_unreachable_database_is_one_line_too(tmp_path: Path) -> None:
    done = _kis(["catalog", "list"], _fresh_folder(tmp_path), DATABASE_URL="postgresql://kis@127.0.0.1:9/kis")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "cannot reach the database" in done.stderr, done.stderr
