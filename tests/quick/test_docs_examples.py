"""docs/shorthand.md says true: each ```shorthand example reads as the ```json request after it, and
each row of its refusal table is refused with that code at that word."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.services.quick_entry import QuickEntryRefused, parse_quick_entry
from tests.factories import ROOT

DOC = (ROOT / "docs" / "shorthand.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```shorthand\n(.*?)\n```\s*```json\n(.*?)\n```", DOC, re.S)
REFUSALS = re.findall(r"^\| `([^`]+)` \| `([A-Z_]+)` \| `([^`]+)` \|$", DOC, re.M)
CATALOG, RULES = load_catalog(), load_rulebook()


def test_the_page_has_examples_and_refusals() -> None:
    assert len(EXAMPLES) >= 6 and len(REFUSALS) >= 10
    assert DOC.count("```shorthand") == len(EXAMPLES), "every shorthand example has its json request"


@pytest.mark.parametrize(("text", "expected"), EXAMPLES, ids=[t.splitlines()[0] for t, _ in EXAMPLES])
def test_an_example_reads_as_its_request(text: str, expected: str) -> None:
    assert parse_quick_entry(text, CATALOG, RULES).request == json.loads(expected)


@pytest.mark.parametrize(("text", "code", "word"), REFUSALS, ids=[text for text, _, _ in REFUSALS])
def test_a_refusal_of_the_table_is_refused_so(text: str, code: str, word: str) -> None:
    with pytest.raises(QuickEntryRefused) as refused:
        parse_quick_entry(text, CATALOG, RULES)
    meta: dict[str, Any] = refused.value.meta
    assert (refused.value.code, meta["word"]) == (code, word)
    assert text[meta["start"] : meta["end"]] == word
