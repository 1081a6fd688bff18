"""`kis compare`: the alternatives as a table or as JSON, and a refused request's envelope (exit 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.factories import DOMAIN_S8, make_request

KIS = [sys.executable, "-m", "kis_estimator.cli"]


def _kis(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{cwd}/var/kis.db"}
    return subprocess.run([*KIS, *args], cwd=cwd, capture_output=True, text=True, env=env, check=False)


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_compare_prints_the_variants_as_json_and_as_a_table(tmp_path: Path) -> None:
    request = _write(tmp_path / "req.json", DOMAIN_S8)
    done = _kis("compare", str(request), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["base"]["totals"] == {"subtotal": 1_664_700, "vat": 166_470, "total": 1_831_170}
    sangdo, standard, steel, custom = answer["variants"]
    assert sangdo["changes"] == {"brand": "SANGDO"} and sangdo["difference"] == -554_950
    assert standard["changes"] == {"grade": "STANDARD"} and standard["difference"] == 76_956
    assert steel["changes"] == {"material": "STEEL", "thickness_mm": 1.6}
    assert steel["panels"][0]["enclosure"]["model"] == "HT 70 120 20"
    assert custom["totals"]["total"] == 2_029_170 and custom["panels"][0]["enclosure"]["stock"] is False
    assert all(
        set(v) >= {"changes", "totals", "difference", "panels", "unmapped"} for v in answer["variants"]
    )
    assert not (tmp_path / "var" / "kis.db").exists()  # nothing written

    table = _kis("compare", str(request), cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    for words in (
        "1,831,170",
        "브랜드 상도",
        "-554,950",
        "등급 표준형",
        "재질 STEEL 1.6T",
        "외함 주문제작",
        "+198,000",
    ):
        assert words in table.stdout, words


def test_compare_lists_what_cannot_be_mapped_and_refuses_a_bad_request(tmp_path: Path) -> None:
    unmappable = _write(
        tmp_path / "ls.json",
        make_request(main={"type": "MCCB", "poles": 3, "trip_at": 200, "model": "ABS-203"}),
    )
    table = _kis("compare", str(unmappable), cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "panels.0.main.model" in table.stdout and "ABS-203" in table.stdout and "매핑 불가" in table.stdout

    bad = _write(tmp_path / "bad.json", make_request(main={"type": "MCCB", "poles": 5, "trip_at": 200}))
    refused = _kis("compare", str(bad), cwd=tmp_path)
    assert refused.returncode == 2
    envelope = json.loads(refused.stderr)
    assert (envelope["code"], envelope["path"]) == ("POLES_MISMATCH", "panels.0.main.poles")
