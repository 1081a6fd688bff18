"""`kis estimate`'s terminal summary of a discounted quote."""

from __future__ import annotations

import copy
from typing import Any

from rich.console import Console

from kis_estimator.cli.summary import render_summary
from tests.factories import DOMAIN_S8


def test_the_terminal_summary_shows_the_discount_and_the_supply(quote_of: Any) -> None:
    console = Console(record=True, width=200)
    render_summary(console, quote_of({**copy.deepcopy(DOMAIN_S8), "discount": {"percent": 5}}))
    text = console.export_text()
    assert (
        "합계 1,664,700원  할인 -83,235원  공급가액 1,581,465원  부가세 158,147원  총액 1,739,612원" in text
    )
