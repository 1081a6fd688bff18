"""POST /v1/estimate/preview: the engine's numbers for a request, with nothing stored and no number spent."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.api.conftest import Api, make_api, make_settings
from tests.api.test_app import envelope
from tests.factories import DOMAIN_S8, make_request

PREVIEW = "/v1/estimate/preview"
TABLES = (
    "quotes",
    "panels",
    "breakers",
    "quote_items",
    "documents",
    "evidence_blobs",
    "quote_events",
    "idempotency_keys",
    "quote_counters",
    "rate_limits",
    "storage_usage",
)


def _rows(api: Api) -> dict[str, int]:
    with api.container.engine.connect() as connection:
        return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _blobs(api: Api) -> list[Path]:
    root = Path(api.container.settings.storage_url.removeprefix("file://"))
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


def test_a_preview_prices_like_a_create_and_stores_nothing(api: Api) -> None:
    before, blobs = _rows(api), _blobs(api)
    answered = api.client.post(PREVIEW, json=DOMAIN_S8, headers=api.auth())
    assert answered.status_code == 200, answered.text
    preview = answered.json()
    assert preview["totals"] == {"subtotal": 1_664_700, "vat": 166_470, "total": 1_831_170, "vat_rate": 0.1}
    assert _rows(api) == before and _blobs(api) == blobs  # no row, no counter, no blob

    created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    assert created.status_code == 201, created.text
    quote = created.json()
    assert quote["number"].endswith("-0001")  # the preview spent no number
    assert {k: preview["totals"][k] for k in ("subtotal", "vat", "total")} == {
        k: quote["totals"][k] for k in ("subtotal", "vat", "total")
    }
    (shown,), (saved,) = preview["panels"], quote["panels"]
    for key in ("model", "stock", "fit_score", "price"):
        assert shown["enclosure"][key] == saved["enclosure"][key], key
    assert shown["enclosure"]["size_mm"] == saved["enclosure"]["size_mm"] == [700, 1200, 200]
    assert [shown["phases"][p] for p in "RST"] == [saved["phases"][p] for p in "RST"]
    assert (shown["subtotal"], shown["amount"]) == (saved["subtotal"], saved["amount"])
    assert preview["catalog_sha256"] == quote["catalog_sha256"]


def test_a_refused_preview_names_every_problem_at_its_path(api: Api) -> None:
    before = _rows(api)
    request = make_request(
        main={"type": "MCCB", "poles": 5, "trip_at": 200},
        branches=[
            {"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 12},
            {"type": "ELCB", "poles": 5, "trip_at": 20, "qty": 1},
        ],
    )
    refused = api.client.post(PREVIEW, json=request, headers=api.auth())
    assert refused.status_code == 422
    body = envelope(refused)
    assert (body["code"], body["path"]) == ("POLES_MISMATCH", "panels.0.main.poles")
    paths = {(p["code"], p["path"]) for p in body["meta"]["errors"]}
    assert ("POLES_MISMATCH", "panels.0.branches.1.poles") in paths
    # The same refusal as a create of that request.
    created = api.client.post("/v1/estimate", json=request, headers=api.auth())
    assert created.status_code == 422 and created.json()["meta"]["errors"] == body["meta"]["errors"]

    missing = copy.deepcopy(DOMAIN_S8)
    del missing["panels"][0]["main"]["trip_at"]
    del missing["customer"]["name"]
    refused = api.client.post(PREVIEW, json=missing, headers=api.auth())
    assert refused.status_code == 422
    assert {(p["code"], p["path"]) for p in envelope(refused)["meta"]["errors"]} == {
        ("REQ_MORE_INFO", "customer.name"),
        ("REQ_MORE_INFO", "panels.0.main.trip_at"),
    }
    tab = api.client.post(PREVIEW, json={**DOMAIN_S8, "project": "신축\t공장"}, headers=api.auth())
    assert tab.status_code == 422 and (envelope(tab)["code"], tab.json()["path"]) == (
        "REQ_TEXT_UNPRINTABLE",
        "project",
    )
    for body_sent, status in ((b"[1, 2]", 422), (b"{not json", 400)):
        answer = api.client.post(
            PREVIEW, content=body_sent, headers={**api.auth(), "Content-Type": "application/json"}
        )
        assert answer.status_code == status, answer.text
        envelope(answer)
    assert _rows(api)["quotes"] == before["quotes"]


def test_the_preview_needs_an_estimator_and_keeps_the_body_limit(api: Api) -> None:
    assert envelope(api.client.post(PREVIEW, json=DOMAIN_S8))["code"] == "AUTH_REQUIRED"
    viewer = api.client.post(PREVIEW, json=DOMAIN_S8, headers=api.auth("viewer"))
    assert viewer.status_code == 403 and envelope(viewer)["code"] == "FORBIDDEN"
    huge = {**DOMAIN_S8, "project": "x" * 2_000_000}
    too_large = api.client.post(PREVIEW, json=huge, headers=api.auth())
    assert too_large.status_code == 413 and envelope(too_large)["code"] == "PAYLOAD_TOO_LARGE"


def test_previews_are_not_counted_as_writes(tmp_path: Path) -> None:
    """Typing asks for a preview at every pause: RATE_LIMIT_PER_MINUTE counts only what is stored."""
    api = make_api(make_settings(tmp_path, rate_limit_per_minute=2))
    with api.client:
        answers: list[Any] = [api.client.post(PREVIEW, json=DOMAIN_S8, headers=api.auth()) for _ in range(5)]
        assert [a.status_code for a in answers] == [200] * 5
        creates = [api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()) for _ in range(3)]
        assert [c.status_code for c in creates] == [201, 201, 429]


def test_a_preview_shows_the_discount_and_each_lines_price_range(api: Api) -> None:
    request = copy.deepcopy(DOMAIN_S8)
    request["discount"] = {"percent": 5}
    answered = api.client.post(PREVIEW, json=request, headers=api.auth())
    assert answered.status_code == 200, answered.text
    # DOMAIN §14's worked 5 % of the §13 panel.
    assert answered.json()["totals"] == {
        "subtotal": 1_664_700,
        "discount": 83_235,
        "supply": 1_581_465,
        "vat": 158_147,
        "total": 1_739_612,
        "vat_rate": 0.1,
    }
    ranged = copy.deepcopy(DOMAIN_S8)
    branches = ranged["panels"][0]["branches"]
    branches.append({"type": "MCCB", "poles": 4, "trip_at": 100, "qty": 1, "unit_price": {"value": "low"}})
    ranged["panels"][0]["accessories"] = [{"kind": "SPD", "qty": 1}]  # its breaker is not a line of the form
    answered = api.client.post(PREVIEW, json=ranged, headers=api.auth())
    assert answered.status_code == 200, answered.text
    (panel,) = answered.json()["panels"]
    prices = {p["path"]: p for p in panel["prices"]}
    assert prices[f"panels.0.branches.{len(branches) - 1}"] == {
        "path": f"panels.0.branches.{len(branches) - 1}",
        "model": "ABN-104",
        "list_price": 87_300,
        "range": [54_300, 87_300],
        "unit_price": 54_300,
    }
    assert prices["panels.0.main"]["model"] == "ABN-204"
    assert len(prices) == len(panel["prices"])  # one per line of the request
    assert (prices["panels.0.main"]["list_price"], prices["panels.0.main"]["range"]) == (154_000, None)
