"""The BOM difference between two revisions (GET /v1/estimate/{id}/diff?against=): lines added, removed
and changed with their amounts, totals before and after; only within one revision chain."""

from __future__ import annotations

import copy
from typing import Any

from tests.api.conftest import Api
from tests.factories import DOMAIN_S8

FEWER = copy.deepcopy(DOMAIN_S8)
FEWER["panels"][0]["branches"][2]["qty"] = 10  # ELCB 2P 20A: 12 → 10
MORE = copy.deepcopy(FEWER)
MORE["panels"][0]["branches"].append({"type": "MCCB", "poles": 3, "trip_at": 30, "qty": 2})


def _post(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    made = api.client.post(path, json=body, headers=api.auth())
    assert made.status_code == 201, made.text
    return dict(made.json())


def _diff(api: Api, quote_id: str, against: str) -> Any:
    return api.client.get(f"/v1/estimate/{quote_id}/diff", params={"against": against}, headers=api.auth())


def _chain(api: Api) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    first = _post(api, "/v1/estimate", DOMAIN_S8)
    second = _post(api, f"/v1/estimate/{first['id']}/revise", FEWER)
    third = _post(api, f"/v1/estimate/{second['id']}/revise", MORE)
    return first, second, third


def test_a_changed_quantity_and_an_added_branch_with_their_amounts(api: Api) -> None:
    first, second, third = _chain(api)
    fewer = _diff(api, second["id"], first["id"])
    assert fewer.status_code == 200, fewer.text
    body = fewer.json()
    assert (body["from"]["number"], body["to"]["number"]) == (first["number"], second["number"])
    (panel,) = body["panels"]
    assert panel["name"] == "LP-1" and panel["status"] == "kept"
    elcb = [c for c in panel["changed"] if c["name"] == "ELCB" and "20AT" in c["spec"]]
    assert len(elcb) == 1 and elcb[0]["qty"] == {"before": 12, "after": 10}
    price = elcb[0]["unit_price"]["after"]
    assert elcb[0]["amount"] == {"before": 12 * price, "after": 10 * price, "difference": -2 * price}
    assert body["totals"]["before"]["total"] == first["totals"]["total"]
    assert body["totals"]["after"]["total"] == second["totals"]["total"]
    assert body["totals"]["difference"]["total"] == second["totals"]["total"] - first["totals"]["total"]
    assert panel["amount"]["difference"] == second["panels"][0]["amount"] - first["panels"][0]["amount"]

    more = _diff(api, third["id"], second["id"]).json()
    (panel,) = more["panels"]
    added = [line for line in panel["added"] if "30AT" in line["spec"] and line["qty"] == 2]
    assert len(added) == 1 and added[0]["amount"] == 2 * added[0]["unit_price"]
    assert not any(c["name"] == "ELCB" and "20AT" in c["spec"] for c in panel["changed"])
    # any two revisions of the chain, either way round: the added branch shows as removed backwards
    backwards = _diff(api, first["id"], third["id"]).json()
    assert any("30AT" in line["spec"] for line in backwards["panels"][0]["removed"])
    assert backwards["totals"]["difference"]["total"] == first["totals"]["total"] - third["totals"]["total"]


def test_quotes_of_other_chains_and_unknown_ids_are_refused(api: Api) -> None:
    first, second, _ = _chain(api)
    other = _post(api, "/v1/estimate", DOMAIN_S8)
    unrelated = _diff(api, second["id"], other["id"])
    body = unrelated.json()
    assert unrelated.status_code == 422 and body["code"] == "REVISION_CHAIN_MISMATCH"
    assert body["path"] == "query.against" and second["number"] in body["hint"]
    missing = _diff(api, first["id"], "00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.json()["path"] == "query.against"
    assert _diff(api, "nope", first["id"]).status_code == 404
    no_against = api.client.get(f"/v1/estimate/{first['id']}/diff", headers=api.auth())
    assert no_against.status_code == 422 and no_against.json()["code"] == "REQ_INVALID"


def test_the_chain_names_every_revision_and_the_latest(api: Api) -> None:
    first, second, third = _chain(api)
    for quote in (first, second, third):
        chain = api.client.get(f"/v1/estimate/{quote['id']}/revisions", headers=api.auth()).json()
        assert [item["number"] for item in chain["items"]] == [
            first["number"],
            second["number"],
            third["number"],
        ]
        assert chain["latest"]["id"] == third["id"] and chain["latest"]["revision"] == 3
    missing = api.client.get("/v1/estimate/nope/revisions", headers=api.auth())
    assert missing.status_code == 404 and missing.json()["code"] == "QUOTE_NOT_FOUND"
