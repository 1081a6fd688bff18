"""The request sheet: round trips, one finding per mistake at its exact cell, and hostile files."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kis_estimator.documents.lint import recalculate, soffice_path
from kis_estimator.documents.request_sheet import (
    GUIDE_SHEET_NAME,
    MAX_DATA_ROWS,
    MAX_UPLOAD_BYTES,
    SHEET_NAME,
    TEMPLATE_PATH,
    SheetImport,
    export_request_sheet,
    import_request_sheet,
    import_to_json,
    normalize_request,
    write_template,
)
from kis_estimator.documents.request_sheet.messages import MESSAGES
from kis_estimator.engine.errors import RequestRejected
from tests.factories import ROOT, requires_tool

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
SHEET_XML = "xl/worksheets/sheet1.xml"
HEADER_CELL = {
    "고객명": "B3",
    "담당자": "B4",
    "연락처": "B5",
    "이메일": "B6",
    "건명": "B7",
    "브랜드": "B8",
    "혼용사유": "B9",
    "P-COVER": "B10",
}
CUSTOMER = {"고객명": "동양기전", "브랜드": "LS"}
MAIN = {"패널명": "LP-1", "구분": "메인", "종류": "MCCB", "극수": 4, "AT": 200}
BRANCH = {"패널명": "LP-1", "구분": "분기", "종류": "ELCB", "극수": 2, "AT": 20, "수량": 12}
FAST = 5.0  # seconds; each hostile case takes well under 1 s, the bound only catches runaway work

EVERY_FIELD: dict[str, Any] = {
    "customer": {"name": "(주)서해건설", "contact": "박부장", "phone": "032-777-1234", "email": "pm@seohae.example.kr"},
    "project": "=HYPERLINK(\"x\") 물류센터",  # looks like a formula: must come back as text
    "brand": "MIXED",
    "mixed_reason": "기존 설비와 같은 제조사",
    "panels": [
        {
            "name": "MCC-1",
            "quantity": 3,
            "enclosure": {
                "location": "OUTDOOR", "mount": "POLE", "material": "SUS304", "thickness_mm": 1.5,
                "kind": "CUSTOM", "series": "SC", "size_mm": [700, 1200, 250],
            },
            "main": {"type": "MCCB", "poles": 4, "trip_at": 225, "frame_af": 250, "model": "ABS-204", "grade": "STANDARD", "brand": "LS"},
            "branches": [
                {"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 12, "load_a": 12.5, "circuit": "전등", "brand": "SANGDO", "grade": "ECONOMY"},
                {"poles": 3, "trip_at": 30, "frame_af": 50, "qty": 1, "model": "007", "brand": "LS"},
            ],
            "accessories": [
                {"kind": "MAGNET", "model": "MC-22", "qty": 2, "with_pbl": True, "unit_price": 45000},
                {"kind": "SPD"},
                {"kind": "METER", "model": "METER-3P", "qty": 1, "unit_price": 0},
            ],
            "extra_lines": [{"name": "명판", "spec": "각인", "unit": "식", "qty": 1.5, "unit_price": 5000}],
        },
        {"name": "LP-2", "main": {"poles": 2, "trip_at": 50}},
    ],
    "options": {"p_cover": "STEEL"},
}  # fmt: skip


# ------------------------------------------------------------------------------------------ helpers


def _sheet(rows: Iterable[dict[str, object]] = (), header: dict[str, object] | None = None) -> bytes:
    """The committed template with header cells and table rows (by column title) filled in from row 13."""
    book = openpyxl.load_workbook(TEMPLATE_PATH)
    sheet = book[SHEET_NAME]
    for label, value in (CUSTOMER if header is None else header).items():
        sheet[HEADER_CELL[label]] = value
    column_of = {cell.value: cell.column for cell in sheet[12] if cell.value}
    for number, row in enumerate(rows, start=13):
        for title, value in row.items():
            sheet.cell(number, column_of[title], value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(data: bytes) -> SheetImport:
    """Import, and check what every finding must have: a severity, both languages and a hint."""
    result = import_request_sheet(data)
    for finding in result.findings:
        assert finding.severity in ("error", "warning")
        assert " / " in finding.message and finding.hint, finding
    assert result.ok == (not any(f.severity == "error" for f in result.findings))
    return result


def _at(result: SheetImport) -> set[tuple[str, str | None]]:
    return {(finding.code, finding.cell) for finding in result.findings}


def _replace_member(xlsx: bytes, name: str, content: bytes, level: int = 6) -> bytes:
    """A copy of the workbook with one zip member replaced (as a hostile sender would craft it)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target,
    ):
        for item in source.infolist():
            target.writestr(item.filename, content if item.filename == name else source.read(item.filename))
    return out.getvalue()


