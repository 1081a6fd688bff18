"""The 빠른 입력 corpus: every phrase of corpus.yaml reads as its expected request or is refused with its
code, path and word position; every word of an accepted phrase is accounted for by a finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.engine.request import (
    AccessoryKind,
    BreakerType,
    CatalogBrand,
    Grade,
    Location,
    Material,
    Mount,
    PCover,
)
from kis_estimator.pipeline import run_pipeline
from kis_estimator.services.quick_entry import MAX_TEXT_CHARS, QuickEntryRefused, parse_quick_entry
from kis_estimator.shorthand.grammar import USUAL_MODEL
from kis_estimator.shorthand.words import FIXED
from tests.factories import DOMAIN_S8, IDENTITY

CORPUS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "corpus.yaml").read_text(encoding="utf-8")
)
CATALOG, RULES = load_catalog(), load_rulebook()
SEPARATORS = set(",/;\n\r\t ")
# Words and pieces of words the grammar knows, for the random texts below.
ALPHABET = [
    "LS",
    "메인",
    "분기",
    "ELB",
    "4P",
    "2P",
    "20A",
    "75A",
    "225AF",
    "12개",
    "x3",
    "3면",
    "단독",
    "옥외",
    "SUS",
    "1.0T",
    "P커버",
    "철판",
    "마그네트",
    "MC-22",
    "PBL",
    "SPD",
    "표준형",
    ",",
    "/",
    "\n",
    "LP-1:",
    " ",
    "\f",
    "\u2028",
]


def test_the_corpus_is_large_and_mixed() -> None:
    refused = [case for case in CORPUS if "refused" in case]
    assert len(CORPUS) >= 60 and len({case["name"] for case in CORPUS}) == len(CORPUS)
    assert sum(case["refused"]["code"] == "SHORTHAND_UNKNOWN_WORD" for case in refused) >= 8
    assert {case["refused"]["code"] for case in refused} >= {
        "SHORTHAND_UNKNOWN_WORD",
        "SHORTHAND_CONFLICT",
        "SHORTHAND_MISPLACED",
        "SHORTHAND_INCOMPLETE",
        "POLES_MISMATCH",
        "REQ_MORE_INFO",
    }


@pytest.mark.parametrize("case", CORPUS, ids=[case["name"] for case in CORPUS])
def test_a_phrase_reads_as_its_request_or_is_refused_at_its_word(case: dict[str, Any]) -> None:
    text = case["text"]
    if "request" in case:
        entry = parse_quick_entry(text, CATALOG, RULES)
        assert entry.request == case["request"]
        covered = {i for finding in entry.findings for i in range(finding["start"], finding["end"])}
        uncovered = [c for i, c in enumerate(text) if i not in covered and c not in SEPARATORS]
        assert not uncovered, f"words without a finding: {uncovered}"
        for finding in entry.findings:
            assert text[finding["start"] : finding["end"]] == finding["word"] and finding["message"]
        return
    with pytest.raises(QuickEntryRefused) as refused:
        parse_quick_entry(text, CATALOG, RULES)
    error = refused.value
    expected = case["refused"]
    meta = error.meta
    found = {"code": error.code, "path": error.path, **{k: meta[k] for k in ("word", "start", "end")}}
    assert found == expected
    assert error.status == 422 and meta["errors"][0]["code"] == error.code
    if expected["start"] is not None:
        assert text[expected["start"] : expected["end"]] == expected["word"]


def test_the_s8_phrase_prices_to_the_worked_example() -> None:
    (case,) = [case for case in CORPUS if case["name"] == "DOMAIN §8 panel"]
    request = parse_quick_entry(case["text"], CATALOG, RULES).request
    quote = run_pipeline({"customer": DOMAIN_S8["customer"], **request}, CATALOG, RULES, IDENTITY).quote
    assert quote["totals"]["total"] == 1_831_170


def test_an_unknown_word_gets_a_suggestion_and_every_problem_is_listed() -> None:
    with pytest.raises(QuickEntryRefused) as refused:
        parse_quick_entry("LS 메인 4P 75A ELV 2P 20A 12 흰색", CATALOG, RULES)
    meta = refused.value.meta
    assert meta["suggestion"] == "ELB"
    assert [(e["word"], e["start"]) for e in meta["errors"]] == [("ELV", 13), ("12", 24), ("흰색", 27)]
    assert [f["word"] for f in meta["findings"] if f["code"] == "SHORTHAND_WORD"] == [
        "LS",
        "메인",
        "4P",
        "75A",
        "2P",
        "20A",
    ]


def test_empty_and_too_long_texts_are_refused() -> None:
    with pytest.raises(QuickEntryRefused) as empty:
        parse_quick_entry(" \n ", CATALOG, RULES)
    assert (empty.value.status, empty.value.code) == (422, "SHORTHAND_EMPTY")
    with pytest.raises(QuickEntryRefused) as long:
        parse_quick_entry("LS " * (MAX_TEXT_CHARS // 3 + 1), CATALOG, RULES)
    assert (long.value.status, long.value.code) == (413, "SHORTHAND_TOO_LONG")
    assert long.value.meta["maxChars"] == MAX_TEXT_CHARS


def test_a_lone_surrogate_is_refused_at_its_position() -> None:
    with pytest.raises(QuickEntryRefused) as refused:
        parse_quick_entry("LS 메인 \ud800 4P", CATALOG, RULES)
    assert (refused.value.code, refused.value.meta["start"]) == ("SHORTHAND_INVALID_TEXT", 6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET) | st.characters(), max_size=20).map("".join))
def test_any_text_is_read_or_refused_at_a_position_inside_it(text: str) -> None:
    try:
        entry = parse_quick_entry(text, CATALOG, RULES)
    except QuickEntryRefused as refused:
        for problem in refused.meta.get("errors", []):
            assert problem["start"] is None or 0 <= problem["start"] < problem["end"] <= len(text)
        return
    assert all(0 <= f["start"] < f["end"] <= len(text) for f in entry.findings)


def test_what_is_assumed_is_said_with_its_words() -> None:
    findings = parse_quick_entry("LS 메인 4P 75A 분기 2P 20A", CATALOG, RULES).findings
    assumed = [(f["word"], f["message"]) for f in findings if f["code"] == "SHORTHAND_DEFAULT"]
    assert assumed == [
        ("메인 4P 75A", "종류가 없어 MCCB(배선용)로 봅니다"),
        ("2P 20A", "종류가 없어 MCCB(배선용)로 봅니다"),
        ("2P 20A", "수량이 없어 1개로 봅니다"),
    ]


def test_every_word_sets_a_value_the_request_model_knows() -> None:
    allowed = {
        "brand": get_args(CatalogBrand),
        "type": get_args(BreakerType),
        "grade": get_args(Grade),
        "location": get_args(Location),
        "mount": get_args(Mount),
        "material": get_args(Material),
        "acc_kind": get_args(AccessoryKind),
        "acrylic": get_args(PCover),
    }
    for word, (kind, value) in FIXED.items():
        if kind in allowed:
            assert value in allowed[kind], f"{word}: {value} is not a {kind} of engine/request.py"
    kinds = {item.model: item.kind for item in CATALOG.accessories}
    assert all(kinds[model] == kind for kind, model in USUAL_MODEL.items()), "usual models are catalog items"
