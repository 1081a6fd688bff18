"""`kis release evidence --out DIR`: what a release is, written down and hashed.

DIR receives

    release.json                version, git commit (or null), time, catalog and rulebook hashes,
                                migration head, regression outcome
    openapi.yaml                the OpenAPI document of this release (as `openapi_export` renders it)
    goldset/                    a copy of the hand-worked goldset (tests/regression/goldset)
    regression/report.json      every goldset case with its mismatches
    regression/report.txt       the result table, N/N, as `kis regression run` prints it
    migrations/postgresql.sql   the offline migration SQL for PostgreSQL (as `kis db sql` prints it)
    SHA256SUMS                  every other file, for `sha256sum -c SHA256SUMS` run in DIR

The catalog, rulebook and OpenAPI document are the package's own (the environment is not read): the
evidence describes the release, not one installation. The goldset is not part of the installed package:
it is read from the source checkout this package runs from, else from ./tests/regression/goldset.
The exit code is 1 when the regression fails (everything is still written, to show why) or when the
goldset is missing or DIR is not empty.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from kis_estimator import __version__
from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.ops.regression import CaseResult, print_report, run_goldset

EXIT_OK = 0
EXIT_FAILED = 1
SUMS = "SHA256SUMS"
GOLDSET_IN_CHECKOUT = Path("tests/regression/goldset")
# The offline SQL's dialect URL: the same default as `kis db sql` (no connection is made).
POSTGRESQL_DIALECT_URL = "postgresql://kis@localhost/kis"
_SOURCE_ROOT = Path(__file__).resolve().parents[3]
_REPORT_WIDTH = 120


def source_root() -> Path | None:
    """The source checkout this package runs from (an editable install), if there is one."""
    return _SOURCE_ROOT if (_SOURCE_ROOT / "pyproject.toml").is_file() else None


def goldset_candidates() -> list[Path]:
    """Where the goldset may be, in order: the source checkout, then the current directory."""
    roots = [root for root in (source_root(), Path.cwd()) if root is not None]
    return [root / GOLDSET_IN_CHECKOUT for root in dict.fromkeys(roots)]


def find_goldset(candidates: Sequence[Path]) -> Path | None:
    """The first candidate directory that holds goldset cases (*.json)."""
    return next((path for path in candidates if path.is_dir() and any(path.glob("*.json"))), None)


def git_commit(root: Path | None) -> str | None:
    """`git rev-parse HEAD` in the checkout, or None without git or outside a repository."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root or Path.cwd(),
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) == 40 else None


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_sums(directory: Path) -> Path:
    """SHA256SUMS over every file under `directory` (relative POSIX paths, sorted, two spaces)."""
    target = directory / SUMS
    files = sorted(
        path.relative_to(directory).as_posix()
        for path in directory.rglob("*")
        if path.is_file() and path != target
    )
    target.write_text("".join(f"{sha256_file(directory / name)}  {name}\n" for name in files), "utf-8")
    return target


def _report_text(results: list[CaseResult]) -> str:
    buffer = io.StringIO()
    print_report(Console(file=buffer, width=_REPORT_WIDTH, color_system=None, emoji=False), results)
    return buffer.getvalue()


def _report_json(results: list[CaseResult]) -> dict[str, Any]:
    passed = sum(r.passed for r in results)
    return {
        "passed": passed,
        "total": len(results),
        "ok": bool(results) and passed == len(results),
        "cases": [
            {"id": r.case_id, "description": r.description, "passed": r.passed, "mismatches": r.mismatches}
            for r in results
        ],
    }


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_regression(out: Path, goldset: Path) -> dict[str, Any]:
    """Copy the goldset, run it on the shipped catalog and rulebook, write both reports."""
    shutil.copytree(goldset, out / "goldset")
    catalog, rules = load_catalog(), load_rulebook()
    results = run_goldset(goldset, catalog, rules)
    (out / "regression").mkdir()
    report = _report_json(results)
    _write_json(out / "regression" / "report.json", report)
    text = _report_text(results)
    (out / "regression" / "report.txt").write_text(text, encoding="utf-8")
    print(text, end="", flush=True)
    return {
        "passed": report["passed"],
        "total": report["total"],
        "ok": report["ok"],
        "catalog_sha256": catalog.sha256,
        "rulebook_version": rules.version,
        "rulebook_sha256": rules.sha256,
    }


def _write_openapi(out: Path) -> None:
    from kis_estimator.api.openapi_export import openapi_document, render_yaml

    (out / "openapi.yaml").write_text(render_yaml(openapi_document()), encoding="utf-8")


def _write_migrations(out: Path) -> str | None:
    from kis_estimator.db import migrate

    (out / "migrations").mkdir()
    sql = migrate.offline_sql(POSTGRESQL_DIALECT_URL)
    (out / "migrations" / "postgresql.sql").write_text(sql, encoding="utf-8")
    return migrate.head_revision(POSTGRESQL_DIALECT_URL)


def _refusal(out: Path, candidates: list[Path]) -> str | None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        return f"{out} exists and is not an empty directory: choose a new one"
    if find_goldset(candidates) is None:
        where = ", ".join(str(path) for path in candidates)
        return (
            f"the goldset is not here ({where}); it is not installed with the package: "
            "run from a source checkout (tests/regression/goldset)"
        )
    return None


def write_release_evidence(out: Path) -> int:
    """Write the release evidence into the new or empty directory `out`; 1 if the regression fails."""
    candidates = goldset_candidates()
    refusal = _refusal(out, candidates)
    if refusal is not None:
        print(f"❌ release evidence: {refusal}", flush=True)
        return EXIT_FAILED
    goldset = find_goldset(candidates)
    assert goldset is not None
    out.mkdir(parents=True, exist_ok=True)
    regression = _write_regression(out, goldset)
    _write_openapi(out)
    migration_head = _write_migrations(out)
    release = {
        "name": "kis-estimator",
        "version": __version__,
        "git_commit": git_commit(source_root()),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "catalog_sha256": regression["catalog_sha256"],
        "rulebook_version": regression["rulebook_version"],
        "rulebook_sha256": regression["rulebook_sha256"],
        "migration_head": migration_head,
        "regression": {key: regression[key] for key in ("passed", "total", "ok")},
    }
    _write_json(out / "release.json", release)
    sums = write_sums(out)
    count = len(sums.read_text(encoding="utf-8").splitlines())
    if not regression["ok"]:
        print(
            f"❌ regression failed: {regression['passed']}/{regression['total']} cases pass "
            f"(see {out / 'regression' / 'report.txt'})",
            flush=True,
        )
        return EXIT_FAILED
    print(f"✅ release evidence: {count} files in {out}; check with: cd {out} && sha256sum -c {SUMS}")
    return EXIT_OK
