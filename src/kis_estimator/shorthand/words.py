"""The words of the shorthand and where they stand: `lex(text, accessory_models)` → [Word].

A word is a fixed word (LS, 메인, ELB, 옥외 …), a number with its unit (4P, 20A, 225AF, 12개, x12,
3면, 1.0T), an accessory model of the catalog (MC-22), a panel label at the start of a line (`LP-1:`),
or a separator (`,` `/` `;` a new line). Words may be glued together (`4P20A`, `메인4P`); ASCII words
may not run into further letters (`ELBS` is one unknown word). Anything else, up to the next space or
separator, is one unknown word. Positions are offsets in code points of the text as given (`end`
exclusive); full-width letters and digits (４Ｐ) read as their ASCII forms.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# kind → what its value is: brand LS/SANGDO, type MCCB/ELCB, role main/branch, grade, location, mount,
# material, alone, pcover, acrylic, acc_kind (MAGNET/TIMER/SPD), pbl, acc_model (the model), poles,
# at, frame, qty, sets (int), thickness (float), label (the panel name), sep, unknown.
FIXED: dict[str, tuple[str, Any]] = {
    "ls": ("brand", "LS"),
    "엘에스": ("brand", "LS"),
    "상도": ("brand", "SANGDO"),
    "sangdo": ("brand", "SANGDO"),
    "mccb": ("type", "MCCB"),
    "배선용": ("type", "MCCB"),
    "배선용차단기": ("type", "MCCB"),
    "elb": ("type", "ELCB"),
    "elcb": ("type", "ELCB"),
    "누전": ("type", "ELCB"),
    "누전차단기": ("type", "ELCB"),
    "메인": ("role", "main"),
    "main": ("role", "main"),
    "분기": ("role", "branch"),
    "표준형": ("grade", "STANDARD"),
    "경제형": ("grade", "ECONOMY"),
    "옥내": ("location", "INDOOR"),
    "옥내형": ("location", "INDOOR"),
    "옥외": ("location", "OUTDOOR"),
    "옥외형": ("location", "OUTDOOR"),
    "노출": ("mount", "SURFACE"),
    "노출형": ("mount", "SURFACE"),
    "매입": ("mount", "FLUSH"),
    "매입형": ("mount", "FLUSH"),
    "자립": ("mount", "FREESTANDING"),
    "자립형": ("mount", "FREESTANDING"),
    "전주부착": ("mount", "POLE"),
    "철판": ("material", "STEEL"),
    "sus": ("material", "SUS201"),
    "스텐": ("material", "SUS201"),
    "sus201": ("material", "SUS201"),
    "sus304": ("material", "SUS304"),
    "단독": ("alone", True),
    "p커버": ("pcover", None),
    "아크릴": ("acrylic", "ACRYLIC"),
    "마그네트": ("acc_kind", "MAGNET"),
    "타이머": ("acc_kind", "TIMER"),
    "spd": ("acc_kind", "SPD"),
    "pbl": ("pbl", None),
}

_GAP = r"[ \t]?"
_NUMBERS: tuple[tuple[str, str], ...] = (
    ("frame", rf"(\d{{1,5}}){_GAP}AF"),
    ("at", rf"(\d{{1,5}}){_GAP}AT?"),
    ("poles", rf"(\d{{1,3}}){_GAP}(?:P|극)"),
    ("qty", rf"(\d{{1,5}}){_GAP}(?:개|EA)"),
    ("qty", rf"[x×*]{_GAP}(\d{{1,5}})"),
    ("sets", rf"(\d{{1,4}}){_GAP}면"),
    ("thickness", rf"(\d{{1,2}}(?:\.\d{{1,2}})?){_GAP}T(?![A-Za-z])"),
)
_NUMBER_RES = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _NUMBERS)
_SEPARATORS = ",/;\n"
_LABEL = re.compile(r"[ \t]*([^\s:,/;]{1,40})[ \t]*:")
_UNKNOWN = re.compile(r"[^\s,/;]+")
_SPACE = re.compile(r"[^\S\n]+")  # any white space but a new line (full-width ones too)
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


@dataclass(frozen=True)
class Word:
    """One word of the text: what it says (`kind`, `value`) and where (`start`..`end`, code points)."""

    text: str
    start: int
    end: int
    kind: str
    value: Any = None

    def position(self) -> dict[str, Any]:
        return {"word": self.text, "start": self.start, "end": self.end}


def _alternation(words: Iterable[str], boundary: str) -> re.Pattern[str]:
    """The longest of `words` at a position; one ending in an ASCII letter may not run into `boundary`."""
    parts = []
    for word in sorted(set(words), key=lambda w: (-len(w), w)):
        guard = f"(?!{boundary})" if word[-1].isascii() and word[-1].isalnum() else ""
        parts.append(re.escape(word) + guard)
    return re.compile("|".join(parts) or r"(?!)", re.IGNORECASE)


_FIXED_RE = _alternation(FIXED, "[A-Za-z]")


def known_words() -> list[str]:
    """Every fixed word as written in docs/shorthand.md (for suggestions)."""
    return [w.upper() if w.isascii() else w.replace("p커버", "P커버") for w in FIXED]


def suggestion(word: str, accessory_models: Iterable[str] = ()) -> str | None:
    """The known word closest to an unknown one (`ELV` → `ELB`), or None."""
    candidates = {w.lower(): w for w in [*known_words(), *accessory_models]}
    found = difflib.get_close_matches(word.lower(), list(candidates), n=1, cutoff=0.5)
    return candidates[found[0]] if found else None


def lex(text: str, accessory_models: dict[str, str] | None = None) -> list[Word]:
    """The words of `text`. `accessory_models`: catalog accessory model → kind (MC-22 → MAGNET)."""
    models = {m.lower(): (m, kind) for m, kind in (accessory_models or {}).items()}
    model_re = _alternation(models, "[A-Za-z0-9-]")
    plain = text.translate(_FULL_WIDTH)
    words: list[Word] = []
    at, line_start = 0, True
    while at < len(plain):
        if line_start:
            line_start = False
            label = _LABEL.match(plain, at)
            if label and not _FIXED_RE.fullmatch(label.group(1)):
                words.append(
                    Word(
                        text[label.start(1) : label.end()],
                        label.start(1),
                        label.end(),
                        "label",
                        label.group(1),
                    )
                )
                at = label.end()
                continue
        space = _SPACE.match(plain, at)
        if space:
            at = space.end()
            continue
        if plain[at] in _SEPARATORS:
            words.append(Word(text[at], at, at + 1, "sep"))
            line_start = plain[at] == "\n"
            at += 1
            continue
        words.append(_word_at(text, plain, at, model_re, models))
        at = words[-1].end
    return words


def _word_at(
    text: str, plain: str, at: int, model_re: re.Pattern[str], models: dict[str, tuple[str, str]]
) -> Word:
    """The longest word starting at `at`; an unknown word when none does."""
    found: list[tuple[int, str, Any]] = []
    if fixed := _FIXED_RE.match(plain, at):
        kind, value = FIXED[fixed.group().lower()]
        found.append((fixed.end(), kind, value))
    if model := model_re.match(plain, at):
        name, kind = models[model.group().lower()]
        found.append((model.end(), "acc_model", (name, kind)))
    for kind, pattern in _NUMBER_RES:
        if number := pattern.match(plain, at):
            value = float(number.group(1)) if kind == "thickness" else int(number.group(1))
            found.append((number.end(), kind, value))
    if not found:
        unknown = _UNKNOWN.match(plain, at)
        assert unknown is not None  # `at` is neither a space nor a separator
        return Word(text[at : unknown.end()], at, unknown.end(), "unknown")
    end, kind, value = max(found, key=lambda f: f[0])  # the longest; the first of equals
    return Word(text[at:end], at, end, kind, value)
