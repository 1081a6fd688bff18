"""`kis storage`: blob storage set-up and checks (services/storage_checks.py)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from kis_estimator import bootstrap
from kis_estimator.cli.common import EXIT_FAILURE, database_container, fail_line
from kis_estimator.storage import StorageError

app = typer.Typer(help="Blob storage: set-up, re-hash against the database, orphans.", no_args_is_help=True)


@app.command("init")
def storage_init() -> None:
    """Create the storage directory or bucket (idempotent) and probe it."""
    container = bootstrap.build()
    try:
        container.store.init()
        container.store.check()
    except StorageError as exc:
        Console(stderr=True).print(f"[red]✖ storage not ready / 저장소 오류: {exc}[/red]")
        raise typer.Exit(EXIT_FAILURE) from None
    Console().print(f"[green]✔[/green] storage ready: {container.settings.storage_url}")


@app.command("verify")
def storage_verify() -> None:
    """Re-hash every blob the database knows; name the missing and the changed ones."""
    from kis_estimator.services.storage_checks import verify_blobs

    container = database_container(local_store=True)
    try:
        with container.sessions() as session:
            report = verify_blobs(session, container.store)
    except StorageError as exc:
        fail_line(f"저장소 오류 / storage failed: {exc}")
    console = Console()
    for key in report.missing:
        console.print(f"[red]✖ missing: {key}[/red]", soft_wrap=True, highlight=False)
    for key in report.changed:
        console.print(f"[red]✖ changed: {key}[/red]", soft_wrap=True, highlight=False)
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)
    console.print(f"[green]✔[/green] {report.checked} blobs match the database")


@app.command("gc")
def storage_gc(
    delete: Annotated[
        bool, typer.Option("--delete", help="Remove the orphans (default: only list them)")
    ] = False,
    min_age: Annotated[
        float,
        typer.Option("--min-age", min=0, help="Delete only orphans older than this many seconds"),
    ] = 3600.0,
) -> None:
    """List (or remove) blobs no database row refers to: what failed saves left behind.

    An orphan younger than --min-age may belong to a save still running (blobs are written before the
    quote commits): it is listed but never deleted.
    """
    from kis_estimator.services.storage_checks import collect_garbage

    container = database_container(local_store=True)
    try:
        with container.sessions() as session:
            old, young = collect_garbage(session, container.store, delete=delete, min_age_s=min_age)
    except StorageError as exc:
        fail_line(f"저장소 오류 / storage failed: {exc}")
    console = Console()
    for key in old:
        console.print(f"{'deleted' if delete else 'orphan'}: {key}", highlight=False, soft_wrap=True)
    for key in young:
        console.print(f"orphan (younger than {min_age:g} s, kept): {key}", highlight=False, soft_wrap=True)
    console.print(f"{len(old) + len(young)} orphan blob(s){f', {len(old)} deleted' if delete else ''}")
