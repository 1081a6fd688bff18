from decimal import Decimal

import pytest

from kis_estimator.engine.money import korean_amount_in_words, round_1dp, round_100, round_won


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (1_234_500, "일금 일백이십삼만사천오백원정"),
        (0, "일금 영원정"),
        (10_000, "일금 일만원정"),
        (1_000, "일금 일천원정"),
        (100_000_000, "일금 일억원정"),
        (1_831_170, "일금 일백팔십삼만일천일백칠십원정"),
        (2_000_000_013, "일금 이십억일십삼원정"),
        (110_001_000, "일금 일억일천만일천원정"),
    ],
)
def test_amount_in_words(amount: int, words: str) -> None:
    assert korean_amount_in_words(amount) == words


def test_rounding_is_half_up_not_bankers() -> None:
    assert round_won(Decimal("2.5")) == 3
    assert round_won(Decimal("3.5")) == 4
    assert round_1dp(5.88) == Decimal("5.9")
    assert round_1dp(Decimal("3.75")) == Decimal("3.8")
    assert round_1dp(Decimal("3.85")) == Decimal("3.9")
    assert round_100(29_866.67) == 29_900
    assert round_100(12_050) == 12_100
    assert round_100(12_049.99) == 12_000
