"""`kis estimate` and `kis regression run` as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.factories import DOMAIN_S8, ROOT

KIS = [sys.executable, "-m", "kis_estimator.cli"]


def _kis(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KIS, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_estimate_writes_quote_json_and_prints_a_summary(tmp_path: Path) -> None:
    request = _write(tmp_path / "req.json", DOMAIN_S8)
    done = _kis("estimate", str(request), "--now", "2026-11-22T10:00:00+09:00", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    quote = json.loads((tmp_path / "out" / "EST-20261122-0001" / "quote.json").read_text(encoding="utf-8"))
    assert quote["number"] == "EST-20261122-0001"
    assert quote["totals"]["total"] == 1_831_170
    for text in ("SC 70 120 20", "700×1070×150", "1,831,170", "enclosure_fit"):
        assert text in done.stdout
    again = _kis("estimate", str(request), "--now", "2026-11-22T11:00:00+09:00", cwd=tmp_path)
    assert again.returncode == 0
    assert (tmp_path / "out" / "EST-20261122-0002" / "quote.json").exists()


def test_same_inputs_give_byte_identical_quote_json(tmp_path: Path) -> None:
    request = _write(tmp_path / "req.json", DOMAIN_S8)
    fixed = ["--now", "2026-11-22T10:00:00+09:00", "--number", "EST-20261122-0007", "--id", "q-1"]
    first = _kis("estimate", str(request), "--out", "a", "--json", *fixed, cwd=tmp_path)
    second = _kis("estimate", str(request), "--out", "b", "--json", *fixed, cwd=tmp_path)
    assert first.returncode == second.returncode == 0
    assert (tmp_path / "a" / "quote.json").read_bytes() == (tmp_path / "b" / "quote.json").read_bytes()
    assert json.loads(first.stdout)["id"] == "q-1"


def test_request_error_exits_2_with_the_envelope_on_stderr(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(DOMAIN_S8))
    bad["panels"][0]["branches"][0]["trip_at"] = 300
    done = _kis("estimate", str(_write(tmp_path / "bad.json", bad)), cwd=tmp_path)
    assert done.returncode == 2
    envelope = json.loads(done.stderr)
    assert envelope["code"] == "BRANCH_AF_EXCEEDS_MAIN"
    assert envelope["path"] == "panels.0.branches.0.trip_at"
    assert set(envelope) == {"code", "message", "hint", "path", "traceId", "meta"}
    assert envelope["meta"]["dedupKey"] and envelope["meta"]["errors"]
    assert not (tmp_path / "out").exists()


def test_malformed_json_and_missing_file_are_request_errors(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    broken = _kis("estimate", "broken.json", cwd=tmp_path)
    assert broken.returncode == 2 and json.loads(broken.stderr)["code"] == "REQ_MALFORMED"
    missing = _kis("estimate", "nope.json", cwd=tmp_path)
    assert missing.returncode == 2 and json.loads(missing.stderr)["code"] == "REQ_FILE_NOT_FOUND"


def test_broken_catalog_setting_exits_1(tmp_path: Path) -> None:
    request = _write(tmp_path / "req.json", DOMAIN_S8)
    done = _kis("estimate", str(request), cwd=tmp_path, env={"KIS_CATALOG": str(tmp_path / "nowhere")})
    assert done.returncode == 1
    assert json.loads(done.stderr)["code"] == "DATA_INVALID"


def test_every_example_estimates(tmp_path: Path) -> None:
    examples = sorted((ROOT / "examples").glob("*.json"))
    assert len(examples) >= 6
    for example in examples:
        done = _kis("estimate", str(example), "--out", str(tmp_path / example.stem), "--json", cwd=tmp_path)
        assert done.returncode == 0, f"{example.name}: {done.stderr}"
        assert json.loads(done.stdout)["totals"]["total"] > 0


def test_estimate_writes_documents_and_an_evidence_pack_that_verifies(tmp_path: Path) -> None:
    request = _write(tmp_path / "req.json", DOMAIN_S8)
    done = _kis(
        "estimate",
        str(request),
        "--out",
        "q",
        "--recalc",
        cwd=tmp_path,
        env={"EVIDENCE_SECRET": "s3cret", "KIS_DOC_RECALC": "1"},
    )
    assert done.returncode == 0, done.stderr
    out = tmp_path / "q"
    for name in (
        "quote.json",
        "quote.xlsx",
        "quote.pdf",
        "layout.svg",
        "layout.dxf",
        "evidence/manifest.json",
        "evidence/SHA256SUMS",
        "evidence/metrics.json",
        "evidence/validation.json",
        "evidence/stages/pricing.json",
        "evidence/signature.json",
    ):
        assert (out / name).is_file(), name
    quote = json.loads((out / "quote.json").read_text(encoding="utf-8"))
    gates = {g["id"]: g["status"] for g in quote["gates"]}
    assert gates["doc_cached_values"] == gates["doc_named_ranges"] == "pass"
    if shutil.which("soffice"):
        assert gates["doc_formula_loss"] == "pass"
    assert quote["evidence"]["signature"]
    assert (out / "quote.xlsx").read_bytes() == (out / "evidence" / "documents" / "quote.xlsx").read_bytes()
    verified = _kis("evidence", "verify", str(out), cwd=tmp_path, env={"EVIDENCE_SECRET": "s3cret"})
    assert verified.returncode == 0, verified.stdout
    assert quote["evidence"]["sha256"] in verified.stdout.replace("\n", "")
    assert "derivable" not in verified.stdout  # layout.dxf was written beside evidence/ and matches
    (out / "layout.dxf").write_bytes((out / "layout.dxf").read_bytes() + b"999\r\nx\r\n")
    changed_dxf = _kis("evidence", "verify", str(out), cwd=tmp_path, env={"EVIDENCE_SECRET": "s3cret"})
    assert changed_dxf.returncode == 1 and "drawing/layout.dxf" in changed_dxf.stdout
    (out / "evidence" / "stages" / "pricing.json").write_text("{}", encoding="utf-8")
    (out / "evidence" / "drawing" / "layout.json").unlink()
    tampered = _kis("evidence", "verify", str(out / "evidence"), cwd=tmp_path)
    assert tampered.returncode == 1
    assert "stages/pricing.json" in tampered.stdout and "drawing/layout.json" in tampered.stdout


def test_request_sheet_round_trip_through_the_cli(tmp_path: Path) -> None:
    request = _write(tmp_path / "req.json", DOMAIN_S8)
    exported = _kis("export-sheet", str(request), "--out", "sheet.xlsx", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    imported = _kis("import", "sheet.xlsx", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    back = json.loads(imported.stdout)
    assert back["panels"][0]["branches"][2] == {"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 12}
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook")
    refused = _kis("import", "junk.xlsx", cwd=tmp_path)
    assert refused.returncode == 2
    assert "SHEET_NOT_XLSX" in refused.stderr