def _sheet_xml(rows: Iterable[str], doctype: str = "", dimension: str | None = "A1") -> bytes:
    """Worksheet XML; every spreadsheet program writes a <dimension>, hostile senders need not."""
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{declared}<sheetData>{''.join(rows)}</sheetData></worksheet>"
    ).encode()


def _text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _template_rows() -> list[str]:
    """Rows 3-12 of the template (labels and column titles) as sheet XML."""
    labels = [
        f'<row r="{3 + i}">{_text_cell(f"A{3 + i}", label)}</row>' for i, label in enumerate(HEADER_CELL)
    ]
    titles = [
        cell.value
        for cell in openpyxl.load_workbook(TEMPLATE_PATH, read_only=True)[SHEET_NAME][12]
        if cell.value
    ]
    letters = [openpyxl.utils.get_column_letter(i + 1) for i in range(len(titles))]
    return [
        *labels,
        '<row r="12">'
        + "".join(_text_cell(f"{c}12", t) for c, t in zip(letters, titles, strict=True))
        + "</row>",
    ]


def _branch_row(number: int) -> str:
    return (
        f'<row r="{number}">{_text_cell(f"A{number}", "LP-1")}{_text_cell(f"C{number}", "분기")}'
        f'<c r="E{number}"><v>2</v></c><c r="F{number}"><v>20</v></c><c r="K{number}"><v>1</v></c></row>'
    )


