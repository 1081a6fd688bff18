"""Alternatives side by side: the variants of a request (or of a saved quote's request) that change one
dimension at a time (brand, grade, material, stock/custom enclosure), each priced by the engine with
the catalog in use, as a preview prices: no quote number, documents, evidence or database row.

The answer is `{"base": {"totals", "panels"}, "variants": [{"changes", "totals", "difference",
"panels", "unmapped", "request"}]}`: `difference` is the variant's total minus the base's (signed
KRW), `unmapped` lists `{"path", "reason"}` of what the variant could not carry over (then `totals`,
`difference` are null and `panels` empty), and `request` is the variant's request, ready to be sent as a
new quote or a revision.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from kis_estimator.documents.printable import unprintable_problems
from kis_estimator.engine.alternatives import Variant, compare
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.estimate import PanelWork, Totals
from kis_estimator.engine.request import parse_request
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.services.catalog_in_use import catalog_in_use

if TYPE_CHECKING:  # bootstrap imports the services lazily; only its type is needed here
    from kis_estimator.bootstrap import Container

__all__ = ["alternatives", "alternatives_of_request", "quote_alternatives"]


def _totals(totals: Totals) -> dict[str, int]:
    return {"subtotal": totals.subtotal, "vat": totals.vat, "total": totals.total}


def _panel(panel: PanelWork) -> dict[str, Any]:
    assert panel.choice is not None
    choice = panel.choice
    return {
        "name": panel.request.name,
        "quantity": panel.request.quantity,
        "enclosure": {
            "model": choice.model,
            "series": choice.series,
            "size_mm": list(choice.size),
            "material": choice.material,
            "thickness_mm": choice.thickness_mm,
            "stock": choice.stock,
            "price": choice.price,
        },
        "subtotal": panel.subtotal,
        "amount": panel.subtotal * panel.request.quantity,
    }


def _variant(variant: Variant, base_total: int) -> dict[str, Any]:
    return {
        "changes": variant.changes,
        "totals": _totals(variant.totals) if variant.totals else None,
        "difference": variant.totals.total - base_total if variant.totals else None,
        "panels": [_panel(p) for p in variant.work.panels] if variant.work else [],
        "unmapped": [{"path": u.path, "reason": u.reason} for u in variant.unmapped],
        "request": variant.request,
    }


def alternatives_of_request(
    raw_request: Any, catalog: Catalog, rules: Rulebook, *, price_book_id: int | None = None
) -> dict[str, Any]:
    """The base request and its variants, priced with `catalog` and `rules`. Raises RequestRejected
    with every problem when the base request is refused (as a preview or a create would refuse it)."""
    started = time.perf_counter()
    parse_request(raw_request)  # schema problems first, as a create reports them
    if unprintable := unprintable_problems(raw_request):
        raise RequestRejected(unprintable)
    comparison = compare(raw_request, catalog, rules)
    base_total = comparison.totals.total
    return {
        "base": {
            "totals": _totals(comparison.totals),
            "panels": [_panel(p) for p in comparison.base.panels],
        },
        "variants": [_variant(v, base_total) for v in comparison.variants],
        "catalog_sha256": catalog.sha256,
        "price_book_id": price_book_id,
        "rulebook_version": rules.version,
        "engine_ms": round((time.perf_counter() - started) * 1000, 3),
    }


def alternatives(container: Container, raw_request: Any) -> dict[str, Any]:
    """The alternatives of `raw_request`, priced with the catalog in use (as a create made now)."""
    in_use = catalog_in_use(container)
    return alternatives_of_request(
        raw_request, in_use.catalog, container.rules, price_book_id=in_use.price_book_id
    )


def quote_alternatives(container: Container, quote: dict[str, Any]) -> dict[str, Any]:
    """The alternatives of a saved quote (its JSON): its request and variants re-priced with the catalog
    in use, as a revision made now would be priced; `quote` names it with its saved totals."""
    answer = alternatives(container, quote["request"])
    saved = quote["totals"]
    return {
        "quote": {
            "id": quote["id"],
            "number": quote["number"],
            "revision": quote.get("revision", 1),
            "status": quote["status"],
            "totals": {k: saved[k] for k in ("subtotal", "vat", "total")},
        },
        **answer,
    }
