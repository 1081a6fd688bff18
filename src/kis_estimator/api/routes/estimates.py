"""Quotes: create (plain or streamed, idempotent), read, search, change status, revise, events."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from kis_estimator.api import sse
from kis_estimator.api.auth import Estimator, Principal, Viewer, authenticate, bearer
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import ApiError, trace_id_of
from kis_estimator.api.listing import QuoteListQuery
from kis_estimator.api.schemas import (
    CONFLICT,
    ERRORS,
    NOT_FOUND,
    OVER_BUDGET,
    ErrorEnvelope,
    Quote,
    SearchPage,
    StatusChange,
)
from kis_estimator.bootstrap import Container
from kis_estimator.db.events import EventRepository
from kis_estimator.db.repository import MAX_PAGE_SIZE, QuoteRepository
from kis_estimator.services import quote_list, quotes
from kis_estimator.services.creating import (
    ACCEPTED,
    Recorder,
    announce,
    idempotent,
    run_create,
    scoped_key,
    summary_of,
)
from kis_estimator.services.failures import classify

log = logging.getLogger("kis_estimator.api")

router = APIRouter(prefix="/v1/estimate", tags=["estimates"], responses=ERRORS)

REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/EstimateRequest"}},
        },
    }
}
# One server-sent event as a client sees it; `data` is the JSON text {"type", "data", "meta"}.
STREAM_RESPONSE = {
    "text/event-stream": {
        "schema": {
            "type": "object",
            "properties": {
                "event": {
                    "type": "string",
                    "enum": ["PROGRESS", "GATE_RESULT", "RESULT", "DONE", "ERROR", "HEARTBEAT"],
                },
                "data": {"type": "string", "description": '{"type", "data", "meta": {"seq", "quoteId", …}}'},
                "id": {"type": "string"},
                "retry": {"type": "integer"},
            },
        }
    }
}
STREAMED = {
    "description": "Accept: text/event-stream — 진행 이벤트 스트림 / the progress stream (ends with DONE or ERROR)",
    "content": STREAM_RESPONSE,
}


def _wants_stream(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


def _json(status: int, body: dict[str, Any], trace_id: str, replayed: bool = False) -> JSONResponse:
    if status >= 400:  # a replayed error carries this request's trace id
        body = {**body, "traceId": trace_id}
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return JSONResponse(body, status_code=status, headers=headers)


async def _create_plain(
    container: Container, body: Any, trace_id: str, key: str | None, caller: str
) -> JSONResponse:
    def produce(record: Recorder | None) -> tuple[int, dict[str, Any], str | None]:
        quote = run_create(container, body, trace_id=trace_id, in_transaction=record, caller=caller)
        return 201, quote, quote["id"]

    if key is None:
        status, response, _ = await run_in_threadpool(produce, None)
        return _json(status, response, trace_id)
    status, response, replayed = await idempotent(container, key, body, produce)
    return _json(status, response, trace_id, replayed)


async def _stream_create(
    container: Container,
    body: Any,
    trace_id: str,
    key: str | None,
    previous: tuple[str, int] | None,
    caller: str,
    fingerprint: Any = None,
) -> StreamingResponse:
    """`fingerprint`: what the idempotency key's body is compared on (the body when None)."""
    quote_id = str(uuid.uuid4())
    framer = sse.Framer(quote_id, trace_id)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any, int | None]] = asyncio.Queue()

    ended = False  # an ERROR was sent: the stream ends at the first

    def sink(type_: str, data: Any, seq: int | None) -> None:
        nonlocal ended
        ended = ended or type_ == "ERROR"
        loop.call_soon_threadsafe(queue.put_nowait, (type_, data, seq))

    def produce(record: Recorder | None) -> tuple[int, dict[str, Any], str | None]:
        quote = run_create(
            container,
            body,
            trace_id=trace_id,
            quote_id=quote_id,
            previous=previous,
            live=True,
            sink=sink,
            announced=True,
            in_transaction=record,
            caller=caller,
        )
        return 201, quote, quote["id"]

    async def work() -> None:
        try:
            if key is None:
                await run_in_threadpool(produce, None)
                return
            status, response, replayed = await idempotent(
                container, key, body if fingerprint is None else fingerprint, produce
            )
            if replayed:  # the first request's outcome, as the frames it would have ended with
                if status < 400:
                    done = {**summary_of(response), "replayed": True}
                    sink("RESULT", response, None)
                    sink(
                        "DONE", done, await run_in_threadpool(_store_final, container, quote_id, "DONE", done)
                    )
                else:
                    error = {**response, "traceId": trace_id, "status": status}
                    stored = await run_in_threadpool(_store_final, container, quote_id, "ERROR", error)
                    sink("ERROR", error, stored)
        except Exception as exc:  # a failure run_create did not stream itself (e.g. of the key)
            if not ended:
                sink("ERROR", classify(exc, log, trace_id).event(trace_id), None)

    async def frames() -> AsyncIterator[bytes]:
        task = asyncio.ensure_future(work())
        yield b"retry: 2000\n\n"
        yield framer.frame(*ACCEPTED, 1)
        try:
            while True:
                try:
                    type_, data, seq = await asyncio.wait_for(queue.get(), container.settings.sse_heartbeat_s)
                except TimeoutError:
                    yield framer.heartbeat()
                    continue
                yield framer.frame(type_, data, seq)
                if type_ in ("DONE", "ERROR"):
                    break
        finally:
            await asyncio.shield(task)  # the save finishes even if the client went away

    await run_in_threadpool(
        announce, container, quote_id
    )  # stored before the response starts: tailing may begin at once
    return StreamingResponse(
        frames(), media_type="text/event-stream", headers={**sse.HEADERS, "X-Quote-Id": quote_id}
    )


