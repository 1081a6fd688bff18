"""The request sheet's columns: the vocabularies customers may write (Korean or English words), the
converters between a cell and a request value, the table's columns, the fields of each row kind and the
header block."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from openpyxl.utils.escape import unescape

from kis_estimator.documents.request_sheet.messages import EXCEL_ERRORS, Rendered
from kis_estimator.documents.spreadsheet import (
    LARGEST_NUMBER,
    number_from_text,
    within_bounds,
)


def word_key(word: str) -> str:
    """Case and spacing do not matter to customers: "sus 304" is "SUS304"."""
    return "".join(word.split()).upper()


class _Vocabulary:
    """The accepted words of one enum, from "INDOOR=옥내 실내; OUTDOOR=옥외 실외": each canonical value
    (always accepted itself) and its words, the first of which is the one the template writes."""

    def __init__(self, title_en: str, spec: str) -> None:
        self.title_en = title_en
        entries = [entry.split("=") for entry in spec.split(";")]
        self.words = {canonical.strip(): words.split() for canonical, words in entries}
        self._lookup = {word_key(w): c for c, words in self.words.items() for w in (*words, c)}

    def lookup(self, word: str) -> str | None:
        return self._lookup.get(word_key(word))

    def display(self, canonical: str) -> str:
        return self.words[canonical][0]

    def choices(self) -> list[str]:
        return [words[0] for words in self.words.values()]


ROW_KIND = _Vocabulary(
    "row kind",
    "MAIN=메인 메인차단기 주차단기; BRANCH=분기 분기차단기; ACCESSORY=부속 부속자재; EXTRA=추가 추가자재 기타",
)
_BREAKER_TYPE = _Vocabulary("breaker type", "MCCB=MCCB 배선용차단기 배선용; ELCB=ELCB ELB 누전차단기 누전")
_ACCESSORY_KIND = _Vocabulary(
    "accessory kind",
    "MAGNET=MAGNET 마그네트 전자접촉기 MC; TIMER=TIMER 타이머; PBL=PBL 푸시버튼; SPD=SPD 서지보호기; "
    "METER=METER 계량기 전력량계 미터; PART=PART 부품",
)
_BRAND = _Vocabulary("brand", "LS=LS 엘에스 LS산전 LS일렉트릭; SANGDO=SANGDO 상도; MIXED=MIXED 혼용")
_BREAKER_BRAND = _Vocabulary("breaker brand", "LS=LS 엘에스 LS산전 LS일렉트릭; SANGDO=SANGDO 상도")
_GRADE = _Vocabulary("grade", "ECONOMY=경제형; STANDARD=표준형")
_P_COVER = _Vocabulary("P-COVER", "ACRYLIC=아크릴; STEEL=철판")
_LOCATION = _Vocabulary("location", "INDOOR=옥내 실내; OUTDOOR=옥외 실외")
_MOUNT = _Vocabulary(
    "mount", "SURFACE=노출 노출형; FLUSH=매입 매입형; FREESTANDING=자립 자립형; POLE=전주 전주부착 전주형"
)
_MATERIAL = _Vocabulary("material", "STEEL=STEEL 스틸 철; SUS201=SUS201; SUS304=SUS304")
_ENCLOSURE_KIND = _Vocabulary("enclosure kind", "STOCK=기성 기성함; CUSTOM=주문 주문제작")
_FLAG = _Vocabulary("yes/no", "Y=Y YES 예 O TRUE 포함 1; N=N NO 아니오 X FALSE 미포함 0")


class CellProblem(Exception):
    """A cell value that cannot become a request value: a MESSAGES code and its parameters."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def _screen(value: object) -> object:
    """Refuse what no column accepts: dates (Excel turns "1-2" into a date) and formula errors."""
    if isinstance(value, dt.date | dt.time | dt.timedelta | bool) or (
        isinstance(value, str) and value.strip() in EXCEL_ERRORS
    ):
        raise CellProblem("SHEET_WRONG_TYPE")
    return value


class Converter:
    """Turns a non-blank cell value into a request value (`parse`, raising CellProblem) and back."""

    def parse(self, value: object) -> Any:
        raise NotImplementedError

    def render(self, value: Any) -> Rendered:
        raise NotImplementedError


class _Text(Converter):
    def parse(self, value: object) -> str:
        value = _screen(value)
        if isinstance(value, int | float):  # a number typed into a text column, as the customer saw it
            return str(int(value)) if float(value).is_integer() else str(value)
        # Control characters are stored as _xHHHH_ (OOXML); the read-only reader leaves them escaped.
        text: str = unescape(str(value))
        return text.strip()

    def render(self, value: Any) -> Rendered:
        return str(value)


