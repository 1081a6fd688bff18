"""`kis evidence`: evidence packs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from kis_estimator import bootstrap
from kis_estimator.cli.common import EXIT_FAILURE, database_container

app = typer.Typer(help="Evidence packs.", no_args_is_help=True)


def _verify_saved_quote(reference: str) -> Any:
    """Verify a saved quote's evidence from storage, found by its number or id."""
    from kis_estimator.services.evidence import verify_saved_evidence
    from kis_estimator.services.failures import Refused

    container = database_container()
    try:
        return verify_saved_evidence(container, reference, path="", search="kis").verification
    except Refused:
        Console(stderr=True).print(
            f"[red]✖ 견적을 찾을 수 없습니다 / no such quote or directory: {reference}[/red]"
        )
        raise typer.Exit(EXIT_FAILURE) from None


def _verify_deferred(directory: Path, result: Any, *, beside: bool) -> None:
    """The pack's deferred documents re-rendered; in an output directory (`beside`: quote.json next to
    evidence/), compared with the file the command wrote there."""
    from kis_estimator.documents import deferred
    from kis_estimator.evidence import sha256_hex
    from kis_estimator.services.deferred_documents import Recorded
    from kis_estimator.services.storage_checks import verify_deferred_in

    recorded = {}
    for renderer in deferred() if beside else []:
        written = directory.parent / renderer.filename
        if written.is_file():
            recorded[renderer.kind] = Recorded(sha256_hex(written.read_bytes()), str(written))
    verify_deferred_in(directory, recorded, None, result)


@app.command("verify")
def evidence_verify(
    path: Annotated[
        Path,
        typer.Argument(
            help="An evidence directory, an output directory holding evidence/, or a saved quote's number or id"
        ),
    ],
) -> None:
    """Re-hash every file of an evidence pack; name every changed, missing or extra file. The documents
    rendered on first download (the DXF) are re-rendered from the pack and compared with the stored one
    (a saved quote) or the one beside evidence/ (an output directory)."""
    from kis_estimator.evidence import verify_pack

    if not path.exists():
        result = _verify_saved_quote(str(path))
    else:
        settings = bootstrap.Settings()
        directory = path / "evidence" if (path / "evidence" / "manifest.json").exists() else path
        quote_file = directory.parent / "quote.json"
        expected = None
        if quote_file.is_file():
            expected = json.loads(quote_file.read_text(encoding="utf-8")).get("evidence", {}).get("sha256")
        result = verify_pack(directory, expected_sha256=expected, secret=settings.evidence_secrets())
        _verify_deferred(directory, result, beside=quote_file.is_file())
    console = Console()
    for label, paths in (
        ("변경 changed", result.changed),
        ("누락 missing", result.missing),
        ("추가 extra", result.extra),
    ):
        for item in paths:
            console.print(f"[red]✖ {label}: {item}[/red]")
    for problem in result.problems:
        console.print(f"[red]✖ {problem}[/red]")
    for item in result.derivable:
        console.print(f"[dim]· 첫 내려받기 때 생성 (다시 만들어 확인) derivable: {item}[/dim]")
    if not result.ok:
        raise typer.Exit(EXIT_FAILURE)
    signed = " (서명 확인 signature verified)" if result.signature_checked else ""
    console.print(f"[green]✔ 증빙 일치 evidence verified[/green] {result.evidence_sha256}{signed}")
