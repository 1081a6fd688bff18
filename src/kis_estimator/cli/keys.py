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
    from kis_estimator.services.keys import create_key

    created = create_key(database_container(), name, role)
    Console(stderr=True).print(
        f"API key #{created['id']} ({created['role']}, {created['prefix']}…) created for {name}"
    )
    print(created["key"])


@app.command("list")
def keys_list() -> None:
    """Every key with its role and prefix (never the key)."""
    from kis_estimator.services.keys import list_keys

    for key in list_keys(database_container()):
        state = f"revoked {key['revoked_at'][:10]}" if key["revoked_at"] else "live"
        print(f"{key['id']}\t{key['role']}\t{key['prefix']}…\t{state}\t{key['name']}")


@app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (kis keys list)")]) -> None:
    """Revoke a key: it stops working at once in every process."""
    from kis_estimator.services.failures import Refused
    from kis_estimator.services.keys import revoke_key

    try:
        revoke_key(database_container(), key_id)
    except Refused:
        Console(stderr=True).print(f"[red]✖ no API key {key_id}[/red]")
        raise typer.Exit(EXIT_FAILURE) from None
    Console().print(f"API key #{key_id} revoked")
