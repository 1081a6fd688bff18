"""The hand-worked goldset (tests/regression/goldset): every case must match the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.ops.regression import load_cases, run_case

GOLDSET = Path(__file__).parent / "goldset"
CASES = load_cases(GOLDSET)


def test_goldset_has_enough_cases() -> None:
    assert len(CASES) >= 20
    assert sum("error" in c["expect"] for c in CASES) >= 8
    assert sum(c["expect"].get("panels", [{}])[0].get("lines_complete", False) for c in CASES) >= 8


@pytest.mark.regression
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any], catalog: Catalog, rules: Rulebook) -> None:
    result = run_case(case, catalog, rules)
    assert result.passed, "\n".join(result.mismatches)
