"""What a quote list says about each quote's panels, read from the stored rows of a page of quotes.

Two statements per 500 quotes, whatever the page holds: the quote row's brand with its first panel's
enclosure place and material (two short JSON paths of the stored request, extracted by the database;
the request and document are never loaded whole), and per panel its quantity, main breaker and number
of branch breakers (the panels and breakers tables, summed by the database).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kis_estimator.db.models import BreakerRow, PanelRow, QuoteRow

CHUNK = 500  # quote ids per IN (...) list: far below every driver's limit on bound parameters

# The first panel's enclosure as requested (the stored request holds every default filled in).
_LOCATION = QuoteRow.request[("panels", 0, "enclosure", "location")].as_string()
_MATERIAL = QuoteRow.request[("panels", 0, "enclosure", "material")].as_string()


@dataclass(frozen=True)
class PanelFacts:
    quantity: int  # identical sets (면) of this panel
    main_poles: int | None  # None: no main breaker row (never for a saved quote)
    main_trip_at: int | None
    branches: int  # branch breakers of one set


@dataclass(frozen=True)
class QuoteFacts:
    brand: str
    location: str | None  # INDOOR | OUTDOOR of the first panel
    material: str | None  # STEEL | SUS201 | SUS304 of the first panel
    panels: tuple[PanelFacts, ...]  # in panel order


def quote_facts(session: Session, quote_ids: Sequence[str]) -> dict[str, QuoteFacts]:
    """The facts of each quote of `quote_ids` that exists (by id)."""
    heads: dict[str, tuple[str, str | None, str | None]] = {}
    panels: dict[str, list[PanelFacts]] = {}
    main = BreakerRow.role == "main"
    for start in range(0, len(quote_ids), CHUNK):
        chunk = list(quote_ids[start : start + CHUNK])
        rows = session.execute(
            select(QuoteRow.id, QuoteRow.brand, _LOCATION, _MATERIAL).where(QuoteRow.id.in_(chunk))
        )
        heads.update((quote_id, (brand, location, material)) for quote_id, brand, location, material in rows)
        per_panel = session.execute(
            select(
                PanelRow.quote_id,
                PanelRow.quantity,
                func.max(case((main, BreakerRow.poles))),
                func.max(case((main, BreakerRow.trip_at))),
                func.coalesce(func.sum(case((BreakerRow.role == "branch", BreakerRow.qty), else_=0)), 0),
            )
            .outerjoin(BreakerRow, BreakerRow.panel_id == PanelRow.id)
            .where(PanelRow.quote_id.in_(chunk))
            .group_by(PanelRow.id, PanelRow.quote_id, PanelRow.position, PanelRow.quantity)
            .order_by(PanelRow.quote_id, PanelRow.position)
        )
        for quote_id, quantity, poles, trip_at, branches in per_panel:
            panels.setdefault(quote_id, []).append(PanelFacts(quantity, poles, trip_at, int(branches)))
    return {
        quote_id: QuoteFacts(brand, location, material, tuple(panels.get(quote_id, ())))
        for quote_id, (brand, location, material) in heads.items()
    }
