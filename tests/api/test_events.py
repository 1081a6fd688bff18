"""Live progress over server-sent events: the streamed create, replay and tail of stored events."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, event

from kis_estimator.api import sse
from kis_estimator.db.events import EventRepository
from kis_estimator.db.models import QuoteEventRow
from tests.api.conftest import Api
from tests.api.sse_frames import parse_frames
from tests.factories import DOMAIN_S8, make_request

STREAM = {"Accept": "text/event-stream"}


def _stream(api: Api, method: str, url: str, **kwargs: Any) -> tuple[Any, list[dict[str, Any]]]:
    with api.client.stream(method, url, **kwargs) as response:
        frames = parse_frames(response.iter_lines())
    return response, frames


def _check_meta(frames: list[dict[str, Any]], quote_id: str) -> None:
    seqs = [f["payload"]["meta"]["seq"] for f in frames]
    assert seqs == sorted(set(seqs)) and seqs[0] == 1, seqs
    for frame in frames:
        assert frame["payload"]["type"] == frame["event"]
        assert frame["payload"]["meta"]["quoteId"] == quote_id and frame["payload"]["meta"]["traceId"]


def test_streamed_create_reports_every_stage_then_the_result(api: Api) -> None:
    response, frames = _stream(api, "POST", "/v1/estimate", json=DOMAIN_S8, headers={**api.auth(), **STREAM})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-accel-buffering"] == "no" and "no-cache" in response.headers["cache-control"]
    quote_id = response.headers["x-quote-id"]
    _check_meta(frames, quote_id)
    events = [f["event"] for f in frames]
    stages = [f["payload"]["data"]["stage"] for f in frames if f["event"] == "PROGRESS"]
    assert stages == [
        "accepted", "validate", "resolve", "enclosure", "placement", "critic", "pricing",
        "format", "cover", "lint", "evidence",
    ]  # fmt: skip
    assert events[-2:] == ["RESULT", "DONE"] and "GATE_RESULT" in events
    result = frames[-2]["payload"]["data"]
    assert result["id"] == quote_id and result["totals"]["total"] == 1_831_170
    assert frames[-1]["payload"]["data"]["number"] == result["number"]
    stored = api.client.get(f"/v1/estimate/{quote_id}", headers=api.auth("viewer")).json()
    assert stored == result


def test_events_replay_from_any_reader_and_resume_after_last_event_id(api: Api) -> None:
    _, live = _stream(api, "POST", "/v1/estimate", json=DOMAIN_S8, headers={**api.auth(), **STREAM})
    quote_id = live[0]["payload"]["meta"]["quoteId"]
    stored_ids = [f["id"] for f in live if "id" in f]
    _, replay = _stream(
        api, "GET", f"/v1/estimate/{quote_id}/events", headers={**api.auth("viewer"), **STREAM}
    )
    _check_meta(replay, quote_id)
    assert [f["id"] for f in replay] == stored_ids  # RESULT is not stored; everything else is
    assert replay[-1]["event"] == "DONE"
    _, by_query = _stream(api, "GET", f"/v1/estimate/stream?quoteId={quote_id}", headers=api.auth("viewer"))
    assert [f["id"] for f in by_query] == stored_ids
    _, resumed = _stream(
        api, "GET", f"/v1/estimate/{quote_id}/events", headers={**api.auth("viewer"), "Last-Event-ID": "5"}
    )
    assert [f["id"] for f in resumed] == [i for i in stored_ids if i > 5]


def test_a_plain_create_stores_its_events_with_the_quote(api: Api) -> None:
    quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    _, frames = _stream(api, "GET", f"/v1/estimate/{quote['id']}/events", headers=api.auth("viewer"))
    assert frames[0]["payload"]["data"]["stage"] == "accepted" and frames[-1]["event"] == "DONE"
    gates = [f["payload"]["data"]["id"] for f in frames if f["event"] == "GATE_RESULT"]
    assert gates == [g["id"] for g in quote["gates"]]


def test_a_refused_streamed_create_ends_with_error_and_saves_nothing(api: Api) -> None:
    bad = make_request(main={"poles": 5, "trip_at": 200})
    _, frames = _stream(api, "POST", "/v1/estimate", json=bad, headers={**api.auth(), **STREAM})
    assert frames[-1]["event"] == "ERROR"
    error = frames[-1]["payload"]["data"]
    assert (error["code"], error["path"], error["status"]) == ("POLES_MISMATCH", "panels.0.main.poles", 422)
    quote_id = frames[0]["payload"]["meta"]["quoteId"]
    assert api.client.get(f"/v1/estimate/{quote_id}", headers=api.auth()).status_code == 404
    _, replay = _stream(api, "GET", f"/v1/estimate/{quote_id}/events", headers=api.auth())
    assert replay[-1]["event"] == "ERROR"  # the refusal itself is kept for whoever tails it
    assert api.client.get("/v1/estimate", headers=api.auth()).json()["total"] == 0


def test_a_stream_of_an_unknown_quote_is_a_404_envelope(api: Api) -> None:
    response = api.client.get("/v1/estimate/unknown/events", headers=api.auth())
    assert response.status_code == 404 and response.json()["code"] == "QUOTE_NOT_FOUND"


def test_a_tail_sends_heartbeats_while_idle(api: Api) -> None:
    from kis_estimator.db.events import EventRepository

    with api.container.sessions.begin() as session:  # a create that is still running elsewhere
        EventRepository(session).append("in-flight", "PROGRESS", {"stage": "accepted"})

    def finish() -> None:
        import time

        time.sleep(0.7)
        with api.container.sessions.begin() as session:
            EventRepository(session).append("in-flight", "DONE", {"quoteId": "in-flight"})

    import threading

    threading.Thread(target=finish).start()
    _, frames = _stream(api, "GET", "/v1/estimate/in-flight/events", headers=api.auth())
    kinds = [f["event"] for f in frames]
    assert kinds[0] == "PROGRESS" and kinds[-1] == "DONE" and "HEARTBEAT" in kinds
    _check_meta(frames, "in-flight")


def test_a_tail_of_a_create_whose_writer_died_ends_with_stream_stalled(api: Api) -> None:
    from kis_estimator.db.events import EventRepository

    api.container.settings.sse_stall_s = 0.6
    with api.container.sessions.begin() as session:  # a create whose process was killed after ACCEPTED
        EventRepository(session).append("orphaned", "PROGRESS", {"stage": "accepted"})
    _, frames = _stream(api, "GET", "/v1/estimate/orphaned/events", headers=api.auth())
    assert frames[0]["event"] == "PROGRESS" and frames[-1]["event"] == "ERROR"
    assert frames[-1]["payload"]["data"]["code"] == "STREAM_STALLED"


def test_a_finished_quote_resumed_past_its_end_ends_at_once_with_its_terminal_event(api: Api) -> None:
    api.container.settings.sse_stall_s = 3.0  # what a stream that waits for nothing would run into
    _, live = _stream(api, "POST", "/v1/estimate", json=DOMAIN_S8, headers={**api.auth(), **STREAM})
    quote_id, done_id = live[0]["payload"]["meta"]["quoteId"], live[-1]["id"]
    for last_event_id in (str(done_id), "999999"):
        began = time.monotonic()
        _, frames = _stream(
            api,
            "GET",
            f"/v1/estimate/{quote_id}/events",
            headers={**api.auth(), "Last-Event-ID": last_event_id},
        )
        assert time.monotonic() - began < 1.0
        assert [(f["event"], f["id"]) for f in frames] == [("DONE", done_id)], frames


def test_a_quote_saved_without_events_resumed_with_an_id_ends_at_once_with_done(api: Api) -> None:
    api.container.settings.sse_stall_s = 3.0
    quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    with api.container.sessions.begin() as session:  # as `kis estimate --save` leaves it
        session.execute(delete(QuoteEventRow).where(QuoteEventRow.quote_id == quote["id"]))
    began = time.monotonic()
    _, frames = _stream(
        api, "GET", f"/v1/estimate/{quote['id']}/events", headers={**api.auth(), "Last-Event-ID": "7"}
    )
    assert time.monotonic() - began < 1.0
    assert [f["event"] for f in frames] == ["DONE"] and frames[0]["payload"]["data"]["number"] == quote[
        "number"
    ]


def test_a_tail_resumed_past_the_end_of_a_running_create_ends_when_the_create_does(api: Api) -> None:
    api.container.settings.sse_stall_s = 3.0
    with api.container.sessions.begin() as session:
        EventRepository(session).append("running", "PROGRESS", {"stage": "accepted"})

    def finish() -> None:
        time.sleep(0.5)
        with api.container.sessions.begin() as session:
            EventRepository(session).append("running", "DONE", {"quoteId": "running"})

    threading.Thread(target=finish).start()
    began = time.monotonic()
    _, frames = _stream(
        api, "GET", "/v1/estimate/running/events", headers={**api.auth(), "Last-Event-ID": "999999"}
    )
    assert time.monotonic() - began < 2.0
    assert frames[-1]["event"] == "DONE" and frames[-1]["id"] == 2, frames


@pytest.mark.parametrize("last_event_id", ["²", "³", "1e3", "-1", "9" * 19])
def test_a_last_event_id_that_is_not_ascii_digits_is_a_400_envelope(api: Api, last_event_id: str) -> None:
    quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()

    async def resume() -> httpx.Response:
        # httpx's ASGI transport passes the header's bytes as sent (the TestClient re-encodes them as
        # UTF-8); a client sends "²" as the Latin-1 byte 0xB2, which the server reads back as "²"
        transport = httpx.ASGITransport(app=api.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            headers = {**api.auth(), "Last-Event-ID": last_event_id.encode("latin-1")}
            return await client.get(f"/v1/estimate/{quote['id']}/events", headers=headers)

    response = asyncio.run(resume())
    assert response.status_code == 400, response.text[:300]
    body = response.json()
    assert (body["code"], body["path"]) == ("LAST_EVENT_ID_INVALID", "headers.last-event-id"), body


def test_an_idle_tail_backs_off_and_still_delivers_a_new_event_within_the_longest_interval(api: Api) -> None:
    settings = api.container.settings
    settings.sse_poll_s, settings.sse_poll_max_s, settings.sse_heartbeat_s = 0.05, 1.0, 0.5
    with api.container.sessions.begin() as session:
        EventRepository(session).append("idle", "PROGRESS", {"stage": "accepted"})
    polls: list[float] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "quote_events" in statement and statement.lstrip().upper().startswith("SELECT"):
            polls.append(time.monotonic())

    async def read_for(seconds: float) -> list[str]:
        framer = sse.Framer("idle", "trace")
        types: list[str] = []
        stream = sse.tail(api.container, framer, "idle", 0, None, lambda: None)

        async def collect() -> None:
            async for chunk in stream:
                types.extend(
                    line.removeprefix("event: ")
                    for line in chunk.decode().splitlines()
                    if line.startswith("event: ")
                )

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(collect(), seconds)
        return types

    def finish_later() -> None:
        time.sleep(3.0)
        with api.container.sessions.begin() as session:
            EventRepository(session).append("idle", "DONE", {"quoteId": "idle"})
        appended.append(time.monotonic())

    appended: list[float] = []
    event.listen(api.container.engine, "before_cursor_execute", count)
    try:
        threading.Thread(target=finish_later).start()
        began = time.monotonic()
        types = asyncio.run(read_for(6.0))
    finally:
        event.remove(api.container.engine, "before_cursor_execute", count)
    # one statement per poll: 50 ms doubling to 1 s is 7 polls in 3 s, where 50 ms flat would make 60
    idle_polls = [t for t in polls if t - began < 3.0]
    assert len(idle_polls) <= 9, f"{len(idle_polls)} reads of the events in 3 s of silence"
    assert types[0] == "PROGRESS" and types[-1] == "DONE" and "HEARTBEAT" in types, types
    assert polls[-1] - appended[0] < settings.sse_poll_max_s + 0.3, "DONE came later than one interval"
