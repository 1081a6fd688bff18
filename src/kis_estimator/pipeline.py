"""Runs the engine's stages in order, times them, reports progress and assembles the quote."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kis_estimator import __version__
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.estimate import STAGES, Work
from kis_estimator.engine.quote import quote_document
from kis_estimator.engine.rulebook import Rulebook

ProgressListener = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class QuoteIdentity:
    """What the engine may not invent: the quote's id, number and time (ISO 8601, with offset)."""

    quote_id: str
    number: str
    created_at: str

    @property
    def quote_date(self) -> str:
        return self.created_at[:10]


@dataclass
class PipelineResult:
    quote: dict[str, Any]
    work: Work
    stage_ms: dict[str, float] = field(default_factory=dict)


def run_pipeline(
    raw_request: Any,
    catalog: Catalog,
    rules: Rulebook,
    identity: QuoteIdentity,
    on_progress: ProgressListener | None = None,
) -> PipelineResult:
    """Validate, resolve, size, place, criticise and price; raises RequestRejected on a bad request."""
    work = Work(raw=raw_request, catalog=catalog, rules=rules)
    stage_ms: dict[str, float] = {}
    for position, (name, stage) in enumerate(STAGES, start=1):
        started = time.perf_counter()
        stage(work)
        stage_ms[name] = round((time.perf_counter() - started) * 1000, 3)
        if on_progress is not None:
            on_progress({"stage": name, "step": position, "of": len(STAGES), "ms": stage_ms[name]})
    quote = quote_document(
        work,
        quote_id=identity.quote_id,
        number=identity.number,
        created_at=identity.created_at,
        quote_date=identity.quote_date,
        engine_version=__version__,
    )
    return PipelineResult(quote=quote, work=work, stage_ms=stage_ms)
