"""Previewing a quote: the engine's numbers for a request (enclosure, phases R/S/T, the BOM's totals)
without a quote number, documents, evidence, storage or a database row. The web UI's live preview asks
for it at every pause in typing.

A preview prices with what a create would price with (the caller passes the catalog in use and the
rulebook) and refuses what a create would refuse (the engine's gates and the documents' printable-text
gate), so its totals are the totals the saved quote gets.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from kis_estimator.documents.printable import unprintable_problems
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.estimate import PanelWork, run_engine, totals_of
from kis_estimator.engine.request import parse_request
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.services.catalog_in_use import catalog_in_use

if TYPE_CHECKING:  # bootstrap imports the services lazily; only its type is needed here
    from kis_estimator.bootstrap import Container

__all__ = ["preview", "preview_estimate"]


def _panel(panel: PanelWork) -> dict[str, Any]:
    assert panel.choice is not None and panel.phases is not None and panel.main is not None
    choice, phases = panel.choice, panel.phases
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
            "fit_score": choice.fit_score,
            "price": choice.price,
        },
        "main": {
            "model": panel.main.breaker.model,
            "poles": panel.main.breaker.poles,
            "trip_at": panel.main.trip_at,
        },
        "phases": {
            "supply": phases.supply,
            "R": phases.amps[0],
            "S": phases.amps[1],
            "T": phases.amps[2],
            "imbalance_pct": phases.imbalance_pct,
        },
        "gates": [
            {"id": g.id, "status": g.status, "message": g.message} for g in panel.gates if g.status != "pass"
        ],
        "lines": len(panel.lines),
        "subtotal": panel.subtotal,
        "amount": panel.subtotal * panel.request.quantity,
    }


def preview_estimate(
    raw_request: Any, catalog: Catalog, rules: Rulebook, *, price_book_id: int | None = None
) -> dict[str, Any]:
    """The preview of `raw_request`: every panel's enclosure, phase currents, open gates and subtotal,
    and the quote's totals. Raises RequestRejected with every problem (paths as a create gives them)."""
    started = time.perf_counter()
    parse_request(raw_request)  # schema problems first, as a create reports them
    if unprintable := unprintable_problems(raw_request):
        raise RequestRejected(unprintable)
    work = run_engine(raw_request, catalog, rules)
    totals = totals_of(work)
    return {
        "panels": [_panel(panel) for panel in work.panels],
        "totals": {
            "subtotal": totals.subtotal,
            "vat": totals.vat,
            "total": totals.total,
            "vat_rate": rules.vat_rate,
        },
        "catalog_sha256": catalog.sha256,
        "price_book_id": price_book_id,
        "rulebook_version": rules.version,
        "engine_ms": round((time.perf_counter() - started) * 1000, 3),
    }


def preview(container: Container, raw_request: Any) -> dict[str, Any]:
    """The preview of `raw_request` priced with the catalog in use (services.catalog_in_use), as a
    create made now would price it."""
    in_use = catalog_in_use(container)
    return preview_estimate(raw_request, in_use.catalog, container.rules, price_book_id=in_use.price_book_id)
