"""Server-sent events: frame formatting, the replay-and-tail loop over the stored events, and the slots
that bound how many tails one process keeps open.

Every frame's data is `{"type", "data", "meta"}`; `meta` always has `seq` (strictly increasing within
one stream, heartbeats included), `quoteId`, `traceId` and `ts`. A frame from a stored event also has
the SSE `id:` of its stored seq, so a client resumes with `Last-Event-ID`. A stream ends after DONE or
ERROR; an ERROR's data is always one shape, the error envelope and its status (`Failure.event`).

A tail polls the database with a backoff: every `SSE_POLL_S` while events come, doubling up to
`SSE_POLL_MAX_S` while none do. It re-checks its caller's credentials every `SSE_AUTH_RECHECK_S`, so a
revoked key (or an expired token) ends its streams with an ERROR frame.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from kis_estimator.api.errors import ApiError
from kis_estimator.bootstrap import Container
from kis_estimator.db.events import TERMINAL, EventRepository
from kis_estimator.services.failures import Failure

HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",  # nginx: do not buffer
    "Connection": "keep-alive",
}
MAX_TAIL_S = 600.0
RETRY_AFTER_S = 5  # a refused stream: by then an in-flight create has usually finished
Event = tuple[int, str, dict[str, Any]]


class Framer:
    def __init__(self, quote_id: str, trace_id: str) -> None:
        self.quote_id, self.trace_id, self.seq = quote_id, trace_id, 0

    def frame(self, type_: str, data: Any, event_id: int | None = None) -> bytes:
        self.seq += 1
        meta = {
            "seq": self.seq,
            "eventSeq": event_id,
            "quoteId": self.quote_id,
            "traceId": self.trace_id,
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        payload = json.dumps({"type": type_, "data": data, "meta": meta}, ensure_ascii=False, default=str)
        head = f"id: {event_id}\n" if event_id is not None else ""
        return f"{head}event: {type_}\ndata: {payload}\n\n".encode()

    def heartbeat(self) -> bytes:
        return self.frame("HEARTBEAT", {})


class StreamSlots:
    """The event streams this process has open: at most `per_caller` for one caller and `total` in all."""

    def __init__(self, per_caller: int, total: int) -> None:
        self.per_caller, self.total = per_caller, total
        self.by_caller: Counter[str] = Counter()

    @property
    def open(self) -> int:
        return self.by_caller.total()

    def take(self, caller: str) -> Callable[[], None]:
        """A slot for `caller` (429 TOO_MANY_STREAMS when none is free); call the result once to give it back."""
        if self.by_caller[caller] >= self.per_caller:
            raise _too_many("caller", self.per_caller)
        if self.open >= self.total:
            raise _too_many("process", self.total)
        self.by_caller[caller] += 1
        given_back = False

        def give_back() -> None:
            nonlocal given_back
            if not given_back:
                given_back = True
                self.by_caller[caller] -= 1
                if self.by_caller[caller] <= 0:
                    del self.by_caller[caller]

        return give_back


def _too_many(scope: str, limit: int) -> ApiError:
    whose = ("이 키로", "for this caller") if scope == "caller" else ("서버 전체에", "on this server")
    return ApiError(
        429,
        "TOO_MANY_STREAMS",
        f"{whose[0]} 열린 이벤트 스트림이 너무 많습니다 ({limit}개) / Too many open event streams {whose[1]} ({limit})",
        hint=f"열린 스트림을 닫고 {RETRY_AFTER_S}초 뒤에 다시 연결해 주세요 / "
        f"Close a stream you no longer read and retry in {RETRY_AFTER_S} s (Retry-After).",
        path="headers.authorization",
        extra={"limit": limit, "scope": scope, "retryAfterS": RETRY_AFTER_S},
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


class TailResponse(StreamingResponse):
    """A streaming response that gives its stream slot back however it ends (also when never started)."""

    def __init__(self, content: AsyncIterator[bytes], release: Callable[[], None]) -> None:
        super().__init__(content, media_type="text/event-stream", headers=HEADERS)
        self.release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.release()


def _read(container: Container, quote_id: str, after: int) -> tuple[list[Event], Event | None]:
    """The stored events after `after`; when there are none, the quote's terminal event if it has one."""
    with container.reads() as session:
        rows = EventRepository(session).after_or_end(quote_id, after)
        found = [(row.seq, row.type, row.data) for row in rows if row.seq > after]
        ended = [(row.seq, row.type, row.data) for row in rows if row.seq <= after]
        return found, (ended[0] if ended and not found else None)


