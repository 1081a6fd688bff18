"""빠른 입력 as a use case: Korean shorthand → the request JSON and what each word meant, or a refusal
naming the word and its position. `kis quick`, `POST /v1/requests/parse` and the MCP tool
`parse_shorthand` all call `parse_quick_entry`.

The text is read by the grammar (`kis_estimator.shorthand`); a word it cannot place refuses the text
(SHORTHAND_UNKNOWN_WORD, SHORTHAND_CONFLICT, SHORTHAND_MISPLACED, SHORTHAND_INCOMPLETE). The request
then runs through the engine's validate and resolve stages, so a phrase that gives an invalid request
is refused with the request's own codes (5P → POLES_MISMATCH, no 메인 → REQ_MORE_INFO), each problem
placed on the words its `path` came from. Shorthand names no customer: the gates run with a
stand-in customer, and the request comes back without one (the form, `--customer` or the caller adds it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.estimate import Work, stage_resolve, stage_validate
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.envelope import error_envelope
from kis_estimator.shorthand import parse
from kis_estimator.shorthand.grammar import describe

__all__ = ["MAX_TEXT_CHARS", "QuickEntry", "QuickEntryRefused", "parse_quick_entry"]

MAX_TEXT_CHARS = 4000
_STAND_IN_CUSTOMER = {"name": "빠른 입력"}


@dataclass(frozen=True)
class QuickEntry:
    """The request read from the text (no customer), one finding per word saying what it set
    (SHORTHAND_WORD), then one per value assumed (SHORTHAND_DEFAULT: a branch's quantity 1, type MCCB)."""

    request: dict[str, Any]
    findings: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"request": self.request, "findings": self.findings}


class QuickEntryRefused(Exception):
    """A text refused: the envelope's fields and its HTTP status (422; 413 for a text over the limit).
    `meta` holds the first problem's `word`, `start`, `end` (null when the request misses something
    the text never named), every problem under `errors`, and the `findings` of the words read."""

    def __init__(
        self, status: int, code: str, message: str, hint: str, path: str, meta: dict[str, Any]
    ) -> None:
        super().__init__(f"{code} at {path}: {message}")
        self.status, self.code, self.message, self.hint, self.path, self.meta = (
            status,
            code,
            message,
            hint,
            path,
            meta,
        )

    def envelope(self, trace_id: str) -> dict[str, Any]:
        return error_envelope(
            self.code, self.message, hint=self.hint, path=self.path, trace_id=trace_id, extra=self.meta
        )


def _position(text: str, spans: dict[str, tuple[int, int]], path: str) -> dict[str, Any]:
    """The words a request path came from: its own span, else its nearest parent's."""
    parts = path.split(".")
    while parts:
        span = spans.get(".".join(parts))
        if span is not None:
            return {"word": text[span[0] : span[1]], "start": span[0], "end": span[1]}
        parts.pop()
    return {"word": None, "start": None, "end": None}


def _refuse_text(
    status: int, code: str, ko: str, en: str, hint: str, meta: dict[str, Any]
) -> QuickEntryRefused:
    return QuickEntryRefused(status, code, f"{ko} / {en}", hint, "text", meta)


def parse_quick_entry(text: str, catalog: Catalog, rules: Rulebook) -> QuickEntry:
    """Read `text` against the catalog in use; raises QuickEntryRefused."""
    if len(text) > MAX_TEXT_CHARS:
        raise _refuse_text(
            413,
            "SHORTHAND_TOO_LONG",
            f"빠른 입력은 {MAX_TEXT_CHARS:,}자까지입니다 ({len(text):,}자)",
            f"The shorthand text is limited to {MAX_TEXT_CHARS:,} characters ({len(text):,})",
            "분전반 몇 개씩 나눠 입력해 주세요 / Enter a few panels at a time.",
            {"maxChars": MAX_TEXT_CHARS, "chars": len(text)},
        )
    if not text.strip():
        raise _refuse_text(
            422,
            "SHORTHAND_EMPTY",
            "빠른 입력이 비어 있습니다",
            "The shorthand text is empty",
            "예: LS 메인 4P 75A ELB 2P 20A 12개 / e.g. LS 메인 4P 75A ELB 2P 20A 12개.",
            {"word": None, "start": None, "end": None},
        )
    broken = next((i for i, c in enumerate(text) if "\ud800" <= c <= "\udfff"), None)
    if broken is not None:  # a lone surrogate: not text, and it could not be echoed back as UTF-8
        raise _refuse_text(
            422,
            "SHORTHAND_INVALID_TEXT",
            f"{broken}번째 글자가 올바른 문자가 아닙니다",
            f"The character at {broken} is not valid text (a lone surrogate)",
            "그 글자를 지우고 다시 입력해 주세요 / Delete that character and type it again.",
            {"word": None, "start": broken, "end": broken + 1},
        )
    parsed = parse(text, {item.model: item.kind for item in catalog.accessories})
    findings = [
        {
            "code": "SHORTHAND_WORD",
            "severity": "info",
            "message": describe(word, key),
            **word.position(),
        }
        for word, key in parsed.words
        if word.kind != "sep"
    ]
    findings += [
        {
            "code": "SHORTHAND_DEFAULT",
            "severity": "info",
            "message": message,
            "word": text[start:end],
            "start": start,
            "end": end,
        }
        for message, (start, end) in parsed.defaults
    ]
    if parsed.problems:
        first = parsed.problems[0]
        raise QuickEntryRefused(
            422,
            first.code,
            f"{first.message_ko} / {first.message_en}",
            first.hint,
            "text",
            {
                **first.word.position(),
                "suggestion": first.suggestion,
                "errors": [p.as_dict() for p in parsed.problems],
                "findings": findings,
            },
        )
    work = Work(raw={"customer": _STAND_IN_CUSTOMER, **parsed.request}, catalog=catalog, rules=rules)
    try:
        stage_validate(work)
        stage_resolve(work)
    except RequestRejected as exc:
        errors = [p.as_dict() | _position(text, parsed.spans, p.path) for p in exc.problems]
        gate = exc.first
        raise QuickEntryRefused(
            422,
            gate.code,
            gate.message,
            gate.hint,
            gate.path,
            {**_position(text, parsed.spans, gate.path), "errors": errors, "findings": findings},
        ) from None
    return QuickEntry(parsed.request, findings)
