"""Requests the benchmarks send: the DOMAIN §8 example, and large variants of it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_S8: dict[str, Any] = json.loads(
    (ROOT / "examples" / "domain-s8-outdoor-sus.json").read_text(encoding="utf-8")
)


def large_request(panels: int, lines: int) -> dict[str, Any]:
    """The §8 request as `panels` panels, each with `lines` extra lines of long Korean names."""
    request = copy.deepcopy(DOMAIN_S8)
    panel = request["panels"][0]
    panel["extra_lines"] = [
        {"name": f"추가 자재 {i:04d} " + "가" * 150, "unit": "EA", "qty": 1, "unit_price": 1000}
        for i in range(lines)
    ]
    request["panels"] = [{**copy.deepcopy(panel), "name": f"분전반 {p + 1}"} for p in range(panels)]
    return request
