"""`kis catalog impact`: the open quotes a staged price book changes, as a table and as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.factories import DOMAIN_S8, SHOP_CATALOG

KIS = [sys.executable, "-m", "kis_estimator.cli"]


def _kis(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIS_DOC_RECALC": "0", "EVIDENCE_SECRET": "ops-secret", "COLUMNS": "200"}
    return subprocess.run([*KIS, *args], cwd=cwd, capture_output=True, text=True, env=env, check=False)


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_impact_of_a_staged_book_on_a_saved_quote(tmp_path: Path) -> None:
    (tmp_path / "req.json").write_text(json.dumps(DOMAIN_S8, ensure_ascii=False), encoding="utf-8")
    saved = json.loads(_ok(_kis("estimate", "req.json", "--save", "--json", cwd=tmp_path)))
    breakers = (SHOP_CATALOG / "breakers.csv").read_text(encoding="utf-8")
    assert ",ABN-204,ECONOMY,4,200,0,140,165,60,125|150|175|200|225,154000," in breakers
    (tmp_path / "breakers.csv").write_text(breakers.replace("225,154000,", "225,160000,"), encoding="utf-8")
    _ok(_kis("catalog", "import", "breakers.csv", cwd=tmp_path))

    found = json.loads(_ok(_kis("catalog", "impact", "1", "--json", cwd=tmp_path)))
    (quote,) = found["changed"]
    assert quote["number"] == saved["number"] and quote["difference"]["subtotal"] == 6000
    (line,) = quote["lines"]
    assert (line["model"], line["oldPrice"], line["newPrice"]) == ("ABN-204", 154000, 160000)
    table = _ok(_kis("catalog", "impact", "1", cwd=tmp_path))
    assert "열린 견적 1건 중 1건 금액 변동" in table and saved["number"] in table
    missing = _kis("catalog", "impact", "9", cwd=tmp_path)
    assert missing.returncode == 1 and "no price book 9" in missing.stderr
