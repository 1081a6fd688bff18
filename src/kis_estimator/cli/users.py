"""`kis users`: personal logins for the web UI (a name and a password; roles as for API keys).

A password is never an argument (argv is visible to every user of the machine in `ps`): it is asked
for twice at a prompt, or read from the first line of stdin with --password-stdin.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from kis_estimator.cli.common import EXIT_FAILURE, EXIT_REQUEST_ERROR, database_container
from kis_estimator.cli.keys import Role

app = typer.Typer(
    help="Users (personal logins): create, list, disable, reset-password.", no_args_is_help=True
)

FromStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin")
]
NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def _fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    Console(stderr=True).print(f"[red]✖ {message}[/red]")
    return typer.Exit(code)


def _password(from_stdin: bool) -> str:
    from kis_estimator.db.users import password_problem

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("비밀번호 / Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem is not None:
        raise _fail(problem, EXIT_REQUEST_ERROR)
    return password


@app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="Login name: a-z, 0-9, . _ - (up to 64)")],
    role: Annotated[Role, typer.Option("--role", help="The user's role")],
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="Shown as 작성자 (default: the name)")
    ] = None,
    password_stdin: FromStdin = False,
) -> None:
    """Create a user; the password is asked for (or read from stdin)."""
    from sqlalchemy.exc import IntegrityError

    from kis_estimator.db.users import UserRepository
    from kis_estimator.services import audit

    if not 1 <= len(name) <= 64 or not set(name) <= NAME_CHARACTERS:
        raise _fail(f"이름은 a-z, 0-9, . _ - 로 64자까지 / Invalid name {name[:64]!r}", EXIT_REQUEST_ERROR)
    shown = (display_name or name).strip()[:100] or name
    password = _password(password_stdin)
    container = database_container()
    try:
        with container.sessions.begin() as session:
            row = UserRepository(session).create(name, shown, role, password)
            audit.record(session, None, "user.create", f"user:{name}", {"role": role, "display_name": shown})
    except IntegrityError:
        raise _fail(f"이미 있는 이름입니다 / A user {name} already exists") from None
    Console().print(f"user #{row.id} {name} ({role}, {shown}) created")


@app.command("list")
def users_list() -> None:
    """Every user: id, name, role, state, last sign-in, display name (tab-separated)."""
    from kis_estimator.db.users import UserRepository

    container = database_container()
    with container.sessions() as session:
        for row in UserRepository(session).list():
            state = "disabled" if row.disabled else "active"
            last = f"{row.last_login_at:%Y-%m-%d %H:%M}" if row.last_login_at else "-"
            print(f"{row.id}\t{row.name}\t{row.role}\t{state}\t{last}\t{row.display_name}")


@app.command("disable")
def users_disable(name: Annotated[str, typer.Argument(help="The user's name (kis users list)")]) -> None:
    """Disable a user: their sessions stop working at once; their quotes keep their author."""
    from kis_estimator.db.users import UserRepository
    from kis_estimator.services import audit

    container = database_container()
    with container.sessions.begin() as session:
        row = UserRepository(session).disable(name)
        if row is not None:
            audit.record(session, None, "user.disable", f"user:{name}")
    if row is None:
        raise _fail(f"없는 사용자입니다 / No user {name[:64]}")
    Console().print(f"user {name} disabled")


@app.command("reset-password")
def users_reset_password(
    name: Annotated[str, typer.Argument(help="The user's name (kis users list)")],
    password_stdin: FromStdin = False,
) -> None:
    """Set a new password; the user's open sessions end."""
    from kis_estimator.db.users import UserRepository
    from kis_estimator.services import audit

    password = _password(password_stdin)
    container = database_container()
    with container.sessions.begin() as session:
        row = UserRepository(session).reset_password(name, password)
        if row is not None:
            audit.record(session, None, "user.reset_password", f"user:{name}")
    if row is None:
        raise _fail(f"없는 사용자입니다 / No user {name[:64]}")
    Console().print(f"password of {name} reset")
