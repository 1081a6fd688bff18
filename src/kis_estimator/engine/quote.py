"""The quote as plain JSON-ready data (ARCHITECTURE "Quote JSON", typed in `engine.model`), built
from the engine's Work.

`quote_content` is what the engine computed; `with_identity` adds the identity (id, number) and time
(created_at, the quote date), which the caller gives: the engine has no clock. The same request,
catalog, rulebook, id and time give the same data, key order included.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from kis_estimator.engine.adjustments import LinePrice
from kis_estimator.engine.bom import Line
from kis_estimator.engine.critic import Gate
from kis_estimator.engine.estimate import PanelWork, Work, totals_of
from kis_estimator.engine.model import (
    Quote,
    QuoteBreaker,
    QuoteContent,
    QuoteGate,
    QuoteLine,
    QuotePanel,
    Totals,
)
from kis_estimator.engine.money import korean_amount_in_words
from kis_estimator.engine.resolve import ResolvedBreaker

QUOTE_SCHEMA = "kis-quote/1"


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _line(no: int, line: Line) -> QuoteLine:
    shown: QuoteLine = {
        "no": no,
        "name": line.name,
        "spec": line.spec,
        "unit": line.unit,
        "qty": _number(line.qty),
        "unit_price": line.unit_price,
        "amount": line.amount,
        "model": line.model,
        "note": line.note,
        "section": line.section,
    }
    if line.adjustment is not None:  # only then: a line without one keeps its bytes
        shown["adjustment"] = line.adjustment.as_dict()
    return shown


def _line_phase(poles: int, phases: list[str | None]) -> str | None:
    """RST for 3P/4P; for 2P the phase, or e.g. "R/S/T" when a line's breakers sit on several."""
    if poles > 2:
        return "RST"
    return "/".join(sorted({p for p in phases if p is not None})) or None


def _breaker(b: ResolvedBreaker, phases: list[str | None]) -> QuoteBreaker:
    return {
        "role": b.role,
        "model": b.breaker.model,
        "brand": b.breaker.brand,
        "type": b.breaker.type,
        "poles": b.breaker.poles,
        "frame_af": b.breaker.frame_af,
        "trip_at": b.trip_at,
        "icu_ka": b.icu_ka,
        "qty": b.qty,
        "load_a": b.load_a,
        "circuit": b.circuit,
        "phase": _line_phase(b.breaker.poles, phases),
        "phases": phases,
        "unit_price": b.unit_price,
        "source": b.path,
        "spd": b.is_spd,
        "notes": list(b.notes),
    }


