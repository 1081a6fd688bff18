"""Price-book versions: reading the shop's files (ZIP, XLSX, one CSV), every problem named by sheet, row
and column, hostile uploads refused fast, and stage → activate → roll back → export on SQLite and a real
PostgreSQL."""

from __future__ import annotations

import io
import json
import re
import threading
import time
import zipfile
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kis_estimator.catalog_io import load_catalog
from kis_estimator.db.engine import make_engine, session_factory
from kis_estimator.db.models import CatalogItemRow, PriceBookRow
from kis_estimator.db.pricebooks import PriceBookNotFound, PriceBookRepository
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import DataError
from kis_estimator.pricebooks import (
    KINDS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    ParsedBook,
    Problem,
    catalog_rows,
    export_filename,
    read_price_book,
    render_price_book,
)
from tests.factories import SHOP_CATALOG

HANGUL = re.compile(r"[가-힣]")


# ------------------------------------------------------------------------------------------ helpers


def shop_csv(kind: str) -> bytes:
    return (SHOP_CATALOG / f"{kind}.csv").read_bytes()


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def shop_zip() -> bytes:
    """The shop's real CSVs (the package's data/catalog/source), zipped."""
    return zip_of({f"{kind}.csv": shop_csv(kind) for kind in KINDS})


def parsed(filename: str, data: bytes, base: Catalog | None = None) -> ParsedBook:
    result = read_price_book(filename, data, base)
    assert isinstance(result, ParsedBook), [str(problem) for problem in result]
    return result


def problems_of(filename: str, data: bytes, base: Catalog | None = None) -> list[Problem]:
    result = read_price_book(filename, data, base)
    assert isinstance(result, list), "expected problems, got a valid book"
    return result


def package_rows(kind: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        resources.files("kis_estimator").joinpath("data", "catalog", f"{kind}.json").read_bytes()
    )
    return rows


def exact(value: Any) -> str:
    # json text, not ==: 5 == 5.0 in Python, but the data files tell ints from floats.
    return json.dumps(value, ensure_ascii=False)


def breaker_price_variant(price: int) -> bytes:
    """The shop's breakers.csv with ABN-204 at another price: a different book, same everything else."""
    text = shop_csv("breakers").decode()
    changed = re.sub(r"^(LS,MCCB,ABN,ABN-204,(?:[^,]*,){8})\d+", rf"\g<1>{price}", text, flags=re.M)
    assert changed != text
    return changed.encode()


def book_with_price(price: int) -> ParsedBook:
    return parsed("breakers.csv", breaker_price_variant(price), base=load_catalog())


# ------------------------------------------------------------------------------ reading (no database)


def test_the_shops_csvs_give_the_package_catalog_exactly() -> None:
    book = parsed("catalog.zip", shop_zip())
    assert book.sha256 == load_catalog().sha256
    assert book.uploaded == KINDS
    for kind in KINDS:
        assert exact(book.rows[kind]) == exact(package_rows(kind))


def test_catalog_rows_give_back_the_package_data_files() -> None:
    rows = catalog_rows(load_catalog())
    for kind in KINDS:
        assert exact(rows[kind]) == exact(package_rows(kind))


def test_a_zip_with_the_csvs_in_one_folder_and_excel_bom_and_cp949_is_read() -> None:
    files = {f"catalog/{kind}.csv": shop_csv(kind) for kind in KINDS}
    files["catalog/breakers.csv"] = b"\xef\xbb\xbf" + shop_csv("breakers")  # Excel's "CSV UTF-8"
    files["catalog/accessories.csv"] = shop_csv("accessories").decode().encode("cp949")  # Korean Excel's CSV
    files["__MACOSX/catalog/._breakers.csv"] = b"\x00\x05\x16\x07"
    assert parsed("catalog.zip", zip_of(files)).sha256 == load_catalog().sha256


def _sheet(book: Any, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))


BREAKER_HEADER = shop_csv("breakers").decode().splitlines()[0].split(",")
ENCLOSURE_HEADER = shop_csv("enclosures").decode().splitlines()[0].split(",")
ACCESSORY_HEADER = shop_csv("accessories").decode().splitlines()[0].split(",")