class Choice(Converter):
    def __init__(self, vocabulary: _Vocabulary) -> None:
        self.vocabulary = vocabulary

    def parse(self, value: object) -> str:
        canonical = self.vocabulary.lookup(_Text().parse(value))
        if canonical is None:
            choices, choices_en = ", ".join(self.vocabulary.choices()), ", ".join(self.vocabulary.words)
            raise CellProblem("SHEET_UNKNOWN_VALUE", choices=choices, choices_en=choices_en)
        return canonical

    def render(self, value: Any) -> Rendered:
        return self.vocabulary.display(value)


class _Flag(Converter):
    def parse(self, value: object) -> bool:
        return value if isinstance(value, bool) else Choice(_FLAG).parse(value) == "Y"

    def render(self, value: Any) -> Rendered:
        return "Y" if value else "N"


_SIGNS: Final[
    dict[str, tuple[Callable[[float], bool], str, str, str]]
] = {  # sign rule: (accepts, finding code, bound in Korean, bound in English)
    "quantity": (lambda n: n > 0, "SHEET_BAD_QUANTITY", "", ""),
    "positive": (lambda n: n > 0, "SHEET_OUT_OF_RANGE", "0보다 큰", "greater than 0"),
    "non-negative": (lambda n: n >= 0, "SHEET_OUT_OF_RANGE", "0 이상인", "0 or more"),
}


class _Number(Converter):
    """A number, optionally followed by the column's unit ("4P", "200A", "45,000원")."""

    def __init__(self, sign: str, units: str = "", *, integer: bool = True) -> None:
        self.sign, self.integer = sign, integer
        self.units = sorted((word_key(unit) for unit in units.split()), key=len, reverse=True)

    def parse(self, value: object) -> int | float:
        number = self._read(_screen(value))
        if not within_bounds(number):
            raise CellProblem(
                "SHEET_OUT_OF_RANGE", bound_ko=f"{LARGEST_NUMBER:,.0f} 이하인", bound_en="smaller"
            )
        if self.integer and not number.is_integer():
            raise CellProblem("SHEET_NOT_INTEGER")
        accepts, code, bound_ko, bound_en = _SIGNS[self.sign]
        if not accepts(number):
            raise CellProblem(code, bound_ko=bound_ko, bound_en=bound_en)
        return int(number) if self.integer else number

    def _read(self, value: object) -> float:
        if isinstance(value, int | float):
            return float(value)
        text = word_key(str(value))
        unit = next((unit for unit in self.units if text.endswith(unit)), "")
        text = text[: len(text) - len(unit)]
        number = number_from_text(text)
        if number is None:
            raise CellProblem("SHEET_NOT_NUMBER")
        return number

    def render(self, value: Any) -> Rendered:
        return int(value) if self.integer or float(value).is_integer() else float(value)


TEXT = _Text()
COUNT = _Number("quantity", "EA 개 면")


@dataclass(frozen=True)
class _Column:
    """A table column: key, header title (the reader finds columns by title), width and guide text."""

    key: str
    label: str
    label_en: str
    width: int
    text: bool  # formatted as text, so Excel keeps "1-2" and leading zeros as typed
    used_by: str
    allowed: str
    example: str


