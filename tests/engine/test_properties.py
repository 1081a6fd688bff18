"""Properties of the whole pipeline on generated requests (Hypothesis).

Valid requests are built only from catalog choices verified to resolve: `_resolvable()` tries every
(brand, type, poles, AT[, grade]) main and branch, and every explicit model and rating, through the
pipeline once and keeps the ones that quote. The properties then hold for every generated request:
money adds up, every branch breaker is placed once, the box holds the required size, phases are
balanced to the brute-force optimum, quotes are deterministic, and junk is refused as RequestRejected.
A few plain tests pin cases the generators rarely reach (large single-phase loads, huge totals, SPDs).
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import product
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.pipeline import QuoteIdentity, run_pipeline

CATALOG = load_catalog()
RULES = load_rulebook()
IDENTITY = QuoteIdentity(
    quote_id="00000000-0000-4000-8000-000000000001",
    number="EST-20260101-0001",
    created_at="2026-01-01T09:00:00+09:00",
)
BRANDS = ("LS", "SANGDO")
PHASE_INDEX = {"R": 0, "S": 1, "T": 2}
MAX_BRANCH_BREAKERS = RULES.limits.max_branch_breakers_per_panel


def examples(count: int) -> settings:
    """Hypothesis settings for `count` examples; the whole module stays well under a minute."""
    return settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def quote_of(raw: Any) -> dict[str, Any]:
    return run_pipeline(raw, CATALOG, RULES, IDENTITY).quote


def half_up(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def exact(number: int | float) -> Decimal:
    """The decimal a JSON number means: floats by their shortest repr (5.9 is 5.9)."""
    return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)


def centiamps(amps: int | float) -> int:
    """A load in 0.01 A, rounded half-up (decisions.md, Phases)."""
    return int((exact(amps) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- what resolves in the catalog ---------------------------------------------------------------------

MainChoice = tuple[str, int, int]  # type, poles, AT
BranchChoice = tuple[str, int, int, str | None]  # type, poles, AT, grade
ModelChoice = tuple[str, str, int, int]  # model, type, poles, AT


@dataclass(frozen=True)
class Resolvable:
    mains: dict[str, tuple[MainChoice, ...]]
    branches: dict[str, tuple[BranchChoice, ...]]
    models: dict[str, tuple[ModelChoice, ...]]


def _quotes(raw: dict[str, Any]) -> bool:
    try:
        quote_of(raw)
    except RequestRejected:
        return False
    return True


def _one_panel(brand: str, main: dict[str, Any], branches: list[dict[str, Any]]) -> dict[str, Any]:
    return {"customer": {"name": "검증"}, "brand": brand, "panels": [{"main": main, "branches": branches}]}


@functools.cache
def _resolvable() -> Resolvable:
    """Every main, branch and explicit model choice that quotes, tried once through the pipeline."""
    mains: dict[str, tuple[MainChoice, ...]] = {}
    branches: dict[str, tuple[BranchChoice, ...]] = {}
    models: dict[str, tuple[ModelChoice, ...]] = {}
    for brand in BRANDS:
        own = [b for b in CATALOG.breakers if b.brand == brand]
        ratings = sorted({r for b in own for r in b.trip_ratings_a})
        largest_main = {"type": "MCCB", "poles": 4, "trip_at": max(ratings)}
        assert _quotes(_one_panel(brand, largest_main, []))
        combos = [(t, p, at) for t in ("MCCB", "ELCB") for p in (2, 3, 4) for at in ratings]
        mains[brand] = tuple(
            (t, p, at)
            for t, p, at in combos
            if _quotes(_one_panel(brand, {"type": t, "poles": p, "trip_at": at}, []))
        )
        branches[brand] = tuple(
            (t, p, at, grade)
            for t, p, at in combos
            for grade in (None, "STANDARD")
            if _quotes(_one_panel(brand, largest_main, [_branch_line(t, p, at, grade)]))
        )
        models[brand] = tuple(
            (b.model, b.type, b.poles, at)
            for b in own
            for at in b.trip_ratings_a
            if _quotes(
                _one_panel(
                    brand, largest_main, [{"model": b.model, "poles": b.poles, "trip_at": at, "qty": 1}]
                )
            )
        )
    return Resolvable(mains, branches, models)


def _branch_line(breaker_type: str, poles: int, trip_at: int, grade: str | None) -> dict[str, Any]:
    line: dict[str, Any] = {"type": breaker_type, "poles": poles, "trip_at": trip_at, "qty": 1}
    if grade is not None:
        line["grade"] = grade
    return line


# --- strategies of valid requests ---------------------------------------------------------------------

ENCLOSURE_KINDS = (
    ("INDOOR", "STEEL", None),
    ("INDOOR", "STEEL", 1.6),
    ("INDOOR", "STEEL", 1.0),
    ("INDOOR", "SUS201", None),
    ("INDOOR", "SUS304", None),
    ("OUTDOOR", "STEEL", None),
    ("OUTDOOR", "STEEL", 1.0),
    ("OUTDOOR", "SUS201", None),
    ("OUTDOOR", "SUS304", None),
)
MOUNTS = {"INDOOR": ("SURFACE", "FLUSH", "FREESTANDING"), "OUTDOOR": ("SURFACE", "FREESTANDING", "POLE")}
MAGNETS = tuple(a.model for a in CATALOG.accessories_of_kind("MAGNET"))
TIMERS = tuple(a.model for a in CATALOG.accessories_of_kind("TIMER"))
PBLS = tuple(a.model for a in CATALOG.accessories_of_kind("PBL"))
METERS = tuple(a.model for a in CATALOG.accessories_of_kind("METER"))
UNPRICED = {a.model for a in CATALOG.accessories if a.price_krw is None}

prices = st.integers(0, 2_000_000)
# Loads in A: whole, to 0.01 A, and some with a third decimal so half-up rounding to 0.01 A matters.
loads_a = st.one_of(
    st.sampled_from([0, 5, 7.5, 10, 12.5, 15, 16, 20, 25, 30]),
    st.integers(0, 10_000).map(lambda n: n / 100),
    st.integers(0, 100_000).map(lambda n: n / 1000),
)


@st.composite
def enclosures(draw: st.DrawFn) -> dict[str, Any]:
    location, material, thickness = draw(st.sampled_from(ENCLOSURE_KINDS))
    spec: dict[str, Any] = {"location": location, "material": material}
    if thickness is not None:
        spec["thickness_mm"] = thickness
    if draw(st.booleans()):
        spec["mount"] = draw(st.sampled_from(MOUNTS[location]))
    if draw(st.integers(0, 6)) == 0:
        spec["kind"] = "CUSTOM"
    return spec


@st.composite
def mains(draw: st.DrawFn, brand: str, poles: int | None = None) -> dict[str, Any]:
    """A main breaker: 3P/4P mostly, 2P sometimes; MCCB mostly, ELCB sometimes."""
    wanted_poles = poles or draw(st.sampled_from((4, 4, 4, 3, 3, 2)))
    wanted_type = draw(st.sampled_from(("MCCB",) * 5 + ("ELCB",)))
    choices = [c for c in _resolvable().mains[brand] if c[1] == wanted_poles and c[0] == wanted_type]
    if not choices:
        choices = [c for c in _resolvable().mains[brand] if c[1] == wanted_poles and c[0] == "MCCB"]
    breaker_type, main_poles, trip_at = draw(st.sampled_from(choices))
    main: dict[str, Any] = {"poles": main_poles, "trip_at": trip_at}
    if breaker_type == "ELCB" or draw(st.booleans()):
        main["type"] = breaker_type
    return main


@st.composite
def branch_lines(
    draw: st.DrawFn, brand: str, main: dict[str, Any], *, poles: tuple[int, ...] = (2, 3, 4), max_qty: int = 6
) -> dict[str, Any]:
    """A branch line that resolves, AT ≤ main AT, only 2P under a 2P main."""
    allowed = {2} if main["poles"] == 2 else set(poles)
    table = _resolvable()
    models = [m for m in table.models[brand] if m[2] in allowed and m[3] <= main["trip_at"]]
    line: dict[str, Any]
    if models and draw(st.integers(0, 7)) == 0:
        model, breaker_type, line_poles, trip_at = draw(st.sampled_from(models))
        line = {"model": model, "poles": line_poles, "trip_at": trip_at}
        if draw(st.booleans()):
            line["type"] = breaker_type
        if draw(st.booleans()):
            line["brand"] = brand
    else:
        choices = [c for c in table.branches[brand] if c[1] in allowed and c[2] <= main["trip_at"]]
        breaker_type, line_poles, trip_at, grade = draw(st.sampled_from(choices))
        line = {"poles": line_poles, "trip_at": trip_at}
        if breaker_type == "ELCB" or draw(st.booleans()):
            line["type"] = breaker_type
        if grade is not None:
            line["grade"] = grade
    line["qty"] = draw(
        st.integers(1, max_qty) if draw(st.integers(0, 9)) else st.integers(max_qty, 5 * max_qty)
    )
    if draw(st.booleans()):
        line["load_a"] = draw(loads_a)
    if draw(st.integers(0, 3)) == 0:
        line["circuit"] = draw(st.sampled_from(["전등", "전열", "동력", "ELEV", ""]))
    return line


def spd_allowed(brand: str, main: dict[str, Any]) -> bool:
    """An SPD brings an MCCB 4P 40AT branch: only where that breaker resolves and fits the gates."""
    spd = RULES.bom.spd_breaker
    resolves = ("MCCB", spd.poles, spd.trip_at, None) in _resolvable().branches[brand]
    return resolves and main["poles"] >= 3 and main["trip_at"] >= spd.trip_at


@st.composite
def accessory_lines(draw: st.DrawFn, brand: str, main: dict[str, Any]) -> dict[str, Any]:
    kinds = ["MAGNET", "TIMER", "PBL", "METER"] + (["SPD"] if spd_allowed(brand, main) else [])
    kind = draw(st.sampled_from(kinds))
    line: dict[str, Any] = {"kind": kind}
    if kind == "MAGNET":
        line["model"] = draw(st.sampled_from(MAGNETS))
        if draw(st.booleans()):
            line["with_pbl"] = True
    elif kind == "TIMER":
        line["model"] = draw(st.sampled_from(TIMERS))
    elif kind == "PBL":
        line["model"] = draw(st.sampled_from(PBLS))
    elif kind == "METER":
        line["model"] = draw(st.sampled_from(METERS))
    elif draw(st.booleans()):
        line["model"] = "SPD-40KA"
    line["qty"] = draw(st.integers(1, 2 if kind == "SPD" else 6))
    if line.get("model") in UNPRICED or draw(st.integers(0, 5)) == 0:
        line["unit_price"] = draw(prices)
    return line


extra_lines = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["명판", "운반비", "시험성적서", "케이블 처리"]),
        "qty": st.integers(1, 100_000).map(lambda n: n / 1000),
        "unit_price": prices,
    },
    optional={"spec": st.sampled_from(["각인", "", "1식"]), "unit": st.sampled_from(["EA", "식", "M"])},
)


def _branch_breakers(panel: dict[str, Any]) -> int:
    spds = sum(a["qty"] for a in panel.get("accessories", []) if a["kind"] == "SPD")
    return sum(b["qty"] for b in panel.get("branches", [])) + spds


@st.composite
def panels(draw: st.DrawFn, brand: str) -> dict[str, Any]:
    main = draw(mains(brand))
    panel: dict[str, Any] = {"main": main}
    if draw(st.booleans()):
        panel["enclosure"] = draw(enclosures())
    if draw(st.booleans()):
        panel["name"] = draw(st.sampled_from(["LP-1", "동력반", "P-2"]))
    if draw(st.booleans()):
        panel["quantity"] = draw(st.integers(1, 3))
    accessories = draw(st.lists(accessory_lines(brand, main), max_size=4))
    if accessories:
        panel["accessories"] = accessories
    branches = draw(st.lists(branch_lines(brand, main), max_size=40))
    room = MAX_BRANCH_BREAKERS - _branch_breakers(panel)
    kept = []
    for line in branches:  # stay within the 200-breaker limit
        if line["qty"] <= room:
            kept.append(line)
            room -= line["qty"]
    if kept or draw(st.booleans()):
        panel["branches"] = kept
    extras = draw(st.lists(extra_lines, max_size=2))
    if extras:
        panel["extra_lines"] = extras
    return panel


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    brand = draw(st.sampled_from(BRANDS))
    request: dict[str, Any] = {
        "customer": {"name": draw(st.sampled_from(["동양기전", "한빛전기", "ACME"]))},
        "brand": brand,
        "panels": draw(st.lists(panels(brand), min_size=1, max_size=3)),
    }
    if draw(st.booleans()):
        request["project"] = "신축공장 동력설비"
    if draw(st.booleans()):
        request["options"] = {"p_cover": draw(st.sampled_from(["ACRYLIC", "STEEL"]))}
    return request


@st.composite
def single_phase_panels(draw: st.DrawFn) -> dict[str, Any]:
    """Up to 10 single-phase (2P) branch breakers, and a few 3P/4P ones, under a 3P/4P main."""
    brand = draw(st.sampled_from(BRANDS))
    main = draw(mains(brand, poles=draw(st.sampled_from((3, 4)))))
    two_pole = []
    room = 10
    for line in draw(st.lists(branch_lines(brand, main, poles=(2,), max_qty=3), min_size=1, max_size=10)):
        if room:
            two_pole.append({**line, "qty": min(line["qty"], room)})
            room -= two_pole[-1]["qty"]
    three_phase = draw(st.lists(branch_lines(brand, main, poles=(3, 4), max_qty=2), max_size=2))
    branches = draw(st.permutations(two_pole + three_phase))
    return {"customer": {"name": "검증"}, "brand": brand, "panels": [{"main": main, "branches": branches}]}


# --- invariants of every quote ------------------------------------------------------------------------


def check_money(quote: dict[str, Any]) -> None:
    """Line amounts, panel subtotals, the quote's subtotal, VAT and total add up, rounded half-up."""
    subtotal = 0
    for panel in quote["panels"]:
        for line in panel["lines"]:
            assert line["amount"] == half_up(exact(line["qty"]) * line["unit_price"]), line
        assert panel["subtotal"] == sum(line["amount"] for line in panel["lines"])
        assert panel["amount"] == panel["subtotal"] * panel["quantity"]
        subtotal += panel["subtotal"] * panel["quantity"]
    totals = quote["totals"]
    assert totals["subtotal"] == subtotal
    assert totals["vat"] == half_up(subtotal * exact(RULES.vat_rate))
    assert totals["total"] == totals["subtotal"] + totals["vat"]


