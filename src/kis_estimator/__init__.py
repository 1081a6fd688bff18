"""KIS Estimator: quotations for Korean electrical distribution panels.

The library's public surface, in the order one uses it:

    catalog, rules = load_catalog(), load_rulebook()
    estimate = compute_estimate(request, catalog, rules, with_documents=True)   # pure, no identity
    result = produce(estimate, QuoteIdentity(quote_id, number, created_at), DocumentOptions())
    result.quote, result.documents, result.evidence                                # Quote, bytes, pack

`run_pipeline` does both steps when the identity is known up front. A refused request raises
`RequestRejected` (every problem, with its path); broken catalog or rulebook files raise `DataError`.
The service's collaborators (database, storage, settings) are built by `build` into a `Container`.

The names load on first use, so `import kis_estimator` stays cheap (the engine's solver and the
renderers take about a second to import).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from kis_estimator._version import __version__

if TYPE_CHECKING:
    from kis_estimator.bootstrap import Container, build
    from kis_estimator.catalog_io import load_catalog, load_rulebook
    from kis_estimator.engine.catalog import Catalog
    from kis_estimator.engine.errors import DataError, EngineError, RequestProblem, RequestRejected
    from kis_estimator.engine.model import (
        Enclosure,
        Phases,
        Quote,
        QuoteBreaker,
        QuoteContent,
        QuoteEvidence,
        QuoteGate,
        QuoteLine,
        QuotePanel,
        Totals,
    )
    from kis_estimator.engine.request import EstimateRequest, parse_request
    from kis_estimator.engine.rulebook import Rulebook
    from kis_estimator.evidence import EvidencePack, Verification, verify_pack
    from kis_estimator.pipeline import (
        DocumentOptions,
        Estimate,
        PipelineResult,
        QuoteIdentity,
        compute_estimate,
        produce,
        run_pipeline,
    )
    from kis_estimator.settings import Settings

_HOMES = {
    "kis_estimator.pipeline": (
        "compute_estimate",
        "produce",
        "run_pipeline",
        "Estimate",
        "QuoteIdentity",
        "DocumentOptions",
        "PipelineResult",
    ),
    "kis_estimator.engine.request": ("EstimateRequest", "parse_request"),
    "kis_estimator.engine.model": (
        "Quote",
        "QuoteContent",
        "QuotePanel",
        "QuoteLine",
        "QuoteBreaker",
        "QuoteGate",
        "Enclosure",
        "Phases",
        "Totals",
        "QuoteEvidence",
    ),
    "kis_estimator.engine.errors": ("EngineError", "RequestRejected", "RequestProblem", "DataError"),
    "kis_estimator.engine.catalog": ("Catalog",),
    "kis_estimator.engine.rulebook": ("Rulebook",),
    "kis_estimator.catalog_io": ("load_catalog", "load_rulebook"),
    "kis_estimator.evidence": ("EvidencePack", "Verification", "verify_pack"),
    "kis_estimator.settings": ("Settings",),
    "kis_estimator.bootstrap": ("Container", "build"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "Catalog",
    "Container",
    "DataError",
    "DocumentOptions",
    "Enclosure",
    "EngineError",
    "Estimate",
    "EstimateRequest",
    "EvidencePack",
    "Phases",
    "PipelineResult",
    "Quote",
    "QuoteBreaker",
    "QuoteContent",
    "QuoteEvidence",
    "QuoteGate",
    "QuoteIdentity",
    "QuoteLine",
    "QuotePanel",
    "RequestProblem",
    "RequestRejected",
    "Rulebook",
    "Settings",
    "Totals",
    "Verification",
    "__version__",
    "build",
    "compute_estimate",
    "load_catalog",
    "load_rulebook",
    "parse_request",
    "produce",
    "run_pipeline",
    "verify_pack",
]


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'kis_estimator' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
