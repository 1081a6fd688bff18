"""Price adjustments (DOMAIN §14): the discount's shape and arithmetic, unit-price choices and overrides.

The full hand-worked cases are goldset 57–66 (tests/regression/goldset); these pin the edges.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kis_estimator.engine.adjustments import discount_amount, discount_problem
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.estimate import run_engine
from kis_estimator.engine.quote import quote_content, with_identity
from kis_estimator.engine.request import Discount
from kis_estimator.engine.rulebook import Rulebook
from tests.factories import DOMAIN_S8


def _quote(raw: dict[str, Any], catalog: Catalog, rules: Rulebook) -> dict[str, Any]:
    work = run_engine(raw, catalog, rules)
    content = quote_content(work, engine_version="test", price_book_id=None)
    quote = with_identity(
        content,
        quote_id="q",
        number="EST-20260101-0001",
        created_at="2026-01-01T09:00:00+09:00",
        quote_date="2026-01-01",
    )
    return dict(quote)


def _refused(raw: dict[str, Any], catalog: Catalog, rules: Rulebook) -> dict[str, Any]:
    with pytest.raises(RequestRejected) as caught:
        run_engine(raw, catalog, rules)
    return caught.value.first.as_dict()


def _s8(**extra: Any) -> dict[str, Any]:
    return {**copy.deepcopy(DOMAIN_S8), **extra}


@pytest.mark.parametrize(
    ("subtotal", "percent", "expected"),
    [
        (1_664_700, 5, 83_235),
        (1_664_700, 1.5, 24_971),  # 24,970.5: the tie goes up
        (1_664_700, 0.5, 8_324),  # 8,323.5: the tie goes up
        (1_664_700, 2.25, 37_456),  # 37,455.75
        (1_664_700, 99.99, 1_664_534),  # 1,664,533.53
        (333, 1.5, 5),  # 4.995
    ],
)
def test_a_percentage_discount_rounds_half_up(subtotal: int, percent: float, expected: int) -> None:
    assert discount_amount(subtotal, Discount(percent=percent)) == expected


def test_a_percentage_that_rounds_up_to_the_whole_subtotal_is_refused() -> None:
    # 99.5 % of 100 KRW is 99.5, rounded to 100: no supply would be left
    problem = discount_problem(100, Discount(percent=99.5))
    assert problem is not None and problem.code == "DISCOUNT_EXCEEDS_SUBTOTAL"
    assert problem.path == "discount.percent" and "최대 99원" in problem.hint
    assert discount_problem(100, Discount(percent=99.4)) is None


def test_the_totals_gain_discount_and_supply_only_with_a_discount(catalog: Catalog, rules: Rulebook) -> None:
    plain = _quote(_s8(), catalog, rules)
    assert list(plain["totals"]) == ["subtotal", "vat", "total", "vat_rate", "amount_in_words"]
    assert "adjustments" not in plain and "discount" not in plain["request"]
    discounted = _quote(_s8(discount={"percent": 5}), catalog, rules)
    assert list(discounted["totals"]) == [
        "subtotal",
        "discount",
        "supply",
        "vat",
        "total",
        "vat_rate",
        "amount_in_words",
    ]
    assert discounted["request"]["discount"] == {"percent": 5, "amount": None, "reason": None}
    assert discounted["adjustments"] == [
        {
            "what": "discount",
            "path": "discount",
            "percent": 5,
            "amount": 83_235,
            "from": 1_664_700,
            "to": 1_581_465,
            "reason": None,
        }
    ]


@pytest.mark.parametrize(
    ("discount", "code", "path"),
    [
        ({"percent": 5, "amount": 1000}, "REQ_INVALID", "discount"),
        ({}, "REQ_INVALID", "discount"),
        ({"percent": 0}, "REQ_INVALID", "discount.percent"),
        ({"percent": -3}, "REQ_INVALID", "discount.percent"),
        ({"percent": 2.555}, "REQ_INVALID", "discount.percent"),
        ({"percent": 100}, "DISCOUNT_EXCEEDS_SUBTOTAL", "discount.percent"),
        ({"percent": 120}, "DISCOUNT_EXCEEDS_SUBTOTAL", "discount.percent"),
        ({"amount": 0}, "REQ_INVALID", "discount.amount"),
        ({"amount": 2_000_000}, "DISCOUNT_EXCEEDS_SUBTOTAL", "discount.amount"),
        ({"amount": 5, "colour": "red"}, "REQ_UNKNOWN_FIELD", "discount.colour"),
    ],
)
def test_a_bad_discount_is_refused_with_its_path_and_a_hint(
    discount: dict[str, Any], code: str, path: str, catalog: Catalog, rules: Rulebook
) -> None:
    problem = _refused(_s8(discount=discount), catalog, rules)
    assert (problem["code"], problem["path"]) == (code, path)
    assert " / " in problem["message"] and problem["hint"]


@pytest.mark.parametrize(("percent", "said"), [(100, "할인 100%은(는)"), (2.555, "할인율 2.555%는")])
def test_a_refused_percentage_is_said_as_typed(
    percent: float, said: str, catalog: Catalog, rules: Rulebook
) -> None:
    problem = _refused(_s8(discount={"percent": percent}), catalog, rules)
    assert problem["message"].startswith(said), problem["message"]


def test_the_refused_amount_names_the_largest_allowed(catalog: Catalog, rules: Rulebook) -> None:
    problem = _refused(_s8(discount={"amount": 1_664_700}), catalog, rules)
    assert "1,664,699" in problem["hint"]


def _with_range_branch(unit_price: Any) -> dict[str, Any]:
    raw = _s8()
    # LS MCCB 4P 100A is ABN-104, priced 54,300~87,300 in the catalog
    raw["panels"][0]["branches"].append({"type": "MCCB", "poles": 4, "trip_at": 100, "qty": 1})
    if unit_price is not None:
        raw["panels"][0]["branches"][-1]["unit_price"] = unit_price
    return raw


@pytest.mark.parametrize(
    ("choice", "quoted"),
    [(None, 87_300), ({"value": "high"}, 87_300), ({"value": "low"}, 54_300), ({"value": 60_000}, 60_000)],
)
def test_a_price_range_is_quoted_high_unless_the_estimator_picks(
    choice: Any, quoted: int, catalog: Catalog, rules: Rulebook
) -> None:
    quote = _quote(_with_range_branch(choice), catalog, rules)
    line = next(ln for ln in quote["panels"][0]["lines"] if ln["model"] == "ABN-104")
    assert line["unit_price"] == quoted
    if choice is None:
        assert "adjustment" not in line
    else:
        assert line["adjustment"]["range"] == [54_300, 87_300]
        assert line["adjustment"]["list_price"] == 87_300


def test_a_value_outside_the_range_is_refused_with_the_range(catalog: Catalog, rules: Rulebook) -> None:
    problem = _refused(_with_range_branch({"value": 50_000, "reason": "특가"}), catalog, rules)
    assert problem["code"] == "PRICE_OUT_OF_RANGE"
    assert problem["path"] == "panels.0.branches.3.unit_price.value"
    assert "54,300~87,300원" in problem["hint"]


def test_low_or_high_on_a_single_price_is_refused(catalog: Catalog, rules: Rulebook) -> None:
    raw = _s8()
    raw["panels"][0]["main"]["unit_price"] = {"value": "low"}
    problem = _refused(raw, catalog, rules)
    assert (problem["code"], problem["path"]) == ("REQ_INVALID", "panels.0.main.unit_price.value")


def test_an_accessory_override_keeps_the_catalog_price(catalog: Catalog, rules: Rulebook) -> None:
    raw = _s8()
    raw["panels"][0]["accessories"] = [
        {"kind": "SPD", "unit_price": {"value": 100_000, "reason": "협상가"}},
    ]
    quote = _quote(raw, catalog, rules)
    spd = next(ln for ln in quote["panels"][0]["lines"] if ln["model"] == "SPD-40KA")
    assert spd["unit_price"] == 100_000
    listed = catalog.accessory_by_model("SPD-40KA")
    assert listed is not None and spd["adjustment"]["list_price"] == listed.price_krw
    assert quote["adjustments"][0]["path"] == "panels.0.accessories.0.unit_price"


def test_a_malformed_unit_price_is_one_problem_with_the_shape_in_the_hint(
    catalog: Catalog, rules: Rulebook
) -> None:
    raw = _s8()
    raw["panels"][0]["main"]["unit_price"] = {"value": "middle"}
    with pytest.raises(RequestRejected) as caught:
        run_engine(raw, catalog, rules)
    assert [p.path for p in caught.value.problems] == ["panels.0.main.unit_price.value"]
    assert '"low"' in caught.value.first.hint


def test_the_request_dumps_without_the_absent_adjustments_whatever_the_options() -> None:
    from kis_estimator.engine.request import parse_request

    request = parse_request(_s8())
    for options in ({}, {"exclude_none": True}, {"mode": "json"}, {"mode": "json", "exclude_none": True}):
        dumped = request.model_dump(**options)  # type: ignore[arg-type]
        assert "discount" not in dumped and "unit_price" not in dumped["panels"][0]["main"], options
