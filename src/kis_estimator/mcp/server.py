"""`kis mcp`: the estimator's use cases as MCP tools for AI assistants, over stdio or streamable HTTP.

The tools call the same code as the HTTP API, on the same bootstrap (database, storage, the catalog in
use): sizing runs the engine stages of `run_pipeline` without documents, creating an estimate is the
create use case `services.creating.run_create` (number, documents, evidence, one transaction), quotes are read through
`services.quotes`, evidence is verified by `services.evidence`. The arguments of
`size_enclosure` and `create_estimate` are the request JSON itself (input schema: the engine's
`EstimateRequest`). A failure is a tool error (`isError`) whose text is the API's error envelope
(code, message, hint, path, traceId, meta), e.g. POLES_MISMATCH at `panels.0.main.poles`; an unknown
tool name is a protocol error. Over streamable HTTP every call needs one of the API's keys (a viewer's
for the reading tools, an estimator's to create); stdio serves whoever started the process.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import anyio
from mcp.server import Server
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
    Tool,
    ToolAnnotations,
)
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from kis_estimator import __version__, bootstrap
from kis_estimator.bootstrap import Container
from kis_estimator.db.keys import ApiKeyRepository
from kis_estimator.db.repository import MAX_PAGE_SIZE
from kis_estimator.engine.request import EstimateRequest, dotted_path
from kis_estimator.envelope import error_envelope
from kis_estimator.observability import telemetry
from kis_estimator.pipeline import QuoteIdentity, run_pipeline
from kis_estimator.services import quotes
from kis_estimator.services.alternatives import alternatives
from kis_estimator.services.catalog_in_use import catalog_in_use
from kis_estimator.services.catalog_search import CatalogFilterUnknown, search_catalog
from kis_estimator.services.creating import run_create
from kis_estimator.services.evidence import verify_saved_evidence
from kis_estimator.services.failures import classify
from kis_estimator.services.quick_entry import MAX_TEXT_CHARS, QuickEntryRefused, parse_quick_entry
from kis_estimator.services.roles import granted

log = logging.getLogger("kis_estimator.mcp")

SERVER_NAME = "kis-estimator"
Handler = Callable[[Container, dict[str, Any], str], dict[str, Any]]


class ToolRefused(Exception):
    """A tool's anticipated failure, carried as the error envelope the caller gets."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        super().__init__(envelope["code"])
        self.envelope = envelope


# ------------------------------------------------------------------------------------ arguments