# key | title | English | width | T = text column | rows that use it | allowed values | example
_COLUMN_TABLE: Final = """
panel          | 패널명       | Panel          | 14 | T | 모든 줄 (필수)               | 자유 입력, 200자 이내. 같은 패널명의 줄이 한 패널이 됩니다                    | LP-1
panel_qty      | 패널수량     | Panel qty      |  8 |   | 메인                         | 같은 패널의 세트 수, 1 이상 정수 (빈칸 = 1)                                  | 1
row_kind       | 구분         | Row            |  7 |   | 모든 줄 (필수)               | 메인 / 분기 / 부속 / 추가                                                    | 메인
type           | 종류         | Type           | 10 |   | 메인·분기, 부속 (필수)       | 메인·분기: MCCB / ELCB (빈칸 = MCCB). 부속: MAGNET / TIMER / PBL / SPD / METER / PART | ELCB
poles          | 극수         | Poles          |  6 |   | 메인·분기 (필수)             | 2 / 3 / 4 ("4P"도 됨)                                                        | 4
trip_at        | AT           | AT             |  7 |   | 메인·분기 (필수)             | 정격전류 A, 정수 ("200A"도 됨)                                               | 200
frame_af       | AF           | AF             |  7 |   | 메인·분기                    | 프레임 A, 정수 (빈칸 = 자동 선정)                                            | 225
model          | 모델         | Model          | 16 | T | 메인·분기·부속               | 카탈로그 모델명, 40자 이내 (빈칸 = 자동 선정)                                | ABN-204
grade          | 등급         | Grade          |  8 |   | 메인·분기                    | 경제형 / 표준형 (빈칸 = 경제형 우선)                                         | 경제형
breaker_brand  | 차단기브랜드 | Breaker brand  | 11 |   | 메인·분기                    | LS / SANGDO (브랜드가 MIXED이고 모델을 안 쓸 때 필요)                        | LS
qty            | 수량         | Qty            |  7 |   | 분기 (필수), 부속, 추가 (필수) | 0보다 큰 수. 분기·부속은 정수, 추가는 소수도 됨. 부속 빈칸 = 1              | 12
load_a         | 부하(A)      | Load (A)       |  8 |   | 분기                         | 설계 부하 전류 A, 0 이상 (빈칸 = AT로 계산)                                  | 12.5
circuit        | 회로명       | Circuit        | 16 | T | 분기                         | 자유 입력, 200자 이내                                                        | 전등/전열
with_pbl       | PBL포함      | With PBL       |  8 |   | 부속                         | Y / N (빈칸 = N), MAGNET에만                                                 | Y
unit_price     | 단가         | Unit price     | 11 |   | 부속, 추가 (필수)            | 원, 0 이상 정수. 부속은 카탈로그 단가 대신 씀                                | 45000
item           | 품명         | Item           | 14 | T | 추가 (필수)                  | 자유 입력, 200자 이내                                                        | 명판
spec           | 규격         | Spec           | 12 | T | 추가                         | 자유 입력                                                                    | 각인
unit           | 단위         | Unit           |  6 | T | 추가                         | EA / 식 / M / kg 등 10자 이내 (빈칸 = EA)                                    | EA
location       | 설치장소     | Location       |  9 |   | 메인                         | 옥내 / 옥외 (빈칸 = 옥내)                                                    | 옥외
mount          | 설치방식     | Mount          |  9 |   | 메인                         | 노출 / 매입 / 자립 / 전주 (빈칸 = 노출)                                      | 노출
material       | 재질         | Material       |  9 |   | 메인                         | STEEL / SUS201 / SUS304 (빈칸 = STEEL)                                       | SUS201
thickness      | 두께         | Thickness      |  7 |   | 메인                         | mm, 0 초과 10 이하 (빈칸 = 재질 기본값)                                      | 1.2
enclosure_kind | 외함종류     | Enclosure kind |  9 |   | 메인                         | 기성 / 주문 (빈칸 = 기성)                                                    | 기성
series         | 시리즈       | Series         |  9 | T | 메인                         | 외함 시리즈 (빈칸 = 자동 선정)                                               | SC
width          | W            | W              |  7 |   | 메인                         | 외함 폭 mm, 정수. W·H·D는 셋 다 쓰거나 모두 비움                             | 700
height         | H            | H              |  7 |   | 메인                         | 외함 높이 mm, 정수                                                           | 1200
depth          | D            | D              |  7 |   | 메인                         | 외함 깊이 mm, 정수                                                           | 200
"""
COLUMNS: Final = tuple(
    _Column(key, label, label_en, int(width), text == "T", used_by, allowed, example)
    for key, label, label_en, width, text, used_by, allowed, example in (
        [part.strip() for part in line.split("|")] for line in _COLUMN_TABLE.strip().splitlines()
    )
)
COLUMN: Final = {column.key: column for column in COLUMNS}
TEMPLATE_INDEX: Final = {column.key: index for index, column in enumerate(COLUMNS)}
DROPDOWNS: Final = {
    "row_kind": ROW_KIND.choices(),
    "type": [*_BREAKER_TYPE.choices(), *_ACCESSORY_KIND.choices()],
    "poles": ["2", "3", "4"],
    "grade": _GRADE.choices(),
    "breaker_brand": _BREAKER_BRAND.choices(),
    "with_pbl": ["Y", "N"],
    "location": _LOCATION.choices(),
    "mount": _MOUNT.choices(),
    "material": _MATERIAL.choices(),
    "enclosure_kind": _ENCLOSURE_KIND.choices(),
}


