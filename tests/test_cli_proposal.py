"""`kis proposal`: the workbook, the PDF and the evidence pack in --out, and a wrong option's envelope."""

from __future__ import annotations

import json
from pathlib import Path

from tests.factories import DOMAIN_S8
from tests.test_cli_compare import _kis, _write


def test_proposal_writes_the_workbook_pdf_and_every_options_evidence(tmp_path: Path) -> None:
    request = _write(tmp_path / "req.json", DOMAIN_S8)
    out = tmp_path / "out"
    done = _kis(
        "proposal", str(request), "--option", "brand=LS,grade=ECONOMY", "--option", "brand=SANGDO",
        "--out", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (out / "proposal.xlsx").read_bytes()[:2] == b"PK"
    assert (out / "proposal.pdf").read_bytes()[:5] == b"%PDF-"
    summary = json.loads((out / "evidence" / "proposal.json").read_text(encoding="utf-8"))
    assert [o["changes"] for o in summary["options"]] == [
        {"brand": "LS", "grade": "ECONOMY"},
        {"brand": "SANGDO"},
    ]
    for label in ("A", "B"):
        assert (out / "evidence" / "options" / label / "stages" / "pricing.json").exists()
    assert "상도" in done.stdout and f"{summary['options'][1]['totals']['total']:,}" in done.stdout
    assert not (tmp_path / "var" / "kis.db").exists()  # nothing saved


def test_proposal_refuses_a_wrong_option_with_its_path(tmp_path: Path) -> None:
    request = _write(tmp_path / "req.json", DOMAIN_S8)
    done = _kis(
        "proposal", str(request), "--option", "brand=LS", "--option", "brand=ABB", "--out", str(tmp_path / "o"),
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    envelope = json.loads(done.stderr)
    assert envelope["path"] == "options.1.brand" and envelope["code"] == "PROPOSAL_OPTION_INVALID"
    assert not (tmp_path / "o").exists()
