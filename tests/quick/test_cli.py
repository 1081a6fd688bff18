"""`kis quick` as a user runs it: the request JSON on stdout, the estimate with --estimate, and exit 2
with the envelope on stderr for a phrase it refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.live import embedded_env

KIS = [sys.executable, "-m", "kis_estimator.cli"]
APARTMENT = "LS 메인 4P 75A ELB 2P 20A 12개"
S8 = "LS 옥외 SUS 메인 4P 200A ELB 4P 100A 2개 ELB 4P 50A 4개 ELB 2P 20A 12개"


def _quick(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **embedded_env(tmp_path)}
    return subprocess.run(
        [*KIS, "quick", *args], cwd=tmp_path, capture_output=True, text=True, env=env, check=False
    )


def test_quick_prints_the_request_json_that_kis_estimate_takes(tmp_path: Path) -> None:
    done = _quick(tmp_path, APARTMENT, "--customer", "한빛아파트")
    assert done.returncode == 0, done.stderr
    request = json.loads(done.stdout)
    assert request == {
        "customer": {"name": "한빛아파트"},
        "brand": "LS",
        "panels": [
            {
                "main": {"type": "MCCB", "poles": 4, "trip_at": 75},
                "branches": [{"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 12}],
            }
        ],
    }
    (tmp_path / "r.json").write_text(done.stdout, encoding="utf-8")
    estimated = subprocess.run(
        [*KIS, "estimate", "r.json", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, **embedded_env(tmp_path)},
        check=False,
    )
    assert estimated.returncode == 0, estimated.stderr
    assert not (tmp_path / "kis.db").exists()  # nothing was saved by `kis quick`


def test_quick_json_gives_the_findings_of_every_word(tmp_path: Path) -> None:
    done = _quick(tmp_path, APARTMENT, "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert set(answer) == {"request", "findings"} and "customer" not in answer["request"]
    words = [
        (f["word"], f["start"], f["message"]) for f in answer["findings"] if f["code"] == "SHORTHAND_WORD"
    ]
    assert words[:4] == [
        ("LS", 0, "브랜드 LS"),
        ("메인", 3, "주 차단기"),
        ("4P", 6, "극수 4"),
        ("75A", 9, "정격 AT 75"),
    ]
    assert len(words) == 8
    assumed = [(f["word"], f["message"]) for f in answer["findings"] if f["code"] == "SHORTHAND_DEFAULT"]
    assert assumed == [("메인 4P 75A", "종류가 없어 MCCB(배선용)로 봅니다")]


def test_quick_estimate_prints_the_summary_of_the_s8_panel(tmp_path: Path) -> None:
    done = _quick(tmp_path, S8, "--estimate", "--customer", "동양기전")
    assert done.returncode == 0, done.stderr
    assert "1,831,170" in done.stdout and "SC 70 120 20" in done.stdout
    as_json = _quick(tmp_path, S8, "--estimate", "--customer", "동양기전", "--json")
    assert json.loads(as_json.stdout)["quote"]["totals"]["total"] == 1_831_170


def test_an_unknown_word_exits_2_with_its_position_in_the_envelope(tmp_path: Path) -> None:
    done = _quick(tmp_path, "LS 메인 4P 75A ELV 2P 20A 12개")
    assert done.returncode == 2 and done.stdout == ""
    envelope = json.loads(done.stderr)
    assert set(envelope) == {"code", "message", "hint", "path", "traceId", "meta"}
    assert envelope["code"] == "SHORTHAND_UNKNOWN_WORD" and envelope["path"] == "text"
    meta = envelope["meta"]
    assert (meta["word"], meta["start"], meta["end"], meta["suggestion"]) == ("ELV", 13, 16, "ELB")


def test_a_phrase_giving_an_invalid_request_exits_2_with_the_requests_code(tmp_path: Path) -> None:
    five = _quick(tmp_path, "LS 메인 5P 75A ELB 2P 20A")
    assert five.returncode == 2
    envelope = json.loads(five.stderr)
    assert (envelope["code"], envelope["path"], envelope["meta"]["word"]) == (
        "POLES_MISMATCH",
        "panels.0.main.poles",
        "5P",
    )
    no_main = json.loads(_quick(tmp_path, "LS ELB 2P 20A 12개").stderr)
    assert (no_main["code"], no_main["path"]) == ("REQ_MORE_INFO", "panels.0.main")
    no_customer = _quick(tmp_path, APARTMENT, "--estimate")
    assert no_customer.returncode == 2 and json.loads(no_customer.stderr)["path"] == "customer"
