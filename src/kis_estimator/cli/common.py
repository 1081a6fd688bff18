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
from kis_estimator.engine.errors import DataError
from kis_estimator.envelope import error_envelope
from kis_estimator.services.catalog_in_use import CatalogInUse
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


def build_container(trace_id: str) -> bootstrap.Container:
    """The collaborators of a command that reads no database first; bad catalog or rulebook data
    (KIS_CATALOG, KIS_RULEBOOK) ends it with the DATA_INVALID envelope, exit 1."""
    try:
        return bootstrap.build()
    except DataError as exc:
        fail(
            error_envelope(
                "DATA_INVALID",
                str(exc),
                hint="카탈로그/룰북 파일을 고쳐 주세요 / Fix the data files.",
                path=exc.source,
                trace_id=trace_id,
            ),
            EXIT_FAILURE,
        )


def catalog_or_fail(container: bootstrap.Container, trace_id: str) -> CatalogInUse:
    """The catalog the service would price with (the active price book's, else the configured one)."""
    from sqlalchemy.exc import SQLAlchemyError

    from kis_estimator.services.catalog_in_use import catalog_in_use

    try:
        return catalog_in_use(container)
    except DataError as exc:
        fail(
            error_envelope(
                "PRICE_BOOK_CORRUPT",
                f"활성 가격표가 손상되었습니다 / The active price book is corrupt: {exc}",
                hint="가격표를 다시 가져와 활성화하세요 / Import and activate the price book again.",
                path="",
                trace_id=trace_id,
            ),
            EXIT_FAILURE,
        )
    except SQLAlchemyError as exc:
        fail(
            error_envelope(
                "DB_UNAVAILABLE",
                f"데이터베이스에서 활성 가격표를 읽을 수 없습니다 / Cannot read the active price book: "
                f"{type(exc).__name__}",
                hint="DATABASE_URL 을 확인하고 kis db upgrade 를 실행하세요 / Check DATABASE_URL; run kis db upgrade.",
                path="",
                trace_id=trace_id,
            ),
            EXIT_FAILURE,
        )
