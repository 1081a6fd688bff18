"""The request gate for printable text: every text field of a request must be printable in the PDF.

Checked before any engine stage, so a request with a character the Korean font lacks is refused with the
field's path instead of failing when the PDF is drawn.
"""

from __future__ import annotations

from typing import Any

from kis_estimator.documents.pdf.font import SHARED_FONT, KoreanFont
from kis_estimator.engine.errors import RequestProblem


def unprintable_problems(raw_request: Any, font: KoreanFont = SHARED_FONT) -> list[RequestProblem]:
    """A problem for each text field of a request holding a character the PDF cannot print (control
    characters such as a pasted tab, bidi overrides, emoji, scripts the Korean font lacks), so that the
    request is refused with the field's path instead of failing when the PDF is drawn."""
    problems: list[RequestProblem] = []

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, str(key)))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))
        elif isinstance(value, str) and value:
            missing = font.missing(c for c in value if c != "\n")
            if missing:
                shown = ", ".join(f"U+{ord(c):04X}" for c in missing[:5])
                problems.append(
                    RequestProblem(
                        "REQ_TEXT_UNPRINTABLE",
                        f"견적서에 인쇄할 수 없는 문자가 있습니다 ({shown})",
                        f"The quotation cannot print these characters ({shown})",
                        ".".join(str(p) for p in path),
                        "해당 문자(탭·제어 문자·이모지 등)를 지우거나 바꿔 주세요 / "
                        "Remove or replace them (tabs, control characters, emoji, …).",
                    )
                )

    walk(raw_request, ())
    return problems
