"""Drafts (작성 중): the request being typed, saved without a quote number, per caller; a quote copied
into a new draft; suggestions of recent customers and projects. The use cases are services/drafts.py.

Lost updates between tabs: every draft answer carries `ETag: "<version>"`; a PUT must send it back as
`If-Match` (428 without, 412 DRAFT_CHANGED when another save came first; `If-Match: *` overwrites).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from kis_estimator.api.auth import Estimator, Viewer
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import ApiError, trace_id_of
from kis_estimator.api.schemas import CONFLICT, ERRORS, NOT_FOUND, OVER_BUDGET, ErrorEnvelope, Quote
from kis_estimator.bootstrap import Container
from kis_estimator.db.drafts import DraftRow
from kis_estimator.services import drafts as workspace
from kis_estimator.services import quotes
from kis_estimator.services.creating import Recorder, idempotent, run_create, scoped_key
from kis_estimator.services.drafts import Limits, WorkspaceError
from kis_estimator.services.failures import Refused

router = APIRouter(tags=["drafts"], responses=ERRORS)
drafts = APIRouter(prefix="/v1/drafts")

CHANGED: dict[int | str, dict[str, Any]] = {
    412: {
        "model": ErrorEnvelope,
        "description": "다른 곳에서 먼저 저장됨 / Saved elsewhere since (If-Match)",
    },
    428: {"model": ErrorEnvelope, "description": "If-Match 필요 / If-Match is required"},
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorEnvelope, "description": "작성 중 견적이 너무 큼 / Over DRAFT_MAX_BYTES"}
}


class DraftBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request: dict[str, Any] = Field(
        default_factory=dict,
        description="작성 중인 요청 JSON (미완성 가능) / The request being typed (may be incomplete)",
    )


class PanelInsert(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template_id: str = Field(min_length=1, max_length=64)


class DraftSummary(BaseModel):
    id: str
    version: int
    customer: str | None
    project: str | None
    panels: int
    source_quote_id: str | None
    created_at: str
    updated_at: str
    href: str


class Draft(DraftSummary):
    request: dict[str, Any]


class DraftPage(BaseModel):
    items: list[DraftSummary]
    total: int
    page: int
    size: int


class Suggestions(BaseModel):
    field: Literal["customer", "project"]
    items: list[str]


def limits_of(container: Container) -> Limits:
    settings = container.settings
    return Limits(settings.draft_max_bytes, settings.drafts_max_per_caller, settings.templates_max_per_caller)


def iso(at: datetime) -> str:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()


def _summary(row: DraftRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "version": row.version,
        "customer": row.customer_name,
        "project": row.project,
        "panels": row.panel_count,
        "source_quote_id": row.source_quote_id,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "href": f"/v1/drafts/{row.id}",
    }


def draft_response(row: DraftRow, status: int = 200) -> JSONResponse:
    return JSONResponse(
        {**_summary(row), "request": row.request}, status_code=status, headers={"ETag": f'"{row.version}"'}
    )


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match names ("3", W/"3" or 3); None for `*`."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit() and len(tag) <= 9):
        raise ApiError(
            400,
            "IF_MATCH_INVALID",
            "If-Match는 작성 중 견적의 ETag 하나여야 합니다 / If-Match must be one ETag of the draft",
            hint='받은 ETag를 그대로 보내 주세요 (예: If-Match: "3"), 덮어쓰려면 * / '
            'Send the ETag you got back (e.g. If-Match: "3"), or * to overwrite.',
            path="headers.if-match",
        )
    return int(tag)


def refusal(exc: WorkspaceError) -> Refused:
    """The API's answer to a refused workspace use case."""
    if isinstance(exc, workspace.DraftNotFound):
        return ApiError(
            404,
            "DRAFT_NOT_FOUND",
            f"작성 중 견적이 없습니다 / No draft {exc.draft_id[:64]}",
            hint="이미 견적으로 저장했거나 지웠을 수 있습니다 (GET /v1/drafts) / "
            "It may have been saved as a quote or deleted; list yours with GET /v1/drafts.",
            path="id",
        )
    if isinstance(exc, workspace.TemplateNotFound):
        return ApiError(
            404,
            "TEMPLATE_NOT_FOUND",
            f"템플릿이 없습니다 / No template {exc.template_id[:64]}",
            hint="템플릿 목록을 확인해 주세요 (GET /v1/templates) / List yours with GET /v1/templates.",
            path="template_id",
        )
    if isinstance(exc, workspace.QuoteNotFound):
        return quotes.not_found(exc.quote_id)
    if isinstance(exc, workspace.DraftChanged):
        return ApiError(
            412,
            "DRAFT_CHANGED",
            f"다른 탭(또는 창)에서 먼저 저장했습니다 (버전 {exc.expected} → {exc.current}) / "
            f"The draft was saved elsewhere since version {exc.expected} (now {exc.current})",
            hint="최신 내용을 GET으로 받아 다시 고치거나, If-Match: *로 덮어쓰세요 / "
            "GET the latest version and edit that, or send If-Match: * to overwrite it.",
            path="headers.if-match",
            extra={"version": exc.current, "updatedAt": exc.updated_at},
        )
    if isinstance(exc, workspace.DraftGone):
        return ApiError(
            409,
            "DRAFT_ALREADY_SAVED",
            "이 작성 중 견적은 그사이 저장되었거나 바뀌었습니다 / "
            "The draft was saved as a quote, changed or deleted meanwhile",
            hint="견적 목록을 확인하거나 작성 중 목록에서 다시 열어 주세요 / "
            "Look for the quote in the list, or open the draft again.",
            path="id",
        )
    if isinstance(exc, workspace.TooLarge):
        return ApiError(
            413,
            "DRAFT_TOO_LARGE",
            f"작성 중 견적이 너무 큽니다 ({exc.size:,} > {exc.limit:,}바이트) / "
            f"The draft is too large ({exc.size:,} > {exc.limit:,} bytes)",
            hint="분전반을 나눠 견적 두 건으로 만들거나 관리자에게 DRAFT_MAX_BYTES를 늘려 달라고 하세요 / "
            "Split it into two quotes, or ask an administrator to raise DRAFT_MAX_BYTES.",
            path="request",
            extra={"limitBytes": exc.limit, "sizeBytes": exc.size},
        )
    if isinstance(exc, workspace.TooMany):
        what, setting = (
            ("작성 중 견적", "DRAFTS_MAX_PER_CALLER")
            if exc.kind == "drafts"
            else ("템플릿", "TEMPLATES_MAX_PER_CALLER")
        )
        return ApiError(
            409,
            f"{exc.kind.upper()}_TOO_MANY",
            f"{what}은(는) {exc.limit}개까지 둘 수 있습니다 / At most {exc.limit} {exc.kind} per caller",
            hint=f"쓰지 않는 {what}을(를) 지우거나 관리자에게 {setting}를 늘려 달라고 하세요 / "
            f"Delete unused {exc.kind}, or ask an administrator to raise {setting}.",
            path="",
            extra={"limit": exc.limit},
        )
    if isinstance(exc, workspace.NameTaken):
        return ApiError(
            409,
            "TEMPLATE_NAME_TAKEN",
            f"같은 이름의 템플릿이 이미 있습니다: {exc.name} / A template named {exc.name} already exists",
            hint="다른 이름을 쓰거나 있는 템플릿의 이름을 바꿔 주세요 / Use another name, or rename the other.",
            path="name",
        )
    assert isinstance(exc, workspace.Unreadable)
    return ApiError(422, "DRAFT_INVALID", exc.message, hint=exc.hint, path=exc.path)


