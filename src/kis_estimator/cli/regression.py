"""`kis regression`: the hand-worked goldset (ops/regression.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kis_estimator import bootstrap
from kis_estimator.cli.common import EXIT_FAILURE

app = typer.Typer(help="The hand-worked goldset.", no_args_is_help=True)


@app.command("run")
def regression_run(
    goldset: Annotated[Path, typer.Option(help="Goldset directory")] = Path("tests/regression/goldset"),
) -> None:
    """Run every goldset case and print a result table; exit 1 on any failure."""
    from kis_estimator.ops.regression import print_report, run_goldset

    if not any(goldset.glob("*.json")):
        Console(stderr=True).print(
            f"[red]✖ no goldset cases in {goldset} / 골드셋이 없습니다[/red]: run it from the repository "
            "checkout or pass --goldset DIR"
        )
        raise typer.Exit(EXIT_FAILURE)

    container = bootstrap.build()
    results = run_goldset(goldset, container.catalog, container.rules)
    console = Console()
    print_report(console, results)
    if not results or any(not r.passed for r in results):
        raise typer.Exit(EXIT_FAILURE)
