"""Every goldset case and example still gives the recorded bytes: quote JSON, documents and evidence hash.

The record is tests/regression/output_hashes.txt, written by scripts/output_hashes.py (its docstring says
how to re-record when an output changes on purpose).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.rulebook import Rulebook
from tests.factories import ROOT

RECORD = Path(__file__).parent / "output_hashes.txt"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("output_hashes", ROOT / "scripts" / "output_hashes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = _script()
CASES = dict(SCRIPT.cases())
RECORDED = {line.split(" ", 1)[0]: line for line in RECORD.read_text(encoding="utf-8").splitlines()}


def test_the_record_covers_every_case() -> None:
    assert list(RECORDED) == list(CASES)


@pytest.mark.regression
@pytest.mark.parametrize("name", list(RECORDED))
def test_outputs_are_the_recorded_bytes(name: str, catalog: Catalog, rules: Rulebook) -> None:
    assert SCRIPT.hash_line(name, CASES[name], catalog, rules) == RECORDED[name]