def check_placement(panel: dict[str, Any]) -> None:
    """Each branch breaker is placed exactly once; the main is not placed."""
    main, *branches = panel["breakers"]
    assert main["role"] == "main" and all(b["role"] == "branch" for b in branches)
    placed = panel["layout"]["placed"]
    expected: Counter[tuple[str, int]] = Counter()
    for b in branches:
        expected[(b["model"], b["trip_at"])] += b["qty"]
    assert Counter((p["model"], p["trip_at"]) for p in placed) == expected
    assert len(placed) == sum(b["qty"] for b in branches)  # so the main is not among them
    assert [p["index"] for p in placed] == list(range(len(placed)))


def check_enclosure(panel: dict[str, Any]) -> None:
    size, required = panel["enclosure"]["size_mm"], panel["enclosure"]["required_mm"]
    assert all(s >= r for s, r in zip(size, required, strict=True)), (size, required)


def check_phases(panel: dict[str, Any]) -> None:
    """3P4W: counts cover every 2P breaker, the balance is proven optimal and matches the labels."""
    main, *branches = panel["breakers"]
    phases = panel["phases"]
    placed = panel["layout"]["placed"]
    if main["poles"] == 2:
        assert phases["supply"] == "1P2W"
        assert all(p["phase"] is None for p in placed)
        return
    single = [p for p in placed if p["poles"] == 2]
    assert phases["supply"] == "3P4W"
    assert sum(phases["counts"]) == sum(b["qty"] for b in branches if b["poles"] == 2) == len(single)
    assert phases["optimal"] is True
    assert all(p["phase"] == "RST" for p in placed if p["poles"] != 2)
    label_counts = Counter(p["phase"] for p in single)
    assert [label_counts[name] for name in "RST"] == phases["counts"]
    # The per-phase amps follow from each breaker line's phases and load.
    amps = [0, 0, 0]
    for b in branches:
        load = _line_load(b)
        if b["poles"] == 2:
            assert len(b["phases"]) == b["qty"]
            for phase in b["phases"]:
                amps[PHASE_INDEX[phase]] += load
        else:
            amps = [a + load * b["qty"] for a in amps]
    assert [centiamps(phases[name]) for name in "RST"] == amps


