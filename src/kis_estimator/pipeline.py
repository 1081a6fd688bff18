"""Runs the stages of one estimate in order, times them, reports progress and assembles the result.

Two steps, so that the caller takes the quote's identity (number, id, date) between them, in its own
transaction; no step touches a database, a file or the clock:

1. `compute_estimate`: request + catalog + rulebook → the priced quote content, no identity. The
   engine stages (validate → resolve → enclosure → placement → critic → pricing).
2. `produce`: an Estimate + its identity → the quote and, given DocumentOptions, its documents and
   evidence: "format" writes the stage files and their calculation hash, "cover" builds the document
   model and renders every document, "lint" checks the workbook against the engine's figures, and
   "evidence" packs it all. Every file is hashed once; the digests travel with the pack.

`run_pipeline` runs both for a caller that knows the identity up front.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from kis_estimator._version import __version__
from kis_estimator.documents import RENDERERS, RenderContext, deferred, render_all, render_deferred
from kis_estimator.documents.lint import recalculation_lint, static_lint
from kis_estimator.documents.model import Company, Terms, build_document
from kis_estimator.documents.printable import unprintable_problems
from kis_estimator.documents.xlsx import render_xlsx_with_map
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.estimate import STAGES, Work
from kis_estimator.engine.model import Quote, QuoteContent
from kis_estimator.engine.quote import quote_content, with_identity
from kis_estimator.engine.request import EstimateRequest
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.evidence import (
    EvidencePack,
    adjustment_files,
    build_pack,
    calculation_hash_of,
    json_bytes,
    sha256_hex,
    stage_files,
    supplier_files,
)

ProgressListener = Callable[[dict[str, Any]], None]  # {stage, step, of, ms}
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
    # Also render the deferred documents (the DXF) into the result, from their stored sources; a save
    # leaves them to their first download. The evidence pack is the same either way.
    render_deferred: bool = True


@dataclass
class PipelineResult:
    quote: Quote
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


@dataclass
class Estimate:
    """The first step's result: the priced quote content of a request, before it has an identity."""

    content: QuoteContent
    work: Work
    clock: _Clock  # the stages timed so far; `produce` goes on counting on it


def compute_estimate(
    raw_request: Any,
    catalog: Catalog,
    rules: Rulebook,
    *,
    with_documents: bool,
    on_progress: ProgressListener | None = None,
    price_book_id: int | None = None,
    request: EstimateRequest | None = None,
) -> Estimate:
    """Step 1: run the engine stages over a request (pure: no identity, database, file or clock).

    `with_documents`: documents will be produced, so the request's text must be printable (checked
    before any stage) and progress counts the document stages too. `request`: the request already
    parsed from `raw_request` by the caller (it is not parsed again). `price_book_id`: the price book
    `catalog` came from (None: the configured catalog, no book active); the quote names it.

    Raises RequestRejected when the request fails an input gate.
    """
    clock = _Clock(len(STAGES) + (len(DOCUMENT_STAGES) if with_documents else 0), on_progress)
    work = Work(raw=raw_request, catalog=catalog, rules=rules, request=request)
    if with_documents and (unprintable := unprintable_problems(raw_request)):
        raise RequestRejected(unprintable)  # before any stage: the PDF could not be drawn
    for name, stage in STAGES:
        with clock.stage(name):
            stage(work)
    content = quote_content(work, engine_version=__version__, price_book_id=price_book_id)
    return Estimate(content=content, work=work, clock=clock)


def produce(
    estimate: Estimate, identity: QuoteIdentity, documents: DocumentOptions | None = None
) -> PipelineResult:
    """Step 2: the quote of `estimate` under `identity`; with `documents`, also its documents and
    evidence pack (then `estimate` must have been computed `with_documents`). The document stages are
    timed on the estimate's clock, after the engine's: produce an estimate once for timings and
    progress that add up (a second run gives the same quote and documents under its own identity)."""
    quote = with_identity(
        estimate.content,
        quote_id=identity.quote_id,
        number=identity.number,
        created_at=identity.created_at,
        quote_date=identity.quote_date,
    )
    result = PipelineResult(quote=quote, work=estimate.work, stage_ms=estimate.clock.stage_ms)
    if documents is not None:
        _produce_documents(result, estimate.work.catalog, documents, estimate.clock)
    return result


def run_pipeline(
    raw_request: Any,
    catalog: Catalog,
    rules: Rulebook,
    identity: QuoteIdentity,
    on_progress: ProgressListener | None = None,
    documents: DocumentOptions | None = None,
    price_book_id: int | None = None,
) -> PipelineResult:
    """Both steps at once, for a caller whose identity needs no transaction (the CLI, the goldset)."""
    estimate = compute_estimate(
        raw_request,
        catalog,
        rules,
        with_documents=documents is not None,
        on_progress=on_progress,
        price_book_id=price_book_id,
    )
    return produce(estimate, identity, documents)


def _produce_documents(
    result: PipelineResult, catalog: Catalog, options: DocumentOptions, clock: _Clock
) -> None:
    quote = result.quote
    with clock.stage("format"):
        stages = stage_files(quote)
        stage_digests = {path: sha256_hex(data) for path, data in stages.items()}
        calc_hash = calculation_hash_of(stage_digests)
    with clock.stage("cover"):
        document = build_document(quote, options.company, options.terms, evidence_hash=calc_hash)
        workbook, cells = render_xlsx_with_map(document)
        context = RenderContext(quote, document, catalog)
        eager = tuple(r.kind for r in RENDERERS.values() if r.source is None and r.kind != "xlsx")
        rendered = {"quote.xlsx": workbook, **render_all(context, kinds=eager)}
        sources = {r.source.path: r.source.write(context) for r in deferred() if r.source is not None}
        if options.render_deferred:
            rendered |= render_deferred(sources)
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
            **{r.path: rendered[r.filename] for r in RENDERERS.values() if r.source is None},
            **sources,
        }
        pack = build_pack(
            quote,
            content,
            engine_version=__version__,
            secret=options.evidence_secret,
            known=stage_digests,
            deferred=_declarations(),
        )
    quote["evidence"] = {
        "sha256": pack.sha256,
        "calculation_sha256": calc_hash,
        "signature": pack.signature,
        "files": pack.manifest["files"],
    }
    result.documents = rendered
    result.evidence = pack


def _declarations() -> dict[str, dict[str, Any]]:
    """The manifest's `deferred`: each deferred document by its pack path, with what it is rendered
    from (files of the pack, whose hashes the manifest lists) and by what."""
    return {
        r.path: {
            "kind": r.kind,
            "media_type": r.media_type,
            "inputs": [r.source.path],
            "renderer": r.source.library_version,
        }
        for r in deferred()
        if r.source is not None
    }
