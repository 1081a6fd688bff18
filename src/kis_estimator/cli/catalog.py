"""`kis catalog`: price books."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from kis_estimator.cli.catalog_impact import catalog_impact
from kis_estimator.cli.common import EXIT_FAILURE, EXIT_REQUEST_ERROR, database_container, fail
from kis_estimator.envelope import error_envelope

app = typer.Typer(help="Price books: import, validate, activate, export, list, impact.", no_args_is_help=True)
app.command("impact")(catalog_impact)


# The export formats: Typer validates a Literal (exit 2 with a message on any other value). It repeats
# pricebooks.ExportFormat, whose package is too heavy to load on every `kis` start;
# tests/test_cli_bad_input.py keeps them equal.


ExportFormat = Literal["zip", "xlsx"]


@app.command("import")
def catalog_import(
    file: Annotated[
        Path, typer.Argument(help="A .zip of the three CSVs, an .xlsx with three sheets, or one CSV")
    ],
    label: Annotated[
        str | None, typer.Option(help="Name of this price book (default: the file name)")
    ] = None,
    activate: Annotated[
        bool, typer.Option("--activate", help="Make it the active price book at once")
    ] = False,
) -> None:
    """Validate a price book (every problem named by row and column) and store it as a new version."""
    from kis_estimator.pricebooks import MAX_UPLOAD_BYTES
    from kis_estimator.services.price_books import BookRefused, import_price_book

    console = Console()
    if not file.is_file():
        fail(
            error_envelope(
                "CATALOG_FILE_NOT_FOUND",
                f"파일이 없습니다 / No such file: {file}",
                hint="경로를 확인해 주세요 / Check the path.",
                path="",
                trace_id=uuid.uuid4().hex,
            ),
            EXIT_REQUEST_ERROR,
        )
    if file.stat().st_size > MAX_UPLOAD_BYTES:
        console.print(f"[red]✖ 파일이 너무 큽니다 / file larger than {MAX_UPLOAD_BYTES:,} bytes[/red]")
        raise typer.Exit(EXIT_REQUEST_ERROR)
    container = database_container()
    try:
        staged = import_price_book(
            container, file.name, file.read_bytes(), label or file.stem, str(file), activate=activate
        )
    except BookRefused as refused:
        if refused.on_label:
            console.print(f"[red]✖[/red] {refused.problems[0]}; nothing imported")
            raise typer.Exit(EXIT_REQUEST_ERROR) from None
        for problem in refused.problems:
            console.print(f"[red]✖[/red] {problem}")
        console.print(f"{len(refused.problems)} problem(s); nothing imported")
        raise typer.Exit(EXIT_REQUEST_ERROR) from None
    book = staged.version
    console.print(f"[green]✔[/green] price book {book.id} ({book.state}) sha256 {book.sha256[:12]}")


@app.command("activate")
def catalog_activate(
    book_id: Annotated[int, typer.Argument(help="Price book id (see `kis catalog list`)")],
) -> None:
    """Make a price book the active one (the previous one is retired; activating an old one rolls back)."""
    from kis_estimator.db.pricebooks import PriceBookNotFound
    from kis_estimator.services.price_books import activate_price_book

    container = database_container()
    try:
        book = activate_price_book(container, book_id)
    except PriceBookNotFound:
        Console(stderr=True).print(f"[red]✖ no price book {book_id}[/red]")
        raise typer.Exit(EXIT_FAILURE) from None
    Console().print(f"[green]✔[/green] price book {book.id} is active")


@app.command("list")
def catalog_list() -> None:
    """Every price book, newest first, with its state and hash."""
    from rich.table import Table

    from kis_estimator.services.price_books import list_price_books

    container = database_container()
    table = Table(header_style="bold")
    for column in ("id", "label", "state", "sha256", "created", "activated"):
        table.add_column(column)
    for book in list_price_books(container):
        table.add_row(
            str(book.id),
            book.label,
            book.state,
            book.sha256[:12],
            str(book.created_at)[:19],
            str(book.activated_at or "")[:19],
        )
    Console().print(table)


@app.command("export")
def catalog_export(
    book_id: Annotated[int | None, typer.Argument(help="Price book id (default: the active one)")] = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="File format")] = "zip",
    out: Annotated[Path | None, typer.Option("-o", "--out", help="File to write")] = None,
) -> None:
    """Write a price book as a zip of CSVs or an xlsx, ready to edit and import again."""
    from kis_estimator.db.pricebooks import PriceBookNotFound
    from kis_estimator.services.price_books import export_price_book

    container = database_container()
    try:
        exported = export_price_book(container, book_id, fmt)
    except PriceBookNotFound:
        Console(stderr=True).print("[red]✖ no such price book (and none active)[/red]")
        raise typer.Exit(EXIT_FAILURE) from None
    target = out or Path(exported.filename)
    target.write_bytes(exported.data)
    Console().print(f"[green]✔[/green] {target}")