def _breaker(model: str, **changes: Any) -> list[Any]:
    row = {
        "brand": "LS", "type": "MCCB", "series": "ABN", "model": model, "grade": "ECONOMY", "poles": 4,
        "frame_af": 200, "compact": 0, "w_mm": 140, "h_mm": 165, "d_mm": 60, "trip_ratings_a": "125|150",
        "price_krw": 154000, "icu_ka": 37.0,
    }  # fmt: skip
    row.update(changes)
    return [row[name] for name in BREAKER_HEADER]


def _enclosure(model: str, **changes: Any) -> list[Any]:
    row = {"series": "HDS", "model": model, "material": "STEEL", "thickness_mm": 1.6, "location": "INDOOR",
           "w_mm": 600, "h_mm": 700, "d_mm": 200, "price_krw": 90000}  # fmt: skip
    row.update(changes)
    return [row[name] for name in ENCLOSURE_HEADER]


def broken_workbook() -> bytes:
    """One of every kind of mistake, each on a known sheet row (row 4 is left blank on purpose: rows
    are counted as the sheet shows them, not as data rows)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    _sheet(book, "breakers", [*BREAKER_HEADER, "colour"], [
        _breaker("ABN-52"),                                                  # row 2: fine
        _breaker("ABN-53", price_krw="문의"),                                 # row 3: price not numeric
        [],                                                                  # row 4: blank
        _breaker("ABN-54", brand="LG", type="MCB", grade="CHEAP"),           # row 5: unknown enums
        _breaker("ABN-102", w_mm=-5, h_mm=0),                                # row 6: bad dimensions
        _breaker("ABN-103", price_krw="78000|53000"),                        # row 7: range reversed
        _breaker("abn -52"),                                                 # row 8: same model as row 2
        _breaker("ABN-104", frame_af=150),                                   # row 9: build_catalog's rule
    ])  # fmt: skip
    _sheet(book, "enclosures", ENCLOSURE_HEADER, [
        _enclosure("HDS607020"),                                             # row 2: fine
        _enclosure("HDS608020", material="IRON", location="INSIDE"),         # row 3: unknown enums
        _enclosure("HDS609020", d_mm=0, thickness_mm=-1.6),                  # row 4: zero / negative
    ])  # fmt: skip
    no_note = ACCESSORY_HEADER[:-1]  # the note column is missing
    _sheet(book, "accessories", no_note, [
        ["MAGNET", "MC-9", "MG.CONTACTOR", "MC-9", "EA", 8500, 45, 80, 50],  # row 2: fine
        ["GADGET", "X-1", "X", "X", "EA", 1000, None, None, None],            # row 3: unknown kind
    ])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


EXPECTED_PROBLEMS = {
    # (code, sheet, row, column, cell)
    ("COLUMN_UNKNOWN", "breakers", 1, "colour", "O1"),
    ("VALUE_NOT_NUMBER", "breakers", 3, "price_krw", "M3"),
    ("VALUE_UNKNOWN", "breakers", 5, "brand", "A5"),
    ("VALUE_UNKNOWN", "breakers", 5, "type", "B5"),
    ("VALUE_UNKNOWN", "breakers", 5, "grade", "E5"),
    ("VALUE_NOT_POSITIVE", "breakers", 6, "w_mm", "I6"),
    ("VALUE_NOT_POSITIVE", "breakers", 6, "h_mm", "J6"),
    ("RANGE_REVERSED", "breakers", 7, "price_krw", "M7"),
    ("MODEL_DUPLICATE", "breakers", 8, "model", "D8"),
    ("CATALOG_RULE", "breakers", 9, "frame_af", "G9"),
    ("VALUE_UNKNOWN", "enclosures", 3, "material", "C3"),
    ("VALUE_UNKNOWN", "enclosures", 3, "location", "E3"),
    ("VALUE_NOT_POSITIVE", "enclosures", 4, "d_mm", "H4"),
    ("VALUE_NOT_POSITIVE", "enclosures", 4, "thickness_mm", "D4"),
    ("COLUMN_MISSING", "accessories", 1, "note", None),
    ("VALUE_UNKNOWN", "accessories", 3, "kind", "A3"),
}


def test_a_broken_workbook_names_sheet_row_and_column_of_every_problem() -> None:
    problems = problems_of("prices.xlsx", broken_workbook())
    found = {(p.code, p.source, p.row, p.column, p.cell) for p in problems}
    assert found == EXPECTED_PROBLEMS, "\n".join(map(str, problems))
    for problem in problems:
        korean, english = problem.message.split(" / ", 1)
        assert HANGUL.search(korean) and not HANGUL.search(re.sub(r"'[^']*'", "", english)), problem.message
    duplicate = next(p for p in problems if p.code == "MODEL_DUPLICATE")
    assert "row 2" in duplicate.message and "2행" in duplicate.message
    rule = next(p for p in problems if p.code == "CATALOG_RULE")
    assert "must be one of" in rule.message  # build_catalog's own words, after the Korean
    # Sheet order: breakers before enclosures, rows ascending within a sheet.
    order = [(KINDS.index(p.source or ""), p.row or 0) for p in problems]
    assert order == sorted(order)
    assert str(rule) == f"breakers row 9, column 'frame_af' (G9): {rule.message}"


def test_csv_problems_are_named_by_file_row_and_column() -> None:
    text = shop_csv("enclosures").decode().splitlines()
    fields = text[3].split(",")  # row 4 of the file
    fields[3] = "thick"  # thickness_mm
    text[3] = ",".join(fields)
    text.append("HB,HB405015,STEEL,1.0,INDOOR,400,500,150,22000")  # a copy of row 2
    files = {f"{kind}.csv": shop_csv(kind) for kind in KINDS} | {"enclosures.csv": "\n".join(text).encode()}
    problems = problems_of("catalog.zip", zip_of(files))
    assert {(p.code, p.source, p.row, p.column) for p in problems} == {
        ("VALUE_NOT_NUMBER", "enclosures.csv", 4, "thickness_mm"),
        ("MODEL_DUPLICATE", "enclosures.csv", len(text), "model"),
    }


def test_missing_files_sheets_and_wrong_file_types_are_problems() -> None:
    two = zip_of({"breakers.csv": shop_csv("breakers"), "enclosures.csv": shop_csv("enclosures"),
                  "accesories.csv": shop_csv("accessories")})  # fmt: skip
    assert {(p.code, p.source) for p in problems_of("c.zip", two)} == {
        ("FILE_UNKNOWN", "accesories.csv"),
        ("FILE_MISSING", "c.zip"),
    }
    book = openpyxl.Workbook()
    book.active.title = "breakers"
    buffer = io.BytesIO()
    book.save(buffer)
    codes = [(p.code, p.message) for p in problems_of("c.xlsx", buffer.getvalue())]
    assert [code for code, _ in codes] == ["SHEET_MISSING", "SHEET_MISSING", "NO_HEADER"]
    assert [p.code for p in problems_of("prices.pdf", b"%PDF-1.7")] == ["FILE_TYPE"]
    assert [p.code for p in problems_of("prices.xlsx", b"not a zip")] == ["FILE_UNREADABLE"]
    assert [p.code for p in problems_of("prices.xlsx", b"\xd0\xcf\x11\xe0" + bytes(100))] == [
        "FILE_UNREADABLE"
    ]
    assert [p.code for p in problems_of("breakers.csv", shop_csv("breakers"))] == ["NO_BASE_BOOK"]


def test_a_single_kind_csv_keeps_the_other_kinds_of_the_base() -> None:
    base = load_catalog()
    same = parsed("breakers.csv", shop_csv("breakers"), base=base)
    assert same.sha256 == base.sha256 and same.uploaded == ("breakers",)
    cheaper = parsed("Breakers_2026-03.csv", breaker_price_variant(150_000), base=base)
    assert cheaper.sha256 != base.sha256
    assert cheaper.catalog.enclosures == base.enclosures
    assert cheaper.catalog.accessories == base.accessories
    assert exact(cheaper.rows["enclosures"]) == exact(package_rows("enclosures"))
    changed = cheaper.catalog.breaker_by_model("ABN-204")
    assert changed is not None and changed.price_krw is not None and changed.price_krw.high == 150_000
    enclosures_only = parsed("enclosures.csv", shop_csv("enclosures"), base=cheaper.catalog)
    assert enclosures_only.sha256 == cheaper.sha256


def _timed(filename: str, data: bytes) -> tuple[list[Problem], float]:
    started = time.perf_counter()
    result = read_price_book(filename, data)
    elapsed = time.perf_counter() - started
    assert isinstance(result, list)
    return result, elapsed


def _bomb_member(name: str, size: int) -> bytes:
    """A real zip bomb member: `size` bytes of zeros, compressed about 1000:1."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w") as member:
        chunk = bytes(1024 * 1024)
        for _ in range(size // len(chunk)):
            member.write(chunk)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_quickly_without_decompressing() -> None:
    bomb = _bomb_member("breakers.csv", 200 * 1024 * 1024)
    assert len(bomb) < MAX_UPLOAD_BYTES
    problems, elapsed = _timed("catalog.zip", bomb)
    assert [p.code for p in problems] == ["ARCHIVE_TOO_LARGE"]
    assert "209,715,200" in problems[0].message
    assert elapsed < 0.5


def test_an_xlsx_bomb_is_refused_quickly() -> None:
    # A workbook whose shared strings are 30 MB of one repeated string: small on disk, ratio ~1000:1.
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_valid_xlsx())) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            out.writestr(item, source.read(item))
        with out.open("xl/sharedStrings2.xml", "w") as member:
            for _ in range(30):
                member.write(b"<si><t>" + b"A" * (1024 * 1024) + b"</t></si>")
    problems, elapsed = _timed("prices.xlsx", buffer.getvalue())
    assert [p.code for p in problems] == ["ARCHIVE_TOO_LARGE"] and "compressed" in problems[0].message
    assert elapsed < 0.5