# ------------------------------------------------------------------------------------------- routes


@drafts.post(
    "",
    status_code=201,
    summary="작성 중 견적 만들기 / Create a draft (no quote number)",
    responses={201: {"model": Draft}, **CONFLICT, **TOO_LARGE},
)
def create_draft(request: Request, principal: Estimator, body: DraftBody) -> JSONResponse:
    """Keep a request being typed (any JSON object, checked only when it is saved as a quote). At most
    DRAFTS_MAX_PER_CALLER drafts per caller (409 DRAFTS_TOO_MANY) and DRAFT_MAX_BYTES each (413)."""
    container = container_of(request)
    try:
        with container.sessions.begin() as session:
            row = workspace.create_draft(session, principal.subject, body.request, limits_of(container))
            return draft_response(row, 201)
    except WorkspaceError as exc:
        raise refusal(exc) from None


@drafts.get("", summary="작성 중 목록 / List my drafts", response_model=DraftPage)
def list_drafts(
    request: Request,
    principal: Estimator,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The caller's drafts, the last changed first, without their requests."""
    with container_of(request).reads() as session:
        found = workspace.list_drafts(session, principal.subject, page, size)
        return {
            "items": [_summary(row) for row in found.items],
            "total": found.total,
            "page": page,
            "size": size,
        }


@drafts.get(
    "/{draft_id}", summary="작성 중 견적 / Get a draft", responses={200: {"model": Draft}, **NOT_FOUND}
)
def get_draft(request: Request, principal: Estimator, draft_id: str) -> JSONResponse:
    try:
        with container_of(request).reads() as session:
            return draft_response(workspace.get_draft(session, principal.subject, draft_id))
    except WorkspaceError as exc:
        raise refusal(exc) from None


@drafts.put(
    "/{draft_id}",
    summary="자동 저장 / Save a draft (autosave; If-Match)",
    responses={200: {"model": Draft}, **NOT_FOUND, **CHANGED, **TOO_LARGE},
)
def save_draft(
    request: Request,
    principal: Estimator,
    draft_id: str,
    body: DraftBody,
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> JSONResponse:
    """Replace the draft's request. `If-Match` must carry the ETag of the version edited: another save
    since (another tab) gets 412 DRAFT_CHANGED with the current version in `meta.version`."""
    if if_match is None:
        raise ApiError(
            428,
            "DRAFT_VERSION_REQUIRED",
            "If-Match가 필요합니다 / If-Match is required to save a draft",
            hint='GET으로 받은 ETag를 If-Match로 보내 주세요 (예: "3"), 덮어쓰려면 * / '
            'Send the ETag you got as If-Match (e.g. "3"), or * to overwrite.',
            path="headers.if-match",
        )
    expected = expected_version(if_match)
    container = container_of(request)
    try:
        with container.sessions.begin() as session:
            row = workspace.update_draft(
                session, principal.subject, draft_id, body.request, expected, limits_of(container)
            )
            return draft_response(row)
    except WorkspaceError as exc:
        raise refusal(exc) from None


@drafts.delete(
    "/{draft_id}", status_code=204, summary="작성 중 견적 지우기 / Delete a draft", responses=NOT_FOUND
)
def delete_draft(request: Request, principal: Estimator, draft_id: str) -> Response:
    try:
        with container_of(request).sessions.begin() as session:
            workspace.delete_draft(session, principal.subject, draft_id)
    except WorkspaceError as exc:
        raise refusal(exc) from None
    return Response(status_code=204)


@drafts.post(
    "/{draft_id}/panels",
    summary="템플릿 넣기 / Insert a template's panel into a draft",
    responses={200: {"model": Draft}, **NOT_FOUND, **CHANGED, **TOO_LARGE},
)
def insert_template(
    request: Request,
    principal: Estimator,
    draft_id: str,
    body: PanelInsert,
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> JSONResponse:
    """Append the template's panel to the draft's panels (a new version; `If-Match` optional)."""
    container = container_of(request)
    try:
        with container.sessions.begin() as session:
            row = workspace.insert_template(
                session,
                principal.subject,
                draft_id,
                body.template_id,
                expected_version(if_match),
                limits_of(container),
            )
            return draft_response(row)
    except WorkspaceError as exc:
        raise refusal(exc) from None


@drafts.post(
    "/{draft_id}/quote",
    status_code=201,
    summary="견적으로 저장 / Save the draft as a quote",
    responses={201: {"model": Quote}, **NOT_FOUND, **CONFLICT, **CHANGED, **OVER_BUDGET},
)
async def quote_from_draft(
    request: Request,
    principal: Estimator,
    draft_id: str,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> JSONResponse:
    """Run the normal create (as POST /v1/estimate) over the draft's request; the draft is deleted in
    the quote's transaction. A refused request (422) leaves the draft as it was. With `Idempotency-Key`
    a retry replays the first answer; `If-Match` (optional) saves only the version named."""
    container = container_of(request)
    trace_id = trace_id_of(request)
    key = scoped_key(principal.subject, idempotency_key) if idempotency_key is not None else None
    expected = expected_version(if_match)

    def produce(record: Recorder | None) -> tuple[int, dict[str, Any], str | None]:
        def create(raw: dict[str, Any], consume: workspace.InTransaction) -> dict[str, Any]:
            def both(session: Any, quote: dict[str, Any]) -> None:
                consume(session, quote)
                if record is not None:
                    record(session, quote)

            return run_create(
                container, raw, trace_id=trace_id, in_transaction=both, caller=principal.subject
            )

        quote = workspace.quote_from_draft(container.reads, principal.subject, draft_id, expected, create)
        return 201, quote, quote["id"]

    try:
        if key is None:
            status, answer, _ = await run_in_threadpool(produce, None)
            replayed = False
        else:
            status, answer, replayed = await idempotent(container, key, {"draft": draft_id}, produce)
    except WorkspaceError as exc:
        raise refusal(exc) from None
    if status >= 400:
        answer = {**answer, "traceId": trace_id}
    return JSONResponse(
        answer, status_code=status, headers={"Idempotent-Replayed": "true"} if replayed else {}
    )


# ------------------------------------------------------------------------- copy and suggestions

copies = APIRouter(prefix="/v1/estimate")


@copies.post(
    "/{quote_id}/copy",
    status_code=201,
    summary="복사해서 새 견적 / Copy a quote into a new draft",
    responses={201: {"model": Draft}, **NOT_FOUND, **CONFLICT, **TOO_LARGE},
)
def copy_quote(request: Request, principal: Estimator, quote_id: str) -> JSONResponse:
    """A new draft holding the quote's request (no quote number is spent until it is saved)."""
    container = container_of(request)
    try:
        with container.sessions.begin() as session:
            row = workspace.copy_quote(session, principal.subject, quote_id, limits_of(container))
            return draft_response(row, 201)
    except WorkspaceError as exc:
        raise refusal(exc) from None


suggest = APIRouter(prefix="/v1/suggestions")


@suggest.get("", summary="최근 고객·건명 / Recent customers and projects", response_model=Suggestions)
def suggestions(
    request: Request,
    principal: Viewer,
    field: Literal["customer", "project"],
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=workspace.MAX_SUGGESTIONS)] = 10,
) -> dict[str, Any]:
    """Names of saved quotes (everyone's) and of the caller's drafts that contain `q`, the most
    recently used first."""
    with container_of(request).reads() as session:
        items = workspace.suggestions(session, principal.subject, field, q, limit)
    return {"field": field, "items": items}


router.include_router(drafts)
router.include_router(copies)
router.include_router(suggest)
