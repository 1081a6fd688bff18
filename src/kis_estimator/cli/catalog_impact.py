"""`kis catalog impact BOOK_ID`: which open quotes a price book would change, and by how much."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from kis_estimator.cli.common import EXIT_FAILURE, database_container


def _won(amount: int) -> str:
    return f"{amount:+,}" if amount else "0"


def catalog_impact(
    book_id: Annotated[int, typer.Argument(help="Price book id (see `kis catalog list`)", min=1)],
    page: Annotated[int, typer.Option(help="Page of the open quotes", min=1)] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the impact as JSON")] = False,
) -> None:
    """The open quotes (draft, sent) a price book would re-price: old and new totals, the lines whose
    price moved, and the quotes it can no longer price (REPRICE_MAX_QUOTES per page)."""
    from rich.table import Table

    from kis_estimator.db.pricebooks import PriceBookNotFound
    from kis_estimator.services.repricing import impact

    container = database_container()
    try:
        found = impact(container, book_id, page=page).as_dict()
    except PriceBookNotFound:
        Console(stderr=True).print(f"[red]✖ no price book {book_id}[/red]")
        raise typer.Exit(EXIT_FAILURE) from None
    if as_json:
        sys.stdout.write(json.dumps(found, ensure_ascii=False, indent=2) + "\n")
        return
    console = Console()
    title = f"새 단가표 {book_id}: 열린 견적 {found['openQuotes']}건 중 {len(found['changed'])}건 금액 변동"
    table = Table(title=title, header_style="bold")
    for column in ("number", "status", "old total", "new total", "difference", "changed lines"):
        table.add_column(column, justify="right" if "total" in column or column == "difference" else "left")
    for quote in found["changed"]:
        lines = ", ".join(
            f"{line['model'] or line['name']} {line['oldPrice']}→{line['newPrice']}"
            for line in quote["lines"]
        )
        table.add_row(
            quote["number"],
            quote["status"],
            f"{quote['old']['total']:,}",
            f"{quote['new']['total']:,}",
            _won(quote["difference"]["total"]),
            lines,
        )
    for quote in found["unpriced"]:
        refusal = quote["refusal"]
        table.add_row(
            quote["number"],
            quote["status"],
            f"{quote['old']['total']:,}",
            "—",
            "산출 불가",
            f"{refusal['code']} at {refusal['path']}",
        )
    console.print(table)
    if found["checked"] < found["openQuotes"]:
        console.print(
            f"page {found['page']}: {found['checked']} of {found['openQuotes']} open quotes checked"
        )