def _line_load(breaker: dict[str, Any]) -> int:
    """A branch line's load per breaker in 0.01 A: load_a, else AT; an SPD's breaker carries none."""
    if ".accessories." in breaker["source"]:
        return 0
    return centiamps(breaker["load_a"] if breaker["load_a"] is not None else breaker["trip_at"])


def check_quote(quote: dict[str, Any]) -> None:
    check_money(quote)
    for panel in quote["panels"]:
        check_placement(panel)
        check_enclosure(panel)
        check_phases(panel)


# --- properties of valid requests ---------------------------------------------------------------------


@examples(100)
@given(requests())
def test_money_adds_up(raw: dict[str, Any]) -> None:
    check_money(quote_of(raw))


@examples(100)
@given(requests())
def test_every_branch_breaker_is_placed_once(raw: dict[str, Any]) -> None:
    quote = quote_of(raw)
    for panel_request, panel in zip(raw["panels"], quote["panels"], strict=True):
        check_placement(panel)
        requested = panel_request.get("branches", [])
        branch_entries = panel["breakers"][1:]
        # Branch lines come in request order, each with its own quantity, then the SPD breakers.
        for line, entry in zip(requested, branch_entries, strict=False):
            assert (entry["poles"], entry["trip_at"], entry["qty"]) == (
                line["poles"],
                line["trip_at"],
                line["qty"],
            )
        spd_qty = sum(a["qty"] for a in panel_request.get("accessories", []) if a["kind"] == "SPD")
        assert sum(e["qty"] for e in branch_entries[len(requested) :]) == spd_qty


