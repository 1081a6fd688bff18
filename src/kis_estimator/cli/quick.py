"""`kis quick TEXT`: Korean shorthand (빠른 입력) → the request JSON; with --estimate, also its quote."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from kis_estimator import bootstrap
from kis_estimator.cli.common import EXIT_REQUEST_ERROR, build_container, catalog_or_fail, fail
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.envelope import rejection_envelope


def quick_command(
    text: Annotated[
        str, typer.Argument(help="빠른 입력, e.g. 'LS 메인 4P 75A ELB 2P 20A 12개' (docs/shorthand.md)")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print {request, findings} (with --estimate, also quote)")
    ] = False,
    estimate: Annotated[
        bool, typer.Option("--estimate", help="Also estimate it and print the summary (nothing is saved)")
    ] = False,
    customer: Annotated[
        str | None, typer.Option(help="The customer's name, put into the request (--estimate needs one)")
    ] = None,
) -> None:
    """Read shorthand into the request JSON; a word it does not understand exits 2 with the envelope."""
    from kis_estimator.services.quick_entry import QuickEntryRefused, parse_quick_entry

    trace_id = uuid.uuid4().hex
    container = build_container(trace_id)
    in_use = catalog_or_fail(container, trace_id)
    try:
        entry = parse_quick_entry(text, in_use.catalog, container.rules)
    except QuickEntryRefused as exc:
        fail(exc.envelope(trace_id), EXIT_REQUEST_ERROR)
    request: dict[str, Any] = entry.request
    if customer is not None:
        request = {"customer": {"name": customer}, **request}
    answer: dict[str, Any] = {"request": request, "findings": entry.findings}
    if estimate:
        answer["quote"] = _estimate(container, in_use, request, trace_id)
    if as_json:
        sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2) + "\n")
        return
    sys.stdout.write(json.dumps(request, ensure_ascii=False, indent=2) + "\n")
    if estimate:
        from kis_estimator.cli.summary import render_summary

        render_summary(Console(), answer["quote"])


def _estimate(container: bootstrap.Container, in_use: Any, request: dict[str, Any], trace_id: str) -> Any:
    """The quote of `request`, priced like `kis estimate` but without documents, number or saving."""
    from kis_estimator.pipeline import QuoteIdentity, run_pipeline

    moment = datetime.now(ZoneInfo(container.settings.timezone)).isoformat(timespec="seconds")
    identity = QuoteIdentity(quote_id=str(uuid.uuid4()), number="(미저장)", created_at=moment)
    try:
        result = run_pipeline(
            request, in_use.catalog, container.rules, identity, price_book_id=in_use.price_book_id
        )
    except RequestRejected as exc:
        fail(rejection_envelope(exc, trace_id), EXIT_REQUEST_ERROR)
    return result.quote
