"""Every input gate of DOMAIN §2 reached, with its code, field path, bilingual message and hint."""

from __future__ import annotations

from typing import Any

import pytest

from kis_estimator.engine.errors import RequestRejected
from tests.factories import DOMAIN_S8, make_request

MC_LINE = {"kind": "MAGNET", "model": "MC-22", "qty": 1}


def _without_main() -> dict[str, Any]:
    request = make_request()
    del request["panels"][0]["main"]
    return request


def _with(**top: Any) -> dict[str, Any]:
    return {**make_request(), **top}


CASES = [
    ("no main", _without_main(), "REQ_MORE_INFO", "panels.0.main", "main"),
    (
        "branch without AT",
        make_request(branches=[{"poles": 2, "qty": 1}]),
        "REQ_MORE_INFO",
        "panels.0.branches.0.trip_at",
        "trip_at",
    ),
    (
        "branch without qty",
        make_request(branches=[{"poles": 2, "trip_at": 20}]),
        "REQ_MORE_INFO",
        "panels.0.branches.0.qty",
        "qty",
    ),
    ("mixed without reason", _with(brand="MIXED"), "REQ_MORE_INFO", "mixed_reason", "mixed_reason"),
    (
        "contactor without model",
        make_request(accessories=[{"kind": "MAGNET", "qty": 1}]),
        "REQ_MORE_INFO",
        "panels.0.accessories.0.model",
        "MC-22",
    ),
    (
        "five poles",
        make_request(main={"poles": 5, "trip_at": 200}),
        "POLES_MISMATCH",
        "panels.0.main.poles",
        "2, 3",
    ),
    (
        "30AF in 3P",
        make_request(branches=[{"poles": 3, "trip_at": 20, "qty": 1, "frame_af": 30}]),
        "POLES_MISMATCH",
        "panels.0.branches.0.poles",
        "poles",
    ),
    (
        "400AF in 2P",
        make_request(main={"poles": 2, "trip_at": 400, "frame_af": 400}, branches=[]),
        "POLES_MISMATCH",
        "panels.0.main.poles",
        "3",
    ),
    (
        "2P 400A main without a frame",
        make_request(main={"poles": 2, "trip_at": 400}, branches=[]),
        "POLES_MISMATCH",
        "panels.0.main.poles",
        "3 or 4",
    ),
    (
        "2P 300A branch (only 400AF carries it)",
        make_request(main={"poles": 4, "trip_at": 400}, branches=[{"poles": 2, "trip_at": 300, "qty": 1}]),
        "POLES_MISMATCH",
        "panels.0.branches.0.poles",
        "3 or 4",
    ),
    (
        "3P under 2P main",
        make_request(main={"poles": 2, "trip_at": 50}, branches=[{"poles": 3, "trip_at": 20, "qty": 1}]),
        "POLES_MISMATCH",
        "panels.0.branches.0.poles",
        "2P",
    ),
    (
        "model poles differ",
        make_request(main={"poles": 3, "trip_at": 200, "model": "ABN-204"}),
        "POLES_MISMATCH",
        "panels.0.main.poles",
        "4",
    ),
    (
        "ELCB model as MCCB",
        make_request(branches=[{"type": "MCCB", "poles": 4, "trip_at": 100, "qty": 1, "model": "EBN-104"}]),
        "DEVICE_TYPE_MISMATCH",
        "panels.0.branches.0.model",
        "ELCB",
    ),
    (
        "Sangdo model in LS",
        make_request(main={"poles": 4, "trip_at": 200, "model": "SBS-204"}),
        "BRAND_CONFLICT",
        "panels.0.main.model",
        "MIXED",
    ),
    (
        "breaker brand differs",
        make_request(main={"poles": 4, "trip_at": 200, "brand": "SANGDO"}),
        "BRAND_CONFLICT",
        "panels.0.main.brand",
        "MIXED",
    ),
    (
        "no dimensions",
        make_request(main={"poles": 3, "trip_at": 100}, branches=[{"poles": 2, "trip_at": 60, "qty": 1}]),
        "NEED_KNOWLEDGE_UPDATE",
        "panels.0.branches.0",
        "210,275,103",
    ),
    (
        "STANDARD asked, none fits",
        make_request(branches=[{"type": "ELCB", "poles": 2, "trip_at": 100, "qty": 1, "grade": "STANDARD"}]),
        "NEED_KNOWLEDGE_UPDATE",
        "panels.0.branches.0.grade",
        "ECONOMY model EBN-102",
    ),
    (
        "ECONOMY model with STANDARD asked",
        make_request(
            branches=[{"poles": 4, "trip_at": 100, "qty": 1, "model": "ABN-104", "grade": "STANDARD"}]
        ),
        "REQ_INVALID",
        "panels.0.branches.0.grade",
        "STANDARD model",
    ),
    (
        "STANDARD model with ECONOMY asked",
        make_request(branches=[{"poles": 4, "trip_at": 50, "qty": 1, "model": "ABS-54", "grade": "ECONOMY"}]),
        "REQ_INVALID",
        "panels.0.branches.0.grade",
        "ECONOMY model",
    ),
    (
        "no such rating",
        make_request(branches=[{"type": "ELCB", "poles": 4, "trip_at": 35, "qty": 1}]),
        "NEED_KNOWLEDGE_UPDATE",
        "panels.0.branches.0",
        "catalog",
    ),
    (
        "unknown model",
        make_request(main={"poles": 4, "trip_at": 200, "model": "XYZ-1"}),
        "NEED_KNOWLEDGE_UPDATE",
        "panels.0.main.model",
        "catalog",
    ),
    (
        "meter without price",
        make_request(accessories=[{"kind": "METER", "model": "METER-3P", "qty": 1}]),
        "NEED_KNOWLEDGE_UPDATE",
        "panels.0.accessories.0.unit_price",
        "unit_price",
    ),
    (
        "branch above main",
        make_request(branches=[{"poles": 4, "trip_at": 225, "qty": 1}]),
        "BRANCH_AF_EXCEEDS_MAIN",
        "panels.0.branches.0.trip_at",
        "200",
    ),
    (
        "PBL on a timer",
        make_request(accessories=[{"kind": "TIMER", "model": "TIMER-24H", "with_pbl": True}]),
        "ACCESSORY_CONFLICT",
        "panels.0.accessories.0.with_pbl",
        "PBL",
    ),
    (
        "timer as contactor",
        make_request(accessories=[{"kind": "MAGNET", "model": "TIMER-24H"}]),
        "ACCESSORY_CONFLICT",
        "panels.0.accessories.0.kind",
        "TIMER",
    ),
    (
        "pole mount indoors",
        make_request(enclosure={"location": "INDOOR", "mount": "POLE"}),
        "LOCATION_MISMATCH",
        "panels.0.enclosure.mount",
        "OUTDOOR",
    ),
    (
        "flush mount outdoors",
        make_request(enclosure={"location": "OUTDOOR", "mount": "FLUSH"}),
        "LOCATION_MISMATCH",
        "panels.0.enclosure.mount",
        "INDOOR",
    ),
    (
        "qty 1000",
        make_request(branches=[{"poles": 2, "trip_at": 20, "qty": 1000}]),
        "REQ_LIMIT_EXCEEDED",
        "panels.0.branches.0.qty",
        "999",
    ),
    (
        "qty 0",
        make_request(branches=[{"poles": 2, "trip_at": 20, "qty": 0}]),
        "REQ_LIMIT_EXCEEDED",
        "panels.0.branches.0.qty",
        "1",
    ),
    (
        "201 branches",
        make_request(branches=[{"poles": 2, "trip_at": 20, "qty": 201}]),
        "REQ_LIMIT_EXCEEDED",
        "panels.0.branches",
        "200",
    ),
    ("51 panels", _with(panels=DOMAIN_S8["panels"] * 51), "REQ_LIMIT_EXCEEDED", "panels", "50"),
    ("panel quantity 1000", make_request(quantity=1000), "REQ_LIMIT_EXCEEDED", "panels.0.quantity", "999"),
    ("unknown field", make_request(colour="grey"), "REQ_UNKNOWN_FIELD", "panels.0.colour", "colour"),
    (
        "wrong type",
        make_request(main={"poles": "four", "trip_at": 200}),
        "REQ_INVALID",
        "panels.0.main.poles",
        "",
    ),
    (
        "unknown series",
        make_request(enclosure={"series": "ZZ"}),
        "REQ_INVALID",
        "panels.0.enclosure.series",
        "SC",
    ),
    (
        "explicit box too small",
        make_request(enclosure={"location": "OUTDOOR", "material": "SUS201", "size_mm": [600, 600, 180]}),
        "ENCLOSURE_TOO_SMALL",
        "panels.0.enclosure.size_mm",
        "700×1070×150",
    ),
]