def _timed(run: Callable[[], SheetImport]) -> tuple[SheetImport, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


# --------------------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_every_example_comes_back_from_its_sheet(path: Path) -> None:
    example = json.loads(path.read_text(encoding="utf-8"))
    result = _import(export_request_sheet(example))
    assert result.findings == ()
    assert result.request == normalize_request(example)


def test_every_request_field_survives_the_round_trip() -> None:
    result = _import(export_request_sheet(EVERY_FIELD))
    assert result.findings == ()
    assert result.request == normalize_request(EVERY_FIELD)
    assert result.request["project"].startswith("=HYPERLINK")
    assert result.request["panels"][0]["branches"][1]["model"] == "007"


@requires_tool(soffice_path() is not None, "LibreOffice")
def test_a_sheet_saved_again_by_a_real_spreadsheet_program_still_imports() -> None:
    resaved = recalculate(export_request_sheet(EVERY_FIELD))
    result = _import(resaved)
    assert result.findings == ()
    assert result.request == normalize_request(EVERY_FIELD)


def test_a_large_legitimate_sheet_at_the_row_limit_round_trips_quickly() -> None:
    panels = [
        {"name": f"LP-{n}", "main": {"poles": 3, "trip_at": 100}, "branches": [{"poles": 2, "trip_at": 20, "qty": 1, "circuit": f"회로 {b}"} for b in range(4)]}
        for n in range(MAX_DATA_ROWS // 5)
    ]  # fmt: skip
    request = {"customer": {"name": "한빛전기"}, "brand": "LS", "panels": panels}
    result, seconds = _timed(lambda: _import(export_request_sheet(request)))
    assert result.request == normalize_request(request)
    assert seconds < FAST


def test_control_characters_in_text_survive_the_round_trip() -> None:
    request = {
        "customer": {"name": "A\x01B\tC"},
        "brand": "LS",
        "panels": [{"name": "LP\x0b1", "main": {"poles": 2, "trip_at": 20}}],
    }
    assert _import(export_request_sheet(request)).request == normalize_request(request)


def test_export_refuses_two_panels_with_one_name() -> None:
    request = {
        "customer": {"name": "a"},
        "brand": "LS",
        "panels": [{"name": "LP", "main": {"poles": 2, "trip_at": 20}}] * 2,
    }
    with pytest.raises(RequestRejected) as caught:
        export_request_sheet(request)
    assert [(p.code, p.path) for p in caught.value.problems] == [
        ("SHEET_PANEL_NAME_REPEATED", "panels.1.name")
    ]


# ----------------------------------------------------------------------------------------- template


def test_the_committed_template_is_what_the_code_writes() -> None:
    # Regenerate with `python -m kis_estimator.documents.request_sheet` when this fails.
    assert write_template() == write_template()
    assert TEMPLATE_PATH.read_bytes() == write_template()


def test_the_blank_template_imports_as_an_empty_request_with_one_clear_finding() -> None:
    result = _import(TEMPLATE_PATH.read_bytes())
    assert result.request is None
    assert _at(result) == {("SHEET_EMPTY", "견적요청!B3")}
    assert "빈 양식" in result.findings[0].message


def test_the_template_offers_dropdowns_and_a_guide() -> None:
    book = openpyxl.load_workbook(TEMPLATE_PATH)
    assert book.sheetnames == [SHEET_NAME, GUIDE_SHEET_NAME]
    lists = {
        str(v.sqref): v.formula1 for v in book[SHEET_NAME].data_validations.dataValidation if v.type == "list"
    }
    assert lists["C13:C2012"] == '"메인,분기,부속,추가"'
    assert lists["S13:S2012"] == '"옥내,옥외"'
    assert lists["T13:T2012"] == '"노출,매입,자립,전주"'
    assert lists["B8"] == '"LS,SANGDO,MIXED"'
    assert lists["B10"] == '"아크릴,철판"'
    guide = " ".join(str(v) for row in book[GUIDE_SHEET_NAME].iter_rows(values_only=True) for v in row if v)
    titles = [cell.value for cell in book[SHEET_NAME][12] if cell.value]
    assert all(title in guide for title in titles)


def test_the_docs_describe_every_column_and_finding_code() -> None:
    docs = (ROOT / "docs" / "request-sheet.md").read_text(encoding="utf-8")
    titles = [cell.value for cell in openpyxl.load_workbook(TEMPLATE_PATH)[SHEET_NAME][12] if cell.value]
    assert all(f"| {title} |" in docs for title in titles)
    assert all(f"| {code} |" in docs for code in MESSAGES)


# ----------------------------------------------------------------------------------------- findings


def test_korean_and_english_words_and_units_are_all_accepted() -> None:
    main = {
        **MAIN,
        "종류": "배선용차단기",
        "극수": "4P",
        "AT": "200A",
        "설치장소": "outdoor",
        "설치방식": "Surface",
        "재질": "sus 201",
        "외함종류": "STOCK",
        "등급": "standard",
        "두께": "1.2T",
    }
    accessory = {
        "패널명": "LP-1",
        "구분": "ACCESSORY",
        "종류": "마그네트",
        "PBL포함": "예",
        "단가": "45,000원",
    }
    result = _import(_sheet([main, {**BRANCH, "종류": "ELB"}, accessory], {**CUSTOMER, "P-COVER": "STEEL"}))
    assert result.findings == ()
    panel = result.request["panels"][0]
    assert panel["enclosure"] == {
        "location": "OUTDOOR",
        "mount": "SURFACE",
        "material": "SUS201",
        "thickness_mm": 1.2,
        "kind": "STOCK",
    }
    assert panel["main"] == {"type": "MCCB", "poles": 4, "trip_at": 200, "grade": "STANDARD"}
    assert panel["branches"][0]["type"] == "ELCB"
    assert panel["accessories"] == [{"kind": "MAGNET", "qty": 1, "with_pbl": True, "unit_price": 45000}]
    assert result.request["options"] == {"p_cover": "STEEL"}


@pytest.mark.parametrize(
    ("rows", "code", "cell"),
    [
        ([{**MAIN, "설치장소": "지하"}], "SHEET_UNKNOWN_VALUE", "견적요청!S13"),
        ([MAIN, {**BRANCH, "등급": "고급형"}], "SHEET_UNKNOWN_VALUE", "견적요청!I14"),
        ([MAIN, {**BRANCH, "AT": "이십"}], "SHEET_NOT_NUMBER", "견적요청!F14"),
        ([MAIN, {**BRANCH, "극수": 2.5}], "SHEET_NOT_INTEGER", "견적요청!E14"),
        ([MAIN, {**BRANCH, "수량": 0}], "SHEET_BAD_QUANTITY", "견적요청!K14"),
        ([MAIN, {**BRANCH, "수량": -3}], "SHEET_BAD_QUANTITY", "견적요청!K14"),
        ([{**MAIN, "패널수량": -1}], "SHEET_BAD_QUANTITY", "견적요청!B13"),
        ([MAIN, {"패널명": "LP-1", "구분": "추가", "품명": "명판", "수량": 0, "단가": 1000}], "SHEET_BAD_QUANTITY", "견적요청!K14"),
        ([MAIN, {**BRANCH, "AT": -20}], "SHEET_OUT_OF_RANGE", "견적요청!F14"),
        ([BRANCH, MAIN], "SHEET_ROW_BEFORE_MAIN", "견적요청!C13"),
        ([MAIN, {**BRANCH, "패널명": "LP-2"}], "SHEET_PANEL_WITHOUT_MAIN", "견적요청!A14"),
        ([MAIN, MAIN], "SHEET_DUPLICATE_MAIN", "견적요청!C14"),
        ([MAIN, {**BRANCH, "구분": "차단기"}], "SHEET_UNKNOWN_ROW_KIND", "견적요청!C14"),
        ([MAIN, {**BRANCH, "구분": None}], "SHEET_MISSING_VALUE", "견적요청!C14"),
        ([MAIN, {**BRANCH, "패널명": None}], "SHEET_MISSING_VALUE", "견적요청!A14"),
        ([{**MAIN, "극수": None}], "SHEET_MISSING_VALUE", "견적요청!E13"),
        ([MAIN, {"패널명": "LP-1", "구분": "부속"}], "SHEET_MISSING_VALUE", "견적요청!D14"),
        ([MAIN, {"패널명": "LP-1", "구분": "추가", "품명": "명판", "수량": 1}], "SHEET_MISSING_VALUE", "견적요청!O14"),
        ([{**MAIN, "W": 700}], "SHEET_INCOMPLETE_SIZE", "견적요청!Z13"),
        ([{**MAIN, "패널명": dt.datetime(2026, 1, 2)}], "SHEET_WRONG_TYPE", "견적요청!A13"),
        ([{**MAIN, "AT": True}], "SHEET_WRONG_TYPE", "견적요청!F13"),
        ([{**MAIN, "모델": "#N/A"}], "SHEET_WRONG_TYPE", "견적요청!H13"),
    ],
)  # fmt: skip
def test_each_mistake_is_one_error_at_its_cell(rows: list[dict[str, object]], code: str, cell: str) -> None:
    result = _import(_sheet(rows))
    assert result.request is None
    assert [(f.code, f.cell) for f in result.findings if f.severity == "error"] == [(code, cell)]


def test_a_branch_row_without_poles_at_and_quantity_names_each_cell_once() -> None:
    result = _import(_sheet([MAIN, {**BRANCH, "극수": None, "AT": None, "수량": None}]))
    assert _at(result) == {("SHEET_MISSING_VALUE", f"견적요청!{column}14") for column in "EFK"}


@pytest.mark.parametrize(
    ("header", "cell"),
    [({"브랜드": "LS"}, "견적요청!B3"), ({"고객명": "동양기전"}, "견적요청!B8")],
)
def test_missing_customer_name_or_brand_names_its_cell(header: dict[str, object], cell: str) -> None:
    result = _import(_sheet([MAIN], header))
    assert _at(result) == {("SHEET_MISSING_VALUE", cell)}


def test_an_unknown_brand_word_lists_the_accepted_ones() -> None:
    result = _import(_sheet([MAIN], {**CUSTOMER, "브랜드": "슈나이더"}))
    assert _at(result) == {("SHEET_UNKNOWN_VALUE", "견적요청!B8")}
    assert "LS, SANGDO, MIXED" in result.findings[0].hint


@pytest.mark.parametrize(
    ("rows", "header", "code", "cell"),
    [
        ([MAIN, {**BRANCH, "모델": "M" * 41}], CUSTOMER, "REQ_LIMIT_EXCEEDED", "견적요청!H14"),
        ([{**MAIN, "두께": 12}], CUSTOMER, "REQ_INVALID", "견적요청!V13"),
        ([MAIN], {**CUSTOMER, "고객명": "가" * 201}, "REQ_LIMIT_EXCEEDED", "견적요청!B3"),
        ([MAIN, {"패널명": "LP-1", "구분": "추가", "품명": "케이블", "단위": "미터" * 6, "수량": 2, "단가": 100}],
         CUSTOMER, "REQ_LIMIT_EXCEEDED", "견적요청!R14"),
    ],
)  # fmt: skip
def test_request_problems_are_mapped_back_to_their_cells(
    rows: list[dict[str, object]], header: dict[str, object], code: str, cell: str
) -> None:
    result = _import(_sheet(rows, header))
    assert result.request is None
    assert _at(result) == {(code, cell)}


def test_cells_a_row_kind_does_not_use_are_warnings_and_the_request_still_comes() -> None:
    branch = {**BRANCH, "단가": 3000, "패널수량": 2}
    result = _import(_sheet([{**MAIN, "패널수량": 2, "수량": 1}, branch, {**BRANCH, "패널수량": 2}]))
    assert _at(result) == {("SHEET_IGNORED_CELL", "견적요청!O14")}
    assert result.findings[0].severity == "warning"
    assert result.request is not None and result.request["panels"][0]["quantity"] == 2


def test_a_main_breaker_quantity_other_than_one_points_to_panel_quantity() -> None:
    result = _import(_sheet([{**MAIN, "수량": 3}]))
    assert _at(result) == {("SHEET_IGNORED_CELL", "견적요청!K13")}
    assert "패널수량" in result.findings[0].hint


def test_notes_beside_the_table_are_reported_once_per_column() -> None:
    data = _sheet([MAIN, BRANCH, BRANCH])
    book = openpyxl.load_workbook(io.BytesIO(data))
    book[SHEET_NAME]["AC13"] = "메모"
    book[SHEET_NAME]["AC14"] = "메모"
    buffer = io.BytesIO()
    book.save(buffer)
    result = _import(buffer.getvalue())
    assert _at(result) == {("SHEET_IGNORED_CELL", "견적요청!AC13")}
    assert result.ok


def test_a_column_with_an_unknown_title_is_reported_once_at_its_title() -> None:
    book = openpyxl.load_workbook(io.BytesIO(_sheet([MAIN, BRANCH])))
    book[SHEET_NAME]["AB12"] = "비고"
    book[SHEET_NAME]["AB14"] = "급함"
    buffer = io.BytesIO()
    book.save(buffer)
    result = _import(buffer.getvalue())
    assert _at(result) == {("SHEET_UNKNOWN_COLUMN", "견적요청!AB12")}
    assert result.ok


def test_a_phone_number_typed_as_a_number_is_a_warning() -> None:
    result = _import(_sheet([MAIN], {**CUSTOMER, "연락처": 310000000}))
    assert _at(result) == {("SHEET_NUMBER_AS_TEXT", "견적요청!B5")}
    assert result.request is not None and result.request["customer"]["phone"] == "310000000"


def test_every_problem_in_a_sheet_is_reported_at_once() -> None:
    rows = [
        {**MAIN, "설치장소": "지하"},
        {**BRANCH, "AT": "이십"},
        {**BRANCH, "구분": "차단기"},
        {**BRANCH, "모델": "M" * 41},
    ]
    result = _import(_sheet(rows, {"브랜드": "LS"}))
    assert [(f.code, f.cell) for f in result.findings] == [
        ("SHEET_MISSING_VALUE", "견적요청!B3"),
        ("SHEET_UNKNOWN_VALUE", "견적요청!S13"),
        ("SHEET_NOT_NUMBER", "견적요청!F14"),
        ("SHEET_UNKNOWN_ROW_KIND", "견적요청!C15"),
        ("REQ_LIMIT_EXCEEDED", "견적요청!H16"),
    ]


def test_reordered_columns_still_read_by_their_titles() -> None:
    book = openpyxl.load_workbook(io.BytesIO(_sheet([MAIN, BRANCH])))
    sheet = book[SHEET_NAME]
    for row in range(12, 15):  # swap the 극수 (E) and AT (F) columns, titles and values alike
        sheet[f"E{row}"].value, sheet[f"F{row}"].value = sheet[f"F{row}"].value, sheet[f"E{row}"].value
    buffer = io.BytesIO()
    book.save(buffer)
    result = _import(buffer.getvalue())
    assert result.findings == ()
    assert result.request == _import(_sheet([MAIN, BRANCH])).request


@pytest.mark.parametrize(("cell", "value"), [("A3", "회사명"), ("F12", "정격")])
def test_a_changed_layout_names_the_label_or_title_cell(cell: str, value: str) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_sheet([MAIN])))
    book[SHEET_NAME][cell] = value
    buffer = io.BytesIO()
    book.save(buffer)
    result = _import(buffer.getvalue())
    assert ("SHEET_LAYOUT_CHANGED", f"견적요청!{cell}") in _at(result)
    assert result.request is None