def test_a_file_over_10_mb_is_refused_before_reading() -> None:
    for name in ("prices.xlsx", "catalog.zip", "breakers.csv"):
        problems, elapsed = _timed(name, b"\0" * (MAX_UPLOAD_BYTES + 1))
        assert [p.code for p in problems] == ["FILE_TOO_LARGE"]
        assert "10,485,761" in problems[0].message and "10 MB" in problems[0].message
        assert elapsed < 0.05


def test_more_than_20000_rows_is_refused() -> None:
    header, first = shop_csv("accessories").decode().splitlines()[:2]
    rows = [first.replace("MC-9,MG.CONTACTOR,MC-9", f"X-{i},MG.CONTACTOR,X-{i}") for i in range(MAX_ROWS + 1)]
    data = "\n".join([header, *rows]).encode()
    assert len(data) < MAX_UPLOAD_BYTES
    problems = problems_of("accessories.csv", data, base=load_catalog())
    assert [(p.code, p.row) for p in problems] == [("TOO_MANY_ROWS", MAX_ROWS + 2)]
    at_limit = parsed("accessories.csv", "\n".join([header, *rows[:MAX_ROWS]]).encode(), base=load_catalog())
    assert len(at_limit.catalog.accessories) == MAX_ROWS


def _valid_xlsx() -> bytes:
    return render_price_book(catalog_rows(load_catalog()), "xlsx")


