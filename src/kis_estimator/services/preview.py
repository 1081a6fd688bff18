"""Previewing a quote: the engine's numbers for a request (enclosure, phases R/S/T, the BOM's totals,
each priced line's list price and catalog range for the form's 단가 cells)
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
from kis_estimator.engine.catalog import Catalog, Range
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.estimate import PanelWork, run_engine, totals_of
from kis_estimator.engine.request import parse_request
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.services.catalog_in_use import catalog_in_use

if TYPE_CHECKING:  # bootstrap imports the services lazily; only its type is needed here
    from kis_estimator.bootstrap import Container

__all__ = ["preview", "preview_estimate"]


def _price(path: str, model: str, listed: Range | int | None, quoted: int) -> dict[str, Any]:
    """What the form's 단가 cell of a line shows: the list price, the catalog range when there is one."""
    ranged = isinstance(listed, Range) and listed.is_range
    return {
        "path": path,
        "model": model,
        "list_price": round(listed.high) if isinstance(listed, Range) else listed,
        "range": [round(listed.low), round(listed.high)] if ranged and isinstance(listed, Range) else None,
        "unit_price": quoted,
    }


def _prices(panel: PanelWork) -> list[dict[str, Any]]:
    # An SPD's breaker takes the rules' price and shares its accessory's path: the accessory's is listed.
    breakers = [b for b in [panel.main, *panel.branches] if b is not None and not b.is_spd]
    return [_price(b.path, b.breaker.model, b.breaker.price_krw, b.unit_price) for b in breakers] + [
        _price(a.path, a.item.model, a.item.price_krw, a.unit_price) for a in panel.accessories
    ]


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
        "prices": _prices(panel),
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
    shown: dict[str, Any] = {"subtotal": totals.subtotal}
    if work.request is not None and work.request.discount is not None:  # as the quote's totals show it
        shown |= {"discount": totals.discount, "supply": totals.supply}
    shown |= {"vat": totals.vat, "total": totals.total, "vat_rate": rules.vat_rate}
    return {
        "panels": [_panel(panel) for panel in work.panels],
        "totals": shown,
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
