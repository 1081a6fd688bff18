"""Enclosure sizing, box choice and the bill of materials on hand-checked panels (DOMAIN §4, §7, §8)."""

from __future__ import annotations

from typing import Any

from tests.factories import make_request

S8_LINES = [
    ("외함", "SC 700×1200×200 SUS201 1.2T", "면", 1, 320_000),
    ("MCCB", "4P 200AF 200AT 37kA", "EA", 1, 154_000),
    ("ELCB", "4P 100AF 100AT 18kA", "EA", 2, 104_170),
    ("ELCB", "4P 50AF 50AT 18kA", "EA", 4, 87_340),
    ("ELCB", "2P 30AF 20AT 2.5kA", "EA", 12, 10_300),
    ("E.T", "", "EA", 2, 4_500),
    ("N.T", "", "EA", 1, 3_000),
    ("N.P", "CARD HOLDER", "EA", 18, 800),
    ("N.P", "3T×40×200", "EA", 1, 4_000),
    ("MAIN BUS-BAR", "5T×20", "kg", 5.9, 31_000),
    ("BUS-BAR", "3T×15", "kg", 3.8, 31_000),
    ("COATING", "PVC(20mm)", "M", 1, 5_000),
    ("P-COVER", "아크릴", "EA", 1, 29_900),
    ("ELB지지대", "", "EA", 12, 500),
    ("INSULATOR", "EPOXY 40×40", "EA", 4, 1_100),
    ("잡자재비", "", "식", 1, 13_000),
    ("ASSEMBLY CHARGE", "", "식", 1, 120_000),
]


def _lines(panel: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(ln["name"], ln["spec"], ln["unit"], ln["qty"], ln["unit_price"]) for ln in panel["lines"]]


def test_domain_s8_worked_example(quote_of: Any) -> None:
    quote = quote_of(make_request())
    panel = quote["panels"][0]
    assert [b["model"] for b in panel["breakers"]] == ["ABN-204", "EBN-104", "EBS-54", "32GRHS"]
    enclosure = panel["enclosure"]
    assert enclosure["required_mm"] == [700, 1070, 150]
    assert enclosure["size_mm"] == [700, 1200, 200]
    assert (enclosure["model"], enclosure["price"], enclosure["stock"]) == ("SC 70 120 20", 320_000, True)
    assert round(enclosure["fit_score"], 3) == 0.892
    assert _lines(panel) == S8_LINES
    assert panel["subtotal"] == sum(round(q * p) for *_, q, p in S8_LINES) == 1_664_700
    assert quote["totals"] == {
        "subtotal": 1_664_700,
        "vat": 166_470,
        "total": 1_831_170,
        "vat_rate": 0.1,
        "amount_in_words": "일금 일백팔십삼만일천일백칠십원정",
    }
    assert panel["phases"]["counts"] == [4, 4, 4]
    assert panel["phases"]["imbalance_pct"] == 0.0
    gates = {g["id"]: g["status"] for g in quote["gates"]}
    assert gates["enclosure_fit"] == "warn"
    fit = next(g for g in quote["gates"] if g["id"] == "enclosure_fit")
    assert "700×1100×150" in fit["message"] and "543,300원" in fit["message"]


def test_main_only_400af_panel(quote_of: Any) -> None:
    quote = quote_of(make_request(enclosure={}, main={"poles": 3, "trip_at": 400}, branches=[]))
    panel = quote["panels"][0]
    # H = H_main 257 + 280 + cable space 400 = 937, W 700, D 250 → HDS 80 120 25 is the cheapest that holds it
    assert panel["enclosure"]["required_mm"] == [700, 937, 250]
    assert panel["enclosure"]["model"] == "HDS 80 120 25"
    lines = {ln["name"]: ln for ln in panel["lines"]}
    assert lines["ASSEMBLY CHARGE"]["unit_price"] == 20_000
    assert lines["차단기지지대"]["qty"] == 2
    assert lines["INSULATOR"]["unit_price"] == 4_400
    assert lines["COATING"]["unit_price"] == 10_000
    assert "BUS-BAR" not in lines and ("N.P", "CARD HOLDER") not in [
        (ln["name"], ln["spec"]) for ln in panel["lines"]
    ]