@dataclass(frozen=True)
class Field:
    """One request field read from one column of a row."""

    column: str
    name: str
    converter: Converter
    required: bool = False


BREAKER_FIELDS: Final = (
    Field("type", "type", Choice(_BREAKER_TYPE)),
    Field("poles", "poles", _Number("positive", "P 극"), required=True),
    Field("trip_at", "trip_at", _Number("positive", "AT A"), required=True),
    Field("frame_af", "frame_af", _Number("positive", "AF")),
    Field("model", "model", TEXT),
    Field("grade", "grade", Choice(_GRADE)),
    Field("breaker_brand", "brand", Choice(_BREAKER_BRAND)),
)
_PRICE: Final = _Number("non-negative", "원 KRW")
LINE_FIELDS: Final = {
    "BRANCH": (
        *BREAKER_FIELDS,
        Field("qty", "qty", COUNT, required=True),
        Field("load_a", "load_a", _Number("non-negative", "A", integer=False)),
        Field("circuit", "circuit", TEXT),
    ),
    "ACCESSORY": (
        Field("type", "kind", Choice(_ACCESSORY_KIND), required=True),
        Field("model", "model", TEXT),
        Field("qty", "qty", COUNT),
        Field("with_pbl", "with_pbl", _Flag()),
        Field("unit_price", "unit_price", _PRICE),
    ),
    "EXTRA": (
        Field("item", "name", TEXT, required=True),
        Field("spec", "spec", TEXT),
        Field("unit", "unit", TEXT),
        Field("qty", "qty", _Number("quantity", "EA 개", integer=False), required=True),
        Field("unit_price", "unit_price", _PRICE, required=True),
    ),
}
LIST_OF_KIND: Final = {"BRANCH": "branches", "ACCESSORY": "accessories", "EXTRA": "extra_lines"}
PANEL_QTY_FIELD: Final = Field("panel_qty", "quantity", COUNT)
ENCLOSURE_FIELDS: Final = (
    Field("location", "location", Choice(_LOCATION)),
    Field("mount", "mount", Choice(_MOUNT)),
    Field("material", "material", Choice(_MATERIAL)),
    Field("thickness", "thickness_mm", _Number("positive", "T MM", integer=False)),
    Field("enclosure_kind", "kind", Choice(_ENCLOSURE_KIND)),
    Field("series", "series", TEXT),
)
SIZE_FIELDS: Final = tuple(Field(key, key, _Number("positive", "MM")) for key in ("width", "height", "depth"))
_MAIN_FIELDS: Final = (PANEL_QTY_FIELD, *BREAKER_FIELDS, *ENCLOSURE_FIELDS, *SIZE_FIELDS)
USED_COLUMNS: Final = {
    kind: frozenset({"panel", "row_kind", *(spec.column for spec in fields)})
    for kind, fields in {"MAIN": _MAIN_FIELDS, **LINE_FIELDS}.items()
}


@dataclass(frozen=True)
class _HeaderField:
    """A fixed label/value pair of the header block: label in column A, value in B (merged B:F)."""

    row: int
    label: str
    label_en: str
    path: str
    converter: Converter
    note: str
    required: bool = False


HEADER_FIELDS: Final = (
    _HeaderField(3, "고객명", "Customer", "customer.name", TEXT, "필수. 회사 또는 고객 이름", required=True),
    _HeaderField(4, "담당자", "Contact", "customer.contact", TEXT, "담당자 이름·직함"),
    _HeaderField(5, "연락처", "Phone", "customer.phone", TEXT, "예: 031-000-0000"),
    _HeaderField(6, "이메일", "Email", "customer.email", TEXT, "견적서를 받을 주소"),
    _HeaderField(7, "건명", "Project", "project", TEXT, "공사 또는 현장 이름"),
    _HeaderField(
        8, "브랜드", "Brand", "brand", Choice(_BRAND), "필수. LS / SANGDO / MIXED(혼용)", required=True
    ),
    _HeaderField(9, "혼용사유", "Mixing reason", "mixed_reason", TEXT, "브랜드가 MIXED일 때 필수"),
    _HeaderField(
        10, "P-COVER", "P-COVER", "options.p_cover", Choice(_P_COVER), "아크릴 / 철판 (빈칸 = 아크릴)"
    ),
)
HEADER_DROPDOWNS: Final = {"brand": _BRAND.choices(), "options.p_cover": _P_COVER.choices()}
