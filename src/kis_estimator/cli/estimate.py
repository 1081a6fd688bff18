"""`kis estimate`: one request to the quote, documents and evidence, in a folder or (--save) the database."""

from __future__ import annotations

import json
import re
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from kis_estimator import bootstrap
from kis_estimator.cli.common import (
    EXIT_FAILURE,
    build_container,
    catalog_or_fail,
    fail,
    fail_with,
    read_request,
)
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.envelope import error_envelope
from kis_estimator.storage import StorageError

if TYPE_CHECKING:  # loaded by the commands that estimate: OR-Tools and the renderers take ~1 s to import
    from kis_estimator.pipeline import DocumentOptions, QuoteIdentity


DEFAULT_OUT_ROOT = Path("out")


def next_number(out_root: Path, day: str) -> str:
    """`EST-YYYYMMDD-NNNN` with the next NNNN not yet used by a directory under `out_root`."""
    prefix = f"EST-{day.replace('-', '')}-"
    used = [
        int(m.group(1))
        for p in out_root.glob(f"{prefix}*")
        if (m := re.fullmatch(rf"{prefix}(\d{{4}})", p.name))
    ]
    return f"{prefix}{max(used, default=0) + 1:04d}"


def _identity(
    now: datetime | None, number: str | None, quote_id: str | None, out_root: Path, tz: str
) -> QuoteIdentity:
    from kis_estimator.pipeline import QuoteIdentity

    moment = now or datetime.now(ZoneInfo(tz))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    created_at = moment.isoformat(timespec="seconds")
    return QuoteIdentity(
        quote_id=quote_id or str(uuid.uuid4()),
        number=number or next_number(out_root, created_at[:10]),
        created_at=created_at,
    )


def estimate_command(
    request_file: Annotated[Path, typer.Argument(help="Request JSON")],
    out: Annotated[Path | None, typer.Option(help="Output directory (default ./out/<quote number>)")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the quote JSON instead of the summary")
    ] = False,
    now: Annotated[
        datetime | None,
        typer.Option(parser=datetime.fromisoformat, metavar="ISO-8601", help="Quote time (default: now)"),
    ] = None,
    number: Annotated[str | None, typer.Option(help="Quote number (default: next free for the day)")] = None,
    quote_id: Annotated[str | None, typer.Option("--id", help="Quote id (default: a new UUID)")] = None,
    recalc: Annotated[
        bool | None,
        typer.Option("--recalc/--no-recalc", help="LibreOffice recalculation lint (default: settings)"),
    ] = None,
    save: Annotated[
        bool, typer.Option("--save", help="Also save it: database (DATABASE_URL) and storage")
    ] = False,
) -> None:
    """Estimate one request and write the quote, documents and evidence (with --save: into the database)."""
    from kis_estimator.cli.summary import render_summary
    from kis_estimator.documents.lint import soffice_path
    from kis_estimator.pipeline import DocumentOptions, run_pipeline

    trace_id = uuid.uuid4().hex
    raw = read_request(request_file, trace_id)
    container = build_container(trace_id)
    settings = container.settings
    out_root = out.parent if out else DEFAULT_OUT_ROOT
    identity = _identity(now, number, quote_id, out_root, settings.timezone)
    options = DocumentOptions(
        company=settings.company(),
        terms=settings.terms(),
        evidence_secret=settings.evidence_secret,
        recalculate=(settings.kis_doc_recalc if recalc is None else recalc) and soffice_path() is not None,
    )
    if save:
        _save_and_exit(container, raw, options, trace_id, as_json)
    in_use = catalog_or_fail(container, trace_id)
    try:
        result = run_pipeline(
            raw,
            in_use.catalog,
            container.rules,
            identity,
            documents=options,
            price_book_id=in_use.price_book_id,
        )
    except RequestRejected as exc:
        fail_with(exc, trace_id)
    target = out or DEFAULT_OUT_ROOT / identity.number
    target.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result.quote, ensure_ascii=False, indent=2) + "\n"
    (target / "quote.json").write_text(text, encoding="utf-8")
    for filename, data in result.documents.items():
        (target / filename).write_bytes(data)
    assert result.evidence is not None
    result.evidence.write(target / "evidence")
    if as_json:
        sys.stdout.write(text)
    else:
        console = Console()
        render_summary(console, result.quote)
        console.print(f"[dim]→ {target}/ quote.json {' '.join(result.documents)} evidence/[/dim]")


def _save_and_exit(container: Any, raw: Any, options: DocumentOptions, trace_id: str, as_json: bool) -> None:
    """`kis estimate --save`: the quote saved like the service saves it, with its number from the database."""
    from kis_estimator.cli.summary import render_summary
    from kis_estimator.services import audit
    from kis_estimator.services.saving import save_estimate

    try:
        container.prepare_database()
        container.prepare_local_store()
    except bootstrap.DatabaseNotReady as exc:
        fail(
            error_envelope(
                "DATABASE_NOT_READY",
                str(exc),
                hint="DATABASE_URL 을 확인하고 kis db upgrade 를 실행해 주세요 / Check DATABASE_URL; run kis db upgrade.",
                path="",
                trace_id=trace_id,
            ),
            EXIT_FAILURE,
        )
    except StorageError as exc:
        fail(
            error_envelope(
                "STORAGE_UNAVAILABLE",
                f"저장소 오류 / storage failed: {exc}",
                hint="STORAGE_URL을 확인해 주세요 / Check STORAGE_URL.",
                path="",
                trace_id=trace_id,
            ),
            EXIT_FAILURE,
        )
    context = container.save_context(options)
    try:
        with container.sessions.begin() as session:
            quote = save_estimate(context, raw, session=session)
            audit.record_quote(session, dict(quote), None, trace_id)
    except Exception as exc:  # a refused request (exit 2), a store or database down (exit 1)
        fail_with(exc, trace_id)
    if as_json:
        sys.stdout.write(json.dumps(quote, ensure_ascii=False, indent=2) + "\n")
    else:
        render_summary(Console(), quote)
        Console().print(f"[green]✔ saved[/green] {quote['number']} ({quote['id']})")
    raise typer.Exit(0)