def test_small_main_only_panel_uses_the_fixed_box(quote_of: Any) -> None:
    panel = quote_of(make_request(enclosure={}, main={"poles": 3, "trip_at": 100}, branches=[]))["panels"][0]
    assert panel["enclosure"]["required_mm"] == [300, 400, 150]
    assert panel["enclosure"]["model"] == "HDS 30 40 15"


def test_contactors_timer_pbl_bundles_merge(quote_of: Any) -> None:
    accessories = [
        {"kind": "MAGNET", "model": "MC-22", "qty": 2, "with_pbl": True},
        {"kind": "TIMER", "model": "TIMER-24H", "qty": 1},
    ]
    panel = quote_of(make_request(enclosure={}, accessories=accessories))["panels"][0]
    lines = {(ln["name"], ln["spec"]): (ln["qty"], ln["unit_price"]) for ln in panel["lines"]}
    assert lines[("MG.CONTACTOR", "MC-22")] == (2, 12_000)
    assert lines[("FUSEHOLDER", "4/W")] == (2, 4_000)
    assert lines[("TERMINAL BLOCK", "600V")] == (6, 4_000)
    assert lines[("PVC DUCT", "40mm")] == (4, 3_000)
    assert lines[("CABLE/WIRE", "KIV")] == (3, 25_000)
    assert lines[("PBL", "ON/OFF")] == (4, 4_000)
    assert lines[("TIMER", "24H")] == (1, 26_000)
    # 2 contactors → E_acc 250; depth 200 with devices; 잡자재비 + 3 devices × 10,000
    assert panel["enclosure"]["height_terms_mm"]["e_acc"] == 250
    assert panel["enclosure"]["required_mm"][2] == 200


def test_spd_brings_a_breaker_and_cable(quote_of: Any) -> None:
    panel = quote_of(make_request(enclosure={}, accessories=[{"kind": "SPD", "qty": 1}]))["panels"][0]
    lines = {(ln["name"], ln["spec"], ln["unit_price"]): ln["qty"] for ln in panel["lines"]}
    assert lines[("MCCB", "4P 50AF 40AT 18kA", 37_290)] == 1  # ABN-54, kA range 14|18 quoted at 18
    assert lines[("CABLE/WIRE", "KIV", 15_000)] == 1
    assert lines[("SPD", "직결형 40kA", 50_000)] == 1
    assert [b["model"] for b in panel["breakers"] if b["source"] == "panels.0.accessories.0"] == ["ABN-54"]
    # 19 branch breakers now: card holders follow
    assert lines[("N.P", "CARD HOLDER", 800)] == 19


def test_mount_extras(quote_of: Any) -> None:
    flush = quote_of(make_request(enclosure={"mount": "FLUSH"}))["panels"][0]
    w, h, _ = flush["enclosure"]["size_mm"]
    suscover = next(ln for ln in flush["lines"] if ln["name"] == "SUSCOVER")
    assert suscover["unit_price"] == round(w * h / 90_000 * 15_000 / 100) * 100
    base = quote_of(make_request(enclosure={"mount": "FREESTANDING"}))["panels"][0]
    w = base["enclosure"]["size_mm"][0]
    assert next(ln for ln in base["lines"] if ln["name"] == "BASE")["unit_price"] == round(
        w * 200 / 90_000 * 32_000, -2
    )
    pole = quote_of(make_request(enclosure={"location": "OUTDOOR", "mount": "POLE"}))["panels"][0]
    assert next(ln for ln in pole["lines"] if ln["name"] == "POLE BRACKET")["unit_price"] == 20_000


def test_custom_box_price_formula(quote_of: Any) -> None:
    panel = quote_of(make_request(enclosure={"location": "OUTDOOR", "material": "SUS201", "kind": "CUSTOM"}))
    enclosure = panel["panels"][0]["enclosure"]
    # 700×1100×150: 8.6 평 × (25,000 + 2,000 outdoor) × 1.8 × 1.3 = 543,348 → 543,300
    assert enclosure["size_mm"] == [700, 1100, 150]
    assert (enclosure["stock"], enclosure["price"]) == (False, 543_300)
    assert panel["panels"][0]["lines"][0]["spec"] == "주문제작 700×1100×150 SUS201 1.2T"


def test_sus304_is_always_custom(quote_of: Any) -> None:
    enclosure = quote_of(make_request(enclosure={"material": "SUS304"}))["panels"][0]["enclosure"]
    # indoor surface D 150: 8.6 평 × 25,000 × 2.5 × 1.3 = 698,750 → 698,800
    assert (enclosure["stock"], enclosure["price"]) == (False, 698_800)