def _panel(panel: PanelWork) -> QuotePanel:
    assert panel.main and panel.layout and panel.choice and panel.phases and panel.thermal
    choice, phases, thermal = panel.choice, panel.phases, panel.thermal
    phase_by_source: dict[int, list[str | None]] = {}
    for placed, phase in zip(panel.layout.placed, phases.phase_of, strict=True):
        phase_by_source.setdefault(id(placed.source), []).append(phase)
    main_phase = "RST" if phases.supply == "3P4W" else None
    main = _breaker(panel.main, [])
    main["phase"] = main_phase
    breakers = [main]
    breakers += [_breaker(b, phase_by_source.get(id(b), [])) for b in panel.branches]
    custom = choice.custom
    return {
        "name": panel.request.name,
        "quantity": panel.request.quantity,
        "enclosure": {
            "model": choice.model,
            "series": choice.series,
            "size_mm": list(choice.size),
            "required_mm": list(choice.required.size),
            "stock": choice.stock,
            "fit_score": choice.fit_score,
            "price": choice.price,
            "material": choice.material,
            "thickness_mm": choice.thickness_mm,
            "location": panel.request.enclosure.location,
            "mount": panel.request.enclosure.mount,
            "height_terms_mm": choice.required.height_terms,
            "main_only": choice.required.main_only,
            "reason": choice.reason,
            "custom": None
            if custom is None
            else {
                "size_mm": list(custom.size),
                "area_pyeong": float(custom.area_pyeong),
                "rate_per_pyeong": custom.rate_per_pyeong,
                "material_factor": custom.material_factor,
                "price": custom.price,
            },
        },
        "breakers": breakers,
        "layout": {
            "rows": [
                {
                    "row": r.index,
                    "poles": r.poles,
                    "frame_af": r.frame_af,
                    "pitch_mm": r.pitch_mm,
                    "height_mm": r.height_mm,
                }
                for r in panel.layout.rows
            ],
            "placed": [
                {
                    "index": p.index,
                    "row": p.row,
                    "side": p.side,
                    "model": p.source.breaker.model,
                    "trip_at": p.source.trip_at,
                    "poles": p.source.breaker.poles,
                    "phase": phase,
                    "circuit": p.source.circuit,
                }
                for p, phase in zip(panel.layout.placed, phases.phase_of, strict=True)
            ],
        },
        "phases": {
            "supply": phases.supply,
            "R": phases.amps[0],
            "S": phases.amps[1],
            "T": phases.amps[2],
            "counts": list(phases.counts),
            "imbalance_pct": phases.imbalance_pct,
            "kec_unbalance_pct": phases.kec_unbalance_pct,
            "optimal": phases.optimal,
            "spread_a": phases.spread_a,
            "spread_lower_bound_a": phases.spread_lower_bound_a,
            "count_spread": phases.count_spread,
            "method": phases.method,
        },
        "thermal": {
            "loss_w": thermal.loss_w,
            "capacity_w": thermal.capacity_w,
            "margin_w": thermal.margin_w,
            "area_m2": thermal.area_m2,
            "k": thermal.k,
            "rdf": thermal.rdf,
        },
        "gates": [_gate(g) for g in panel.gates],
        "lines": [_line(i + 1, line) for i, line in enumerate(panel.lines)],
        "subtotal": panel.subtotal,
        "amount": panel.subtotal * panel.request.quantity,
    }


def _gate(gate: Gate) -> QuoteGate:
    return {
        "id": gate.id,
        "status": gate.status,
        "value": gate.value,
        "limit": gate.limit,
        "message": gate.message,
    }


def _quote_gates(panels: list[PanelWork]) -> list[QuoteGate]:
    gates = []
    for panel in panels:
        for gate in panel.gates:
            quoted = _gate(gate)
            quoted["panel"] = panel.index
            gates.append(quoted)
    return gates


def _totals(work: Work) -> Totals:
    totals = totals_of(work)
    assert work.request is not None
    if work.request.discount is None:  # a quote without one keeps its bytes
        return {
            "subtotal": totals.subtotal,
            "vat": totals.vat,
            "total": totals.total,
            "vat_rate": work.rules.vat_rate,
            "amount_in_words": korean_amount_in_words(totals.total),
        }
    return {
        "subtotal": totals.subtotal,
        "discount": totals.discount,
        "supply": totals.supply,
        "vat": totals.vat,
        "total": totals.total,
        "vat_rate": work.rules.vat_rate,
        "amount_in_words": korean_amount_in_words(totals.total),
    }


