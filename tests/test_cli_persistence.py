"""The persistence commands as an operator runs them, on the embedded default (SQLite + files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.factories import DOMAIN_S8, SHOP_CATALOG

KIS = [sys.executable, "-m", "kis_estimator.cli"]


def _kis(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIS_DOC_RECALC": "0", "EVIDENCE_SECRET": "ops-secret"}
    return subprocess.run([*KIS, *args], cwd=cwd, capture_output=True, text=True, env=env, check=False)


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_database_storage_catalog_and_saved_quotes(tmp_path: Path) -> None:
    _ok(_kis("db", "upgrade", cwd=tmp_path))
    assert "up to date" in _ok(_kis("db", "current", cwd=tmp_path))
    assert "agree" in _ok(_kis("db", "check", cwd=tmp_path))
    assert "CREATE TABLE estimator.quotes" in _ok(_kis("db", "sql", cwd=tmp_path))
    _ok(_kis("storage", "init", cwd=tmp_path))
    _ok(_kis("storage", "init", cwd=tmp_path))  # idempotent

    book = tmp_path / "book.zip"
    with zipfile.ZipFile(book, "w") as archive:
        for name in ("breakers", "enclosures", "accessories"):
            archive.write(SHOP_CATALOG / f"{name}.csv", f"{name}.csv")
    _ok(_kis("catalog", "import", str(book), "--activate", cwd=tmp_path))
    assert "active" in _ok(_kis("catalog", "list", cwd=tmp_path))
    _ok(_kis("catalog", "export", "--format", "xlsx", "-o", "exported.xlsx", cwd=tmp_path))
    assert (tmp_path / "exported.xlsx").stat().st_size > 0

    (tmp_path / "req.json").write_text(json.dumps(DOMAIN_S8, ensure_ascii=False), encoding="utf-8")
    saved = json.loads(_ok(_kis("estimate", "req.json", "--save", "--json", cwd=tmp_path)))
    assert saved["totals"]["total"] == 1_831_170
    assert "verified" in _ok(_kis("evidence", "verify", saved["number"], cwd=tmp_path))
    assert "match the database" in _ok(_kis("storage", "verify", cwd=tmp_path))
    assert "0 orphan" in _ok(_kis("storage", "gc", cwd=tmp_path))

    _ok(_kis("db", "backup", "kis.backup", cwd=tmp_path))
    stray = tmp_path / "var" / "blobs" / "quote" / "gone" / "pricing" / "0.json"
    stray.parent.mkdir(parents=True)
    stray.write_text("{}", encoding="utf-8")
    kept = _ok(_kis("storage", "gc", "--delete", cwd=tmp_path))  # too young to delete
    assert "kept" in kept and stray.exists()
    assert "quote/gone/pricing/0.json" in _ok(
        _kis("storage", "gc", "--delete", "--min-age", "0", cwd=tmp_path)
    )
    assert not stray.exists()

    workbook = next((tmp_path / "var" / "blobs" / "quote" / saved["id"] / "documents").glob("quote.xlsx"))
    workbook.write_bytes(b"PK tampered")
    tampered = _kis("storage", "verify", cwd=tmp_path)
    assert tampered.returncode == 1 and "changed" in tampered.stdout
    not_verified = _kis("evidence", "verify", saved["number"], cwd=tmp_path)
    assert not_verified.returncode == 1 and "documents/quote.xlsx" in not_verified.stdout

    _ok(_kis("db", "restore", "kis.backup", "--url", f"sqlite:///{tmp_path}/restored.db", cwd=tmp_path))
    bad_book = tmp_path / "breakers.csv"
    bad_book.write_text("brand,type\nLS,MCCB\n", encoding="utf-8")
    refused = _kis("catalog", "import", str(bad_book), cwd=tmp_path)
    assert refused.returncode == 2 and "breakers" in refused.stdout