def _store_final(container: Container, quote_id: str, type_: str, data: dict[str, Any]) -> int | None:
    """End the stored events of a stream whose outcome was replayed, so that tails of it end too."""
    try:
        with container.sessions.begin() as session:
            return EventRepository(session).append_many(quote_id, 2, [(type_, data)])[0]
    except Exception:  # the replay still reaches the streaming client
        return None


@router.post(
    "",
    status_code=201,
    summary="견적 생성 / Create a quote",
    responses={201: {"model": Quote}, 200: STREAMED, **CONFLICT, **OVER_BUDGET},
    openapi_extra=REQUEST_BODY,
)
async def create_estimate(
    request: Request,
    principal: Estimator,
    body: Annotated[dict[str, Any], Body()],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    """Run the whole pipeline and save the quote (201). With `Accept: text/event-stream` the response is a
    stream of PROGRESS and GATE_RESULT events, then RESULT (the quote) and DONE, or ERROR."""
    container = container_of(request)
    trace_id = trace_id_of(request)
    key = scoped_key(principal.subject, idempotency_key) if idempotency_key is not None else None
    if _wants_stream(request):
        return await _stream_create(container, body, trace_id, key, None, principal.subject)
    return await _create_plain(container, body, trace_id, key, principal.subject)


@router.get("", summary="견적 검색 / Search quotes", response_model=SearchPage)
def search_estimates(
    request: Request,
    _: Viewer,
    query: QuoteListQuery,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, json_schema_extra={"maximum": MAX_PAGE_SIZE})] = 20,
) -> dict[str, Any]:
    """Newest first, or in the order of `sort`; each row is a summary (no request or document) with a
    one-line `summary` of its panels. At most 100 quotes per page: a larger `size` is refused with 422
    REQ_INVALID (path `query.size`)."""
    if size > MAX_PAGE_SIZE:
        raise ApiError(
            422,
            "REQ_INVALID",
            f"한 페이지는 최대 {MAX_PAGE_SIZE}건입니다 / At most {MAX_PAGE_SIZE} quotes per page",
            hint=f"size를 {MAX_PAGE_SIZE} 이하로, 나머지는 page=2, 3, …로 / "
            f"Send size <= {MAX_PAGE_SIZE} and page through the rest.",
            path="query.size",
            extra={"maxSize": MAX_PAGE_SIZE},
        )
    return quote_list.search_page(container_of(request), query, page, size)


MAX_EVENT_ID_DIGITS = 18  # every stored seq fits; a 19-digit number may not fit a 64-bit integer
TOO_MANY_STREAMS: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorEnvelope,
        "description": "열린 스트림 과다 / Too many open event streams (SSE_MAX_STREAMS_PER_CALLER, SSE_MAX_STREAMS)",
    }
}


def _resume_after(last_event_id: str | None) -> int:
    """The stored seq a client resumes after: 0 without Last-Event-ID, 400 unless it is ASCII digits."""
    if not last_event_id:
        return 0
    if not (
        len(last_event_id) <= MAX_EVENT_ID_DIGITS and last_event_id.isascii() and last_event_id.isdigit()
    ):
        raise ApiError(
            400,
            "LAST_EVENT_ID_INVALID",
            "Last-Event-ID는 이벤트 번호(숫자)여야 합니다 / Last-Event-ID must be an event id (ASCII digits)",
            hint=f"받은 마지막 이벤트의 id를 그대로 보내거나 빼 주세요 (최대 {MAX_EVENT_ID_DIGITS}자리) / "
            f"Send the id of the last event received (at most {MAX_EVENT_ID_DIGITS} digits), or none.",
            path="headers.last-event-id",
        )
    return int(last_event_id)


