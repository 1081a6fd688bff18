"""Runs the stages of one estimate in order, times them, reports progress and assembles the result.

Engine stages (validate → resolve → enclosure → placement → critic → pricing) produce the quote; then
"format" builds the document model and renders every document, "cover" stamps the quote with its
calculation hash, "lint" checks the workbook against the engine's figures, and "evidence" packs it all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from kis_estimator import __version__
from kis_estimator.documents import RenderContext, render_all
from kis_estimator.documents.lint import recalculation_lint, static_lint
from kis_estimator.documents.model import Company, Terms, build_document
from kis_estimator.documents.printable import unprintable_problems
from kis_estimator.documents.xlsx import render_xlsx_with_map
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.estimate import STAGES, Work
from kis_estimator.engine.quote import quote_document
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.evidence import (
    EvidencePack,
    adjustment_files,
    build_pack,
    calculation_hash,
    json_bytes,
    stage_files,
    supplier_files,
)

ProgressListener = Callable[[dict[str, Any]], None]
DOCUMENT_STAGES = ("format", "cover", "lint", "evidence")
# Wraps each stage of the runs in this context (telemetry's span per stage); set by an edge, per request.
STAGE_OBSERVER: ContextVar[Callable[[str], AbstractContextManager[object]] | None] = ContextVar(
    "kis_stage_observer", default=None
)


@dataclass(frozen=True)
class QuoteIdentity:
    """What the engine may not invent: the quote's id, number and time (ISO 8601, with offset)."""

    quote_id: str
    number: str
    created_at: str

    @property
    def quote_date(self) -> str:
        return self.created_at[:10]


@dataclass(frozen=True)
class DocumentOptions:
    company: Company = field(default_factory=Company)
    terms: Terms = field(default_factory=Terms)
    evidence_secret: str | None = None
    recalculate: bool = False  # run the LibreOffice recalculation lint (seconds, not milliseconds)
    actor: str | None = None  # who asked for the quote (the API caller's subject), for adjustments.json
    supplier: dict[str, Any] | None = None  # the supplier profile behind `company`, for supplier.json


@dataclass
class PipelineResult:
    quote: dict[str, Any]
    work: Work
    stage_ms: dict[str, float] = field(default_factory=dict)
    documents: dict[str, bytes] = field(default_factory=dict)
    evidence: EvidencePack | None = None


class _Clock:
    def __init__(self, total: int, on_progress: ProgressListener | None) -> None:
        self.stage_ms: dict[str, float] = {}
        self.total = total
        self.on_progress = on_progress

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        observer = STAGE_OBSERVER.get()
        started = time.perf_counter()
        with observer(name) if observer is not None else nullcontext():
            yield
        self.stage_ms[name] = round((time.perf_counter() - started) * 1000, 3)
        if self.on_progress is not None:
            step = len(self.stage_ms)
            self.on_progress({"stage": name, "step": step, "of": self.total, "ms": self.stage_ms[name]})


def run_pipeline(
    raw_request: Any,
    catalog: Catalog,
    rules: Rulebook,
    identity: QuoteIdentity | Callable[[], QuoteIdentity],
    on_progress: ProgressListener | None = None,
    documents: DocumentOptions | None = None,
    price_book_id: int | None = None,
) -> PipelineResult:
    """The quote of a request; with `documents`, also its documents and evidence pack.

    The quote names the catalog it was priced with: `catalog_sha256`, and `price_book_id`, the price
    book `catalog` came from (None: the configured catalog, no book active).

    Raises RequestRejected when the request fails an input gate; nothing is produced then. A callable
    `identity` is called only once every engine stage has passed (a refused request spends no number).
    """
    clock = _Clock(len(STAGES) + (len(DOCUMENT_STAGES) if documents else 0), on_progress)
    work = Work(raw=raw_request, catalog=catalog, rules=rules)
    if documents is not None and (unprintable := unprintable_problems(raw_request)):
        raise RequestRejected(unprintable)  # before any stage: the PDF could not be drawn
    for name, stage in STAGES:
        with clock.stage(name):
            stage(work)
    if callable(identity):
        identity = identity()
    quote = quote_document(
        work,
        quote_id=identity.quote_id,
        number=identity.number,
        created_at=identity.created_at,
        quote_date=identity.quote_date,
        engine_version=__version__,
    )
    quote["price_book_id"] = price_book_id
    result = PipelineResult(quote=quote, work=work, stage_ms=clock.stage_ms)
    if documents is not None:
        _produce_documents(result, catalog, documents, clock)
    return result


def _produce_documents(
    result: PipelineResult, catalog: Catalog, options: DocumentOptions, clock: _Clock
) -> None:
    quote = result.quote
    with clock.stage("format"):
        stages = stage_files(quote)
        calc_hash = calculation_hash(stages)
    with clock.stage("cover"):
        document = build_document(quote, options.company, options.terms, evidence_hash=calc_hash)
        workbook, cells = render_xlsx_with_map(document)
        rendered = render_all(RenderContext(quote, document, catalog), kinds=("pdf", "svg", "dxf"))
        rendered = {"quote.xlsx": workbook, **rendered}
    with clock.stage("lint"):
        gates = static_lint(workbook, document, cells)
        if options.recalculate:
            gates += recalculation_lint(workbook, document, cells)
        quote["gates"].extend(g.as_dict() for g in gates)
    with clock.stage("evidence"):
        content = {
            **stages,
            "validation.json": json_bytes({"gates": quote["gates"]}),
            **adjustment_files(quote, options.actor),
            **supplier_files(options.supplier),
            "metrics.json": json_bytes({"stage_ms": clock.stage_ms}),
            "drawing/layout.svg": rendered["layout.svg"],
            "drawing/layout.dxf": rendered["layout.dxf"],
            "documents/quote.xlsx": rendered["quote.xlsx"],
            "documents/quote.pdf": rendered["quote.pdf"],
        }
        pack = build_pack(quote, content, engine_version=__version__, secret=options.evidence_secret)
    quote["evidence"] = {
        "sha256": pack.sha256,
        "calculation_sha256": calc_hash,
        "signature": pack.signature,
        "files": pack.manifest["files"],
    }
    result.documents = rendered
    result.evidence = pack
