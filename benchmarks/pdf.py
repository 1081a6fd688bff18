"""Rendering times of `render_pdf`: p50/p95 in ms over repeated runs (`python benchmarks/pdf.py`).

The first call of a process parses the Korean font and is timed on its own; the cases after it are
timed warm. "new customer each run" gives every run a customer name of unseen Hangul syllables (from a
fixed seed), so it includes converting those few glyphs, as a server meeting new customers would.
"""

from __future__ import annotations

import dataclasses
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.documents.model import Company, QuoteDocument, Terms, build_document
from kis_estimator.documents.pdf.quote import render_pdf
from kis_estimator.pipeline import QuoteIdentity, run_pipeline

RUNS = 50
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
IDENTITY = QuoteIdentity("id-1", "EST-20261122-0001", "2026-11-22T10:00:00+09:00")
HANGUL_SYLLABLES = (0xAC00, 0xD7A3)


def document(example: str) -> QuoteDocument:
    request = json.loads((EXAMPLES / f"{example}.json").read_text(encoding="utf-8"))
    quote = run_pipeline(request, load_catalog(), load_rulebook(), IDENTITY).quote
    return build_document(quote, Company(), Terms(), evidence_hash="0" * 64)


def new_customer_each_run(doc: QuoteDocument) -> Callable[[int], QuoteDocument]:
    rng = random.Random(8)

    def make(_: int) -> QuoteDocument:
        name = "".join(chr(rng.randint(*HANGUL_SYLLABLES)) for _ in range(4))
        return dataclasses.replace(doc, customer=f"(주){name}")

    return make


def time_runs(make_doc: Callable[[int], QuoteDocument]) -> list[float]:
    docs = [make_doc(run) for run in range(RUNS)]
    times_ms: list[float] = []
    for doc in docs:
        started = time.perf_counter()
        render_pdf(doc)
        times_ms.append((time.perf_counter() - started) * 1000)
    return times_ms


def main() -> None:
    s8 = document("domain-s8-outdoor-sus")
    three_panels = document("project-three-panels")
    started = time.perf_counter()
    render_pdf(s8)
    print(f"first call (parses the font): {(time.perf_counter() - started) * 1000:.0f} ms")
    render_pdf(three_panels)  # warm-up of the other case's glyphs
    cases: dict[str, Callable[[int], QuoteDocument]] = {
        "DOMAIN §8 quote": lambda _: s8,
        "three panels, 3 pages": lambda _: three_panels,
        "§8, new customer each run": new_customer_each_run(s8),
    }
    print(f"{'case':<28}{'p50 ms':>9}{'p95 ms':>9}  over {RUNS} runs")
    for name, make_doc in cases.items():
        times_ms = time_runs(make_doc)
        p50 = statistics.median(times_ms)
        p95 = statistics.quantiles(times_ms, n=20, method="inclusive")[-1]
        print(f"{name:<28}{p50:>9.2f}{p95:>9.2f}")


if __name__ == "__main__":
    main()
