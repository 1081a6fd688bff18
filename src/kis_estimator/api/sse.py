"""Server-sent events: frame formatting and the replay-and-tail loop over the stored events.

Every frame's data is `{"type", "data", "meta"}`; `meta` always has `seq` (strictly increasing within
one stream, heartbeats included), `quoteId`, `traceId` and `ts`. A frame from a stored event also has
the SSE `id:` of its stored seq, so a client resumes with `Last-Event-ID`. A stream ends after DONE or
ERROR.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from kis_estimator.bootstrap import Container
from kis_estimator.db.events import TERMINAL, EventRepository

HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",  # nginx: do not buffer
    "Connection": "keep-alive",
}
MAX_TAIL_S = 600.0


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


def _read(container: Container, quote_id: str, after: int) -> list[tuple[int, str, dict[str, Any]]]:
    with container.sessions() as session:
        return [(e.seq, e.type, e.data) for e in EventRepository(session).after(quote_id, after)]


async def tail(
    container: Container, framer: Framer, quote_id: str, after: int, summary: dict[str, Any] | None
) -> AsyncIterator[bytes]:
    """Replay the stored events after `after`, then poll for new ones until DONE or ERROR.

    `summary` is the DONE data for a quote saved without events (e.g. by `kis estimate --save`).
    """
    settings = container.settings
    yield b"retry: 2000\n\n"
    started = last_frame = last_event = time.monotonic()
    seen_any = after > 0
    while True:
        try:
            events = await run_in_threadpool(_read, container, quote_id, after)
        except Exception:
            events = []
            yield framer.frame(
                "ERROR",
                {
                    "code": "DB_UNAVAILABLE",
                    "message": "데이터베이스에 연결할 수 없습니다 / The database is unavailable",
                    "hint": "잠시 후 다시 연결해 주세요 / Reconnect later with Last-Event-ID.",
                    "path": "",
                },
            )
            return
        for seq, type_, data in events:
            seen_any = True
            after = seq
            yield framer.frame(type_, data, seq)
            last_frame = last_event = time.monotonic()
            if type_ in TERMINAL:
                return
        if not seen_any and summary is not None:
            yield framer.frame("DONE", summary)
            return
        now = time.monotonic()
        if now - last_event > settings.sse_stall_s:  # its writer is gone (a killed process)
            yield framer.frame(
                "ERROR",
                {
                    "code": "STREAM_STALLED",
                    "message": "견적 작성이 멈췄습니다 / The create stopped reporting progress",
                    "hint": "견적이 저장되지 않았다면 다시 요청해 주세요 / If no quote was saved, send the request again.",
                    "path": "",
                },
            )
            return
        if now - started > MAX_TAIL_S:
            yield framer.frame(
                "ERROR",
                {
                    "code": "STREAM_TIMEOUT",
                    "message": "진행 이벤트가 오지 않습니다 / No progress for too long",
                    "hint": "견적을 조회해 보세요 / Fetch the quote instead.",
                    "path": "",
                },
            )
            return
        if now - last_frame >= settings.sse_heartbeat_s:
            yield framer.heartbeat()
            last_frame = now
        await asyncio.sleep(settings.sse_poll_s)