def test_exports_read_back_to_the_same_catalog_and_are_deterministic() -> None:
    rows = catalog_rows(load_catalog())
    for format in ("zip", "xlsx"):
        data = render_price_book(rows, format)
        assert data == render_price_book(rows, format)
        book = parsed(f"export.{format}", data)
        assert book.sha256 == load_catalog().sha256
        for kind in KINDS:
            assert exact(book.rows[kind]) == exact(package_rows(kind))


# -------------------------------------------------------------------------------------- the database


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield session_factory(engine)
    engine.dispose()


def _stage(sessions: sessionmaker[Session], book: ParsedBook, label: str) -> int:
    with sessions() as session:
        row = PriceBookRepository(session).stage(book, label, f"/uploads/{label}.zip")
        session.commit()
        return row.id


def _activate(sessions: sessionmaker[Session], book_id: int) -> None:
    with sessions() as session:
        PriceBookRepository(session).activate(book_id)
        session.commit()


def _states(sessions: sessionmaker[Session]) -> dict[int, str]:
    with sessions() as session:
        return {row.id: row.state for row in PriceBookRepository(session).list()}


def test_importing_the_shops_csvs_stores_a_draft_with_the_package_catalog(
    sessions: sessionmaker[Session],
) -> None:
    book_id = _stage(sessions, parsed("catalog.zip", shop_zip()), "2026-03 list prices")
    with sessions() as session:
        repository = PriceBookRepository(session)
        row = repository.get(book_id)
        assert row is not None
        assert (row.state, row.label, row.source_name, row.activated_at) == (
            "draft", "2026-03 list prices", "2026-03 list prices.zip", None,
        )  # fmt: skip
        assert row.catalog_sha256 == load_catalog().sha256
        assert repository.catalog_of(row).sha256 == load_catalog().sha256
        for kind in KINDS:
            assert exact(row.catalog[kind]) == exact(package_rows(kind))
        counts = dict(
            session.execute(
                select(CatalogItemRow.kind, func.count()).where(CatalogItemRow.price_book_id == book_id)
                .group_by(CatalogItemRow.kind)
            ).all()
        )  # fmt: skip
        catalog = load_catalog()
        expected = (len(catalog.breakers), len(catalog.enclosures), len(catalog.accessories))
        assert (counts["breaker"], counts["enclosure"], counts["accessory"]) == expected
        assert repository.active() is None


