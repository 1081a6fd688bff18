"""The quote model: the types of what flows from the engine outwards (ARCHITECTURE "Quote JSON").

A quote is plain JSON-ready data, so these are TypedDicts: the same dicts as before, now with their
keys and value types named. `QuoteContent` is what the engine computes from a request (no identity);
`Quote` adds the identity (id, number, date) and, once the documents are made, the evidence block.

Keys that only some quotes carry are `NotRequired`; a later field (say a discount in the totals) is
added the same way, so that every quote stored before it still type-checks.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class QuoteLine(TypedDict):
    """One BOM line of a panel (DOMAIN §7)."""

    no: int
    name: str
    spec: str
    unit: str
    qty: int | float
    unit_price: int
    amount: int
    model: str | None
    note: str
    section: str
    adjustment: NotRequired[dict[str, Any]]  # the estimator set the unit price (DOMAIN §14)


class QuoteBreaker(TypedDict):
    role: str  # "main" | "branch"
    model: str
    brand: str
    type: str
    poles: int
    frame_af: int
    trip_at: int
    icu_ka: float
    qty: int
    load_a: float | None
    circuit: str | None
    phase: str | None  # RST, R, S, T, R/S/T …; None on a 1P2W supply
    phases: list[str | None]
    unit_price: int
    source: str  # the request path it came from
    spd: bool
    notes: list[str]


class CustomEnclosure(TypedDict):
    size_mm: list[int]
    area_pyeong: float
    rate_per_pyeong: int
    material_factor: float
    price: int


class Enclosure(TypedDict):
    model: str
    series: str | None
    size_mm: list[int]
    required_mm: list[int]
    stock: bool
    fit_score: float
    price: int
    material: str
    thickness_mm: float
    location: str
    mount: str
    height_terms_mm: dict[str, int]
    main_only: bool
    reason: str
    custom: CustomEnclosure | None


class LayoutRow(TypedDict):
    row: int
    poles: int
    frame_af: int
    pitch_mm: int
    height_mm: int


class PlacedBreaker(TypedDict):
    index: int
    row: int
    side: str  # "L" | "R"
    model: str
    trip_at: int
    poles: int
    phase: str | None
    circuit: str | None


class Layout(TypedDict):
    rows: list[LayoutRow]
    placed: list[PlacedBreaker]


class Phases(TypedDict):
    supply: str  # "3P4W" | "1P2W"
    R: float
    S: float
    T: float
    counts: list[int]
    imbalance_pct: float | None
    kec_unbalance_pct: float | None
    optimal: bool
    spread_a: float
    spread_lower_bound_a: float
    count_spread: int
    method: str


class ThermalCheck(TypedDict):
    loss_w: float
    capacity_w: float
    margin_w: float
    area_m2: float
    k: float
    rdf: float


class QuoteGate(TypedDict):
    """A gate's outcome. In a panel it has no `panel`; in the quote's list `panel` is the panel's index
    (None for a gate over the whole quote, such as the workbook lint)."""

    id: str
    status: str  # "pass" | "warn" | "fail"
    value: float | str | None
    limit: float | str | None
    message: str
    panel: NotRequired[int | None]


class QuotePanel(TypedDict):
    name: str
    quantity: int
    enclosure: Enclosure
    breakers: list[QuoteBreaker]
    layout: Layout
    phases: Phases
    thermal: ThermalCheck
    gates: list[QuoteGate]
    lines: list[QuoteLine]
    subtotal: int
    amount: int  # subtotal × quantity


class Totals(TypedDict):
    """The quote's totals in won. New figures (a discount, a supply price) come as NotRequired keys."""

    subtotal: int
    discount: NotRequired[int]  # only when the request has a discount (DOMAIN §14)
    supply: NotRequired[int]  # subtotal − discount, the VAT's base
    vat: int
    total: int
    vat_rate: float
    amount_in_words: str


class QuoteEvidence(TypedDict):
    sha256: str  # the evidence hash (of the manifest)
    calculation_sha256: str  # over the stage files only: what the documents show
    signature: str | None
    files: dict[str, str]  # path → SHA-256


class QuoteContent(TypedDict):
    """What the engine computes from a request, catalog and rulebook: a quote without its identity."""

    schema: str
    customer: dict[str, Any]
    project: str | None
    brand: str
    mixed_reason: str | None
    panels: list[QuotePanel]
    totals: Totals
    gates: list[QuoteGate]
    notes: list[str]
    request: dict[str, Any]  # the request as validated, every default made explicit
    rulebook_version: str
    rulebook_sha256: str
    catalog_sha256: str
    engine_version: str
    adjustments: NotRequired[list[dict[str, Any]]]  # unit prices set and the discount (DOMAIN §14)
    price_book_id: int | None  # the price book the catalog came from (None: the configured catalog)


class Quote(QuoteContent):
    """A quote with its identity; `evidence` once its documents are made; `previous_id` and
    `revision` when it revises an earlier quote."""

    id: str
    number: str  # EST-YYYYMMDD-NNNN, a revision EST-YYYYMMDD-NNNN-Rn
    status: str
    date: str  # the quote date, YYYY-MM-DD
    created_at: str  # ISO 8601 with offset
    evidence: NotRequired[QuoteEvidence]
    previous_id: NotRequired[str]
    revision: NotRequired[int]
    author: NotRequired[str]  # 작성자: the saver's name, set when the quote is saved
