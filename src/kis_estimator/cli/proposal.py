"""`kis proposal`: a request priced as 2-3 options (A, B, C) and delivered as one proposal: the
workbook and PDF (comparison first) and the evidence pack of every option; nothing is saved."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kis_estimator import bootstrap
from kis_estimator.cli.common import EXIT_FAILURE, EXIT_REQUEST_ERROR, fail, read_request
from kis_estimator.engine.errors import DataError, RequestRejected
from kis_estimator.envelope import error_envelope, rejection_envelope


def proposal_command(
    request_file: Annotated[Path, typer.Argument(help="Request JSON")],
    option: Annotated[
        list[str],
        typer.Option(
            "--option",
            help="One option, e.g. brand=LS,grade=ECONOMY (keys: brand, grade, material, thickness_mm, "
            "enclosure_kind; an empty string is the request as it is). Give it 2 or 3 times.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Directory for proposal.xlsx, proposal.pdf, evidence/")],
) -> None:
    """A multi-option proposal: proposal.xlsx (sheet 비교 first), proposal.pdf and evidence/ in --out."""
    from sqlalchemy.exc import SQLAlchemyError

    from kis_estimator.services.proposal import parse_option, proposal

    trace_id = uuid.uuid4().hex
    raw = read_request(request_file, trace_id)
    specs = [parse_option(text) for text in option]
    try:
        made = proposal(bootstrap.build(), raw, specs)
    except RequestRejected as exc:
        fail(rejection_envelope(exc, trace_id), EXIT_REQUEST_ERROR)
    except (DataError, SQLAlchemyError) as exc:
        fail(
            error_envelope(
                "DATA_INVALID",
                f"카탈로그/가격표를 읽을 수 없습니다 / Cannot read the catalog or price book: {type(exc).__name__}",
                hint="데이터 파일과 DATABASE_URL 을 확인하세요 / Check the data files and DATABASE_URL.",
                path="",
                trace_id=trace_id,
            ),
            EXIT_FAILURE,
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "proposal.xlsx").write_bytes(made.workbook)
    (out / "proposal.pdf").write_bytes(made.pdf)
    for path, data in made.files.items():
        target = out / "evidence" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    table = Table(title=f"대안 비교 / Proposal {made.number}")
    for header in ("대안", "내용", "합계", "부가세", "총액"):
        table.add_column(header, justify="left" if header in ("대안", "내용") else "right")
    for item in made.options:
        totals = item["totals"]
        table.add_row(item["label"], item["title"], *(f"{totals[k]:,}" for k in ("subtotal", "vat", "total")))
    console = Console()
    console.print(table)
    console.print(f"{out}/proposal.xlsx, proposal.pdf, evidence/ (sha256 {made.sha256[:16]}…)")
