"""Hashes of everything the pipeline produces, one line per goldset case and example request.

Each line: the case name, then `quote=` the SHA-256 of the canonical quote JSON, the SHA-256 of every
document (xlsx, pdf, svg, dxf) and `evidence=` the evidence hash; a request refused by an input gate
prints its first problem instead. The identity is fixed (the goldset's), so the lines are the same on
every run and every machine; tests/regression/test_output_hashes.py compares them with the recorded file.

When outputs change on purpose, re-record (and say why in the commit):

    python scripts/output_hashes.py > tests/regression/output_hashes.txt
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.engine.catalog import Catalog, canonical_json
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.evidence import sha256_hex
from kis_estimator.ops.regression import GOLDSET_IDENTITY, load_cases
from kis_estimator.pipeline import DocumentOptions, run_pipeline

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ("quote.xlsx", "quote.pdf", "layout.svg", "layout.dxf")


def cases() -> Iterator[tuple[str, Any]]:
    """(name, request) of every goldset case, then of every example, in file order."""
    for case in load_cases(ROOT / "tests" / "regression" / "goldset"):
        yield f"goldset/{case['id']}", case["request"]
    for path in sorted((ROOT / "examples").glob("*.json")):
        yield f"examples/{path.stem}", json.loads(path.read_text(encoding="utf-8"))


def hash_line(name: str, request: Any, catalog: Catalog, rules: Rulebook) -> str:
    try:
        result = run_pipeline(request, catalog, rules, GOLDSET_IDENTITY, documents=DocumentOptions())
    except RequestRejected as exc:
        return f"{name} rejected={exc.first.code}@{exc.first.path}"
    assert result.evidence is not None
    parts = [f"quote={sha256_hex(canonical_json(result.quote))}"]
    parts += [f"{doc}={sha256_hex(result.documents[doc])}" for doc in DOCUMENTS]
    parts.append(f"evidence={result.evidence.sha256}")
    return " ".join([name, *parts])


def main() -> None:
    catalog, rules = load_catalog(), load_rulebook()
    for name, request in cases():
        print(hash_line(name, request, catalog, rules))


if __name__ == "__main__":
    main()