@examples(100)
@given(requests())
def test_the_box_holds_the_required_size(raw: dict[str, Any]) -> None:
    for panel in quote_of(raw)["panels"]:
        check_enclosure(panel)


@examples(100)
@given(requests())
def test_phases_cover_every_single_phase_breaker_and_are_optimal(raw: dict[str, Any]) -> None:
    for panel in quote_of(raw)["panels"]:
        check_phases(panel)


@functools.cache
def _assignments(n: int) -> np.ndarray:
    """All 3^n phase assignments of n loads, one per row, in lexicographic order."""
    return np.array(list(product(range(3), repeat=n)), dtype=np.int64).reshape(-1, n)


def brute_force(loads: list[int]) -> tuple[tuple[int, int], tuple[int, ...]]:
    """The lexicographic optimum (spread, count spread) over all 3^n assignments, and the
    lexicographically smallest assignment reaching it."""
    rows = _assignments(len(loads))
    weights = np.array(loads, dtype=np.int64)
    sums = np.stack([(rows == phase) @ weights for phase in range(3)], axis=1)
    counts = np.stack([(rows == phase).sum(axis=1) for phase in range(3)], axis=1)
    spread = sums.max(axis=1) - sums.min(axis=1)
    count_spread = counts.max(axis=1) - counts.min(axis=1)
    key = spread * (len(loads) + 1) + count_spread
    best = int(np.argmin(key))  # the first minimum: rows are in lexicographic order
    return (int(spread[best]), int(count_spread[best])), tuple(int(p) for p in rows[best])