def test_explicit_stock_size_selects_that_box(quote_of: Any) -> None:
    enclosure = quote_of(make_request(enclosure={"size_mm": [800, 1200, 250]}))["panels"][0]["enclosure"]
    assert enclosure["model"] == "HDS 80 120 25"


def test_nothing_big_enough_falls_back_to_custom(quote_of: Any) -> None:
    branches = [
        {"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 60},
        {"poles": 4, "trip_at": 100, "qty": 8},
    ]
    enclosure = quote_of(make_request(branches=branches))["panels"][0]["enclosure"]
    assert enclosure["stock"] is False
    assert all(s >= r for s, r in zip(enclosure["size_mm"], enclosure["required_mm"], strict=True))
    assert all(v % 50 == 0 for v in enclosure["size_mm"])


def test_two_pole_main_is_single_phase(quote_of: Any) -> None:
    raw = make_request(
        enclosure={},
        main={"poles": 2, "trip_at": 50},
        branches=[{"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 4}],
    )
    panel = quote_of(raw)["panels"][0]
    assert panel["phases"]["supply"] == "1P2W"
    assert panel["phases"]["imbalance_pct"] is None
    assert all(p["phase"] is None for p in panel["layout"]["placed"])
    assert panel["breakers"][0]["model"] == "ABN-52"  # a main prefers frames above the 30AF family


def test_price_range_quoted_at_the_higher_value(quote_of: Any) -> None:
    raw = make_request(enclosure={}, main={"poles": 4, "trip_at": 100}, branches=[])
    quote = quote_of(raw)
    main = quote["panels"][0]["breakers"][0]
    assert (main["model"], main["unit_price"]) == ("ABN-104", 87_300)
    assert any("54300|87300" in note for note in quote["notes"])


def test_a_main_takes_the_30af_family_only_when_nothing_larger_carries_its_rating(quote_of: Any) -> None:
    def main_of(trip_at: int) -> dict[str, Any]:
        raw = make_request(enclosure={}, main={"poles": 2, "trip_at": trip_at}, branches=[])
        return dict(quote_of(raw)["panels"][0]["breakers"][0])

    assert main_of(20)["model"] == "ABN-52"  # BS-32 carries 20 A too, but a main prefers a larger frame
    small = main_of(15)  # only BS-32 (30AF) carries 15 A
    assert (small["model"], small["frame_af"], small["unit_price"]) == ("BS-32", 30, 5_000)
    assert small["notes"] == ["only the 30AF family carries 2P 15AT: main BS-32"]


def test_standard_asked_takes_only_standard_or_both_models(quote_of: Any) -> None:
    raw = make_request(branches=[{"poles": 3, "trip_at": 50, "qty": 1, "grade": "STANDARD"}])
    assert quote_of(raw)["panels"][0]["breakers"][1]["model"] == "ABS-53"  # not the economy ABN-53


def test_economy_asked_falls_back_to_standard_with_a_note(quote_of: Any) -> None:
    raw = make_request(branches=[{"type": "ELCB", "poles": 4, "trip_at": 50, "qty": 1, "grade": "ECONOMY"}])
    branch = quote_of(raw)["panels"][0]["breakers"][1]
    assert branch["model"] == "EBS-54"  # LS has no economy ELCB 4P 50AF (DOMAIN §3)
    assert branch["notes"] == ["no ECONOMY model for ELCB 4P 50AT: STANDARD EBS-54"]


def test_the_main_keeps_its_own_line_and_branch_lines_merge(quote_of: Any) -> None:
    raw = make_request(
        enclosure={},
        main={"poles": 4, "trip_at": 100},
        branches=[{"poles": 4, "trip_at": 100, "qty": 1}, {"poles": 4, "trip_at": 100, "qty": 1}],
    )
    lines = [ln for ln in quote_of(raw)["panels"][0]["lines"] if ln["section"] == "breaker"]
    assert [(ln["spec"], ln["qty"], ln["note"]) for ln in lines] == [
        ("4P 100AF 100AT 18kA", 1, "MAIN ABN-104"),
        ("4P 100AF 100AT 18kA", 2, "ABN-104"),
    ]
