"""`kis keys`: API keys."""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.console import Console

from kis_estimator.cli.common import EXIT_FAILURE, database_container

app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)


# The roles a key can have: Typer validates a Literal (exit 2 with a message on any other value). It
# repeats db.models.ROLES, whose module is too heavy to load on every `kis` start;
# tests/test_cli_bad_input.py keeps them equal.
Role = Literal["admin", "estimator", "viewer"]


@app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option("--role", help="The key's role")],
    name: Annotated[str, typer.Option("--name", help="Whose key this is")] = "cli",
) -> None:
    """Create an API key; the key itself is printed alone on the last line (the only time it is shown)."""
    from kis_estimator.db.keys import ApiKeyRepository
    from kis_estimator.services import audit

    container = database_container()
    with container.sessions.begin() as session:
        row, key = ApiKeyRepository(session).create(name, role)
        audit.record(session, None, "key.create", f"key:{row.id}", {"name": name, "role": role})
    Console(stderr=True).print(f"API key #{row.id} ({row.role}, {row.prefix}…) created for {name}")
    print(key)


@app.command("list")
def keys_list() -> None:
    """Every key with its role and prefix (never the key)."""
    from kis_estimator.db.keys import ApiKeyRepository

    container = database_container()
    with container.sessions() as session:
        for row in ApiKeyRepository(session).list():
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "live"
            print(f"{row.id}\t{row.role}\t{row.prefix}…\t{state}\t{row.name}")


@app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (kis keys list)")]) -> None:
    """Revoke a key: it stops working at once in every process."""
    from kis_estimator.db.keys import ApiKeyRepository
    from kis_estimator.services import audit

    container = database_container()
    with container.sessions.begin() as session:
        row = ApiKeyRepository(session).revoke(key_id)
        if row is not None:
            audit.record(session, None, "key.revoke", f"key:{key_id}")
    if row is None:
        Console(stderr=True).print(f"[red]✖ no API key {key_id}[/red]")
        raise typer.Exit(EXIT_FAILURE)
    Console().print(f"API key #{key_id} revoked")
