"""`kis release`: release artefacts (ops/release.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Release artefacts.", no_args_is_help=True)


@app.command("evidence")
def release_evidence(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the release evidence into")],
) -> None:
    """openapi.yaml, the goldset, the regression report, the migration SQL and SHA256SUMS."""
    from kis_estimator.ops.release import write_release_evidence

    raise typer.Exit(write_release_evidence(out))
