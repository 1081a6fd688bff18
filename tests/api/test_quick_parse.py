"""POST /v1/requests/parse through the ASGI app: the request and findings, refusals as the envelope
with the word's position, the request's own codes for an invalid request, the length limit, roles."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.factories import DOMAIN_S8

PARSE = "/v1/requests/parse"
S8 = "LS 옥외 SUS 메인 4P 200A 분기 ELB 4P 100A 2개 ELB 4P 50A 4개 ELB 2P 20A 12개"
ENVELOPE = {"code", "message", "hint", "path", "traceId", "meta"}


def test_a_phrase_reads_into_a_request_that_prices_like_domain_s8(api: Api) -> None:
    answer = api.client.post(PARSE, json={"text": S8}, headers=api.auth())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"request", "findings"}
    assert body["request"]["panels"][0]["branches"] == DOMAIN_S8["panels"][0]["branches"]
    assert all(
        f["code"] in ("SHORTHAND_WORD", "SHORTHAND_DEFAULT") and S8[f["start"] : f["end"]] == f["word"]
        for f in body["findings"]
    )
    request = {"customer": DOMAIN_S8["customer"], **body["request"]}
    created = api.client.post("/v1/estimate", json=request, headers=api.auth())
    assert created.status_code == 201 and created.json()["totals"]["total"] == 1_831_170


def test_an_unknown_word_is_a_422_naming_the_word_and_its_position(api: Api) -> None:
    answer = api.client.post(PARSE, json={"text": "LS 메인 4P 75A 누진 2P 20A"}, headers=api.auth())
    assert answer.status_code == 422
    body = answer.json()
    assert set(body) == ENVELOPE and body["code"] == "SHORTHAND_UNKNOWN_WORD" and body["path"] == "text"
    assert "누진" in body["message"] and answer.headers["X-Trace-Id"] == body["traceId"]
    meta = body["meta"]
    assert (meta["word"], meta["start"], meta["end"], meta["suggestion"]) == ("누진", 13, 15, "누전")
    assert meta["errors"][0]["word"] == "누진" and meta["findings"][0]["word"] == "LS"


def test_a_phrase_giving_an_invalid_request_gets_the_requests_own_code(api: Api) -> None:
    parsed = api.client.post(PARSE, json={"text": "LS 메인 5P 75A ELB 2P 20A"}, headers=api.auth())
    request = {
        "customer": {"name": "x"},
        "brand": "LS",
        "panels": [
            {
                "main": {"type": "MCCB", "poles": 5, "trip_at": 75},
                "branches": [{"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 1}],
            }
        ],
    }
    direct = api.client.post("/v1/estimate", json=request, headers=api.auth())
    assert parsed.status_code == direct.status_code == 422
    same = ("code", "message", "hint", "path")
    assert {k: parsed.json()[k] for k in same} == {k: direct.json()[k] for k in same}
    assert parsed.json()["meta"]["word"] == "5P"
    no_main = api.client.post(PARSE, json={"text": "LS ELB 2P 20A 12개"}, headers=api.auth()).json()
    assert (no_main["code"], no_main["path"], no_main["meta"]["start"]) == (
        "REQ_MORE_INFO",
        "panels.0.main",
        3,
    )


def test_the_text_is_limited_and_the_body_checked(api: Api) -> None:
    long = api.client.post(PARSE, json={"text": "LS " * 1400}, headers=api.auth())
    assert long.status_code == 413 and long.json()["code"] == "SHORTHAND_TOO_LONG"
    assert long.json()["meta"]["maxChars"] == 4000
    empty = api.client.post(PARSE, json={"text": ""}, headers=api.auth())
    assert empty.status_code == 422 and empty.json()["code"] == "SHORTHAND_EMPTY"
    for body in ({}, {"text": 5}, {"text": "LS", "customer": "x"}):
        refused = api.client.post(PARSE, json=body, headers=api.auth())
        assert refused.status_code == 422 and set(refused.json()) == ENVELOPE, body


def test_parsing_needs_an_estimator_key(api: Api) -> None:
    body = {"text": "LS 메인 4P 75A"}
    assert api.client.post(PARSE, json=body).status_code == 401
    assert api.client.post(PARSE, json=body, headers=api.auth("viewer")).status_code == 403
    assert api.client.post(PARSE, json=body, headers=api.auth("admin")).status_code == 200
