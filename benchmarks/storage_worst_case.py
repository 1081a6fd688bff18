"""What one quote stores: the bytes of its documents and evidence (the blobs a create writes), for a usual
request and for the largest one the request limits allow.

`python benchmarks/storage_worst_case.py [--skip-largest]` runs the whole pipeline with documents (no
server, no database) for:
- the DOMAIN §8 panel (examples/domain-s8-outdoor-sus.json);
- one panel with 200 branch breakers (the rulebook's limit per panel), each a line of its own;
- 50 panels (the limit per request) of 200 branch breakers each, with circuit names padded so that the
  JSON body is just under MAX_BODY_BYTES (1 MiB): the largest request the service accepts.
and prints the body size, the blobs' total, the three largest files and the time. The largest case takes
about 30 s of CPU (a minute on a busy machine); the whole run is bounded by the three cases.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.pipeline import DocumentOptions, QuoteIdentity, run_pipeline
from kis_estimator.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
IDENTITY = QuoteIdentity(
    "00000000-0000-4000-8000-000000000001", "EST-20260101-0001", "2026-01-01T09:00:00+09:00"
)
# Branch breakers the shipped catalog resolves (LS), varied so that every line stays a line of its own.
BRANCHES = (("ELCB", 2, 20), ("ELCB", 2, 30), ("MCCB", 2, 20), ("MCCB", 3, 30), ("ELCB", 4, 50),
            ("MCCB", 2, 15), ("ELCB", 2, 15), ("MCCB", 4, 30))  # fmt: skip


def panel(index: int, branches: int, circuit_chars: int) -> dict[str, Any]:
    lines = []
    for number in range(branches):
        type_, poles, trip_at = BRANCHES[number % len(BRANCHES)]
        circuit = f"회로 {number}".ljust(circuit_chars, "가")
        lines.append({"type": type_, "poles": poles, "trip_at": trip_at, "qty": 1, "circuit": circuit})
    return {
        "name": f"LP-{index}",
        "enclosure": {"location": "INDOOR", "mount": "SURFACE", "material": "STEEL", "kind": "CUSTOM"},
        "main": {"type": "MCCB", "poles": 4, "trip_at": 400},
        "branches": lines,
    }


def request(panels: int, branches: int, circuit_chars: int = 0) -> dict[str, Any]:
    return {
        "customer": {"name": "최대 견적"},
        "brand": "LS",
        "panels": [panel(i, branches, circuit_chars) for i in range(panels)],
    }


def body_bytes(raw: dict[str, Any]) -> int:
    return len(json.dumps(raw, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def largest_request(limit: int) -> dict[str, Any]:
    """50 × 200 branch breakers with the longest circuit names that keep the body under `limit`."""
    chars = 0
    while body_bytes(request(50, 200, chars + 1)) <= limit:
        chars += 1
    return request(50, 200, chars)


def measure(name: str, raw: dict[str, Any]) -> None:
    catalog, rules = load_catalog(), load_rulebook()
    started = time.perf_counter()
    result = run_pipeline(raw, catalog, rules, IDENTITY, documents=DocumentOptions(evidence_secret="bench"))
    seconds = time.perf_counter() - started
    assert result.evidence is not None
    sizes = {path: len(data) for path, data in result.evidence.files.items()}
    top = ", ".join(
        f"{path} {size / 1e6:.2f} MB" for path, size in sorted(sizes.items(), key=lambda i: -i[1])[:3]
    )
    print(
        f"{name}: body {body_bytes(raw):,} B → {len(sizes)} blobs, {sum(sizes.values()):,} B "
        f"({sum(sizes.values()) / 1e6:.1f} MB) in {seconds:.1f} s; largest: {top}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skip-largest", action="store_true", help="only the two smaller cases")
    args = parser.parse_args()
    domain = json.loads((ROOT / "examples" / "domain-s8-outdoor-sus.json").read_text(encoding="utf-8"))
    measure("DOMAIN §8 panel", domain)
    measure("1 panel × 200 branch breakers", request(1, 200))
    if not args.skip_largest:
        limit = Settings.model_fields["max_body_bytes"].default
        measure(f"50 panels × 200 branch breakers, body ≤ {limit:,} B", largest_request(limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
