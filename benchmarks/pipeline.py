"""The whole pipeline with documents for the DOMAIN §8 panel: engine, workbook, PDF, drawings, lint and
evidence. Prints p50/p95 in ms and the per-stage p50 (goal: p50 under 150 ms). The LibreOffice
recalculation lint is timed separately, since it starts a spreadsheet engine (seconds).

`python benchmarks/pipeline.py [RUNS]`
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.documents.lint import recalculation_lint, soffice_path
from kis_estimator.documents.model import Company, Terms, build_document
from kis_estimator.documents.xlsx import render_xlsx_with_map
from kis_estimator.pipeline import DocumentOptions, QuoteIdentity, run_pipeline

ROOT = Path(__file__).resolve().parent.parent
IDENTITY = QuoteIdentity(
    "00000000-0000-4000-8000-000000000001", "EST-20260101-0001", "2026-01-01T09:00:00+09:00"
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(runs: int) -> int:
    catalog, rules = load_catalog(), load_rulebook()
    request = json.loads((ROOT / "examples" / "domain-s8-outdoor-sus.json").read_text(encoding="utf-8"))
    options = DocumentOptions(evidence_secret="benchmark")
    for _ in range(5):  # warm-up: font parse, imports
        run_pipeline(request, catalog, rules, IDENTITY, documents=options)
    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    for _ in range(runs):
        started = time.perf_counter()
        result = run_pipeline(request, catalog, rules, IDENTITY, documents=options)
        totals.append((time.perf_counter() - started) * 1000)
        for name, ms in result.stage_ms.items():
            stages.setdefault(name, []).append(ms)
    p50 = statistics.median(totals)
    print(
        f"full pipeline with documents, DOMAIN §8, {runs} runs: p50 {p50:.1f} ms, p95 {percentile(totals, 0.95):.1f} ms"
    )
    print("  stage p50 (ms): " + ", ".join(f"{n} {statistics.median(v):.2f}" for n, v in stages.items()))
    if soffice_path() is not None:
        quote = result.quote
        document = build_document(quote, Company(), Terms())
        workbook, cells = render_xlsx_with_map(document)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            gates = recalculation_lint(workbook, document, cells)
            timings.append((time.perf_counter() - started) * 1000)
        status = ", ".join(f"{g.id} {g.status}" for g in gates)
        print(
            f"LibreOffice recalculation lint: median {statistics.median(timings):.0f} ms over 3 runs ({status})"
        )
    else:
        print("LibreOffice recalculation lint: soffice not installed, not measured")
    return 0 if p50 < 150 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
