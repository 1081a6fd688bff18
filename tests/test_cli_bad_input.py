"""Every `kis` command, found from the app itself, refuses bad input the way a CLI should: exit 2, an
error message naming the problem, never a traceback. New commands are covered without editing this file.

For each command: an unknown option; a bad value for every option or argument whose values Typer
validates (a fixed set of choices, a number, a date), the other required inputs given valid values; and,
when the command has required inputs, none of them. All of it fails while parsing, before the command
runs, so nothing touches a database or a file.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pytest
import typer.main
from typer.testing import CliRunner

from kis_estimator import cli, pricebooks
from kis_estimator.db.models import ROLES

ROOT = typer.main.get_command(cli.app)
BAD_VALUE = "no-such-value"


class Case(NamedTuple):
    args: list[str]
    expected: str  # the start of the error message


def _commands(group: Any = ROOT, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every leaf command of the app with its words (`("catalog", "export")`)."""
    found = []
    for name, command in sorted(group.commands.items()):
        if getattr(command, "commands", None):
            found += _commands(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


def _groups(group: Any = ROOT, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in sorted(group.commands.items()):
        if getattr(command, "commands", None):
            found += _groups(command, (*path, name))
    return found


def _value_type(annotation: Any) -> Any:
    """The annotation without `| None`."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kept = [a for a in typing.get_args(annotation) if a is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    return annotation


def _validated(annotation: Any) -> bool:
    """Whether Typer checks a value of this type (so that a wrong one is refused while parsing)."""
    kind = _value_type(annotation)
    if typing.get_origin(kind) is Literal:
        return True
    return isinstance(kind, type) and (issubclass(kind, (Enum, int, float, datetime)) and kind is not bool)


def _good_value(annotation: Any) -> str:
    kind = _value_type(annotation)
    if typing.get_origin(kind) is Literal:
        return str(typing.get_args(kind)[0])
    if isinstance(kind, type) and issubclass(kind, Enum):
        return str(next(iter(kind)).value)
    if isinstance(kind, type) and issubclass(kind, (int, float)):
        return "1"
    if isinstance(kind, type) and issubclass(kind, datetime):
        return "2026-11-22T10:00:00+09:00"
    return "x"


def _argv(command: Any, hints: dict[str, Any], bad: Any = None) -> list[str]:
    """The required inputs with valid values, and `bad` (a parameter) with a wrong one."""
    options: list[str] = []
    arguments: list[str] = []
    for param in command.params:
        if not (param.required or param is bad):
            continue
        value = BAD_VALUE if param is bad else _good_value(hints[param.name])
        if param.param_type_name == "option":
            options += [param.opts[0], value]
        else:
            arguments.append(value)
    return [*options, *arguments]


def _cases() -> list[Any]:
    cases = []
    for words, command in _commands():
        hints = typing.get_type_hints(inspect.unwrap(command.callback))
        name = " ".join(words)
        cases.append(pytest.param(Case([*words, "--no-such-option"], "No such option"), id=f"{name} unknown"))
        for param in command.params:
            if getattr(param, "is_flag", False) or not _validated(hints[param.name]):
                continue
            case = Case([*words, *_argv(command, hints, bad=param)], "Invalid value")
            cases.append(pytest.param(case, id=f"{name} bad {param.name}"))
        if any(param.required for param in command.params):
            cases.append(pytest.param(Case(list(words), "Missing"), id=f"{name} missing"))
    for words in _groups():
        name = " ".join(words) or "kis"
        cases.append(pytest.param(Case([*words, "no-such-command"], "No such command"), id=f"{name} unknown"))
    return cases


@pytest.mark.parametrize("case", _cases())
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # should a command run after all, it finds nothing of the repository's
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/kis.db")
    result = CliRunner().invoke(cli.app, case.args)
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())
    assert result.exit_code == 2, text
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert case.expected in text, text
    assert "Traceback" not in result.output
    assert not (tmp_path / "kis.db").exists() and not (tmp_path / "var").exists()


def test_the_fixed_vocabularies_are_typer_choices_equal_to_their_sources() -> None:
    choices = {
        (" ".join(words), param.opts[0]): typing.get_args(_value_type(hints[param.name]))
        for words, command in _commands()
        for hints in [typing.get_type_hints(inspect.unwrap(command.callback))]
        for param in command.params
        if typing.get_origin(_value_type(hints[param.name])) is Literal
    }
    assert choices[("keys create", "--role")] == ROLES
    assert choices[("catalog export", "--format")] == typing.get_args(pricebooks.ExportFormat)


def test_every_command_is_exercised() -> None:
    names = {" ".join(words) for words, _ in _commands()}
    assert {"estimate", "serve", "keys create", "catalog export", "db upgrade", "storage gc"} <= names
    assert len(names) >= 25