def _single_phase_loads(panel: dict[str, Any]) -> list[int]:
    """The load of each placed 2P breaker in placement order, in 0.01 A."""
    loads_by_line: dict[tuple[str, int], list[int]] = {}
    for b in panel["breakers"][1:]:
        loads_by_line.setdefault((b["model"], b["trip_at"]), []).extend([_line_load(b)] * b["qty"])
    # Within one (model, AT) the placement keeps request order, so the loads are taken in that order.
    loads = []
    for p in panel["layout"]["placed"]:
        if p["poles"] == 2:
            loads.append(loads_by_line[(p["model"], p["trip_at"])].pop(0))
    return loads


@examples(150)
@given(single_phase_panels())
def test_phase_balance_equals_the_brute_force_optimum(raw: dict[str, Any]) -> None:
    panel = quote_of(raw)["panels"][0]
    loads = _single_phase_loads(panel)
    (spread, count_spread), _ = brute_force(loads)
    phases = panel["phases"]
    assert (centiamps(phases["spread_a"]), phases["count_spread"]) == (spread, count_spread), loads
    assert phases["optimal"] is True
    assert centiamps(phases["spread_lower_bound_a"]) == spread


# Ten large single-phase loads (A) and the 2P ratings that carry them.
LARGE_SINGLE_PHASE = [(132.89, 150), (90.77, 100), (79.12, 100), (90.52, 100), (127.59, 150)]
LARGE_SINGLE_PHASE += [(95.87, 100), (64.63, 75), (184.0, 200), (191.8, 200), (139.72, 150)]


