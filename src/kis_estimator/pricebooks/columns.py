"""A price book's columns (COLUMNS, per kind, in the shop's order) and the typing of one cell into its
catalog value (`typed_cell`, raising CellError with a problem code); the CSV's neutralisation against
formula injection (`escaped`, `unescaped`) and the check of a book's label."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

from kis_estimator.documents.spreadsheet import is_blank, number_from_text, within_bounds
from kis_estimator.engine.catalog import ACCESSORY_KINDS, BRANDS, BREAKER_TYPES, GRADES, LOCATIONS, MATERIALS
from kis_estimator.pricebooks.problems import Problem, make_problem

# ------------------------------------------------------------------------------------------- columns


ColumnType = Literal["text", "enum", "int", "decimal", "money_range", "decimal_range", "ratings", "flag"]


@dataclass(frozen=True)
class Column:
    """One catalog column: its header name, how its cells are typed, whether a value is required."""

    name: str
    type: ColumnType
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int = 200


_DIMENSIONS: Final = tuple(Column(name, "int", required=False) for name in ("w_mm", "h_mm", "d_mm"))
# The shop's CSV columns, in their order (the JSON data files keep it too).
COLUMNS: Final[dict[str, tuple[Column, ...]]] = {
    "breakers": (
        Column("brand", "enum", choices=BRANDS),
        Column("type", "enum", choices=BREAKER_TYPES),
        Column("series", "text"),
        Column("model", "text", max_length=60),  # catalog_items.model is VARCHAR(60)
        Column("grade", "enum", choices=GRADES),
        Column("poles", "int"),
        Column("frame_af", "int"),
        Column("compact", "flag"),
        *_DIMENSIONS,
        Column("trip_ratings_a", "ratings"),
        Column("price_krw", "money_range", required=False),
        Column("icu_ka", "decimal_range", required=False),
    ),
    "enclosures": (
        Column("series", "text"),
        Column("model", "text", max_length=60),
        Column("material", "enum", choices=MATERIALS),
        Column("thickness_mm", "decimal"),
        Column("location", "enum", choices=LOCATIONS),
        *(Column(d.name, "int") for d in _DIMENSIONS),
        Column("price_krw", "int"),
    ),
    "accessories": (
        Column("kind", "enum", choices=ACCESSORY_KINDS),
        Column("model", "text", max_length=60),
        Column("line_name", "text"),
        Column("spec", "text"),
        Column("unit", "text", max_length=10),
        Column("price_krw", "int", required=False),
        *_DIMENSIONS,
        Column("note", "text", required=False, max_length=1_000),
    ),
}


# ------------------------------------------------------------------------------------- typing cells


class CellError(Exception):
    """A cell that cannot become a catalog value: a _MESSAGES code and its parameters."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code, self.params = code, params


_FLAGS: Final = {"1": True, "TRUE": True, "Y": True, "0": False, "FALSE": False, "N": False}
_NOT_VALUES: Final = (
    bool,
    dt.date,
    dt.time,
    dt.timedelta,
)  # booleans, and dates: Excel turns "1-2" into a date


# Bidirectional embeddings, overrides and isolates: invisible, they make "ABN-204" display as "402-NBA"
# or hide a part of a name. Never part of a catalog text or a label.
_BIDI_CONTROLS: Final = re.compile("[\u202a-\u202e\u2066-\u2069]")


def label_problem(label: str) -> Problem | None:
    """Why `label` cannot name a price book (None when it can): bidi controls, as for every text cell."""
    return make_problem("LABEL_BIDI_CONTROL") if _BIDI_CONTROLS.search(label) else None


# CSV formula injection: a spreadsheet opening a CSV runs a cell that starts with one of these as a
# formula (=HYPERLINK(…) becomes a live link). The export writes such a text cell, or one already
# starting with the apostrophe, behind a leading apostrophe (the usual neutralisation), and the CSV
# reader takes that one apostrophe off again, so export → import gives back the same text. Numeric
# columns are written as the numbers they are (never with an apostrophe): a negative number stays a
# number. An XLSX export needs none of this: its cells are typed, text is never a formula.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_TEXT_MARK: Final = "'"