@pytest.mark.parametrize(("label", "raw", "code", "path", "hint_part"), CASES, ids=[c[0] for c in CASES])
def test_gate(
    quote_of: Any, label: str, raw: dict[str, Any], code: str, path: str | None, hint_part: str | None
) -> None:
    with pytest.raises(RequestRejected) as caught:
        quote_of(raw)
    problem = caught.value.first
    assert problem.code == code, caught.value.problems
    if path is not None:
        assert problem.path == path
    if hint_part is not None:
        assert hint_part in problem.hint
    assert problem.message_ko and problem.message_en and problem.hint
    assert " / " in problem.message  # Korean / English


def test_every_problem_is_reported_in_request_order(quote_of: Any) -> None:
    raw = make_request(
        branches=[{"poles": 4, "trip_at": 225, "qty": 1}, {"poles": 2, "trip_at": 20, "qty": 1000}],
        enclosure={"location": "INDOOR", "mount": "POLE"},
    )
    with pytest.raises(RequestRejected) as caught:
        quote_of(raw)
    found = [(p.code, p.path) for p in caught.value.problems]
    assert found == [
        ("REQ_LIMIT_EXCEEDED", "panels.0.branches.1.qty"),
        ("LOCATION_MISMATCH", "panels.0.enclosure.mount"),
        ("BRANCH_AF_EXCEEDS_MAIN", "panels.0.branches.0.trip_at"),
    ]


def test_mixed_brand_needs_each_breaker_brand(quote_of: Any) -> None:
    raw = {**make_request(), "brand": "MIXED", "mixed_reason": "고객 지정"}
    with pytest.raises(RequestRejected) as caught:
        quote_of(raw)
    assert caught.value.first.code == "REQ_MORE_INFO"
    assert caught.value.first.path == "panels.0.main.brand"


def test_mixed_brand_with_brands_is_quoted_and_recorded(quote_of: Any) -> None:
    raw = make_request(
        main={"poles": 4, "trip_at": 200, "model": "SBS-204"},
        branches=[{"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 3, "brand": "LS"}],
    )
    raw.update(brand="MIXED", mixed_reason="메인은 상도 재고품 사용")
    quote = quote_of(raw)
    assert [b["brand"] for b in quote["panels"][0]["breakers"]] == ["SANGDO", "LS"]
    assert "brand MIXED: 메인은 상도 재고품 사용" in quote["notes"]
