"""`kis mcp`: the MCP tool server (mcp/server.py)."""

from __future__ import annotations

from typing import Annotated

import typer


def mcp_command(
    http: Annotated[bool, typer.Option("--http", help="Streamable HTTP instead of stdio")] = False,
    host: Annotated[str, typer.Option(help="Interface for --http")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for --http")] = 8765,
) -> None:
    """The MCP tool server (for AI assistants): stdio by default, streamable HTTP with --http."""
    from kis_estimator.mcp.server import run_mcp

    run_mcp(http=http, host=host, port=port)