def test_a_header_without_rows_asks_for_panels() -> None:
    result = _import(_sheet([]))
    assert _at(result) == {("SHEET_NO_PANELS", "견적요청!A13")}


@pytest.mark.parametrize("rename", [True, False], ids=["no request sheet", "empty request sheet"])
def test_a_workbook_that_is_not_the_template_is_one_finding(rename: bool) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Sheet1" if rename else SHEET_NAME
    buffer = io.BytesIO()
    book.save(buffer)
    result = _import(buffer.getvalue())
    assert _at(result) == {("SHEET_NOT_TEMPLATE", None)}


# ------------------------------------------------------------------------------------ hostile input


def _not_a_zip() -> list[tuple[str, bytes]]:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return [
        ("random bytes", random.Random(7).randbytes(4096)),
        ("text file", "고객명,브랜드\n동양기전,LS\n".encode()),
        ("pdf", pdf),
        ("empty", b""),
        ("legacy xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
        ("truncated xlsx", TEMPLATE_PATH.read_bytes()[:3000]),
    ]


def _zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>"
)


def _broken_workbooks() -> list[tuple[str, bytes]]:
    template = TEMPLATE_PATH.read_bytes()
    return [
        ("zip of text", _zip_of({"readme.txt": b"hello"})),
        ("garbage sheet xml", _replace_member(template, SHEET_XML, b"<worksheet><sheetData><row")),
        ("billion laughs", _replace_member(template, SHEET_XML, _sheet_xml([f'<row r="3">{_text_cell("A3", "&lol9;")}</row>'], BILLION_LAUGHS))),
        ("no workbook part", _zip_of({"[Content_Types].xml": b"<Types/>"})),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "data"), _not_a_zip() + _broken_workbooks(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_anything_but_a_workbook_is_one_finding_without_an_exception(name: str, data: bytes) -> None:
    result, seconds = _timed(lambda: _import(data))
    assert _at(result) == {("SHEET_NOT_XLSX", None)}, name
    assert seconds < FAST


def test_openpyxl_parses_the_xml_through_defusedxml() -> None:
    # The billion-laughs case above relies on it: defusedxml must stay installed (pin it).
    assert openpyxl.DEFUSEDXML is True


def test_a_zip_bomb_is_refused_before_decompression() -> None:
    bomb_xml = _sheet_xml([" " * (60 * 1024 * 1024)])
    bomb = _replace_member(TEMPLATE_PATH.read_bytes(), SHEET_XML, bomb_xml, level=9)
    assert len(bomb) < MAX_UPLOAD_BYTES
    tracemalloc.start()
    result, seconds = _timed(lambda: _import(bomb))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert _at(result) == {("SHEET_TOO_LARGE", None)}
    assert peak < 5 * 1024 * 1024  # nothing near the 60 MB was ever decompressed
    assert seconds < FAST


def test_a_member_compressed_beyond_the_ratio_limit_is_refused() -> None:
    dense = _replace_member(
        TEMPLATE_PATH.read_bytes(), SHEET_XML, _sheet_xml([" " * (20 * 1024 * 1024)]), level=9
    )
    result = _import(dense)
    assert _at(result) == {("SHEET_TOO_LARGE", None)}
    assert "압축률" in result.findings[0].message


def test_a_member_openpyxl_would_load_whole_is_capped() -> None:
    quarter = ["A", "C", "G", "T"]
    alphabet = ["".join(quarter[(byte >> shift) & 3] for shift in (0, 2, 4, 6)) for byte in range(256)]
    strings = "".join(alphabet[byte] for byte in random.Random(3).randbytes(3 * 1024 * 1024))  # 12 MB, ~4:1
    data = _replace_member(
        TEMPLATE_PATH.read_bytes(), "xl/sharedStrings.xml", f"<sst><si><t>{strings}</t></si></sst>".encode()
    )
    assert len(data) < MAX_UPLOAD_BYTES
    result = _import(data)
    assert _at(result) == {("SHEET_TOO_LARGE", None)}
    assert "parse whole" in result.findings[0].message


def test_an_upload_over_the_size_limit_is_refused_unread() -> None:
    result = _import(b"PK\x03\x04" + bytes(MAX_UPLOAD_BYTES))
    assert _at(result) == {("SHEET_TOO_LARGE", None)}


def test_an_archive_of_many_members_is_refused() -> None:
    members = {"[Content_Types].xml": b"<Types/>", **{f"x/{n}.xml": b"" for n in range(1_001)}}
    assert _at(_import(_zip_of(members))) == {("SHEET_TOO_LARGE", None)}


def _hundred_thousand_rows(dimension: str | None = "A1:AA100012") -> bytes:
    rows = _template_rows() + [_branch_row(number) for number in range(13, 13 + 100_000)]
    return _replace_member(
        TEMPLATE_PATH.read_bytes(), SHEET_XML, _sheet_xml(rows, dimension=dimension), level=1
    )


def test_a_sheet_of_100000_rows_is_refused_quickly_at_the_first_row_over_the_limit() -> None:
    data = _hundred_thousand_rows()
    assert len(data) < MAX_UPLOAD_BYTES
    result, seconds = _timed(lambda: _import(data))
    assert _at(result) == {("SHEET_TOO_MANY_ROWS", f"견적요청!A{13 + MAX_DATA_ROWS}")}
    assert seconds < FAST


def test_a_sheet_of_100000_rows_is_refused_in_bounded_memory() -> None:
    data = _hundred_thousand_rows()
    tracemalloc.start()
    result = _import(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert _at(result) == {("SHEET_TOO_MANY_ROWS", f"견적요청!A{13 + MAX_DATA_ROWS}")}
    assert peak < 100 * 1024 * 1024


def test_a_big_sheet_without_a_dimension_is_refused_before_openpyxl_scans_it() -> None:
    # openpyxl's read-only loader would parse all 100,000 rows looking for the missing <dimension>.
    data = _hundred_thousand_rows(dimension=None)
    result, seconds = _timed(lambda: _import(data))
    assert _at(result) == {("SHEET_TOO_LARGE", None)}
    assert seconds < FAST


def test_rows_numbered_far_beyond_excel_are_read_quickly() -> None:
    rows = [*_template_rows(), *[_branch_row(n) for n in (13, 1_048_576)], _branch_row(99_999_999_999)]
    data = _replace_member(TEMPLATE_PATH.read_bytes(), SHEET_XML, _sheet_xml(rows))
    result, seconds = _timed(lambda: _import(data))
    assert seconds < FAST
    assert ("SHEET_PANEL_WITHOUT_MAIN", "견적요청!A13") in _at(result)


# ------------------------------------------------------------------------------------------ for the CLI


def test_import_to_json_reads_a_file(tmp_path: Path) -> None:
    example = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    sheet = tmp_path / "request.xlsx"
    sheet.write_bytes(export_request_sheet(example))
    assert import_to_json(sheet) == (normalize_request(example), [])


def test_import_to_json_refuses_an_oversized_file_without_reading_it(tmp_path: Path) -> None:
    sheet = tmp_path / "huge.xlsx"
    with sheet.open("wb") as handle:
        handle.truncate(MAX_UPLOAD_BYTES + 1)  # sparse: nothing is written or read
    request, findings = import_to_json(sheet)
    assert request is None
    assert [(f["code"], f["severity"], f["cell"]) for f in findings] == [("SHEET_TOO_LARGE", "error", None)]
