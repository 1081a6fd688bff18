"""`kis import` and `kis export-sheet`: the request sheet."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kis_estimator.cli.common import EXIT_REQUEST_ERROR, fail, fail_with, read_request
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.envelope import error_envelope


def import_sheet(
    sheet: Annotated[Path, typer.Argument(help="A filled request sheet (.xlsx, see docs/request-sheet.md)")],
    out: Annotated[Path | None, typer.Option(help="Write the request JSON here (default: stdout)")] = None,
) -> None:
    """Read a request sheet into request JSON; findings name the sheet cell, in Korean and English."""
    from kis_estimator.documents.request_sheet import import_to_json

    try:
        request, findings = import_to_json(sheet)
    except OSError as exc:
        fail(
            error_envelope(
                "SHEET_NOT_FOUND",
                f"파일을 읽을 수 없습니다 / Cannot read the sheet: {exc}",
                hint="경로를 확인해 주세요 / Check the path.",
                path="",
                trace_id=uuid.uuid4().hex,
            ),
            EXIT_REQUEST_ERROR,
        )
    console = Console(stderr=True)
    for finding in findings:
        colour = "red" if finding["severity"] == "error" else "yellow"
        where = finding.get("cell") or "-"
        console.print(
            f"[{colour}]{finding['severity']}[/{colour}] {finding['code']} {where}: {finding['message']}"
        )
        if finding.get("hint"):
            console.print(f"    → {finding['hint']}")
    if request is None:
        raise typer.Exit(EXIT_REQUEST_ERROR)
    text = json.dumps(request, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"[green]✔[/green] {out}")


def export_sheet(
    source: Annotated[Path, typer.Argument(help="A request JSON, or a quote.json (its request is exported)")],
    out: Annotated[Path, typer.Option(help="The request sheet to write (.xlsx)")] = Path("request.xlsx"),
) -> None:
    """Write a request (or a quote's request) into the request-sheet template, ready to edit."""
    from kis_estimator.documents.request_sheet import export_request_sheet

    trace_id = uuid.uuid4().hex
    data = read_request(source, trace_id)
    request = data.get("request", data) if isinstance(data, dict) else data
    try:
        out.write_bytes(export_request_sheet(request))
    except RequestRejected as exc:
        fail_with(exc, trace_id)
    Console().print(f"[green]✔[/green] {out}")