def price_adjustments(work: Work) -> list[dict[str, Any]]:
    """Every adjustment of the quote, in request order: unit prices chosen or overridden, the discount."""
    assert work.request is not None
    found: list[dict[str, Any]] = []
    for panel in work.panels:
        chosen: list[tuple[str, str, LinePrice | None]] = [
            (b.path, b.breaker.model, b.adjustment) for b in [panel.main, *panel.branches] if b is not None
        ]
        chosen += [(a.path, a.item.model, a.adjustment) for a in panel.accessories]
        for path, model, adjustment in sorted(chosen, key=lambda c: _request_order(c[0])):
            if adjustment is not None:
                found.append(
                    {
                        "what": "unit_price",
                        "path": f"{path}.unit_price",
                        "model": model,
                        "choice": adjustment.choice,
                        "range": list(adjustment.range) if adjustment.range else None,
                        "from": adjustment.list_price,
                        "to": _quoted(panel, path),
                        "reason": adjustment.reason,
                    }
                )
    discount = work.request.discount
    if discount is not None:
        totals = totals_of(work)
        found.append(
            {
                "what": "discount",
                "path": "discount",
                "percent": discount.model_dump(mode="json")["percent"],
                "amount": totals.discount,
                "from": totals.subtotal,
                "to": totals.supply,
                "reason": discount.reason,
            }
        )
    return found


def _request_order(path: str) -> tuple[Any, ...]:
    """panels.0.main < panels.0.branches.2 < panels.0.accessories.1: main, then branches, accessories."""
    parts = path.split(".")
    kind = {"main": 0, "branches": 1, "accessories": 2}[parts[2]]
    return (int(parts[1]), kind, int(parts[3]) if len(parts) > 3 else 0)


def _quoted(panel: PanelWork, path: str) -> int:
    for b in [panel.main, *panel.branches]:
        if b is not None and b.path == path:
            return b.unit_price
    return next(a.unit_price for a in panel.accessories if a.path == path)


def quote_content(work: Work, *, engine_version: str, price_book_id: int | None) -> QuoteContent:
    """What a finished Work quotes, without identity. `price_book_id`: the price book the catalog came
    from (None: the configured catalog)."""
    assert work.request is not None
    request = work.request
    notes = list(work.notes)
    for panel in work.panels:
        for b in [panel.main, *panel.branches]:
            if b is not None:
                notes.extend(f"{panel.path}: {note}" for note in b.notes)
    content: QuoteContent = {
        "schema": QUOTE_SCHEMA,
        "customer": request.customer.model_dump(),
        "project": request.project,
        "brand": request.brand,
        "mixed_reason": request.mixed_reason,
        "panels": [_panel(p) for p in work.panels],
        "totals": _totals(work),
        "gates": _quote_gates(work.panels),
        "notes": notes,
        "request": request.model_dump(mode="json"),
        "rulebook_version": work.rules.version,
        "rulebook_sha256": work.rules.sha256,
        "catalog_sha256": work.catalog.sha256,
        "engine_version": engine_version,
        "price_book_id": price_book_id,
    }
    adjustments = price_adjustments(work)
    if adjustments:  # only then: a quote without adjustments keeps its bytes
        content["adjustments"] = adjustments
    return content


def with_identity(
    content: QuoteContent, *, quote_id: str, number: str, created_at: str, quote_date: str
) -> Quote:
    """The quote of `content` under this identity, a draft. Its gate list is its own (later gates are
    appended to it); the rest is shared with `content`."""
    quote: Quote = {
        "schema": content["schema"],
        "id": quote_id,
        "number": number,
        "status": "draft",
        "date": quote_date,
        "created_at": created_at,
        "customer": content["customer"],
        "project": content["project"],
        "brand": content["brand"],
        "mixed_reason": content["mixed_reason"],
        "panels": content["panels"],
        "totals": content["totals"],
        "gates": list(content["gates"]),
        "notes": content["notes"],
        "request": content["request"],
        "rulebook_version": content["rulebook_version"],
        "rulebook_sha256": content["rulebook_sha256"],
        "catalog_sha256": content["catalog_sha256"],
        "engine_version": content["engine_version"],
        "price_book_id": content["price_book_id"],
    }
    if "adjustments" in content:
        # Where the quote carried them before the two steps: after engine_version, before price_book_id.
        ordered = {key: value for key, value in quote.items() if key != "price_book_id"}
        ordered |= {"adjustments": content["adjustments"], "price_book_id": content["price_book_id"]}
        return cast(Quote, ordered)
    return quote