class _Arguments(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ArgumentsT = TypeVar("ArgumentsT", bound=_Arguments)
QuoteKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class QuoteLookup(_Arguments):
    quote: QuoteKey = Field(
        description="견적 ID (UUID) 또는 번호 / quote id (uuid) or number (EST-YYYYMMDD-NNNN)"
    )


class QuoteSearch(_Arguments):
    q: str | None = Field(
        None, max_length=200, description="번호·고객·공사명 일부 / part of number, customer, project"
    )
    customer: str | None = Field(None, max_length=200)
    status: Literal["draft", "sent", "ordered", "shipped", "paid", "closed"] | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = Field(1, ge=1, le=100_000)
    size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class CatalogLookup(_Arguments):
    kind: Literal["breakers", "enclosures", "accessories"]
    q: str | None = Field(None, max_length=100, description="모델·이름 일부 / part of a model or name")
    brand: str | None = Field(None, max_length=20, description="breakers: LS, SANGDO")
    type: str | None = Field(None, max_length=20, description="breakers: MCCB, ELCB; accessories: MAGNET…")
    series: str | None = Field(None, max_length=40, description="breakers, enclosures")
    grade: str | None = Field(None, max_length=20, description="breakers: ECONOMY, STANDARD")
    poles: int | None = Field(None, ge=1, le=4, description="breakers")
    frame_af: int | None = Field(None, ge=1, le=10_000, description="breakers")
    trip_at: int | None = Field(None, ge=1, le=10_000, description="breakers rated for this AT")
    material: str | None = Field(None, max_length=20, description="enclosures: STEEL, SUS201, SUS304")
    location: str | None = Field(None, max_length=20, description="enclosures: INDOOR, OUTDOOR")
    page: int = Field(1, ge=1, le=100_000)
    size: int = Field(20, ge=1, le=200)


class ShorthandText(_Arguments):
    text: str = Field(
        description=f"빠른 입력 (최대 {MAX_TEXT_CHARS:,}자), e.g. 'LS 메인 4P 75A ELB 2P 20A 12개' / Korean shorthand"
    )


def _parsed(model: type[ArgumentsT], arguments: dict[str, Any], trace_id: str) -> ArgumentsT:
    try:
        return model.model_validate(arguments)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ToolRefused(
            error_envelope(
                "REQ_INVALID",
                f"도구 인자 오류 / Invalid tool arguments: {first['msg']}",
                hint="도구의 inputSchema를 확인해 주세요 / Check the tool's inputSchema.",
                path=dotted_path(tuple(first["loc"])),
                trace_id=trace_id,
            )
        ) from None


# ---------------------------------------------------------------------------------------- tools


def size_enclosure(container: Container, arguments: dict[str, Any], trace_id: str) -> dict[str, Any]:
    """The enclosure of every panel of a request: required and chosen size, fit, stock or custom, and
    the custom alternative offered when a stock box fits loosely. Nothing is saved."""
    in_use = catalog_in_use(container)
    moment = datetime.now(ZoneInfo(container.settings.timezone)).isoformat(timespec="seconds")
    identity = QuoteIdentity("", "", moment)
    quote = run_pipeline(
        arguments, in_use.catalog, container.rules, identity, price_book_id=in_use.price_book_id
    ).quote
    panels = []
    for panel in quote["panels"]:
        enclosure = panel["enclosure"]
        panels.append(
            {
                "name": panel["name"],
                "quantity": panel["quantity"],
                "required_mm": enclosure["required_mm"],
                "size_mm": enclosure["size_mm"],
                "model": enclosure["model"],
                "stock": enclosure["stock"],
                "fit_score": enclosure["fit_score"],
                "alternative": enclosure["custom"] if enclosure["stock"] else None,
                "enclosure": enclosure,
                "gates": panel["gates"],
            }
        )
    return {
        "panels": panels,
        "catalog_sha256": quote["catalog_sha256"],
        "price_book_id": quote["price_book_id"],
    }


def compare_alternatives(container: Container, arguments: dict[str, Any], trace_id: str) -> dict[str, Any]:
    """The request's alternatives, one dimension at a time (brand LS/SANGDO, grade ECONOMY/STANDARD,
    material STEEL 1.6T/SUS201 1.2T, stock/custom enclosure), each priced with its totals, its
    difference from the request's total, its enclosures and what could not be mapped (path, reason), as
    POST /v1/estimate/alternatives. Nothing is saved."""
    return alternatives(container, arguments)


def create_estimate(container: Container, arguments: dict[str, Any], trace_id: str) -> dict[str, Any]:
    """Estimate and save, exactly as POST /v1/estimate: the new quote (number, totals, documents and
    evidence stored)."""
    return run_create(container, arguments, trace_id=trace_id)


def get_quote(container: Container, arguments: dict[str, Any], trace_id: str) -> dict[str, Any]:
    """A saved quote's JSON, by id or number."""
    wanted = _parsed(QuoteLookup, arguments, trace_id)
    return quotes.find_quote(container, wanted.quote, path="quote", search="search_quotes")


def search_quotes(container: Container, arguments: dict[str, Any], trace_id: str) -> dict[str, Any]:
    """Saved quotes matching every filter, newest first, one page (as GET /v1/estimate)."""
    wanted = _parsed(QuoteSearch, arguments, trace_id)
    return quotes.search_quotes(container, **wanted.model_dump())


def verify_evidence(container: Container, arguments: dict[str, Any], trace_id: str) -> dict[str, Any]:
    """Re-hash a saved quote's stored evidence pack against its manifest and evidence hash."""
    wanted = _parsed(QuoteLookup, arguments, trace_id)
    saved = verify_saved_evidence(container, wanted.quote, path="quote", search="search_quotes")
    result = saved.verification
    return {
        "quoteId": saved.quote_id,
        "number": saved.number,
        "ok": result.ok,
        "evidence_sha256": result.evidence_sha256,
        "expected_sha256": saved.expected_sha256,
        "changed": result.changed,
        "missing": result.missing,
        "extra": result.extra,
        "problems": result.problems,
        "signature_checked": result.signature_checked,
        "derivable": result.derivable,
    }


def lookup_catalog(container: Container, arguments: dict[str, Any], trace_id: str) -> dict[str, Any]:
    """Rows of the catalog in use (the active price book, else the shipped catalog), as GET /v1/catalog."""
    wanted = _parsed(CatalogLookup, arguments, trace_id)
    given = wanted.model_dump(exclude={"kind", "q", "page", "size"}, exclude_none=True)
    try:  # filters by name, so that the first unknown one named is the first in sorted order
        found = search_catalog(
            container, wanted.kind, wanted.q, dict(sorted(given.items())), wanted.page, wanted.size
        )
    except CatalogFilterUnknown as exc:
        envelope = error_envelope(exc.code, exc.message, hint=exc.hint, path=exc.name, trace_id=trace_id)
        raise ToolRefused(envelope) from None
    return {
        "items": found.items,
        "total": found.total,
        "page": found.page,
        "size": found.size,
        "priceBookId": found.price_book_id,
        "catalog_sha256": found.catalog_sha256,
    }


def parse_shorthand(container: Container, arguments: dict[str, Any], trace_id: str) -> dict[str, Any]:
    """Korean shorthand (빠른 입력) → the request JSON (without customer) and one finding per word, as
    POST /v1/requests/parse; an unknown word is refused with its position in the envelope's meta."""
    wanted = _parsed(ShorthandText, arguments, trace_id)
    try:
        return parse_quick_entry(wanted.text, catalog_in_use(container).catalog, container.rules).as_dict()
    except QuickEntryRefused as exc:
        raise ToolRefused(exc.envelope(trace_id)) from None


@dataclass(frozen=True)
class ToolSpec:
    tool: Tool
    handler: Handler
    role: str  # the API role a caller over --http needs (stdio serves whoever started it)


def _spec(handler: Handler, title: str, schema: dict[str, Any], *, read_only: bool) -> ToolSpec:
    description = (handler.__doc__ or "").strip()
    annotations = ToolAnnotations(title=title, read_only_hint=read_only, open_world_hint=False)
    tool = Tool(
        name=handler.__name__,
        title=title,
        description=description,
        input_schema=schema,
        annotations=annotations,
    )
    return ToolSpec(tool, handler, "viewer" if read_only else "estimator")


def tool_specs() -> dict[str, ToolSpec]:
    """Every tool by name; the request tools take the request JSON as their arguments."""
    request_schema = EstimateRequest.model_json_schema()
    specs = [
        _spec(size_enclosure, "외함 선정 / Size the enclosure", request_schema, read_only=True),
        _spec(compare_alternatives, "대안 비교 / Compare alternatives", request_schema, read_only=True),
        _spec(create_estimate, "견적 생성 / Create an estimate", request_schema, read_only=False),
        _spec(get_quote, "견적 조회 / Get a quote", QuoteLookup.model_json_schema(), read_only=True),
        _spec(search_quotes, "견적 검색 / Search quotes", QuoteSearch.model_json_schema(), read_only=True),
        _spec(
            verify_evidence, "증빙 검증 / Verify evidence", QuoteLookup.model_json_schema(), read_only=True
        ),
        _spec(
            lookup_catalog,
            "카탈로그 조회 / Look up the catalog",
            CatalogLookup.model_json_schema(),
            read_only=True,
        ),
        _spec(
            parse_shorthand,
            "빠른 입력 해석 / Read Korean shorthand",
            ShorthandText.model_json_schema(),
            read_only=True,
        ),
    ]
    return {spec.tool.name: spec for spec in specs}


# -------------------------------------------------------------------------------------- calling


def _envelope_of(exc: Exception, trace_id: str) -> dict[str, Any]:
    """The envelope of a failure, as the API answers it (`classify`); unexpected ones are logged as bugs."""
    if isinstance(exc, ToolRefused):
        return exc.envelope
    return classify(exc, log, trace_id).envelope(trace_id)


def _text(value: dict[str, Any]) -> list[TextContent]:
    return [TextContent(type="text", text=json.dumps(value, ensure_ascii=False))]


def call_tool(
    container: Container, spec: ToolSpec, arguments: dict[str, Any], roles: list[str] | None = None
) -> CallToolResult:
    """Run one tool (blocking): its result as JSON text and structured content, or the error envelope.
    `roles`: what the caller's API key allows over --http; None over stdio."""
    trace_id = telemetry.current_trace_id() or uuid.uuid4().hex
    try:
        if roles is not None and spec.role not in roles:
            raise ToolRefused(
                error_envelope(
                    "FORBIDDEN",
                    "권한이 없습니다 / Not allowed for this key",
                    hint=f"{spec.role} 이상의 키를 쓰세요 / Use a key with the {spec.role} role or higher.",
                    path="headers.authorization",
                    trace_id=trace_id,
                )
            )
        with telemetry.stage_spans():
            result = spec.handler(container, arguments, trace_id)
    except Exception as exc:
        return CallToolResult(content=_text(_envelope_of(exc, trace_id)), is_error=True)
    return CallToolResult(content=_text(result), structured_content=result)


def build_server(container: Container) -> Server[Any]:
    """The MCP server over `container`; each tool call runs in a worker thread."""
    specs = tool_specs()

    async def list_tools(
        ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        return ListToolsResult(tools=[spec.tool for spec in specs.values()])

    async def call(ctx: ServerRequestContext[Any], params: CallToolRequestParams) -> CallToolResult:
        if params.name not in specs:  # a protocol error, not a tool's (MCP: "Calling Tools")
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {params.name[:64]}")
        arguments = dict(params.arguments or {})
        token = get_access_token()
        roles = None if token is None else token.scopes
        return await anyio.to_thread.run_sync(call_tool, container, specs[params.name], arguments, roles)

    return Server(
        SERVER_NAME,
        version=__version__,
        title="KIS Estimator",
        instructions=(
            "분전반 견적 도구 / Quotation tools for Korean electrical distribution panels. "
            "size_enclosure and create_estimate take the request JSON (see their input schema); "
            "errors come back as an envelope with code, message, hint and path."
        ),
        on_list_tools=list_tools,
        on_call_tool=call,
    )


def run_mcp(http: bool, host: str, port: int) -> None:
    """Serve the tools over stdio (stdout carries only the protocol), or streamable HTTP at /mcp, where
    every call needs an API key (`Authorization: Bearer …`; creating an estimate, an estimator's)."""
    from kis_estimator.observability.metrics import configure_logging

    container = bootstrap.build()
    configure_logging(container.settings.log_level)  # JSON lines on stderr
    try:
        container.settings.check_production()
    except ValueError as exc:
        log.error("refusing to start: %s", exc)
        raise SystemExit(1) from None
    container.prepare_embedded()
    telemetry.configure_process()
    server = build_server(container)
    if not http:
        anyio.run(_serve_stdio, server)
        return
    import uvicorn

    base = container.settings.public_base_url or own_base_url(host, port)
    auth = AuthSettings(
        issuer_url=base,  # keys come from `kis keys create`, not OAuth
        resource_server_url=f"{base.rstrip('/')}/mcp",
        required_scopes=["viewer"],
        validate_token_resource=False,  # an API key is not issued for one resource
    )
    app = server.streamable_http_app(host=host, auth=auth, token_verifier=ApiKeyVerifier(container))
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


def own_base_url(host: str, port: int) -> str:
    """The server's own address when PUBLIC_BASE_URL is unset (the SDK fixes its auth metadata at start,
    before any request): a wildcard host is named by its loopback address."""
    named = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # nosec B104 - maps a wildcard bind to a loopback name, binds nothing
    return f"http://[{named}]:{port}" if ":" in named else f"http://{named}:{port}"


class ApiKeyVerifier:
    """`Authorization: Bearer <API key>` for --http: the HTTP API's keys, a role's scopes being it and
    the roles below it (an estimator key has `viewer` and `estimator`)."""

    def __init__(self, container: Container) -> None:
        self.container = container

    async def verify_token(self, token: str) -> AccessToken | None:
        return await anyio.to_thread.run_sync(self._lookup, token)

    def _lookup(self, token: str) -> AccessToken | None:
        with self.container.sessions() as session:
            row = ApiKeyRepository(session).find(token)
            if row is None:
                return None
            return AccessToken(token=token, client_id=f"key:{row.id}", scopes=granted(row.role))


async def _serve_stdio(server: Server[Any]) -> None:
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