def test_importing_the_same_book_twice_keeps_one_row(sessions: sessionmaker[Session]) -> None:
    first = _stage(sessions, parsed("catalog.zip", shop_zip()), "first")
    again = _stage(sessions, parsed("catalog.xlsx", _valid_xlsx()), "again")
    assert again == first
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(PriceBookRow)).scalar_one() == 1
        assert PriceBookRepository(session).list()[0].label == "first"


def test_a_concurrent_import_of_the_same_book_yields_the_stored_row(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    book = parsed("catalog.zip", shop_zip())
    first = _stage(sessions, book, "first")
    # The other import committed between our lookup and our insert: the lookup missed it once.
    original = PriceBookRepository._by_sha
    misses = iter([None])
    monkeypatch.setattr(PriceBookRepository, "_by_sha", lambda self, sha: next(misses, original(self, sha)))
    with sessions() as session:
        row = PriceBookRepository(session).stage(book, "second", "second.zip")
        session.commit()
        assert row.id == first
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(PriceBookRow)).scalar_one() == 1


def test_activation_retires_the_previous_book_and_rolls_back(sessions: sessionmaker[Session]) -> None:
    older = _stage(sessions, parsed("catalog.zip", shop_zip()), "older")
    newer = _stage(sessions, book_with_price(150_000), "newer")
    draft = _stage(sessions, book_with_price(160_000), "draft")
    assert _states(sessions) == {older: "draft", newer: "draft", draft: "draft"}
    _activate(sessions, older)
    assert _states(sessions) == {older: "active", newer: "draft", draft: "draft"}
    _activate(sessions, newer)
    assert _states(sessions) == {older: "retired", newer: "active", draft: "draft"}
    _activate(sessions, older)  # roll back to the older price book
    assert _states(sessions) == {older: "active", newer: "retired", draft: "draft"}
    _activate(sessions, older)  # activating the active book changes nothing
    assert _states(sessions) == {older: "active", newer: "retired", draft: "draft"}
    with sessions() as session:
        repository = PriceBookRepository(session)
        active = repository.active()
        assert active is not None and active.id == older and active.activated_at is not None
        assert [row.id for row in repository.list()] == [draft, newer, older]  # newest first
        assert repository.catalog_of(active).sha256 == load_catalog().sha256
        with pytest.raises(PriceBookNotFound):
            repository.activate(999)
        assert repository.get(999) is None


def test_two_activations_at_once_leave_exactly_one_active_book(sessions: sessionmaker[Session]) -> None:
    first = _stage(sessions, book_with_price(150_000), "first")
    second = _stage(sessions, book_with_price(160_000), "second")
    errors: list[BaseException] = []

    def activate_second() -> None:
        try:
            _activate(sessions, second)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    with sessions() as session:
        PriceBookRepository(session).activate(first)  # not committed yet: holds the activation lock
        other = threading.Thread(target=activate_second)
        other.start()
        other.join(timeout=0.5)
        assert other.is_alive(), "the second activation must wait for the first to commit"
        session.commit()
    other.join(timeout=30)
    assert not other.is_alive() and errors == []
    assert _states(sessions) == {first: "retired", second: "active"}


