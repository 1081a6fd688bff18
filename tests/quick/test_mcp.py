"""The MCP tool parse_shorthand answers as POST /v1/requests/parse does, refusals included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp_types import CallToolResult, TextContent

from kis_estimator import bootstrap
from kis_estimator.mcp.server import call_tool, tool_specs
from tests.api.conftest import make_api, make_settings


def _answer(result: CallToolResult) -> Any:
    (content,) = result.content
    assert isinstance(content, TextContent)
    return json.loads(content.text)


PHRASES = ("LS 메인 4P 75A ELB 2P 20A 12개", "LS 메인 4P 75A ELV 2P 20A", "LS 메인 5P 75A")


def test_parse_shorthand_answers_like_the_api(tmp_path: Path) -> None:
    spec = tool_specs()["parse_shorthand"]
    assert spec.tool.annotations is not None and spec.tool.annotations.read_only_hint is True
    container = bootstrap.build(make_settings(tmp_path / "mcp"))
    api = make_api(make_settings(tmp_path / "api"))
    with api.client:
        for text in PHRASES:
            result = call_tool(container, spec, {"text": text})
            answer = _answer(result)
            response = api.client.post("/v1/requests/parse", json={"text": text}, headers=api.auth())
            expected = response.json()
            if response.status_code == 200:
                assert not result.is_error and answer == expected == result.structured_content
            else:
                assert result.is_error
                for key in ("code", "message", "hint", "path"):
                    assert answer[key] == expected[key]
                assert answer["meta"] == expected["meta"]
    refused = call_tool(container, spec, {"text": 5})
    assert refused.is_error and _answer(refused)["code"] == "REQ_INVALID"
