"""POST /v1/estimate/alternatives and GET /v1/estimate/{id}/alternatives: the variants priced as a create
would price them, nothing stored; a variant's request made into a revision gives the variant's totals."""

from __future__ import annotations

import copy

from sqlalchemy import text

from tests.api.conftest import Api
from tests.api.test_app import envelope
from tests.factories import DOMAIN_S8, make_request

ALTERNATIVES = "/v1/estimate/alternatives"


def _quotes(api: Api) -> int:
    with api.container.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM quotes")).scalar_one())


def _totals(quote: dict[str, object]) -> dict[str, object]:
    totals = quote["totals"]
    assert isinstance(totals, dict)
    return {k: totals[k] for k in ("subtotal", "vat", "total")}


def test_each_variant_is_what_a_create_of_its_request_costs(api: Api) -> None:
    answered = api.client.post(ALTERNATIVES, json=DOMAIN_S8, headers=api.auth())
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert _quotes(api) == 0  # nothing stored
    assert body["base"]["totals"] == {"subtotal": 1_664_700, "vat": 166_470, "total": 1_831_170}
    assert [v["changes"] for v in body["variants"]] == [
        {"brand": "SANGDO"},
        {"grade": "STANDARD"},
        {"material": "STEEL", "thickness_mm": 1.6},
        {"enclosure_kind": "CUSTOM"},
    ]
    for variant in body["variants"]:
        assert variant["unmapped"] == []
        assert variant["difference"] == variant["totals"]["total"] - 1_831_170
        created = api.client.post("/v1/estimate", json=variant["request"], headers=api.auth())
        assert created.status_code == 201, created.text
        quote = created.json()
        assert _totals(quote) == variant["totals"], variant["changes"]
        (shown,), (saved,) = variant["panels"], quote["panels"]
        for key in ("model", "size_mm", "stock", "price"):
            assert shown["enclosure"][key] == saved["enclosure"][key], (variant["changes"], key)


def test_unmapped_parts_are_listed_with_their_path_and_the_rest_is_priced(api: Api) -> None:
    request = make_request(main={"type": "MCCB", "poles": 3, "trip_at": 200, "model": "ABS-203"})
    body = api.client.post(ALTERNATIVES, json=request, headers=api.auth()).json()
    (sangdo,) = [v for v in body["variants"] if v["changes"] == {"brand": "SANGDO"}]
    assert (sangdo["totals"], sangdo["difference"], sangdo["panels"], sangdo["request"]) == (
        None,
        None,
        [],
        None,
    )
    (unmapped,) = sangdo["unmapped"]
    assert unmapped["path"] == "panels.0.main.model"
    assert "ABS-203" in unmapped["reason"] and " / SANGDO makes no MCCB 3P 250AF" in unmapped["reason"]
    assert all(v["totals"] is not None for v in body["variants"] if v is not sangdo)


def test_a_saved_quote_s_alternatives_and_a_variant_made_into_its_revision(api: Api) -> None:
    created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    quote = created.json()
    answered = api.client.get(f"/v1/estimate/{quote['id']}/alternatives", headers=api.auth("viewer"))
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["quote"] == {
        "id": quote["id"],
        "number": quote["number"],
        "revision": 1,
        "status": "draft",
        "totals": _totals(quote),
    }
    assert body["base"]["totals"] == _totals(quote)
    (sangdo,) = [v for v in body["variants"] if v["changes"] == {"brand": "SANGDO"}]
    revised = api.client.post(
        f"/v1/estimate/{quote['id']}/revise", json=sangdo["request"], headers=api.auth()
    )
    assert revised.status_code == 201, revised.text
    revision = revised.json()
    assert _totals(revision) == sangdo["totals"]
    assert revision["changes"]["totals_delta"]["total"] == sangdo["difference"]
    assert revision["brand"] == "SANGDO"


def test_the_routes_do_not_collide_with_a_quote_id(api: Api) -> None:
    """`alternatives` is no quote id, and a quote id is no `alternatives`."""
    missing = api.client.get(
        "/v1/estimate/00000000-0000-0000-0000-000000000000/alternatives", headers=api.auth()
    )
    assert missing.status_code == 404 and envelope(missing)["code"] == "QUOTE_NOT_FOUND"
    as_id = api.client.get(ALTERNATIVES, headers=api.auth())
    assert as_id.status_code == 404 and envelope(as_id)["code"] == "QUOTE_NOT_FOUND"  # GET /{quote_id}
    assert api.client.post(ALTERNATIVES, json=DOMAIN_S8, headers=api.auth()).status_code == 200


def test_a_refused_request_is_the_create_s_422_and_the_limits_hold(api: Api) -> None:
    request = make_request(main={"type": "MCCB", "poles": 5, "trip_at": 200})
    refused = api.client.post(ALTERNATIVES, json=request, headers=api.auth())
    assert refused.status_code == 422
    assert (envelope(refused)["code"], refused.json()["path"]) == ("POLES_MISMATCH", "panels.0.main.poles")
    created = api.client.post("/v1/estimate", json=request, headers=api.auth())
    assert created.json()["meta"]["errors"] == refused.json()["meta"]["errors"]
    tab = api.client.post(ALTERNATIVES, json={**DOMAIN_S8, "project": "a\tb"}, headers=api.auth())
    assert tab.status_code == 422 and envelope(tab)["code"] == "REQ_TEXT_UNPRINTABLE"
    huge = copy.deepcopy(DOMAIN_S8) | {"project": "x" * 2_000_000}
    too_large = api.client.post(ALTERNATIVES, json=huge, headers=api.auth())
    assert too_large.status_code == 413 and envelope(too_large)["code"] == "PAYLOAD_TOO_LARGE"
    viewer = api.client.post(ALTERNATIVES, json=DOMAIN_S8, headers=api.auth("viewer"))
    assert viewer.status_code == 403 and envelope(viewer)["code"] == "FORBIDDEN"
    assert _quotes(api) == 0
