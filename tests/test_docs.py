"""The documents stay true and self-contained: docs/domain.md covers the whole rulebook, names only keys
that exist and quotes their current values; no document points outside the repository."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.estimate import run_engine, totals_of
from kis_estimator.engine.money import korean_amount_in_words
from kis_estimator.engine.rulebook import Rulebook
from tests.factories import DOMAIN_S8

ROOT = Path(__file__).resolve().parents[1]
DOMAIN_DOC = ROOT / "docs" / "domain.md"
RULEBOOK = ROOT / "src" / "kis_estimator" / "data" / "rulebook.toml"

# In docs/domain.md every dotted name in code font is a rulebook key, except paths into a request or a
# quote, which start with one of these.
DATA_PATH_PREFIXES = ("panels.", "request.", "quote.")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
DOTTED = re.compile(r"[a-z][a-z0-9_]*(?:\.[A-Za-z0-9_]+)+")
# A key followed by its value in parentheses: "`bom.nt_price` (3,000)".
KEY_WITH_VALUE = re.compile(r"`([a-z][a-z0-9_]*(?:\.[A-Za-z0-9_]+)*)`\s+\((\d[\d,]*(?:\.\d+)?)")

# A band row quoted in the text: "≤250 4,500", "≤125 \"3T×15\"", "≤60AF 130".
BAND_QUOTE = re.compile(r"≤(\d+)(?:AF)?\s+(\"[^\"]+\"|\d[\d,]*(?:\.\d+)?)")


def _rulebook() -> dict[str, Any]:
    return tomllib.loads(RULEBOOK.read_text(encoding="utf-8"))


def _code_spans(text: str) -> list[str]:
    return CODE_SPAN.findall(text)


def _key_references(text: str) -> set[str]:
    return {
        span
        for span in _code_spans(text)
        if DOTTED.fullmatch(span) and not span.startswith(DATA_PATH_PREFIXES)
    }


def _lookup(rulebook: dict[str, Any], key: str) -> Any:
    """The value at a dotted key; KeyError when any part is missing."""
    value: Any = rulebook
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(key)
        value = value[part]
    return value


def _described_keys(rulebook: dict[str, Any]) -> list[str]:
    """Every top-level key, and every key of a top-level table."""
    keys = []
    for name, value in rulebook.items():
        keys.append(name)
        if isinstance(value, dict):
            keys.extend(f"{name}.{inner}" for inner in value)
    return keys


def test_every_rulebook_key_named_in_the_domain_doc_exists() -> None:
    rulebook = _rulebook()
    references = _key_references(DOMAIN_DOC.read_text(encoding="utf-8"))
    assert references, "docs/domain.md names no rulebook key"
    unknown = []
    for key in sorted(references):
        try:
            _lookup(rulebook, key)
        except KeyError:
            unknown.append(key)
    assert not unknown, f"docs/domain.md names keys that rulebook.toml does not have: {unknown}"


def test_every_rulebook_key_is_described_in_the_domain_doc() -> None:
    spans = _code_spans(DOMAIN_DOC.read_text(encoding="utf-8"))
    missing = [
        key
        for key in _described_keys(_rulebook())
        if not any(span == key or span.startswith(f"{key}.") for span in spans)
    ]
    assert not missing, f"rulebook keys that docs/domain.md does not describe: {missing}"


def test_the_values_quoted_next_to_keys_are_the_rulebook_values() -> None:
    rulebook = _rulebook()
    text = DOMAIN_DOC.read_text(encoding="utf-8")
    quoted = KEY_WITH_VALUE.findall(text)
    assert quoted, "docs/domain.md quotes no value next to a key"
    wrong = []
    for key, shown in quoted:
        value = _lookup(rulebook, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if float(shown.rstrip(",").replace(",", "")) != value:
            wrong.append(f"{key}: doc {shown.rstrip(',')}, rulebook {value}")
    assert not wrong, f"docs/domain.md quotes stale values: {wrong}"


def _band_quotes(text: str, key: str) -> list[tuple[str, str]]:
    """(upto, value) pairs written as "≤250 4,500" after each mention of `key`, up to the next code span."""
    pairs = []
    for start in [m.end() for m in re.finditer(re.escape(f"`{key}`"), text)]:
        window = text[start:].split("`", 1)[0]
        pairs += BAND_QUOTE.findall(window)
    return pairs


def test_the_band_values_quoted_are_the_rulebook_values() -> None:
    rulebook = _rulebook()
    text = DOMAIN_DOC.read_text(encoding="utf-8")
    checked, wrong = 0, []
    for key in sorted(_key_references(text)):
        rows = _lookup(rulebook, key)
        if not (isinstance(rows, list) and rows and all(isinstance(r, dict) and "value" in r for r in rows)):
            continue
        values = {float(row["upto"]): row["value"] for row in rows}
        for upto, shown in _band_quotes(text, key):
            checked += 1
            value = values.get(float(upto))
            shown = shown.rstrip(",").strip('"')
            same = shown == value if isinstance(value, str) else float(shown.replace(",", "")) == value
            if not same:
                wrong.append(f"{key} ≤{upto}: doc {shown}, rulebook {value}")
    assert checked, "docs/domain.md quotes no band"
    assert not wrong, f"docs/domain.md quotes stale bands: {wrong}"


def _worked_example_rows(text: str) -> list[list[str]]:
    """The BOM table of the worked example: its rows "| no | name | spec | unit | qty | price | amount |"."""
    example = text.split("## 13.", 1)[1]
    rows = [line.split("|")[1:-1] for line in example.splitlines() if re.match(r"\| \d+ \|", line)]
    return [[cell.strip() for cell in row] for row in rows]


def test_the_worked_example_is_what_the_engine_computes(catalog: Catalog, rules: Rulebook) -> None:
    work = run_engine(DOMAIN_S8, catalog, rules)
    engine_rows = [
        [
            str(no),
            line.name,
            line.spec,
            line.unit,
            f"{line.qty:,}",
            f"{line.unit_price:,}",
            f"{line.amount:,}",
        ]
        for no, line in enumerate(work.panels[0].lines, start=1)
    ]
    text = DOMAIN_DOC.read_text(encoding="utf-8")
    assert [row[:7] for row in _worked_example_rows(text)] == engine_rows
    totals = totals_of(work)
    assert f"subtotal {totals.subtotal:,}" in text
    assert f"**{totals.total:,}**" in text
    assert korean_amount_in_words(totals.total) in text


def _project_docs() -> list[Path]:
    docs = sorted(p for p in (ROOT / "docs").rglob("*") if p.is_file())
    return [*docs, ROOT / "README.md", ROOT / "CONTRIBUTING.md"]


@pytest.mark.parametrize("path", _project_docs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_documents_point_only_inside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    outside = [marker for marker in ("../" + "shared", "/" + "work/") if marker in text]
    assert not outside, f"{path.relative_to(ROOT)} refers to {outside}, outside the repository"