async def _event_stream(
    request: Request, principal: Principal, quote_id: str, last_event_id: str | None
) -> StreamingResponse:
    container = container_of(request)
    after = _resume_after(last_event_id)

    def lookup() -> tuple[bool, dict[str, Any] | None]:
        with container.reads() as session:
            if EventRepository(session).exists(quote_id):
                return True, None
            row = QuoteRepository(session).get(quote_id)
            return False, (summary_of(row.document) if row is not None else None)

    has_events, summary = await run_in_threadpool(lookup)
    if not has_events and summary is None:
        raise quotes.not_found(quote_id)
    credentials = await bearer(request)

    def still_allowed() -> ApiError | None:
        try:
            authenticate(request, credentials)
        except ApiError as exc:
            return exc
        return None

    framer = sse.Framer(quote_id, trace_id_of(request))
    release = request.app.state.streams.take(principal.subject)
    return sse.TailResponse(sse.tail(container, framer, quote_id, after, summary, still_allowed), release)


@router.get(
    "/stream",
    summary="진행 이벤트 (쿼리) / Progress events by query",
    responses={200: {"content": STREAM_RESPONSE}, **NOT_FOUND, **TOO_MANY_STREAMS},
)
async def stream_events(
    request: Request,
    principal: Viewer,
    quote_id: Annotated[str, Query(alias="quoteId", max_length=64)],
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    return await _event_stream(request, principal, quote_id, last_event_id)


@router.get(
    "/{quote_id}/events",
    summary="진행 이벤트 / Progress events (SSE: replay and tail)",
    responses={200: {"content": STREAM_RESPONSE}, **NOT_FOUND, **TOO_MANY_STREAMS},
)
async def quote_events(
    request: Request,
    principal: Viewer,
    quote_id: str,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    return await _event_stream(request, principal, quote_id, last_event_id)


@router.get("/{quote_id}", summary="견적 조회 / Get a quote", responses={200: {"model": Quote}, **NOT_FOUND})
def get_estimate(request: Request, _: Viewer, quote_id: str) -> JSONResponse:
    return JSONResponse(quotes.get_quote(container_of(request), quote_id))


@router.patch(
    "/{quote_id}",
    summary="상태 변경 / Change the status",
    responses={200: {"model": Quote}, **NOT_FOUND, **CONFLICT},
)
def change_status(request: Request, _: Estimator, quote_id: str, change: StatusChange) -> JSONResponse:
    """draft → sent → ordered → shipped → paid, or closed (see the 409 for a move that is not allowed).
    A closed quote, or one a later revision superseded, is read-only (409 QUOTE_READ_ONLY)."""
    container = container_of(request)
    who, trace_id = request.state.principal.subject, trace_id_of(request)
    return JSONResponse(quotes.change_status(container, quote_id, change.status, who=who, trace_id=trace_id))


@router.post(
    "/{quote_id}/revise",
    status_code=201,
    summary="개정 / Revise: a new revision from an edited request",
    responses={201: {"model": Quote}, 200: STREAMED, **NOT_FOUND, **CONFLICT, **OVER_BUDGET},
    openapi_extra=REQUEST_BODY,
)
async def revise_estimate(
    request: Request,
    principal: Estimator,
    quote_id: str,
    body: Annotated[dict[str, Any], Body()],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    """Estimate the edited request as the next revision of `quote_id`; the answer's `changes` compares
    the totals with the previous revision. A quote has at most one next revision: revising a closed or
    superseded quote is refused with 409 QUOTE_READ_ONLY (its hint names the latest revision).
    With `Idempotency-Key` the same key and body replay the first answer, as for a create."""
    container = container_of(request)
    trace_id = trace_id_of(request)
    key = scoped_key(principal.subject, idempotency_key) if idempotency_key is not None else None
    fingerprint = {"revise": quote_id, "request": body}  # the same key for another quote is another body

    previous, before = await run_in_threadpool(quotes.revision_base, container, quote_id)
    if _wants_stream(request):
        return await _stream_create(container, body, trace_id, key, previous, principal.subject, fingerprint)

    def shape(quote: dict[str, Any]) -> dict[str, Any]:
        return quotes.with_changes(before, quote)

    def produce(record: Recorder | None) -> tuple[int, dict[str, Any], str | None]:
        quote = run_create(
            container,
            body,
            trace_id=trace_id,
            previous=previous,
            in_transaction=record,
            caller=principal.subject,
        )
        return 201, shape(quote), quote["id"]

    if key is None:
        status, response, _ = await run_in_threadpool(produce, None)
        replayed = False
    else:
        status, response, replayed = await idempotent(container, key, fingerprint, produce, shape)
    return _json(status, response, trace_id, replayed)
