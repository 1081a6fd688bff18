"""`kis db`: migrations, drift check, offline SQL, backup and restore."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kis_estimator.cli.common import EXIT_FAILURE, database_url

app = typer.Typer(
    help="Database migrations, drift check, offline SQL, backup and restore.", no_args_is_help=True
)


UrlOption = Annotated[str | None, typer.Option("--url", help="Database URL (default: DATABASE_URL)")]


@app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head", url: UrlOption = None) -> None:
    """Apply migrations up to REVISION (default head)."""
    from kis_estimator.db import migrate

    migrate.upgrade(database_url(url), revision)
    Console().print(f"[green]✔[/green] upgraded to {revision}")


@app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()] = "-1", url: UrlOption = None) -> None:
    """Revert migrations down to REVISION (default: one step; `base` for everything)."""
    from kis_estimator.db import migrate

    migrate.downgrade(database_url(url), revision)
    Console().print(f"[green]✔[/green] downgraded to {revision}")


@app.command("current")
def db_current(url: UrlOption = None) -> None:
    """Print the database's migration revision and the code's head."""
    from kis_estimator.db import migrate
    from kis_estimator.db.engine import make_engine

    chosen = database_url(url)
    engine = make_engine(chosen)
    current = migrate.current_revision(engine)
    engine.dispose()
    head = migrate.head_revision(chosen)
    Console().print(
        f"current {current or '(none)'}  head {head}  {'✔ up to date' if current == head else '✖ behind'}"
    )
    if current != head:
        raise typer.Exit(EXIT_FAILURE)


@app.command("check")
def db_check(url: UrlOption = None) -> None:
    """Fail when the models and the migrated database differ (a migration is missing)."""
    from kis_estimator.db import migrate

    differences = migrate.drift(database_url(url))
    console = Console()
    for difference in differences:
        console.print(f"[red]✖ {difference}[/red]")
    if differences:
        raise typer.Exit(EXIT_FAILURE)
    console.print("[green]✔ models and migrations agree[/green]")


@app.command("sql")
def db_sql(
    url: Annotated[str, typer.Option("--url", help="Dialect URL")] = "postgresql://kis@localhost/kis",
    revision: Annotated[str, typer.Option()] = "head",
) -> None:
    """Print the migration SQL without a database (for psql or the Supabase CLI)."""
    from kis_estimator.db import migrate

    sys.stdout.write(migrate.offline_sql(url, revision))


@app.command("backup")
def db_backup(
    target: Annotated[Path, typer.Argument(help="Backup file to write")], url: UrlOption = None
) -> None:
    """Back up the database (pg_dump custom format on PostgreSQL, the online backup API on SQLite)."""
    from kis_estimator.db.backup import BackupError, backup

    try:
        backup(database_url(url), target)
    except BackupError as exc:
        Console(stderr=True).print(f"[red]✖ {exc}[/red]")
        raise typer.Exit(EXIT_FAILURE) from None
    Console().print(f"[green]✔[/green] {target} ({target.stat().st_size:,} bytes)")


@app.command("restore")
def db_restore(
    source: Annotated[Path, typer.Argument(help="Backup file made by `kis db backup`")], url: UrlOption = None
) -> None:
    """Restore a backup into the database (an empty one, or replacing what is there)."""
    from kis_estimator.db.backup import BackupError, restore

    try:
        restore(database_url(url), source)
    except BackupError as exc:
        Console(stderr=True).print(f"[red]✖ {exc}[/red]")
        raise typer.Exit(EXIT_FAILURE) from None
    Console().print(f"[green]✔[/green] restored {source}")
