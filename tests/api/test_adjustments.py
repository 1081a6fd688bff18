"""Price adjustments through POST /v1/estimate: the discount and unit-price choices in the saved quote,
the evidence's adjustments.json naming the caller, 422 envelopes, and a revision keeping them."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from typing import Any

from kis_estimator.db.keys import ApiKeyRepository
from tests.api.conftest import Api
from tests.api.test_app import envelope
from tests.factories import DOMAIN_S8


def _adjusted() -> dict[str, Any]:
    raw = copy.deepcopy(DOMAIN_S8)
    raw["discount"] = {"percent": 5, "reason": "NEGO"}
    raw["panels"][0]["main"]["unit_price"] = {"value": 140_000, "reason": "협상가"}
    raw["panels"][0]["branches"].append(
        {"type": "MCCB", "poles": 4, "trip_at": 100, "qty": 1, "unit_price": {"value": "low"}}
    )
    return raw


def _evidence(api: Api, quote_id: str) -> dict[str, bytes]:
    response = api.client.get(f"/v1/estimate/{quote_id}/evidence.zip", headers=api.auth("viewer"))
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: archive.read(name) for name in archive.namelist()}


def test_a_discounted_quote_with_adjusted_prices_is_saved_with_its_evidence(api: Api) -> None:
    created = api.client.post("/v1/estimate", json=_adjusted(), headers=api.auth())
    assert created.status_code == 201, created.text
    quote = created.json()
    # 1,664,700 − 14,000 (ABN-204 154,000 → 140,000) + 54,300 (ABN-104 at its range's low end)
    # + 800 (its card holder)
    subtotal = 1_705_800
    discount = 85_290  # 1,705,800 × 5 %
    totals = quote["totals"]
    assert (totals["subtotal"], totals["discount"], totals["supply"]) == (
        subtotal,
        discount,
        subtotal - discount,
    )
    assert totals["vat"] == 162_051 and totals["total"] == 1_782_561  # 1,620,510 × 10 %
    lines = {ln["model"]: ln for ln in quote["panels"][0]["lines"] if ln["model"]}
    assert lines["ABN-204"]["adjustment"] == {
        "list_price": 154_000,
        "range": None,
        "choice": "override",
        "reason": "협상가",
    }
    assert lines["ABN-104"]["unit_price"] == 54_300
    assert lines["ABN-104"]["adjustment"]["range"] == [54_300, 87_300]
    assert api.client.get(f"/v1/estimate/{quote['id']}", headers=api.auth("viewer")).json() == quote

    with api.container.reads() as session:
        key_id = ApiKeyRepository(session).find(api.keys["estimator"])
        assert key_id is not None
        subject = f"key:{key_id.id}"
    pack = _evidence(api, quote["id"])
    record = json.loads(pack["adjustments.json"])
    assert record["by"] == subject
    assert [(a["what"], a["from"], a["to"], a["by"]) for a in record["adjustments"]] == [
        ("unit_price", 154_000, 140_000, subject),
        ("unit_price", 87_300, 54_300, subject),
        ("discount", subtotal, subtotal - discount, subject),
    ]
    assert "adjustments.json" in quote["evidence"]["files"]


def test_a_quote_without_adjustments_has_no_adjustments_in_its_evidence(api: Api) -> None:
    quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    assert list(quote["totals"]) == ["subtotal", "vat", "total", "vat_rate", "amount_in_words"]
    assert "adjustments.json" not in _evidence(api, quote["id"])


def test_a_full_discount_is_refused_with_the_envelope(api: Api) -> None:
    for discount, path in (
        ({"percent": 100}, "discount.percent"),
        ({"amount": 1_664_700}, "discount.amount"),
    ):
        refused = api.client.post(
            "/v1/estimate", json={**DOMAIN_S8, "discount": discount}, headers=api.auth()
        )
        assert refused.status_code == 422
        body = envelope(refused)
        assert (body["code"], body["path"]) == ("DISCOUNT_EXCEEDS_SUBTOTAL", path)
        assert " / " in body["message"] and "100%" in body["hint"]


def test_a_price_outside_the_range_is_refused_with_the_range(api: Api) -> None:
    raw = _adjusted()
    raw["panels"][0]["branches"][-1]["unit_price"] = {"value": 90_000, "reason": "x"}
    refused = api.client.post("/v1/estimate", json=raw, headers=api.auth())
    assert refused.status_code == 422
    body = envelope(refused)
    assert (body["code"], body["path"]) == ("PRICE_OUT_OF_RANGE", "panels.0.branches.3.unit_price.value")
    assert "54,300~87,300원" in body["hint"]


def test_a_revision_of_the_echoed_request_keeps_the_adjustments(api: Api) -> None:
    first = api.client.post("/v1/estimate", json=_adjusted(), headers=api.auth()).json()
    edited = copy.deepcopy(first["request"])
    edited["panels"][0]["quantity"] = 2
    revised = api.client.post(f"/v1/estimate/{first['id']}/revise", json=edited, headers=api.auth())
    assert revised.status_code == 201, revised.text
    body = revised.json()
    assert body["totals"]["subtotal"] == 2 * first["totals"]["subtotal"]
    assert body["totals"]["discount"] == round(2 * first["totals"]["subtotal"] * 0.05)
    assert [a["what"] for a in body["adjustments"]] == ["unit_price", "unit_price", "discount"]