def test_a_panel_with_large_single_phase_loads_is_balanced_to_the_proven_optimum() -> None:
    """15 × 2P 20 A and 15 × 2P 30 A at their AT, and ten 2P loads of 64.63–191.80 A.

    The optimum, found by exhaustive search over the 3^10 splits of the large loads combined with every
    split of the 20 A and 30 A counts, is a spread of 0.16 A with a count spread of 5.
    """
    branches = [{"poles": 2, "trip_at": 20, "qty": 15}, {"poles": 2, "trip_at": 30, "qty": 15}]
    branches += [{"poles": 2, "trip_at": at, "qty": 1, "load_a": load} for load, at in LARGE_SINGLE_PHASE]
    raw = {
        "customer": {"name": "검증"},
        "brand": "LS",
        "panels": [{"main": {"poles": 4, "trip_at": 400}, "branches": branches}],
    }
    phases = quote_of(raw)["panels"][0]["phases"]
    assert (phases["optimal"], phases["spread_a"], phases["count_spread"]) == (True, 0.16, 5), phases


def test_a_200_branch_panel_with_large_single_phase_loads_is_proven_optimal() -> None:
    """93 × 2P 20 A and 97 × 2P 30 A at their AT, and ten 2P loads of 51.26–194.88 A (benchmarks/engine.py)."""
    large = [51.26, 65.87, 82.98, 86.75, 95.82, 103.64, 109.03, 110.04, 189.06, 194.88]
    ratings = (75, 100, 125, 150, 175, 200, 225, 250)
    branches = [{"poles": 2, "trip_at": 20, "qty": 93}, {"poles": 2, "trip_at": 30, "qty": 97}]
    branches += [
        {"poles": 2, "trip_at": next(r for r in ratings if r >= load), "qty": 1, "load_a": load}
        for load in large
    ]
    raw = {
        "customer": {"name": "검증"},
        "brand": "LS",
        "panels": [{"main": {"poles": 4, "trip_at": 600}, "branches": branches}],
    }
    phases = quote_of(raw)["panels"][0]["phases"]
    assert phases["optimal"] is True, phases
    assert phases["spread_a"] == phases["spread_lower_bound_a"], phases


