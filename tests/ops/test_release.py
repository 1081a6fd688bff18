"""The release gate: `kis regression run` and `kis release evidence --out DIR`.

The evidence directory must verify with `sha256sum -c SHA256SUMS` run inside it, hold the OpenAPI
document the running service serves, a copy of the goldset, the regression report, the offline
PostgreSQL SQL of `kis db sql`, and release.json with the shipped catalog's and rulebook's hashes.
A failing goldset case makes both commands exit non-zero.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from kis_estimator import __version__
from kis_estimator.api.openapi_export import openapi_document, render_yaml
from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.db import migrate
from kis_estimator.ops import release
from tests.live import LiveServer, run_kis

REPO_ROOT = Path(__file__).resolve().parents[2]
GOLDSET = REPO_ROOT / "tests" / "regression" / "goldset"
CASES = sorted(GOLDSET.glob("*.json"))


def files_under(directory: Path) -> set[str]:
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


def broken_goldset(target: Path) -> tuple[Path, str]:
    """A copy of the goldset whose first case with totals expects one won more than the engine."""
    shutil.copytree(GOLDSET, target)
    for path in sorted(target.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        totals = case["expect"].get("totals")
        if totals and "total" in totals:
            totals["total"] += 1
            path.write_text(json.dumps(case, ensure_ascii=False, indent=2), encoding="utf-8")
            return target, str(case["id"])
    raise AssertionError("no goldset case expects totals")


def test_release_evidence_verifies_and_holds_the_live_openapi_document(tmp_path: Path) -> None:
    out = tmp_path / "release-evidence"
    done = run_kis({}, "release", "evidence", "--out", str(out))
    assert f"{len(CASES)}/{len(CASES)} cases pass" in done.stdout, done.stdout

    check = subprocess.run(
        ["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=out, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, f"sha256sum -c failed:\n{check.stdout}\n{check.stderr}"
    sums = (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert all(re.fullmatch(r"[0-9a-f]{64}  [^/\s][^\s]*", line) for line in sums), sums
    assert {line.split("  ", 1)[1] for line in sums} == files_under(out) - {"SHA256SUMS"}

    served = LiveServer({}, mode="serve", name="openapi")
    try:
        served.start(timeout_s=40)
        with served.client() as client:
            live = client.get("/openapi.json").json()
    finally:
        served.close()
    text = (out / "openapi.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text) == live, "openapi.yaml differs from the document the service serves"
    assert text == render_yaml(openapi_document())

    assert files_under(out / "goldset") == {p.name for p in GOLDSET.iterdir() if p.is_file()}
    for case in CASES:
        assert (out / "goldset" / case.name).read_bytes() == case.read_bytes()
    report = json.loads((out / "regression" / "report.json").read_text(encoding="utf-8"))
    assert (report["passed"], report["total"], report["ok"]) == (len(CASES), len(CASES), True)
    assert f"{len(CASES)}/{len(CASES)} cases pass" in (out / "regression" / "report.txt").read_text("utf-8")

    sql = (out / "migrations" / "postgresql.sql").read_text(encoding="utf-8")
    assert sql == run_kis({}, "db", "sql").stdout
    assert "CREATE TABLE estimator.quotes" in sql

    facts = json.loads((out / "release.json").read_text(encoding="utf-8"))
    catalog, rules = load_catalog(), load_rulebook()
    assert facts["version"] == __version__
    assert facts["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}", facts["git_commit"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", facts["created_at"])
    assert facts["catalog_sha256"] == catalog.sha256
    assert (facts["rulebook_version"], facts["rulebook_sha256"]) == (rules.version, rules.sha256)
    assert facts["migration_head"] == migrate.head_revision("postgresql://kis@localhost/kis")
    assert facts["regression"] == {"passed": len(CASES), "total": len(CASES), "ok": True}


def test_release_evidence_exits_non_zero_when_a_goldset_case_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    goldset, failing_case = broken_goldset(tmp_path / "goldset")
    monkeypatch.setattr(release, "goldset_candidates", lambda: [goldset])
    out = tmp_path / "out"
    assert release.write_release_evidence(out) == 1
    printed = capsys.readouterr().out
    assert f"{len(CASES) - 1}/{len(CASES)} cases pass" in printed
    assert "❌ regression failed" in printed
    report = json.loads((out / "regression" / "report.json").read_text(encoding="utf-8"))
    failed = [case for case in report["cases"] if not case["passed"]]
    assert [case["id"] for case in failed] == [failing_case]
    assert any("totals.total" in mismatch for mismatch in failed[0]["mismatches"])
    assert json.loads((out / "release.json").read_text("utf-8"))["regression"]["ok"] is False
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, check=False)
    assert check.returncode == 0, "a failed release still writes verifiable evidence"


def test_release_evidence_refuses_without_a_goldset_or_into_a_used_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(release, "goldset_candidates", lambda: [tmp_path / "tests/regression/goldset"])
    assert release.write_release_evidence(tmp_path / "out") == 1
    assert "the goldset is not here" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()

    used = tmp_path / "used"
    used.mkdir()
    (used / "old.txt").write_text("from an earlier release\n", encoding="utf-8")
    monkeypatch.undo()
    assert release.write_release_evidence(used) == 1
    assert "not an empty directory" in capsys.readouterr().out
    assert files_under(used) == {"old.txt"}


def test_regression_run_prints_the_table_and_fails_on_a_failing_case(tmp_path: Path) -> None:
    passing = run_kis({}, "regression", "run", cwd=REPO_ROOT)
    assert f"{len(CASES)}/{len(CASES)} cases pass" in passing.stdout
    goldset, failing_case = broken_goldset(tmp_path / "goldset")
    failing = run_kis({}, "regression", "run", "--goldset", str(goldset), check=False)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert f"{len(CASES) - 1}/{len(CASES)} cases pass" in failing.stdout
    assert failing_case in failing.stdout
