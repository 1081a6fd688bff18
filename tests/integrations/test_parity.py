"""One request through the three edges: the CLI (`kis estimate`), the API (POST /v1/estimate) and the MCP
server (`create_estimate` over stdio) give the same totals and the same evidence.

The evidence hash of a quote covers its documents, which print the quote's identity (id, number, date:
each edge takes its own), so the edges are compared on what the identity does not enter: the
calculation hash (`evidence.calculation_sha256`, over the stage files), every stage file's hash and the
validation record, and the whole quote apart from the identity and the documents' hashes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from mcp.client.session import ClientSession

from tests.api.conftest import make_api, make_settings
from tests.factories import DOMAIN_S8
from tests.integrations.conftest import subprocess_env
from tests.integrations.test_mcp import call, over_stdio

IDENTITY = ("id", "number", "created_at", "author")  # author: who saved it (an API caller has one)
IDENTITY_FREE = ("stages/", "validation.json")  # evidence files the identity does not enter


def via_cli(tmp_path: Path) -> dict[str, Any]:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(DOMAIN_S8, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "kis_estimator.cli", "estimate", str(request), "--json", "--no-recalc"],
        cwd=tmp_path,
        env=subprocess_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    quote: dict[str, Any] = json.loads(done.stdout)
    return quote


def via_api(tmp_path: Path) -> dict[str, Any]:
    api = make_api(make_settings(tmp_path))
    with api.client:
        created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    assert created.status_code == 201, created.text
    quote: dict[str, Any] = created.json()
    return quote


def via_mcp(tmp_path: Path) -> dict[str, Any]:
    async def scenario(session: ClientSession) -> Any:
        return await call(session, "create_estimate", DOMAIN_S8)

    failed, quote = over_stdio(tmp_path, scenario)
    assert not failed, quote
    return dict(quote)


def identity_free(quote: dict[str, Any]) -> dict[str, Any]:
    """The quote without its identity and without the hashes of files that print it."""
    evidence = quote["evidence"]
    files = {path: sha for path, sha in evidence["files"].items() if path.startswith(IDENTITY_FREE)}
    kept = {name: value for name, value in quote.items() if name not in (*IDENTITY, "evidence", "documents")}
    return {**kept, "calculation_sha256": evidence["calculation_sha256"], "evidence_files": files}


def test_the_cli_the_api_and_the_mcp_server_give_the_same_totals_and_evidence(tmp_path: Path) -> None:
    for edge in ("cli", "api", "mcp"):
        (tmp_path / edge).mkdir()
    quotes = {
        "cli": via_cli(tmp_path / "cli"),
        "api": via_api(tmp_path / "api"),
        "mcp": via_mcp(tmp_path / "mcp"),
    }
    totals = {edge: quote["totals"] for edge, quote in quotes.items()}
    assert totals["cli"] == totals["api"] == totals["mcp"], totals
    hashes = {edge: quote["evidence"]["calculation_sha256"] for edge, quote in quotes.items()}
    assert hashes["cli"] == hashes["api"] == hashes["mcp"], hashes
    assert len(quotes["api"]["evidence"]["files"]) > len(identity_free(quotes["api"])["evidence_files"]) >= 6
    parts = {edge: identity_free(quote) for edge, quote in quotes.items()}
    assert parts["cli"] == parts["api"] == parts["mcp"]