@examples(60)
@given(requests())
def test_same_request_gives_byte_identical_quotes(raw: dict[str, Any]) -> None:
    sent = json.dumps(raw, ensure_ascii=False, sort_keys=True)
    first = json.dumps(quote_of(raw), ensure_ascii=False, indent=2)
    second = json.dumps(quote_of(copy.deepcopy(raw)), ensure_ascii=False, indent=2)
    assert first == second
    assert json.dumps(raw, ensure_ascii=False, sort_keys=True) == sent  # the input is left alone


# --- robustness ---------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
python_values = st.sampled_from(
    [
        int,
        float,
        str,
        bytes,
        bool,
        complex,
        Decimal,
        Fraction,
        date,
        list[int],
        dict[str, int],
        tuple[int, str],
    ]
).flatmap(st.from_type)
extreme_values = st.sampled_from(
    [
        -1,
        0,
        -(10**18),
        10**18,
        2**63,
        10**400,
        -0.0,
        1e-320,
        1e308,
        -1e308,
        math.inf,
        -math.inf,
        math.nan,
        "",
        " ",
        "\x00",
        "20",
        "4P",
        "가" * 500,
        True,
        False,
        None,
        [],
        {},
        [None],
        {"": None},
    ]
)
# Values of the right type in the wrong place, to reach the business gates rather than the schema.
plausible_ints = st.sampled_from([-1, 0, 1, 2, 3, 4, 5, 15, 30, 40, 60, 125, 201, 250, 800, 999, 1000, 10**9])
plausible_texts = st.sampled_from(
    [
        "LS",
        "SANGDO",
        "MIXED",
        "MCCB",
        "ELCB",
        "STANDARD",
        "ECONOMY",
        "INDOOR",
        "OUTDOOR",
        "SURFACE",
        "FLUSH",
        "POLE",
        "FREESTANDING",
        "STEEL",
        "SUS201",
        "SUS304",
        "CUSTOM",
        "HT",
        "SC",
        "XX",
        "SPD",
        "MAGNET",
        "TIMER",
        "METER",
        "PBL",
        "METER-1P",
        "MC-22",
        "PBL-ONOFF",
        "ABN-54",
        "SES-54",
        "BS-32",
        "ABN-62",
        "SBS-804",
        "EBN-803",
    ]
)
plausible_values = st.one_of(
    plausible_ints,
    plausible_texts,
    st.sampled_from([0.5, 1.0, 12.345, 9999.999, [700, 1200, 200], [100, 100, 100], [3000, 3000, 3000]]),
)
junk = st.one_of(plausible_values, extreme_values, json_values, python_values)

Path = tuple[str | int, ...]


def _paths(value: Any) -> list[Path]:
    """Every position in a JSON-like value, the root first (iterative: values may be deeply nested)."""
    found: list[Path] = []
    stack: list[tuple[Path, Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        found.append(path)
        if isinstance(node, dict):
            stack.extend(((*path, key), child) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, index), child) for index, child in enumerate(node))
    return sorted(found, key=lambda p: (len(p), [str(part) for part in p]))


def _get(root: Any, path: Path) -> Any:
    for part in path:
        root = root[part]
    return root


def _nest(value: Any, depth: int, in_list: bool) -> Any:
    for _ in range(depth):
        value = [value] if in_list else {"x": value}
    return value


