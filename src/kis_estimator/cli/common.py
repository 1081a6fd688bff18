"""What every command group shares: the exit codes, the database made ready, one-line and envelope failures."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from kis_estimator import bootstrap
from kis_estimator.envelope import error_envelope
from kis_estimator.storage import StorageError

log = logging.getLogger("kis_estimator.cli")

EXIT_REQUEST_ERROR = 2
EXIT_FAILURE = 1


def database_url(url: str | None) -> str:
    settings = bootstrap.Settings()
    chosen = url or settings.database_url
    if chosen.startswith("sqlite:///") and not chosen.startswith("sqlite:////"):
        Path(chosen.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return chosen


def database_container(*, local_store: bool = False) -> bootstrap.Container:
    """The collaborators of a command that uses the database, with the database made ready first: the
    embedded SQLite migrated, any other database checked (one line saying what to run when it is not);
    with `local_store`, a filesystem store's root is created too (as `kis serve` does)."""
    container = bootstrap.build()
    prepare(container, local_store=local_store)
    return container


def prepare(container: bootstrap.Container, *, local_store: bool) -> None:
    try:
        container.prepare_database()
        if local_store:
            container.prepare_local_store()
    except (bootstrap.DatabaseNotReady, StorageError) as exc:
        fail_line(str(exc))


def fail_line(message: str) -> NoReturn:
    """One red line on stderr, exit 1."""
    Console(stderr=True).print(f"✖ {message}", style="red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_FAILURE)


def fail(envelope: dict[str, Any], code: int) -> NoReturn:
    sys.stderr.write(json.dumps(envelope, ensure_ascii=False, indent=2) + "\n")
    raise typer.Exit(code)


def fail_with(exc: BaseException, trace_id: str) -> NoReturn:
    """The envelope of `exc` as every edge classifies it: exit 2 for the request's fault (a 4xx), else 1."""
    from kis_estimator.services.failures import classify  # loads SQLAlchemy: only when a command failed

    failure = classify(exc, log, trace_id)
    fail(failure.envelope(trace_id), EXIT_REQUEST_ERROR if failure.status < 500 else EXIT_FAILURE)


def read_request(path: Path, trace_id: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(
            error_envelope(
                "REQ_FILE_NOT_FOUND",
                f"요청 파일이 없습니다 / No such request file: {path}",
                hint="경로를 확인해 주세요 / Check the path.",
                path="",
                trace_id=trace_id,
            ),
            EXIT_REQUEST_ERROR,
        )
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        fail(
            error_envelope(
                "REQ_MALFORMED",
                f"요청이 올바른 JSON이 아닙니다 / The request is not valid JSON: {exc}",
                hint="UTF-8 JSON 파일을 보내 주세요 / Send a UTF-8 JSON file.",
                path="",
                trace_id=trace_id,
            ),
            EXIT_REQUEST_ERROR,
        )
