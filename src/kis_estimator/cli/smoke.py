"""`kis smoke`: the deployment test (ops/smoke.py)."""

from __future__ import annotations

from typing import Annotated

import typer


def smoke_command(
    url: Annotated[str, typer.Argument(help="The service's base URL, e.g. https://kis.example.kr")],
    api_key: Annotated[
        str | None, typer.Option("--api-key", envvar="KIS_API_KEY", help="An estimator key")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per HTTP call")] = 30.0,
) -> None:
    """Deployment test against a running service: one line per step with ✅/❌ and its time."""
    from kis_estimator.ops.smoke import run_smoke

    raise typer.Exit(run_smoke(url, api_key, timeout=timeout))
