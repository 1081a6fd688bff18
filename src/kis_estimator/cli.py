"""`kis`: a thin shell over the use cases (ARCHITECTURE "CLI")."""

from __future__ import annotations

import json
import re
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from kis_estimator import bootstrap
from kis_estimator.engine.errors import DataError, RequestRejected
from kis_estimator.envelope import error_envelope, rejection_envelope
from kis_estimator.storage import StorageError

if TYPE_CHECKING:  # loaded by the commands that estimate: OR-Tools and the renderers take ~1 s to import
    from kis_estimator.bootstrap import Container
    from kis_estimator.pipeline import DocumentOptions, QuoteIdentity
    from kis_estimator.services.catalog_in_use import CatalogInUse

app = typer.Typer(
    help="KIS Estimator: 분전반 견적 / quotations for distribution panels.", no_args_is_help=True
)
regression_app = typer.Typer(help="The hand-worked goldset.", no_args_is_help=True)
app.add_typer(regression_app, name="regression")
evidence_app = typer.Typer(help="Evidence packs.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")
db_app = typer.Typer(
    help="Database migrations, drift check, offline SQL, backup and restore.", no_args_is_help=True
)
app.add_typer(db_app, name="db")


def _database_url(url: str | None) -> str:
    settings = bootstrap.Settings()
    chosen = url or settings.database_url
    if chosen.startswith("sqlite:///") and not chosen.startswith("sqlite:////"):
        Path(chosen.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return chosen


def _database_container(*, local_store: bool = False) -> bootstrap.Container:
    """The collaborators of a command that uses the database, with the database made ready first: the
    embedded SQLite migrated, any other database checked (one line saying what to run when it is not);
    with `local_store`, a filesystem store's root is created too (as `kis serve` does)."""
    container = bootstrap.build()
    _prepare(container, local_store=local_store)
    return container


def _prepare(container: bootstrap.Container, *, local_store: bool) -> None:
    try:
        container.prepare_database()
        if local_store:
            container.prepare_local_store()
    except (bootstrap.DatabaseNotReady, StorageError) as exc:
        _fail_line(str(exc))


def _fail_line(message: str) -> NoReturn:
    """One red line on stderr, exit 1."""
    Console(stderr=True).print(f"✖ {message}", style="red", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_FAILURE)


# The fixed vocabularies of the options: Typer validates a Literal (exit 2 with a message on any other
# value). They repeat db.models.ROLES and pricebook.ExportFormat, whose modules are too heavy to load on
# every `kis` start; tests/test_cli_bad_input.py keeps them equal.
Role = Literal["admin", "estimator", "viewer"]
ExportFormat = Literal["zip", "xlsx"]

keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (about one per core)")] = 1,
) -> None:
    """Run the HTTP service and web UI. On the embedded default it migrates SQLite and creates ./var/."""
    from kis_estimator import serving

    container = bootstrap.build()
    try:
        container.settings.check_production()
    except ValueError as exc:
        Console(stderr=True).print(f"[red]✖ {exc}[/red]")
        raise typer.Exit(EXIT_FAILURE) from None
    _prepare(container, local_store=True)
    key = serving.ensure_admin_key(container)
    console = Console()
    if key is not None:
        console.print("[bold]첫 관리자 API 키 (한 번만 표시됩니다) / First admin API key, shown once:[/bold]")
        console.print(key, soft_wrap=True, highlight=False)
    console.print(f"KIS Estimator: http://{host}:{port}/  (API 문서 / docs: /openapi)")
    serving.run(host, port, workers, container.settings)


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option("--role", help="The key's role")],
    name: Annotated[str, typer.Option("--name", help="Whose key this is")] = "cli",
) -> None:
    """Create an API key; the key itself is printed alone on the last line (the only time it is shown)."""
    from kis_estimator.db.keys import ApiKeyRepository

    container = _database_container()
    with container.sessions.begin() as session:
        row, key = ApiKeyRepository(session).create(name, role)
    Console(stderr=True).print(f"API key #{row.id} ({row.role}, {row.prefix}…) created for {name}")
    print(key)


