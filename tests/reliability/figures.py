"""The measured figures of the reliability tests, merged into out/reliability/figures.json (one section
per scenario) and printed, so that docs/reliability.md can quote what a run measured."""

from __future__ import annotations

import json
import statistics
import sys
import threading
from pathlib import Path
from typing import Any

FIGURES = Path(__file__).resolve().parents[2] / "out" / "reliability" / "figures.json"
_lock = threading.Lock()


def record(section: str, **values: Any) -> None:
    """Merge `values` into `section` of the figures file and print them (pytest -s shows them)."""
    with _lock:
        FIGURES.parent.mkdir(parents=True, exist_ok=True)
        try:
            figures = json.loads(FIGURES.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            figures = {}
        figures.setdefault(section, {}).update(values)
        FIGURES.write_text(json.dumps(figures, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8")
    sys.stdout.write(f"\n[reliability] {section}: {json.dumps(values, ensure_ascii=False, sort_keys=True)}\n")


def spread(values: list[float]) -> dict[str, float | int]:
    """count, min, median, p95 and max of durations in seconds (rounded to the millisecond)."""
    if not values:
        return {"count": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "count": len(ordered),
        "min_s": round(ordered[0], 3),
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(p95, 3),
        "max_s": round(ordered[-1], 3),
    }
