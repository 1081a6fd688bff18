"""`kis mcp` as an MCP client sees it: the real command over stdio (and streamable HTTP), its tools, and
answers equal to the HTTP API's on the same request."""

from __future__ import annotations

import copy
import json
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from kis_estimator import bootstrap
from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.db.keys import ApiKeyRepository
from kis_estimator.engine.request import EstimateRequest
from kis_estimator.services.alternatives import alternatives_of_request
from kis_estimator.settings import Settings
from tests.api.conftest import make_api, make_settings
from tests.integrations.conftest import REPO, subprocess_env

KIS = str(Path(sys.executable).with_name("kis"))
DOMAIN_S8 = json.loads((REPO / "examples" / "domain-s8-outdoor-sus.json").read_text(encoding="utf-8"))
TOOLS = {
    "size_enclosure",
    "compare_alternatives",
    "create_estimate",
    "get_quote",
    "search_quotes",
    "verify_evidence",
    "lookup_catalog",
    "parse_shorthand",
}


def five_poles() -> dict[str, Any]:
    request = copy.deepcopy(DOMAIN_S8)
    request["panels"][0]["main"]["poles"] = 5
    return request


async def call(session: ClientSession, tool: str, arguments: dict[str, Any]) -> tuple[bool, Any]:
    result = await session.call_tool(tool, arguments)
    assert len(result.content) == 1 and result.content[0].type == "text"
    return result.is_error, json.loads(result.content[0].text)


def over_stdio(tmp_path: Path, scenario: Callable[[ClientSession], Awaitable[Any]]) -> Any:
    tmp_path.mkdir(parents=True, exist_ok=True)
    params = StdioServerParameters(command=KIS, args=["mcp"], env=subprocess_env(tmp_path), cwd=str(tmp_path))
    outcome: dict[str, Any] = {}

    async def main() -> None:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            outcome["value"] = await scenario(session)

    anyio.run(main)
    return outcome["value"]


def api_answers(tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """POST /v1/estimate of the §8 request and of its 5-pole variant, through the ASGI app."""
    api = make_api(make_settings(tmp_path))
    with api.client:
        created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
        refused = api.client.post("/v1/estimate", json=five_poles(), headers=api.auth())
    assert created.status_code == 201 and refused.status_code == 422
    return created.json(), refused.json()


def test_kis_mcp_over_stdio_sizes_creates_reads_and_refuses_like_the_api(tmp_path: Path) -> None:
    async def scenario(session: ClientSession) -> dict[str, Any]:
        listed = (await session.list_tools()).tools
        answers: dict[str, Any] = {"tools": {tool.name: tool for tool in listed}}
        answers["size"] = await call(session, "size_enclosure", DOMAIN_S8)
        answers["compare"] = await call(session, "compare_alternatives", DOMAIN_S8)
        answers["compare_refused"] = await call(session, "compare_alternatives", five_poles())
        answers["create"] = await call(session, "create_estimate", DOMAIN_S8)
        answers["refused"] = await call(session, "create_estimate", five_poles())
        number = answers["create"][1]["number"]
        answers["get"] = await call(session, "get_quote", {"quote": number})
        answers["search"] = await call(session, "search_quotes", {"q": "동양기전"})
        answers["verify"] = await call(session, "verify_evidence", {"quote": answers["create"][1]["id"]})
        answers["missing"] = await call(session, "get_quote", {"quote": "EST-20000101-0001"})
        answers["catalog"] = await call(
            session, "lookup_catalog", {"kind": "enclosures", "q": "SC 70 120 20", "material": "SUS201"}
        )
        with pytest.raises(MCPError) as unknown:  # a protocol error, not a tool's
            await session.call_tool("no_such_tool", {})
        answers["unknown"] = unknown.value.error.code
        return answers

    mcp = over_stdio(tmp_path / "mcp", scenario)
    api_quote, api_refusal = api_answers(tmp_path / "api")

    tools = mcp["tools"]
    assert set(tools) == TOOLS
    request_schema = EstimateRequest.model_json_schema()
    assert tools["size_enclosure"].input_schema == request_schema
    assert tools["create_estimate"].input_schema == request_schema
    assert tools["size_enclosure"].annotations.read_only_hint is True
    assert tools["create_estimate"].annotations.read_only_hint is False

    is_error, sized = mcp["size"]
    assert not is_error
    (panel,) = sized["panels"]
    assert panel["size_mm"] == [700, 1200, 200] and panel["model"] == "SC 70 120 20"
    assert panel["required_mm"] == [700, 1070, 150]
    assert panel["stock"] is True and panel["fit_score"] < 0.9
    assert panel["alternative"]["size_mm"] == [700, 1100, 150]  # the custom box offered for the loose fit

    assert tools["compare_alternatives"].input_schema == request_schema
    assert tools["compare_alternatives"].annotations.read_only_hint is True
    is_error, compared = mcp["compare"]
    assert not is_error
    expected = alternatives_of_request(
        DOMAIN_S8, load_catalog(), load_rulebook()
    )  # POST /v1/estimate/alternatives
    assert compared["base"] == expected["base"] and compared["variants"] == expected["variants"]
    is_error, refused_compare = mcp["compare_refused"]
    assert is_error and refused_compare["code"] == "POLES_MISMATCH"
    assert refused_compare["path"] == "panels.0.main.poles"

    is_error, quote = mcp["create"]
    assert not is_error
    assert quote["totals"] == api_quote["totals"]
    assert quote["totals"]["total"] == 1_831_170 and quote["totals"]["subtotal"] == 1_664_700
    assert [p["lines"] for p in quote["panels"]] == [p["lines"] for p in api_quote["panels"]]
    assert quote["panels"][0]["enclosure"] == api_quote["panels"][0]["enclosure"]
    assert quote["evidence"]["sha256"] and quote["number"].startswith("EST-")

    is_error, envelope = mcp["refused"]
    assert is_error
    assert envelope["code"] == "POLES_MISMATCH" and envelope["path"] == "panels.0.main.poles"
    assert {k: envelope[k] for k in ("code", "message", "hint", "path")} == {
        k: api_refusal[k] for k in ("code", "message", "hint", "path")
    }
    assert len(envelope["traceId"]) == 32 and envelope["meta"]["dedupKey"] == api_refusal["meta"]["dedupKey"]

    assert mcp["get"] == (False, quote)
    is_error, page = mcp["search"]
    assert not is_error and page["total"] == 1 and page["items"][0]["number"] == quote["number"]
    is_error, verified = mcp["verify"]
    assert not is_error and verified["ok"] is True
    assert verified["evidence_sha256"] == verified["expected_sha256"] == quote["evidence"]["sha256"]
    is_error, envelope = mcp["missing"]
    assert is_error and envelope["code"] == "QUOTE_NOT_FOUND"
    is_error, found = mcp["catalog"]
    assert not is_error and found["items"][0]["model"] == "SC 70 120 20" and found["priceBookId"] is None
    assert mcp["unknown"] == INVALID_PARAMS


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"kis mcp --http did not listen on {port} within {seconds} s")