def escaped(text: str) -> str:
    """A text cell as the CSV export writes it: behind an apostrophe when a spreadsheet could run it."""
    return _TEXT_MARK + text if text.startswith((*_FORMULA_STARTS, _TEXT_MARK)) else text


def unescaped(text: str) -> str:
    """The inverse of escaped for a cell read back: one leading apostrophe before what it protects."""
    if text.startswith(_TEXT_MARK) and text[1:].startswith((*_FORMULA_STARTS, _TEXT_MARK)):
        return text[1:]
    return text


def _number(value: object) -> float:
    """A finite number from a numeric cell or from text such as "45,000"."""
    if isinstance(value, _NOT_VALUES):
        raise CellError("VALUE_WRONG_TYPE")
    if isinstance(value, int | float):
        number = float(value)
    else:
        read = number_from_text(str(value).strip())
        if read is None:
            raise CellError("VALUE_NOT_NUMBER")
        number = read
    if not within_bounds(number):
        raise CellError("VALUE_TOO_LARGE")
    return number


def _positive(value: object) -> float:
    number = _number(value)
    if number <= 0:
        raise CellError("VALUE_NOT_POSITIVE")
    return number


def _whole(value: object) -> int:
    number = _positive(value)
    if not number.is_integer():
        raise CellError("VALUE_NOT_INTEGER")
    return int(number)


def money_value(number: float) -> int | float:
    # Whole won are ints whatever the file wrote ("3300", 3300.0 from a sheet), as in the data files.
    return int(number) if number.is_integer() else number


def _text(value: object, column: Column) -> str:
    if isinstance(value, _NOT_VALUES):
        raise CellError("VALUE_WRONG_TYPE")
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a model typed as a number in Excel, shown as the shop typed it
    text = str(value).strip()
    if len(text) > column.max_length:
        raise CellError("VALUE_TOO_LONG", limit=column.max_length)
    if _BIDI_CONTROLS.search(text):
        raise CellError("VALUE_BIDI_CONTROL")
    return text


def _enum(value: object, column: Column) -> str:
    # Case and spacing do not matter to the shop: "sus 201" is SUS201.
    word = "".join(_text(value, column).split()).upper()
    if word not in column.choices:
        raise CellError("VALUE_UNKNOWN", choices=", ".join(column.choices))
    return word


def _range(value: object, *, money: bool) -> int | float | list[int | float]:
    """`a` or `a|b` with 0 < a ≤ b; a range of one value is that value (as the engine reads it)."""
    parts = value.split("|") if isinstance(value, str) else [value]
    if len(parts) > 2 or any(is_blank(part) for part in parts):
        raise CellError("RANGE_INVALID")
    numbers = [_positive(part) for part in parts]
    if numbers[0] > numbers[-1]:
        raise CellError("RANGE_REVERSED")
    typed = [money_value(n) if money else n for n in numbers]
    return typed[0] if numbers[0] == numbers[-1] else typed


def _ratings(value: object) -> list[int]:
    parts = value.split("|") if isinstance(value, str) else [value]
    if any(is_blank(part) for part in parts):
        raise CellError("RANGE_INVALID")
    return [_whole(part) for part in parts]


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = _text(value, Column("compact", "flag")).upper()
    if word not in _FLAGS:
        raise CellError("VALUE_UNKNOWN", choices="1, 0")
    return _FLAGS[word]


def typed_cell(value: object, column: Column) -> Any:
    """The cell's catalog value (None when blank); raises CellError."""
    if is_blank(value):
        if column.required:
            raise CellError("VALUE_MISSING")
        return None
    if column.type == "text":
        return _text(value, column)
    if column.type == "enum":
        return _enum(value, column)
    if column.type == "int":
        return _whole(value)
    if column.type == "decimal":
        return _positive(value)
    if column.type in ("money_range", "decimal_range"):
        return _range(value, money=column.type == "money_range")
    if column.type == "ratings":
        return _ratings(value)
    return _flag(value)