DB_DOWN = Failure(
    "DB_UNAVAILABLE",
    503,
    "데이터베이스에 연결할 수 없습니다 / The database is unavailable",
    "잠시 후 다시 연결해 주세요 / Reconnect later with Last-Event-ID.",
)
STALLED = Failure(
    "STREAM_STALLED",
    504,
    "견적 작성이 멈췄습니다 / The create stopped reporting progress",
    "견적이 저장되지 않았다면 다시 요청해 주세요 / If no quote was saved, send the request again.",
)
TIMED_OUT = Failure(
    "STREAM_TIMEOUT",
    504,
    "진행 이벤트가 오지 않습니다 / No progress for too long",
    "견적을 조회해 보세요 / Fetch the quote instead.",
)


async def _refused(still_allowed: Callable[[], ApiError | None]) -> Failure | None:
    """The failure that ends a stream whose caller lost its access, else None."""
    try:
        refusal = await run_in_threadpool(still_allowed)
    except Exception:
        return DB_DOWN
    return None if refusal is None else refusal.failure


async def tail(
    container: Container,
    framer: Framer,
    quote_id: str,
    after: int,
    summary: dict[str, Any] | None,
    still_allowed: Callable[[], ApiError | None],
) -> AsyncIterator[bytes]:
    """Replay the stored events after `after`, then poll for new ones until DONE or ERROR.

    A finished quote's stream ends at once: after its stored terminal event (sent again when the client
    resumes past it), or with `summary`, the DONE data of a quote saved without events (e.g. by
    `kis estimate --save`). `still_allowed` re-checks the caller (an ApiError when it lost its access).
    """
    settings = container.settings
    yield b"retry: 2000\n\n"
    started = last_frame = last_event = last_check = time.monotonic()
    delay = settings.sse_poll_s
    while True:
        try:
            events, end = await run_in_threadpool(_read, container, quote_id, after)
        except Exception:
            yield framer.frame("ERROR", DB_DOWN.event(framer.trace_id))
            return
        for seq, type_, data in events:
            after = seq
            yield framer.frame(type_, data, seq)
            last_frame = last_event = time.monotonic()
            if type_ in TERMINAL:
                return
        if end is not None:  # the client resumed at or past the end
            yield framer.frame(end[1], end[2], end[0])
            return
        if not events and summary is not None:
            yield framer.frame("DONE", summary)
            return
        delay = settings.sse_poll_s if events else min(delay * 2, settings.sse_poll_max_s)
        now = time.monotonic()
        if now - last_event > settings.sse_stall_s:  # its writer is gone (a killed process)
            yield framer.frame("ERROR", STALLED.event(framer.trace_id))
            return
        if now - started > MAX_TAIL_S:
            yield framer.frame("ERROR", TIMED_OUT.event(framer.trace_id))
            return
        next_poll = now + delay
        while (now := time.monotonic()) < next_poll:  # heartbeats and checks between two polls
            if now - last_check >= settings.sse_auth_recheck_s:
                last_check = now
                refusal = await _refused(still_allowed)
                if refusal is not None:
                    yield framer.frame("ERROR", refusal.event(framer.trace_id))
                    return
            if now - last_frame >= settings.sse_heartbeat_s:
                yield framer.heartbeat()
                last_frame = now
            wake = min(
                next_poll, last_frame + settings.sse_heartbeat_s, last_check + settings.sse_auth_recheck_s
            )
            await asyncio.sleep(max(0.0, wake - now))
