"""`kis users`: create (password at a prompt or on stdin, never in argv), list, disable, reset-password,
against the embedded database of a fresh folder; the sign-in the API then accepts or refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kis_estimator import bootstrap, cli
from kis_estimator.db.users import UserRepository
from kis_estimator.settings import Settings
from tests.live import embedded_env


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in embedded_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _kis(*args: str, stdin: str = "") -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, list(args), input=stdin)
    return result.exit_code, result.output


def _verify(folder: Path, name: str, password: str) -> bool:
    container = bootstrap.build(Settings(_env_file=None, database_url=f"sqlite:///{folder}/kis.db"))  # type: ignore[call-arg]
    with container.sessions.begin() as session:
        return UserRepository(session).verify(name, password) is not None


def test_create_list_disable_and_reset(folder: Path) -> None:
    code, out = _kis(
        "users",
        "create",
        "kim",
        "--role",
        "estimator",
        "--display-name",
        "김과장",
        "--password-stdin",
        stdin="s3cret-pass\n",
    )
    assert code == 0, out
    code, out = _kis(
        "users", "create", "lee", "--role", "viewer", stdin="other-pass\nother-pass\n"
    )  # the prompt, twice
    assert code == 0 and "Password" in out and "other-pass" not in out
    code, out = _kis("users", "list")
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert [(r[1], r[2], r[3], r[5]) for r in rows] == [
        ("kim", "estimator", "active", "김과장"),
        ("lee", "viewer", "active", "lee"),
    ]
    assert _verify(folder, "kim", "s3cret-pass") and not _verify(folder, "kim", "wrong-pass")
    assert _kis("users", "reset-password", "kim", "--password-stdin", stdin="new-pass-123\n")[0] == 0
    assert _verify(folder, "kim", "new-pass-123") and not _verify(folder, "kim", "s3cret-pass")
    assert _kis("users", "disable", "kim")[0] == 0
    assert not _verify(folder, "kim", "new-pass-123")
    assert "disabled" in _kis("users", "list")[1].splitlines()[0]
    container = bootstrap.build(Settings(_env_file=None, database_url=f"sqlite:///{folder}/kis.db"))  # type: ignore[call-arg]
    from kis_estimator.services.audit import AuditQuery, search

    with container.reads() as session:
        found = search(session, AuditQuery(action="user."))
    assert [i["action"] for i in reversed(found["items"])] == [
        "user.create",
        "user.create",
        "user.reset_password",
        "user.disable",
    ]
    assert {i["who"] for i in found["items"]} == {"cli"}


@pytest.mark.parametrize(
    "args,stdin,message",
    [
        (["users", "create", "kim", "--role", "estimator", "--password-stdin"], "short\n", "8"),
        (["users", "create", "Kim Lee", "--role", "estimator", "--password-stdin"], "long-enough\n", "a-z"),
        (["users", "create", "kim", "--role", "root", "--password-stdin"], "long-enough\n", "root"),
        (["users", "create", "kim", "--role", "viewer"], "one-password\nanother-one\n", "match"),
        (["users", "disable", "nobody"], "", "No user"),
        (["users", "reset-password", "nobody", "--password-stdin"], "long-enough\n", "No user"),
    ],
)
def test_bad_input_is_one_clear_error(folder: Path, args: list[str], stdin: str, message: str) -> None:
    code, out = _kis(*args, stdin=stdin)
    assert code != 0 and message in out, out


def test_a_second_user_of_the_same_name_is_refused(folder: Path) -> None:
    assert (
        _kis("users", "create", "kim", "--role", "viewer", "--password-stdin", stdin="long-enough\n")[0] == 0
    )
    code, out = _kis("users", "create", "kim", "--role", "admin", "--password-stdin", stdin="long-enough\n")
    assert code == 1 and "already exists" in out