@keys_app.command("list")
def keys_list() -> None:
    """Every key with its role and prefix (never the key)."""
    from kis_estimator.db.keys import ApiKeyRepository

    container = _database_container()
    with container.sessions() as session:
        for row in ApiKeyRepository(session).list():
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "live"
            print(f"{row.id}\t{row.role}\t{row.prefix}…\t{state}\t{row.name}")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (kis keys list)")]) -> None:
    """Revoke a key: it stops working at once in every process."""
    from kis_estimator.db.keys import ApiKeyRepository

    container = _database_container()
    with container.sessions.begin() as session:
        row = ApiKeyRepository(session).revoke(key_id)
    if row is None:
        Console(stderr=True).print(f"[red]✖ no API key {key_id}[/red]")
        raise typer.Exit(EXIT_FAILURE)
    Console().print(f"API key #{key_id} revoked")


release_app = typer.Typer(help="Release artefacts.", no_args_is_help=True)
app.add_typer(release_app, name="release")


@app.command()
def smoke(
    url: Annotated[str, typer.Argument(help="The service's base URL, e.g. https://kis.example.kr")],
    api_key: Annotated[
        str | None, typer.Option("--api-key", envvar="KIS_API_KEY", help="An estimator key")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per HTTP call")] = 30.0,
) -> None:
    """Deployment test against a running service: one line per step with ✅/❌ and its time."""
    from kis_estimator.smoke import run_smoke

    raise typer.Exit(run_smoke(url, api_key, timeout=timeout))


@release_app.command("evidence")
def release_evidence(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the release evidence into")],
) -> None:
    """openapi.yaml, the goldset, the regression report, the migration SQL and SHA256SUMS."""
    from kis_estimator.release import write_release_evidence

    raise typer.Exit(write_release_evidence(out))


@app.command()
def mcp(
    http: Annotated[bool, typer.Option("--http", help="Streamable HTTP instead of stdio")] = False,
    host: Annotated[str, typer.Option(help="Interface for --http")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for --http")] = 8765,
) -> None:
    """The MCP tool server (for AI assistants): stdio by default, streamable HTTP with --http."""
    from kis_estimator.mcp_server import run_mcp

    run_mcp(http=http, host=host, port=port)


UrlOption = Annotated[str | None, typer.Option("--url", help="Database URL (default: DATABASE_URL)")]
catalog_app = typer.Typer(help="Price books: import, validate, activate, export, list.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("import")
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
    from kis_estimator.pricebook import MAX_UPLOAD_BYTES, PriceBookRepository, label_problem, read_price_book
    from kis_estimator.services.catalog_in_use import catalog_in_use

    console = Console()
    if not file.is_file():
        _fail(
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
    container = _database_container()
    base = catalog_in_use(container).catalog
    problem = label_problem(label or file.stem)
    if problem is not None:
        console.print(f"[red]✖[/red] {problem}; nothing imported")
        raise typer.Exit(EXIT_REQUEST_ERROR)
    # Read outside any transaction: a big book takes seconds, and the service's requests must not wait.
    max_rows = container.settings.price_book_max_rows
    parsed = read_price_book(file.name, file.read_bytes(), base, max_rows=max_rows)
    if isinstance(parsed, list):
        for problem in parsed:
            console.print(f"[red]✖[/red] {problem}")
        console.print(f"{len(parsed)} problem(s); nothing imported")
        raise typer.Exit(EXIT_REQUEST_ERROR)
    with container.sessions.begin() as session:
        repository = PriceBookRepository(session, container.built_catalogs)
        row = repository.stage(parsed, label or file.stem, str(file))
        if activate:
            row = repository.activate(row.id)
        console.print(f"[green]✔[/green] price book {row.id} ({row.state}) sha256 {row.catalog_sha256[:12]}")


@catalog_app.command("activate")
def catalog_activate(
    book_id: Annotated[int, typer.Argument(help="Price book id (see `kis catalog list`)")],
) -> None:
    """Make a price book the active one (the previous one is retired; activating an old one rolls back)."""
    from kis_estimator.pricebook import PriceBookNotFound, PriceBookRepository

    container = _database_container()
    try:
        with container.sessions.begin() as session:
            row = PriceBookRepository(session).activate(book_id)
    except PriceBookNotFound:
        Console(stderr=True).print(f"[red]✖ no price book {book_id}[/red]")
        raise typer.Exit(EXIT_FAILURE) from None
    Console().print(f"[green]✔[/green] price book {row.id} is active")


@catalog_app.command("list")
def catalog_list() -> None:
    """Every price book, newest first, with its state and hash."""
    from rich.table import Table

    from kis_estimator.pricebook import PriceBookRepository

    container = _database_container()
    table = Table(header_style="bold")
    for column in ("id", "label", "state", "sha256", "created", "activated"):
        table.add_column(column)
    with container.sessions() as session:
        for row in PriceBookRepository(session).list():
            table.add_row(
                str(row.id),
                row.label,
                row.state,
                row.catalog_sha256[:12],
                str(row.created_at)[:19],
                str(row.activated_at or "")[:19],
            )
    Console().print(table)


@catalog_app.command("export")
def catalog_export(
    book_id: Annotated[int | None, typer.Argument(help="Price book id (default: the active one)")] = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="File format")] = "zip",
    out: Annotated[Path | None, typer.Option("-o", "--out", help="File to write")] = None,
) -> None:
    """Write a price book as a zip of CSVs or an xlsx, ready to edit and import again."""
    from kis_estimator.pricebook import PriceBookRepository, export_filename

    container = _database_container()
    with container.sessions() as session:
        repository = PriceBookRepository(session)
        row = repository.get(book_id) if book_id is not None else repository.active()
        if row is None:
            Console(stderr=True).print("[red]✖ no such price book (and none active)[/red]")
            raise typer.Exit(EXIT_FAILURE)
        target = out or Path(export_filename(row, fmt))
        target.write_bytes(repository.export(row.id, fmt))
    Console().print(f"[green]✔[/green] {target}")


storage_app = typer.Typer(
    help="Blob storage: set-up, re-hash against the database, orphans.", no_args_is_help=True
)
app.add_typer(storage_app, name="storage")


@storage_app.command("init")
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


@storage_app.command("verify")
def storage_verify() -> None:
    """Re-hash every blob the database knows; name the missing and the changed ones."""
    from kis_estimator.storage_ops import verify_blobs

    container = _database_container(local_store=True)
    try:
        with container.sessions() as session:
            report = verify_blobs(session, container.store)
    except StorageError as exc:
        _fail_line(f"저장소 오류 / storage failed: {exc}")
    console = Console()
    for key in report.missing:
        console.print(f"[red]✖ missing: {key}[/red]", soft_wrap=True, highlight=False)
    for key in report.changed:
        console.print(f"[red]✖ changed: {key}[/red]", soft_wrap=True, highlight=False)
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)
    console.print(f"[green]✔[/green] {report.checked} blobs match the database")


@storage_app.command("gc")
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
    from kis_estimator.storage_ops import collect_garbage

    container = _database_container(local_store=True)
    try:
        with container.sessions() as session:
            old, young = collect_garbage(session, container.store, delete=delete, min_age_s=min_age)
    except StorageError as exc:
        _fail_line(f"저장소 오류 / storage failed: {exc}")
    console = Console()
    for key in old:
        console.print(f"{'deleted' if delete else 'orphan'}: {key}", highlight=False, soft_wrap=True)
    for key in young:
        console.print(f"orphan (younger than {min_age:g} s, kept): {key}", highlight=False, soft_wrap=True)
    console.print(f"{len(old) + len(young)} orphan blob(s){f', {len(old)} deleted' if delete else ''}")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head", url: UrlOption = None) -> None:
    """Apply migrations up to REVISION (default head)."""
    from kis_estimator.db import migrate

    migrate.upgrade(_database_url(url), revision)
    Console().print(f"[green]✔[/green] upgraded to {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()] = "-1", url: UrlOption = None) -> None:
    """Revert migrations down to REVISION (default: one step; `base` for everything)."""
    from kis_estimator.db import migrate

    migrate.downgrade(_database_url(url), revision)
    Console().print(f"[green]✔[/green] downgraded to {revision}")


@db_app.command("current")
def db_current(url: UrlOption = None) -> None:
    """Print the database's migration revision and the code's head."""
    from kis_estimator.db import migrate
    from kis_estimator.db.engine import make_engine

    chosen = _database_url(url)
    engine = make_engine(chosen)
    current = migrate.current_revision(engine)
    engine.dispose()
    head = migrate.head_revision(chosen)
    Console().print(
        f"current {current or '(none)'}  head {head}  {'✔ up to date' if current == head else '✖ behind'}"
    )
    if current != head:
        raise typer.Exit(EXIT_FAILURE)


@db_app.command("check")
def db_check(url: UrlOption = None) -> None:
    """Fail when the models and the migrated database differ (a migration is missing)."""
    from kis_estimator.db import migrate

    differences = migrate.drift(_database_url(url))
    console = Console()
    for difference in differences:
        console.print(f"[red]✖ {difference}[/red]")
    if differences:
        raise typer.Exit(EXIT_FAILURE)
    console.print("[green]✔ models and migrations agree[/green]")


@db_app.command("sql")
def db_sql(
    url: Annotated[str, typer.Option("--url", help="Dialect URL")] = "postgresql://kis@localhost/kis",
    revision: Annotated[str, typer.Option()] = "head",
) -> None:
    """Print the migration SQL without a database (for psql or the Supabase CLI)."""
    from kis_estimator.db import migrate

    sys.stdout.write(migrate.offline_sql(url, revision))


@db_app.command("backup")
def db_backup(
    target: Annotated[Path, typer.Argument(help="Backup file to write")], url: UrlOption = None
) -> None:
    """Back up the database (pg_dump custom format on PostgreSQL, the online backup API on SQLite)."""
    from kis_estimator.db.backup import BackupError, backup

    try:
        backup(_database_url(url), target)
    except BackupError as exc:
        Console(stderr=True).print(f"[red]✖ {exc}[/red]")
        raise typer.Exit(EXIT_FAILURE) from None
    Console().print(f"[green]✔[/green] {target} ({target.stat().st_size:,} bytes)")


@db_app.command("restore")
def db_restore(
    source: Annotated[Path, typer.Argument(help="Backup file made by `kis db backup`")], url: UrlOption = None
) -> None:
    """Restore a backup into the database (an empty one, or replacing what is there)."""
    from kis_estimator.db.backup import BackupError, restore

    try:
        restore(_database_url(url), source)
    except BackupError as exc:
        Console(stderr=True).print(f"[red]✖ {exc}[/red]")
        raise typer.Exit(EXIT_FAILURE) from None
    Console().print(f"[green]✔[/green] restored {source}")


EXIT_REQUEST_ERROR = 2
EXIT_FAILURE = 1
DEFAULT_OUT_ROOT = Path("out")


def _fail(envelope: dict[str, Any], code: int) -> NoReturn:
    sys.stderr.write(json.dumps(envelope, ensure_ascii=False, indent=2) + "\n")
    raise typer.Exit(code)


def _read_request(path: Path, trace_id: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(
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
        _fail(
            error_envelope(
                "REQ_MALFORMED",
                f"요청이 올바른 JSON이 아닙니다 / The request is not valid JSON: {exc}",
                hint="UTF-8 JSON 파일을 보내 주세요 / Send a UTF-8 JSON file.",
                path="",
                trace_id=trace_id,
            ),
            EXIT_REQUEST_ERROR,
        )


def next_number(out_root: Path, day: str) -> str:
    """`EST-YYYYMMDD-NNNN` with the next NNNN not yet used by a directory under `out_root`."""
    prefix = f"EST-{day.replace('-', '')}-"
    used = [
        int(m.group(1))
        for p in out_root.glob(f"{prefix}*")
        if (m := re.fullmatch(rf"{prefix}(\d{{4}})", p.name))
    ]
    return f"{prefix}{max(used, default=0) + 1:04d}"


def _identity(
    now: datetime | None, number: str | None, quote_id: str | None, out_root: Path, tz: str
) -> QuoteIdentity:
    from kis_estimator.pipeline import QuoteIdentity

    moment = now or datetime.now(ZoneInfo(tz))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    created_at = moment.isoformat(timespec="seconds")
    return QuoteIdentity(
        quote_id=quote_id or str(uuid.uuid4()),
        number=number or next_number(out_root, created_at[:10]),
        created_at=created_at,
    )


@app.command()
def estimate(
    request_file: Annotated[Path, typer.Argument(help="Request JSON")],
    out: Annotated[Path | None, typer.Option(help="Output directory (default ./out/<quote number>)")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the quote JSON instead of the summary")
    ] = False,
    now: Annotated[
        datetime | None,
        typer.Option(parser=datetime.fromisoformat, metavar="ISO-8601", help="Quote time (default: now)"),
    ] = None,
    number: Annotated[str | None, typer.Option(help="Quote number (default: next free for the day)")] = None,
    quote_id: Annotated[str | None, typer.Option("--id", help="Quote id (default: a new UUID)")] = None,
    recalc: Annotated[
        bool | None,
        typer.Option("--recalc/--no-recalc", help="LibreOffice recalculation lint (default: settings)"),
    ] = None,
    save: Annotated[
        bool, typer.Option("--save", help="Also save it: database (DATABASE_URL) and storage")
    ] = False,
) -> None:
    """Estimate one request and write the quote, documents and evidence (with --save: into the database)."""
    from kis_estimator.documents.lint import soffice_path
    from kis_estimator.pipeline import DocumentOptions, run_pipeline
    from kis_estimator.summary import render_summary

    trace_id = uuid.uuid4().hex
    raw = _read_request(request_file, trace_id)
    try:
        container = bootstrap.build()
    except DataError as exc:
        _fail(
            error_envelope(
                "DATA_INVALID",
                str(exc),
                hint="카탈로그/룰북 파일을 고쳐 주세요 / Fix the data files.",
                path=exc.source,
                trace_id=trace_id,
            ),
            EXIT_FAILURE,
        )
    settings = container.settings
    out_root = out.parent if out else DEFAULT_OUT_ROOT
    identity = _identity(now, number, quote_id, out_root, settings.timezone)
    options = DocumentOptions(
        company=settings.company(),
        terms=settings.terms(),
        evidence_secret=settings.evidence_secret,
        recalculate=(settings.kis_doc_recalc if recalc is None else recalc) and soffice_path() is not None,
    )
    if save:
        _save_and_exit(container, raw, options, trace_id, as_json)
    in_use = _catalog_in_use(container, trace_id)
    try:
        result = run_pipeline(
            raw,
            in_use.catalog,
            container.rules,
            identity,
            documents=options,
            price_book_id=in_use.price_book_id,
        )
    except RequestRejected as exc:
        _fail(rejection_envelope(exc, trace_id), EXIT_REQUEST_ERROR)
    target = out or DEFAULT_OUT_ROOT / identity.number
    target.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result.quote, ensure_ascii=False, indent=2) + "\n"
    (target / "quote.json").write_text(text, encoding="utf-8")
    for filename, data in result.documents.items():
        (target / filename).write_bytes(data)
    assert result.evidence is not None
    result.evidence.write(target / "evidence")
    if as_json:
        sys.stdout.write(text)
    else:
        console = Console()
        render_summary(console, result.quote)
        console.print(f"[dim]→ {target}/ quote.json {' '.join(result.documents)} evidence/[/dim]")


@app.command("import")
def import_sheet(
    sheet: Annotated[Path, typer.Argument(help="A filled request sheet (.xlsx, see docs/request-sheet.md)")],
    out: Annotated[Path | None, typer.Option(help="Write the request JSON here (default: stdout)")] = None,
) -> None:
    """Read a request sheet into request JSON; findings name the sheet cell, in Korean and English."""
    from kis_estimator.documents.request_sheet import import_to_json

    try:
        request, findings = import_to_json(sheet)
    except OSError as exc:
        _fail(
            error_envelope(
                "SHEET_NOT_FOUND",
                f"파일을 읽을 수 없습니다 / Cannot read the sheet: {exc}",
                hint="경로를 확인해 주세요 / Check the path.",
                path="",
                trace_id=uuid.uuid4().hex,
            ),
            EXIT_REQUEST_ERROR,
        )
    console = Console(stderr=True)
    for finding in findings:
        colour = "red" if finding["severity"] == "error" else "yellow"
        where = finding.get("cell") or "-"
        console.print(
            f"[{colour}]{finding['severity']}[/{colour}] {finding['code']} {where}: {finding['message']}"
        )
        if finding.get("hint"):
            console.print(f"    → {finding['hint']}")
    if request is None:
        raise typer.Exit(EXIT_REQUEST_ERROR)
    text = json.dumps(request, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"[green]✔[/green] {out}")


@app.command("export-sheet")
def export_sheet(
    source: Annotated[Path, typer.Argument(help="A request JSON, or a quote.json (its request is exported)")],
    out: Annotated[Path, typer.Option(help="The request sheet to write (.xlsx)")] = Path("request.xlsx"),
) -> None:
    """Write a request (or a quote's request) into the request-sheet template, ready to edit."""
    from kis_estimator.documents.request_sheet import export_request_sheet

    trace_id = uuid.uuid4().hex
    data = _read_request(source, trace_id)
    request = data.get("request", data) if isinstance(data, dict) else data
    try:
        out.write_bytes(export_request_sheet(request))
    except RequestRejected as exc:
        _fail(rejection_envelope(exc, trace_id), EXIT_REQUEST_ERROR)
    Console().print(f"[green]✔[/green] {out}")


def _verify_saved_quote(reference: str, secret: list[str]) -> Any:
    """Verify a saved quote's evidence from storage, found by its number or id."""
    from kis_estimator.db.repository import QuoteRepository
    from kis_estimator.storage_ops import verify_quote_evidence

    container = _database_container()
    with container.sessions() as session:
        repository = QuoteRepository(session)
        row = repository.by_number(reference) or repository.get(reference)
        if row is None:
            Console(stderr=True).print(
                f"[red]✖ 견적을 찾을 수 없습니다 / no such quote or directory: {reference}[/red]"
            )
            raise typer.Exit(EXIT_FAILURE)
        return verify_quote_evidence(session, container.store, row.id, secret=secret)


def _catalog_in_use(container: Container, trace_id: str) -> CatalogInUse:
    """The catalog the service would price with (the active price book's, else the configured one)."""
    from sqlalchemy.exc import SQLAlchemyError

    from kis_estimator.services.catalog_in_use import catalog_in_use

    try:
        return catalog_in_use(container)
    except DataError as exc:
        _fail(
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
        _fail(
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


def _save_and_exit(container: Any, raw: Any, options: DocumentOptions, trace_id: str, as_json: bool) -> None:
    """`kis estimate --save`: the quote saved like the service saves it, with its number from the database."""
    from kis_estimator.service import save_estimate
    from kis_estimator.summary import render_summary

    try:
        container.prepare_database()
        container.prepare_local_store()
    except bootstrap.DatabaseNotReady as exc:
        _fail(
            error_envelope(
                "DATABASE_NOT_READY",
                str(exc),
                hint="DATABASE_URL 을 확인하고 kis db upgrade 를 실행해 주세요 / Check DATABASE_URL; run kis db upgrade.",
                path="",
                trace_id=trace_id,
            ),
            EXIT_FAILURE,
        )
    except StorageError as exc:
        _fail(
            error_envelope(
                "STORAGE_UNAVAILABLE",
                f"저장소 오류 / storage failed: {exc}",
                hint="STORAGE_URL을 확인해 주세요 / Check STORAGE_URL.",
                path="",
                trace_id=trace_id,
            ),
            EXIT_FAILURE,
        )
    context = container.save_context(options)
    try:
        with container.sessions.begin() as session:
            quote = save_estimate(context, raw, session=session)
    except RequestRejected as exc:
        _fail(rejection_envelope(exc, trace_id), EXIT_REQUEST_ERROR)
    except StorageError as exc:
        _fail(
            error_envelope(
                "STORAGE_UNAVAILABLE",
                f"저장소 오류 / storage failed: {exc}",
                hint="kis storage init 과 STORAGE_URL 을 확인해 주세요 / Check STORAGE_URL; run kis storage init.",
                path="",
                trace_id=trace_id,
            ),
            EXIT_FAILURE,
        )
    if as_json:
        sys.stdout.write(json.dumps(quote, ensure_ascii=False, indent=2) + "\n")
    else:
        render_summary(Console(), quote)
        Console().print(f"[green]✔ saved[/green] {quote['number']} ({quote['id']})")
    raise typer.Exit(0)


@evidence_app.command("verify")
def evidence_verify(
    path: Annotated[
        Path,
        typer.Argument(
            help="An evidence directory, an output directory holding evidence/, or a saved quote's number or id"
        ),
    ],
) -> None:
    """Re-hash every file of an evidence pack; name every changed, missing or extra file."""
    from kis_estimator.evidence import verify_pack

    settings = bootstrap.Settings()
    if not path.exists():
        result = _verify_saved_quote(str(path), settings.evidence_secrets())
    else:
        directory = path / "evidence" if (path / "evidence" / "manifest.json").exists() else path
        quote_file = directory.parent / "quote.json"
        expected = None
        if quote_file.is_file():
            expected = json.loads(quote_file.read_text(encoding="utf-8")).get("evidence", {}).get("sha256")
        result = verify_pack(directory, expected_sha256=expected, secret=settings.evidence_secrets())
    console = Console()
    for label, paths in (
        ("변경 changed", result.changed),
        ("누락 missing", result.missing),
        ("추가 extra", result.extra),
    ):
        for item in paths:
            console.print(f"[red]✖ {label}: {item}[/red]")
    for problem in result.problems:
        console.print(f"[red]✖ {problem}[/red]")
    if not result.ok:
        raise typer.Exit(EXIT_FAILURE)
    signed = " (서명 확인 signature verified)" if result.signature_checked else ""
    console.print(f"[green]✔ 증빙 일치 evidence verified[/green] {result.evidence_sha256}{signed}")


@regression_app.command("run")
def regression_run(
    goldset: Annotated[Path, typer.Option(help="Goldset directory")] = Path("tests/regression/goldset"),
) -> None:
    """Run every goldset case and print a result table; exit 1 on any failure."""
    from kis_estimator.regression import print_report, run_goldset

    if not any(goldset.glob("*.json")):
        Console(stderr=True).print(
            f"[red]✖ no goldset cases in {goldset} / 골드셋이 없습니다[/red]: run it from the repository "
            "checkout or pass --goldset DIR"
        )
        raise typer.Exit(EXIT_FAILURE)

    container = bootstrap.build()
    results = run_goldset(goldset, container.catalog, container.rules)
    console = Console()
    print_report(console, results)
    if not results or any(not r.passed for r in results):
        raise typer.Exit(EXIT_FAILURE)


if __name__ == "__main__":
    app()
