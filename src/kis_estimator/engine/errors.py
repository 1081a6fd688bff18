"""The engine's error tree.

    EngineError
     ├── RequestRejected      one or more input gates failed (DOMAIN §2); carries every RequestProblem
     └── DataError            the catalog or rulebook data is invalid; carries every DataProblem

A RequestProblem is a value, not an exception: the gates collect them and the engine raises one
RequestRejected holding all of them, so the caller can show every problem at once. A DataProblem is
the same for data: a stable code, where (source, row, field) and why, so that a caller (the price-book
reader) places and translates it without parsing the English message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from dataclasses import field as _dataclass_field
from typing import Any


@dataclass(frozen=True)
class RequestProblem:
    """One failed input gate: a stable code, Korean and English messages, the field path and a hint."""

    code: str
    message_ko: str
    message_en: str
    path: str
    hint: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return f"{self.message_ko} / {self.message_en}"

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "path": self.path, "hint": self.hint}


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


class RequestRejected(EngineError):
    """The request failed one or more input gates; `problems` holds all of them, first one first."""

    def __init__(self, problems: list[RequestProblem]) -> None:
        if not problems:
            raise ValueError("RequestRejected needs at least one problem")
        self.problems = problems
        first = problems[0]
        super().__init__(f"{first.code} at {first.path}: {first.message_en}")

    @property
    def first(self) -> RequestProblem:
        return self.problems[0]


@dataclass(frozen=True)
class DataProblem:
    """One invalid datum: a stable code, the English `message`, and where it is: `source` (a catalog
    kind such as "breakers"; None when the DataError's source says it all), `row` (1-based, None for
    the source as a whole) and `field` (a column, or a dotted rulebook path). `params` holds the values
    a translation needs (`choices`, `minimum`). str() is the place, then the message:
    "breakers row 3, field 'poles': must be 2, 3 or 4, got 5", "field vat_rate: …"."""

    code: str
    message: str
    source: str | None = None
    row: int | None = None
    field: str | None = None
    params: dict[str, str] = _dataclass_field(default_factory=dict)

    def __str__(self) -> str:
        where = self.source or ""
        if self.row is not None:
            where = f"{where} row {self.row}"
        if self.field is not None:
            where = f"{where}, field {self.field!r}" if self.row is not None else f"field {self.field}"
        return f"{where}: {self.message}" if where else self.message


class DataError(EngineError):
    """Catalog or rulebook data failed validation; `problems` names each by source, row and field."""

    def __init__(self, source: str, problems: Iterable[DataProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("DataError needs at least one problem")
        shown = "; ".join(str(problem) for problem in self.problems[:5])
        more = f" (+{len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{source}: {shown}{more}")
