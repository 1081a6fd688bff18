"""`kis compare`: a request's alternatives side by side (brand, grade, material, stock/custom), priced
with the catalog in use; nothing is written."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from kis_estimator.cli.common import EXIT_FAILURE, EXIT_REQUEST_ERROR, build_container, fail, read_request
from kis_estimator.engine.errors import DataError, RequestRejected
from kis_estimator.envelope import error_envelope, rejection_envelope

_WORDS = {
    "LS": "LS",
    "SANGDO": "상도",
    "ECONOMY": "경제형",
    "STANDARD": "표준형",
    "STOCK": "기성함",
    "CUSTOM": "주문제작",
}


def change_words(changes: dict[str, Any]) -> str:
    """`{"material": "SUS201", "thickness_mm": 1.2}` → "재질 SUS201 1.2T" (the UI says the same)."""
    if "brand" in changes:
        return f"브랜드 {_WORDS[changes['brand']]}"
    if "grade" in changes:
        return f"등급 {_WORDS[changes['grade']]}"
    if "material" in changes:
        return f"재질 {changes['material']} {changes['thickness_mm']:g}T"
    return f"외함 {_WORDS[changes['enclosure_kind']]}"


def _enclosures(panels: list[dict[str, Any]]) -> str:
    return ", ".join(
        f"{p['enclosure']['model'] if p['enclosure']['stock'] else '주문제작'} "
        f"{'×'.join(str(v) for v in p['enclosure']['size_mm'])}"
        for p in panels
    )


def render_table(console: Console, answer: dict[str, Any]) -> None:
    table = Table(title="대안 비교 / Alternatives")
    table.add_column("대안")
    table.add_column("합계", justify="right")
    table.add_column("차이", justify="right")
    table.add_column("외함")
    base = answer["base"]
    table.add_row("기준 (요청)", f"{base['totals']['total']:,}", "", _enclosures(base["panels"]))
    for variant in answer["variants"]:
        if variant["totals"] is None:
            table.add_row(change_words(variant["changes"]), "—", "매핑 불가", "")
            continue
        table.add_row(
            change_words(variant["changes"]),
            f"{variant['totals']['total']:,}",
            f"{variant['difference']:+,}",
            _enclosures(variant["panels"]),
        )
    console.print(table)
    for variant in answer["variants"]:
        for item in variant["unmapped"]:
            console.print(
                f"[yellow]▲ {change_words(variant['changes'])}[/yellow] {item['path']}: {item['reason']}"
            )


def compare_command(
    request_file: Annotated[Path, typer.Argument(help="Request JSON")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the alternatives as JSON")] = False,
) -> None:
    """The request's alternatives: brand, grade, material and stock/custom, each priced, with its difference."""
    from sqlalchemy.exc import SQLAlchemyError

    from kis_estimator.services.alternatives import alternatives

    trace_id = uuid.uuid4().hex
    raw = read_request(request_file, trace_id)
    container = build_container(trace_id)
    try:
        answer = alternatives(container, raw)  # with the catalog in use, as `kis estimate` prices
    except RequestRejected as exc:
        fail(rejection_envelope(exc, trace_id), EXIT_REQUEST_ERROR)
    except (DataError, SQLAlchemyError) as exc:
        fail(
            error_envelope(
                "PRICE_BOOK_UNAVAILABLE",
                f"사용 중인 가격표를 읽을 수 없습니다 / Cannot read the price book in use: {type(exc).__name__}",
                hint="DATABASE_URL 을 확인하고 kis db upgrade 를 실행하세요 / Check DATABASE_URL; run kis db upgrade.",
                path="",
                trace_id=trace_id,
            ),
            EXIT_FAILURE,
        )
    if as_json:
        sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2) + "\n")
    else:
        render_table(Console(), answer)
