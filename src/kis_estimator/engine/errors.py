"""The engine's error tree.

    EngineError
     ├── RequestRejected      one or more input gates failed (DOMAIN §2); carries every RequestProblem
     └── DataError            the catalog or rulebook data is invalid (named by file, row and field)

A RequestProblem is a value, not an exception: the gates collect them and the engine raises one
RequestRejected holding all of them, so the caller can show every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


class DataError(EngineError):
    """Catalog or rulebook data failed validation; `problems` names each by source, row and field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        shown = "; ".join(problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{source}: {shown}{more}")
