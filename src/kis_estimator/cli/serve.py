"""`kis serve`: the HTTP service and web UI (the runner is cli/serving.py, loaded only here)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from kis_estimator import bootstrap
from kis_estimator.cli.common import EXIT_FAILURE, prepare


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (about one per core)")] = 1,
) -> None:
    """Run the HTTP service and web UI. On the embedded default it migrates SQLite and creates ./var/."""
    from kis_estimator.cli import serving

    container = bootstrap.build()
    try:
        container.settings.check_production()
    except ValueError as exc:
        Console(stderr=True).print(f"[red]✖ {exc}[/red]")
        raise typer.Exit(EXIT_FAILURE) from None
    prepare(container, local_store=True)
    key = serving.ensure_admin_key(container)
    console = Console()
    if key is not None:
        console.print("[bold]첫 관리자 API 키 (한 번만 표시됩니다) / First admin API key, shown once:[/bold]")
        console.print(key, soft_wrap=True, highlight=False)
    console.print(f"KIS Estimator: http://{host}:{port}/  (API 문서 / docs: /openapi)")
    serving.run(host, port, workers, container.settings)
