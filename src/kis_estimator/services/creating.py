"""The create (and revise) use case: the pipeline, the save, the progress events and the idempotency
key, in one place shared by the API's plain and streaming POST and the MCP server's create tool.

Events: a streaming create writes each PROGRESS event in its own short transaction as it happens, so
that any process can tail it; a plain create keeps them and writes them with the quote. GATE_RESULT and
DONE events always go in the quote's own transaction: DONE is visible exactly when the quote is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from anyio.to_thread import run_sync
from sqlalchemy.orm import Session

from kis_estimator.bootstrap import Container
from kis_estimator.db.engine import undoable
from kis_estimator.db.errors import QuoteReadOnly
from kis_estimator.db.events import EventRepository
from kis_estimator.db.idempotency import Claim, IdempotencyRepository
from kis_estimator.db.repository import QuoteRepository
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.envelope import rejection_envelope
from kis_estimator.services import audit
from kis_estimator.services.failures import Refused, classify
from kis_estimator.services.saving import save_estimate
from kis_estimator.services.storage_budget import StorageBudget
from kis_estimator.services.waits import WaitersFull

log = logging.getLogger("kis_estimator.services")

# (type, data, persisted seq or None)
EventSink = Callable[[str, dict[str, Any], int | None], None]
# Work done inside the quote's transaction, given its session and the quote.
Recorder = Callable[[Session, dict[str, Any]], None]
# Makes the quote: given a Recorder to run in its transaction, returns (status, body, quote id).
Producer = Callable[[Recorder | None], tuple[int, dict[str, Any], str | None]]


def body_sha256(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class _Events:
    container: Container
    quote_id: str
    live: bool
    sink: EventSink | None
    pending: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    written: int = 0  # events already stored (live mode); this request is the quote's only writer

    def emit(self, type_: str, data: dict[str, Any]) -> None:
        if not self.live:
            self.pending.append((type_, data))
            if self.sink is not None:
                self.sink(type_, data, None)
            return
        with self.container.sessions.begin() as session:
            (seq,) = EventRepository(session).append_many(self.quote_id, self.written + 1, [(type_, data)])
        self.written = seq
        if self.sink is not None:
            self.sink(type_, data, seq)

    def progress(self, event: dict[str, Any]) -> None:
        self.container.metrics.stages.labels(event["stage"]).observe(event["ms"] / 1000)
        self.emit("PROGRESS", event)


ACCEPTED: tuple[str, dict[str, Any]] = ("PROGRESS", {"stage": "accepted", "step": 0, "of": 0, "ms": 0.0})


def announce(container: Container, quote_id: str) -> None:
    """Store the ACCEPTED event of a streamed create before its response starts, so that a client may
    tail the quote (on any process) as soon as it has the quote id."""
    with container.sessions.begin() as session:
        EventRepository(session).append_many(quote_id, 1, [ACCEPTED])


def read_only_error(container: Container, exc: QuoteReadOnly) -> Refused:
    """409 QUOTE_READ_ONLY for a closed or superseded quote, naming the latest revision of its chain."""
    with container.reads() as session:
        latest = QuoteRepository(session).latest_revision(exc.quote_id)
    latest_id, number = (latest.id, latest.number) if latest is not None else (exc.quote_id, "")
    why = (
        ("종료된 견적은 바꿀 수 없습니다", "A closed quote is read-only")
        if exc.reason == "closed"
        else ("다음 개정이 있는 견적은 바꿀 수 없습니다", "A quote with a later revision is read-only")
    )
    if latest_id == exc.quote_id:
        hint = "새 견적을 만드세요 (POST /v1/estimate) / Create a new quote (POST /v1/estimate)."
    else:
        hint = f"최신 개정 {number}을(를) 쓰세요 / Use the latest revision {number}: /v1/estimate/{latest_id}"
    return Refused(
        409,
        "QUOTE_READ_ONLY",
        f"{why[0]} / {why[1]}",
        hint=hint,
        path="id",
        extra={"reason": exc.reason, "latestId": latest_id, "latestNumber": number},
    )


def summary_of(quote: dict[str, Any]) -> dict[str, Any]:
    return {
        "quoteId": quote["id"],
        "number": quote["number"],
        "status": quote["status"],
        "totals": quote["totals"],
        "href": f"/v1/estimate/{quote['id']}",
    }


def run_create(
    container: Container,
    raw: Any,
    *,
    trace_id: str,
    quote_id: str | None = None,
    previous: tuple[str, int] | None = None,
    live: bool = False,
    sink: EventSink | None = None,
    announced: bool = False,
    in_transaction: Recorder | None = None,
    caller: str | None = None,
) -> dict[str, Any]:
    """Estimate and save; returns the quote. Raises RequestRejected, StorageBudgetExceeded, StorageError
    or Refused (409 QUOTE_READ_ONLY: `previous` is closed or superseded); nothing is saved then. A live
    create also streams (and stores) the failure as its ERROR event, as `classify` renders it.

    `announced`: the caller already stored (and streamed) the ACCEPTED progress event as seq 1.
    `in_transaction`: called with the session and the quote inside the quote's own transaction (the
    idempotency key's answer is recorded there, so it commits exactly when the quote does).
    `caller`: the principal's subject; its quotes count against STORAGE_BUDGET_BYTES_PER_CALLER, and it
    is recorded as who made the quote's price adjustments (evidence adjustments.json).
    """
    quote_id = quote_id or str(uuid.uuid4())
    events = _Events(container, quote_id, live, sink, written=1 if announced else 0)
    if not announced:
        events.emit(*ACCEPTED)
    context = container.save_context()
    limit = container.settings.storage_budget_bytes_per_caller
    budget = StorageBudget(container.sessions, caller, limit) if caller is not None and limit > 0 else None
    try:
        if previous is not None:  # refuse a closed or superseded quote before any work
            with container.reads() as session:
                revised = QuoteRepository(session).get(previous[0])
                if revised is not None:
                    QuoteRepository(session).check_writable(revised)
        with container.sessions.begin() as session:
            saved = save_estimate(
                context,
                raw,
                session=session,
                previous=previous,
                on_progress=events.progress,
                quote_id=quote_id,
                budget=budget,
                actor=caller,
            )
            quote: dict[str, Any] = dict(saved)  # the edge's JSON from here on
            audit.record_quote(session, quote, caller, trace_id)
            finals = [("GATE_RESULT", gate) for gate in quote["gates"]]
            finals.append(("DONE", summary_of(quote)))
            stored = EventRepository(session).append_many(
                quote_id, events.written + 1, [*events.pending, *finals]
            )
            seqs = stored[len(events.pending) :]
            if in_transaction is not None:
                in_transaction(session, quote)
    except QuoteReadOnly as exc:
        refusal = read_only_error(container, exc)
        if live:
            _emit_error(events, sink, classify(refusal, log, trace_id).event(trace_id))
        raise refusal from None
    except Exception as exc:
        if live:
            _emit_error(events, sink, classify(exc, log, trace_id).event(trace_id))
        raise
    container.metrics.quotes.inc()
    if sink is not None:
        for (type_, data), seq in zip(finals, seqs, strict=True):
            if type_ == "DONE":
                sink("RESULT", quote, None)
            sink(type_, data, seq)
    return quote


def _emit_error(events: _Events, sink: EventSink | None, data: dict[str, Any]) -> None:
    try:
        events.emit("ERROR", data)
    except Exception:  # the database itself may be what failed; the stream still ends
        if sink is not None:
            sink("ERROR", data, None)


def _key_error(message: str, hint: str, status: int = 400, code: str = "IDEMPOTENCY_KEY_INVALID") -> Refused:
    return Refused(status, code, message, hint=hint, path="headers.idempotency-key")


def scoped_key(subject: str, key: str) -> str:
    if not key or len(key) > 120 or not key.isprintable():
        raise _key_error(
            "Idempotency-Key가 올바르지 않습니다 / The Idempotency-Key is not valid",
            "1–120자의 인쇄 가능한 문자 (예: UUID) / 1–120 printable characters, e.g. a UUID.",
        )
    return f"{subject}:{key}"


RETRY_AFTER_S = 2  # what a duplicate refused while the first request runs is told to wait


async def idempotent(
    container: Container,
    key: str,
    body: Any,
    produce: Producer,
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> tuple[int, dict[str, Any], bool]:
    """Run `produce` once per (key, body): returns (status, body, replayed).

    The answer (`shape(quote)`, or the quote) is recorded by `produce` inside the quote's own
    transaction, so a quote is saved exactly when its key's answer is (a failure after the commit can
    no longer leave a saved quote behind a key that still looks pending).

    A duplicate that arrives while the first is running waits for its response (up to
    IDEMPOTENCY_WAIT_S) without a thread or a write transaction (see kis_estimator.services.waits); beyond
    the bound on waiters, or after the wait, it gets 409 IDEMPOTENCY_IN_PROGRESS with Retry-After.
    Another body under the same key is refused with 409.
    """
    if _UNRELEASED:
        await run_sync(_release_leftovers, container)
    digest = await run_sync(body_sha256, body)  # a large body takes a while: not on the loop
    claim = await run_sync(_look_or_claim, container, key, digest)
    if claim.outcome == "pending":
        claim = await _wait(container, key, digest)
    if claim.outcome == "mismatch":
        raise _key_error(
            "같은 Idempotency-Key로 다른 요청이 왔습니다 / "
            "This Idempotency-Key was already used with a different body",
            "요청마다 새 키를 쓰세요 / Use a new key for a new request.",
            409,
            "IDEMPOTENCY_BODY_MISMATCH",
        )
    if claim.outcome == "replay":
        assert claim.status_code is not None and claim.response is not None
        return claim.status_code, claim.response, True

    def record(session: Session, quote: dict[str, Any]) -> None:
        IdempotencyRepository(session).complete(key, 201, shape(quote) if shape else quote, quote["id"])

    try:
        status, response, _ = await run_sync(produce, record)
    except RequestRejected as exc:  # the same body is refused the same way: keep and replay it
        await run_sync(_complete, container, key, 422, rejection_envelope(exc, ""), None)
        raise
    except BaseException:
        await run_sync(_release, container, key)
        raise
    finally:
        container.idempotency_waits.finished(key)
    return status, response, False


def _look_or_claim(container: Container, key: str, digest: str) -> Claim:
    """What the key's row says, read without the write lock; a write transaction only to claim a key
    that has no live row."""
    with container.reads() as session:
        seen = IdempotencyRepository(session).look(key, digest)
    if seen is not None:
        return seen
    with container.sessions.begin() as session:
        undoable(session)
        return IdempotencyRepository(session).claim(key, digest)


def _in_progress(hint: str) -> Refused:
    error = _key_error(
        "같은 키의 요청이 아직 처리 중입니다 / A request with this key is still running",
        hint,
        409,
        "IDEMPOTENCY_IN_PROGRESS",
    )
    error.headers["Retry-After"] = str(RETRY_AFTER_S)
    return error


async def _wait(container: Container, key: str, digest: str) -> Claim:
    """Wait for the first request with `key` to finish: its answer, or the claim if it released it."""
    deadline = time.monotonic() + container.settings.idempotency_wait_s
    try:
        with container.idempotency_waits.slot(key) as slot:
            while (remaining := deadline - time.monotonic()) > 0:
                await slot.wait(remaining)
                claim = await run_sync(_look_or_claim, container, key, digest)
                if claim.outcome != "pending":
                    return claim
    except WaitersFull:
        raise _in_progress(
            f"같은 키의 요청이 이미 많이 기다리고 있습니다. {RETRY_AFTER_S}초 뒤 같은 키로 다시 보내 주세요 / "
            f"Too many duplicates already wait; retry with the same key after Retry-After."
        ) from None
    raise _in_progress(
        f"{RETRY_AFTER_S}초 뒤 같은 키로 다시 보내 주세요 / Retry with the same key after Retry-After."
    )


def _complete(
    container: Container, key: str, status: int, response: dict[str, Any], quote_id: str | None
) -> None:
    with container.sessions.begin() as session:
        IdempotencyRepository(session).complete(key, status, response, quote_id)


# Claims this process could not release (the database was down): released before its next claim, so
# a retry of a create that failed in an outage runs instead of waiting for the claim to go stale.
_UNRELEASED: set[str] = set()
_UNRELEASED_LOCK = threading.Lock()


def _release(container: Container, key: str) -> None:
    try:
        with container.sessions.begin() as session:
            IdempotencyRepository(session).release(key)
    except Exception:  # the database is down: try again before this process claims anything
        with _UNRELEASED_LOCK:
            _UNRELEASED.add(key)


def _release_leftovers(container: Container) -> None:
    with _UNRELEASED_LOCK:
        keys = list(_UNRELEASED)
    for key in keys:
        with container.sessions.begin() as session:
            IdempotencyRepository(session).release(key)
        with _UNRELEASED_LOCK:
            _UNRELEASED.discard(key)