def test_a_tampered_book_is_neither_activated_nor_exported(sessions: sessionmaker[Session]) -> None:
    book_id = _stage(sessions, parsed("catalog.zip", shop_zip()), "shop")
    with sessions() as session:
        row = session.get(PriceBookRow, book_id)
        assert row is not None
        breakers = [dict(b) for b in row.catalog["breakers"]]
        breakers[0]["price_krw"] = 1
        row.catalog = {**row.catalog, "breakers": breakers}
        session.commit()
    with sessions() as session:
        repository = PriceBookRepository(session)
        for attempt in (lambda: repository.activate(book_id), lambda: repository.export(book_id)):
            with pytest.raises(DataError, match="catalog_sha256 mismatch"):
                attempt()
        assert repository.active() is None


@pytest.mark.parametrize("format", ["zip", "xlsx"])
def test_export_then_import_gives_the_same_book(sessions: sessionmaker[Session], format: Any) -> None:
    book = book_with_price(150_000)
    book_id = _stage(sessions, book, "march")
    with sessions() as session:
        repository = PriceBookRepository(session)
        row = repository.get(book_id)
        assert row is not None
        data = repository.export(book_id, format)
        assert export_filename(row, format) == f"price-book-{book_id}-{book.sha256[:12]}.{format}"
    again = parsed(f"export.{format}", data)
    assert again.sha256 == book.sha256
    assert _stage(sessions, again, "re-imported") == book_id


def test_search_finds_catalog_items_of_the_active_book(sessions: sessionmaker[Session]) -> None:
    book_id = _stage(sessions, parsed("catalog.zip", shop_zip()), "shop")
    with sessions() as session:
        repository = PriceBookRepository(session)
        assert repository.search_items("ABN-204") == []  # nothing is active yet
        assert [i.model for i in repository.search_items("abn-204", book_id=book_id)] == ["ABN-204"]
    _activate(sessions, book_id)
    with sessions() as session:
        repository = PriceBookRepository(session)
        [item] = repository.search_items("ABN-204")
        assert (item.kind, item.brand, item.description, item.price_krw) == (
            "breaker", "LS", "LS MCCB 4P 200AF ABN-204", 154_000,
        )  # fmt: skip
        assert item.data["trip_ratings_a"] == [125, 150, 175, 200, 225]
        assert "ABN-204" in [i.model for i in repository.search_items("ls 4p 200af")]
        [ranged] = repository.search_items("SBS-204")
        assert ranged.price_krw == 78_000  # a range is listed at its high value
        enclosures = repository.search_items("HDS", kind="enclosure", limit=5)
        assert len(enclosures) == 5 and {i.kind for i in enclosures} == {"enclosure"}
        assert repository.search_items("100%") == []  # LIKE wildcards are searched literally
        with pytest.raises(ValueError, match="unknown kind"):
            repository.search_items("x", kind="cable")


def test_the_catalogs_own_problems_are_placed_and_translated_by_their_code() -> None:
    """build_catalog's DataProblems (poles 5, a frame not made) land on their cells in Korean, then in
    the engine's English: the reader uses each problem's code, row and field, not its wording."""
    lines = shop_csv("breakers").decode().splitlines()
    fields = lines[1].split(",")
    fields[5], fields[6] = "5", "77"  # poles, frame_af (row 2 of the file)
    lines[1] = ",".join(fields)
    files = {f"{kind}.csv": shop_csv(kind) for kind in KINDS} | {"breakers.csv": "\n".join(lines).encode()}
    problems = problems_of("catalog.zip", zip_of(files))
    found = {(p.code, p.source, p.row, p.column): p.message for p in problems}
    assert set(found) == {
        ("CATALOG_RULE", "breakers.csv", 2, "poles"),
        ("CATALOG_RULE", "breakers.csv", 2, "frame_af"),
    }
    poles = found[("CATALOG_RULE", "breakers.csv", 2, "poles")]
    assert poles == "극수는 2, 3, 4 중 하나여야 합니다 / must be 2, 3 or 4, got 5"
    frame = found[("CATALOG_RULE", "breakers.csv", 2, "frame_af")]
    assert frame.startswith("다음 중 하나여야 합니다: (") and frame.endswith(", got 77")
