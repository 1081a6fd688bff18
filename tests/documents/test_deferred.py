"""A deferred document (the DXF) rendered later from the stored pack has the bytes that rendering it at
create gives, over the goldset and the examples; the pack declares it and holds its input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.documents import RENDERERS, render_deferred
from kis_estimator.documents.drawing.dxf import render_layout_dxf
from kis_estimator.documents.drawing.sheet import layout_sheet
from kis_estimator.documents.drawing.stored import sheet_from_json, sheet_json
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.ops.regression import GOLDSET_IDENTITY, load_cases
from kis_estimator.pipeline import DocumentOptions, run_pipeline

ROOT = Path(__file__).resolve().parents[2]
CASES = [
    *(
        (f"goldset/{c['id']}", c["request"])
        for c in load_cases(ROOT / "tests" / "regression" / "goldset")
        if "-err-" not in c["id"]  # refused by an input gate: no documents
    ),
    *(
        (f"examples/{p.stem}", json.loads(p.read_text("utf-8")))
        for p in sorted((ROOT / "examples").glob("*.json"))
    ),
][::3]  # every third: several single- and multi-panel requests, in a few seconds


@pytest.fixture(scope="module")
def engine_data() -> tuple[Catalog, Rulebook]:
    return load_catalog(), load_rulebook()


@pytest.mark.parametrize(("name", "request_json"), CASES, ids=[name for name, _ in CASES])
def test_deferred_rendering_from_the_pack_equals_eager_rendering(
    name: str, request_json: Any, engine_data: tuple[Catalog, Rulebook]
) -> None:
    catalog, rules = engine_data
    options = DocumentOptions(render_deferred=False)  # what a save does
    result = run_pipeline(request_json, catalog, rules, GOLDSET_IDENTITY, documents=options)
    assert result.evidence is not None
    assert "layout.dxf" not in result.documents and "drawing/layout.dxf" not in result.evidence.files
    deferred = render_deferred(result.evidence.files)
    eager = render_layout_dxf(result.quote, catalog)  # the create-time rendering, straight from the quote
    assert deferred["layout.dxf"] == eager, name
    declared = result.evidence.manifest["deferred"]["drawing/layout.dxf"]
    assert declared["inputs"] == ["drawing/layout.json"]
    assert (
        result.evidence.manifest["files"]["drawing/layout.json"]
        == result.evidence.digests["drawing/layout.json"]
    )
    # The library's path renders it at once, with the same bytes and the same pack.
    whole = run_pipeline(request_json, catalog, rules, GOLDSET_IDENTITY, documents=DocumentOptions())
    assert whole.documents["layout.dxf"] == eager
    assert whole.evidence is not None and whole.evidence.sha256 == result.evidence.sha256


def test_a_sheet_comes_back_from_its_json_exactly(engine_data: tuple[Catalog, Rulebook]) -> None:
    catalog, rules = engine_data
    result = run_pipeline(CASES[0][1], catalog, rules, GOLDSET_IDENTITY)
    sheet = layout_sheet(result.quote, catalog)
    stored = sheet_json(sheet)
    assert sheet_from_json(stored) == sheet and sheet_json(sheet_from_json(stored)) == stored
    with pytest.raises(ValueError):
        sheet_from_json(b'{"schema": "other"}')


def test_the_dxf_is_the_one_deferred_renderer() -> None:
    assert [r.kind for r in RENDERERS.values() if r.source is not None] == ["dxf"]