@st.composite
def mutated_requests(draw: st.DrawFn) -> Any:
    """A valid request with a few random edits: junk values, dropped or unknown keys, deep nesting."""
    root: Any = copy.deepcopy(draw(requests()))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(_paths(root)))
        target = _get(root, path)
        operation = draw(
            st.sampled_from(["same type"] * 4 + ["replace", "delete", "unknown", "nest", "duplicate"])
        )
        new: Any = target
        if operation == "same type" and isinstance(target, bool):
            new = not target
        elif operation == "same type" and isinstance(target, int):
            new = draw(plausible_ints)
        elif operation == "same type" and isinstance(target, str):
            new = draw(plausible_texts)
        elif operation == "same type" and isinstance(target, float):
            new = draw(st.floats(-1, 20_000))
        elif operation in ("same type", "replace"):
            new = draw(junk)
        elif operation == "nest":
            new = _nest(target, draw(st.integers(1, 300)), draw(st.booleans()))
        elif operation == "unknown" and isinstance(target, dict):
            target[draw(st.text(min_size=1, max_size=12))] = draw(junk)
        elif operation == "duplicate" and isinstance(target, list) and target:
            target.extend(copy.deepcopy(target) * draw(st.integers(1, 3)))
        elif operation == "delete" and path:
            del _get(root, path[:-1])[path[-1]]
            continue
        if path:
            _get(root, path[:-1])[path[-1]] = new
        else:
            root = new
    return root


def run_or_reject(raw: Any) -> dict[str, Any] | None:
    """The quote, or None when the request is refused as it must be: RequestRejected, well formed."""
    try:
        return quote_of(raw)
    except RequestRejected as rejected:
        assert rejected.problems
        for problem in rejected.problems:
            assert isinstance(problem.code, str) and problem.code
            assert isinstance(problem.path, str)
            assert isinstance(problem.message_ko, str) and problem.message_ko
            assert isinstance(problem.message_en, str) and problem.message_en
            assert isinstance(problem.hint, str) and problem.hint
        return None


@examples(300)
@given(st.one_of(junk, st.dictionaries(st.sampled_from(["customer", "brand", "panels", "options"]), junk)))
def test_junk_is_refused_as_request_rejected(raw: Any) -> None:
    assert run_or_reject(raw) is None or isinstance(raw, dict)


@examples(300)
@given(mutated_requests())
def test_mutated_requests_quote_or_are_refused(raw: Any) -> None:
    quote = run_or_reject(raw)
    if quote is not None:
        check_quote(quote)


def test_a_total_too_large_to_spell_is_refused_not_crashed() -> None:
    """Schema-valid (qty ≤ 100,000, unit price ≤ 10^9, 1,000 lines, quantity 999), total ≈ 1.1 × 10^20 KRW."""
    line = {"name": "운반비", "qty": 100_000, "unit_price": 1_000_000_000}
    panel = {"quantity": 999, "main": {"poles": 4, "trip_at": 100}, "extra_lines": [line] * 1000}
    quote = run_or_reject({"customer": {"name": "검증"}, "brand": "LS", "panels": [panel]})
    if quote is not None:
        check_quote(quote)


@st.composite
def requests_with_spd_anywhere(draw: st.DrawFn) -> dict[str, Any]:
    """Any valid main, 2P ones and ones below 40 AT included, with an SPD."""
    brand = draw(st.sampled_from(BRANDS))
    main = draw(mains(brand))
    return {
        "customer": {"name": "검증"},
        "brand": brand,
        "panels": [{"main": main, "accessories": [{"kind": "SPD", "qty": draw(st.integers(1, 2))}]}],
    }


@examples(60)
@given(requests_with_spd_anywhere())
def test_no_quote_has_a_branch_that_breaks_the_main_gates(raw: dict[str, Any]) -> None:
    """A quoted branch breaker, an SPD's included, is never above the main's AT nor 3P/4P under a 2P main."""
    quote = run_or_reject(raw)
    if quote is None:
        return
    for panel in quote["panels"]:
        main, *branches = panel["breakers"]
        for b in branches:
            assert b["trip_at"] <= main["trip_at"], (main["model"], main["trip_at"], b["model"], b["trip_at"])
            assert main["poles"] != 2 or b["poles"] == 2, (main["model"], b["model"], b["poles"])
