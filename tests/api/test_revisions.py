"""Revisions through the API, on SQLite and PostgreSQL: at most one next revision per quote (409 for the
loser of a race), Idempotency-Key honoured, closed and superseded quotes read-only."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api, make_api, make_settings
from tests.api.sse_frames import parse_frames
from tests.factories import DOMAIN_S8, make_request

EDITED = make_request(branches=[{"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 6}])
OTHER_EDIT = make_request(branches=[{"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 7}])


@pytest.fixture
def any_api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    made = make_api(make_settings(tmp_path, database_url=db_url, rate_limit_per_minute=0))
    with made.client:
        yield made
    made.container.engine.dispose()


def _create(api: Api) -> dict[str, Any]:
    created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    assert created.status_code == 201, created.text
    return dict(created.json())


def _revise(api: Api, quote_id: str, body: dict[str, Any] = EDITED, key: str | None = None) -> Any:
    headers = {**api.auth(), **({"Idempotency-Key": key} if key else {})}
    return api.client.post(f"/v1/estimate/{quote_id}/revise", json=body, headers=headers)


def _total(api: Api) -> int:
    return int(api.client.get("/v1/estimate", headers=api.auth()).json()["total"])


def test_parallel_revisions_of_one_quote_make_one_revision(any_api: Api) -> None:
    first = _create(any_api)
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda _: _revise(any_api, first["id"]), range(5)))
    made = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code == 409]
    assert len(made) == 1 and len(refused) == 4, [a.status_code for a in answers]
    revision = made[0].json()
    assert (revision["previous_id"], revision["revision"]) == (first["id"], 2)
    for answer in refused:
        body = answer.json()
        assert body["code"] == "QUOTE_READ_ONLY" and body["meta"]["reason"] == "superseded"
        assert body["meta"]["latestId"] == revision["id"] and revision["number"] in body["hint"]
    assert _total(any_api) == 2


def test_the_same_key_replays_a_revision_and_refuses_another_body(any_api: Api) -> None:
    first = _create(any_api)
    made = _revise(any_api, first["id"], key="rev-1")
    again = _revise(any_api, first["id"], key="rev-1")
    assert made.status_code == again.status_code == 201
    assert again.json() == made.json() and again.headers["Idempotent-Replayed"] == "true"
    assert made.json()["changes"]["previous"]["id"] == first["id"]
    other_body = _revise(any_api, first["id"], OTHER_EDIT, key="rev-1")
    assert other_body.status_code == 409 and other_body.json()["code"] == "IDEMPOTENCY_BODY_MISMATCH"
    other_quote = _revise(any_api, made.json()["id"], key="rev-1")  # the same key for another quote
    assert other_quote.status_code == 409 and other_quote.json()["code"] == "IDEMPOTENCY_BODY_MISMATCH"
    assert _total(any_api) == 2


def test_closed_and_superseded_quotes_are_read_only(any_api: Api) -> None:
    first = _create(any_api)
    second = _revise(any_api, first["id"]).json()
    third = _revise(any_api, second["id"]).json()
    # a superseded quote: neither revised nor PATCHed; the hint names the latest revision
    for answer in (
        _revise(any_api, first["id"]),
        any_api.client.patch(f"/v1/estimate/{first['id']}", json={"status": "sent"}, headers=any_api.auth()),
        any_api.client.patch(
            f"/v1/estimate/{second['id']}", json={"status": "closed"}, headers=any_api.auth()
        ),
    ):
        body = answer.json()
        assert answer.status_code == 409 and body["code"] == "QUOTE_READ_ONLY", answer.text
        assert {k: body["meta"][k] for k in ("reason", "latestId", "latestNumber")} == {
            "reason": "superseded",
            "latestId": third["id"],
            "latestNumber": third["number"],
        }
        assert third["number"] in body["hint"] and body["traceId"] == answer.headers["X-Trace-Id"]
    # a closed quote: no revision, no status change
    closed = any_api.client.patch(
        f"/v1/estimate/{third['id']}", json={"status": "closed"}, headers=any_api.auth()
    )
    assert closed.status_code == 200
    for answer in (
        _revise(any_api, third["id"]),
        any_api.client.patch(f"/v1/estimate/{third['id']}", json={"status": "sent"}, headers=any_api.auth()),
    ):
        body = answer.json()
        assert answer.status_code == 409 and body["code"] == "QUOTE_READ_ONLY"
        assert body["meta"]["reason"] == "closed" and body["meta"]["latestId"] == third["id"]
    assert _total(any_api) == 3
    assert (
        any_api.client.get(f"/v1/estimate/{first['id']}", headers=any_api.auth()).json()["status"] == "draft"
    )


def test_a_streamed_revision_of_a_superseded_quote_ends_with_the_409(any_api: Api) -> None:
    first = _create(any_api)
    second = _revise(any_api, first["id"]).json()
    headers = {**any_api.auth(), "Accept": "text/event-stream"}
    with any_api.client.stream(
        "POST", f"/v1/estimate/{first['id']}/revise", json=EDITED, headers=headers
    ) as response:
        frames = parse_frames(response.iter_lines())
    assert response.status_code == 200 and [f["event"] for f in frames] == ["PROGRESS", "ERROR"]
    error = frames[-1]["payload"]["data"]
    assert (error["code"], error["status"], error["meta"]["latestId"]) == (
        "QUOTE_READ_ONLY",
        409,
        second["id"],
    )
    assert _total(any_api) == 2


def test_revisions_are_numbered_r1_r2_and_only_the_latest_is_revised(any_api: Api) -> None:
    first = _create(any_api)
    second = _revise(any_api, first["id"]).json()
    third = _revise(any_api, second["id"], OTHER_EDIT).json()
    assert (second["number"], third["number"]) == (f"{first['number']}-R1", f"{first['number']}-R2")
    assert second["changes"]["previous"]["number"] == first["number"]
    found = any_api.client.get("/v1/estimate", params={"q": first["number"]}, headers=any_api.auth())
    assert sorted(item["number"] for item in found.json()["items"]) == sorted(
        q["number"] for q in (first, second, third)
    )
    refused = _revise(any_api, second["id"])
    body = refused.json()
    assert refused.status_code == 409 and body["code"] == "QUOTE_READ_ONLY"
    assert body["meta"]["latestNumber"] == third["number"] and f"{third['number']}" in body["hint"]