def viewer_key(tmp_path: Path) -> str:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/kis.db")  # type: ignore[call-arg]
    with bootstrap.build(settings).sessions.begin() as session:
        return ApiKeyRepository(session).create("mcp test", "viewer")[1]


def test_kis_mcp_http_needs_an_api_key_and_its_role(tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [KIS, "mcp", "--http", "--port", str(port)],
        env=subprocess_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port, process)  # listening: the database is migrated
        url = f"http://127.0.0.1:{port}/mcp"
        anonymous = httpx2.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        # Unset PUBLIC_BASE_URL: the auth metadata names this server, on its own port (not 8000).
        metadata = httpx2.get(f"http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp").json()
        key = viewer_key(tmp_path)
        outcome: dict[str, Any] = {}

        async def main() -> None:
            headers = {"Authorization": f"Bearer {key}"}
            async with (
                httpx2.AsyncClient(headers=headers, timeout=30) as http,
                streamable_http_client(url, http_client=http) as (read, write, *_),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                outcome["tools"] = {tool.name for tool in (await session.list_tools()).tools}
                outcome["sized"] = await call(session, "size_enclosure", DOMAIN_S8)
                outcome["create"] = await call(session, "create_estimate", DOMAIN_S8)

        anyio.run(main)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert anonymous.status_code == 401
    assert f"http://127.0.0.1:{port}/.well-known/" in anonymous.headers["www-authenticate"]
    assert metadata["resource"] == url
    assert [server.rstrip("/") for server in metadata["authorization_servers"]] == [
        f"http://127.0.0.1:{port}"
    ]
    assert outcome["tools"] == TOOLS
    is_error, sized = outcome["sized"]
    assert not is_error and sized["panels"][0]["size_mm"] == [700, 1200, 200]
    is_error, envelope = outcome["create"]  # a viewer reads and sizes, but does not create
    assert is_error and (envelope["code"], envelope["path"]) == ("FORBIDDEN", "headers.authorization")
