"""The deferred documents (the PDF, the DXF) rendered later from the stored pack have the bytes that
rendering them at create gives, over the goldset and the examples; the pack declares them and holds
their inputs, which come back from their JSON exactly."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.documents import RENDERERS, render_deferred
from kis_estimator.documents.drawing.dxf import render_layout_dxf
from kis_estimator.documents.drawing.sheet import layout_sheet
from kis_estimator.documents.drawing.stored import sheet_from_json, sheet_json
from kis_estimator.documents.model import (
    Company,
    Discount,
    DocumentLine,
    DocumentPanel,
    QuoteDocument,
    Terms,
    build_document,
)
from kis_estimator.documents.pdf.quote import render_pdf
from kis_estimator.documents.stored_model import document_from_json, document_json
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
    pack = result.evidence
    assert pack is not None
    assert set(result.documents) == {"quote.xlsx", "layout.svg"}
    assert not {"drawing/layout.dxf", "documents/quote.pdf"} & set(pack.files)
    deferred = render_deferred(pack.files)
    # The create-time renderings, straight from the quote: the drawing from its panels and the catalog,
    # the PDF from the document model built as at create (the engine's gates, before the lint's).
    bare = run_pipeline(request_json, catalog, rules, GOLDSET_IDENTITY)
    model = build_document(
        {**result.quote, "gates": bare.quote["gates"]},
        Company(),
        Terms(),
        evidence_hash=result.quote["evidence"]["calculation_sha256"],
    )
    assert pack.files["documents/document.json"] == document_json(model)
    eager = {"layout.dxf": render_layout_dxf(result.quote, catalog), "quote.pdf": render_pdf(model)}
    assert deferred == eager, name
    declared = pack.manifest["deferred"]
    assert {path: entry["inputs"] for path, entry in declared.items()} == {
        "documents/quote.pdf": ["documents/document.json"],
        "drawing/layout.dxf": ["drawing/layout.json"],
    }
    for path in ("documents/document.json", "drawing/layout.json"):
        assert pack.manifest["files"][path] == pack.digests[path]
    # The library's path renders them at once, with the same bytes and the same pack.
    whole = run_pipeline(request_json, catalog, rules, GOLDSET_IDENTITY, documents=DocumentOptions())
    assert {name: whole.documents[name] for name in eager} == eager
    assert whole.evidence is not None and whole.evidence.sha256 == pack.sha256


def test_a_sheet_comes_back_from_its_json_exactly(engine_data: tuple[Catalog, Rulebook]) -> None:
    catalog, rules = engine_data
    result = run_pipeline(CASES[0][1], catalog, rules, GOLDSET_IDENTITY)
    sheet = layout_sheet(result.quote, catalog)
    stored = sheet_json(sheet)
    assert sheet_from_json(stored) == sheet and sheet_json(sheet_from_json(stored)) == stored
    with pytest.raises(ValueError):
        sheet_from_json(b'{"schema": "other"}')


def test_a_document_model_comes_back_from_its_json_exactly(engine_data: tuple[Catalog, Rulebook]) -> None:
    catalog, rules = engine_data
    result = run_pipeline(CASES[0][1], catalog, rules, GOLDSET_IDENTITY)
    company = Company(
        name="공급자", representative="대표", fax="02-1", contact="담당", seal=b"\x89PNG\r\n\x00"
    )
    model = build_document(result.quote, company, Terms(), evidence_hash="ab" * 32)
    model = QuoteDocument(**{**model.__dict__, "discount": Discount(1000, 99000, 1.5)})
    stored = document_json(model)
    assert document_from_json(stored) == model and document_json(document_from_json(stored)) == stored
    with pytest.raises(ValueError):
        document_from_json(b'{"schema": "kis-document/1"}')


def test_the_stored_model_covers_every_field_of_the_model() -> None:
    """A field added to the model must be stored too, or a deferred PDF would lose it."""
    from kis_estimator.documents import stored_model

    assert {f.name for f in fields(Company)} == {*stored_model._COMPANY_TEXT, "seal"}
    assert {f.name for f in fields(DocumentLine)} == set(stored_model._LINE_FIELDS)
    panel = DocumentPanel(0, "p", "1×2×3", "e", 1, (), 0, 0)
    assert set(stored_model._panel(panel)) == {f.name for f in fields(DocumentPanel)}
    stored = json.loads(document_json(document_from_json(_minimal())))
    assert set(stored) - {"schema"} == {f.name for f in fields(QuoteDocument)}
    assert set(stored["discount"]) == {f.name for f in fields(Discount)}


def _minimal() -> bytes:
    company = Company()
    document = QuoteDocument(
        "N", "2026-01-01", "t", "c", "", "", company, (), 0, 0, 0, 0.1, "w", (), discount=Discount(1, 2, None)
    )
    return document_json(document)


def test_the_pdf_and_the_dxf_are_the_deferred_renderers() -> None:
    assert [r.kind for r in RENDERERS.values() if r.source is not None] == ["pdf", "dxf"]
