"""Exact decimal rounding and the Korean amount in words (DOMAIN §7)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

Number = int | float | Decimal | Fraction


def to_decimal(value: Number) -> Decimal:
    """An exact Decimal: floats go through their shortest repr, so 5.9 stays 5.9."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Fraction):
        # Decimal division keeps 28 digits, far beyond any KRW or kg figure here.
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def round_half_up(value: Number, places: int = 0) -> Decimal:
    """Round half away from zero to `places` decimals (the shop's rounding, not banker's)."""
    exponent = Decimal(1).scaleb(-places)
    return to_decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)


def round_won(value: Number) -> int:
    return int(round_half_up(value, 0))


def round_100(value: Number) -> int:
    """Half-up to the nearest 100 KRW."""
    return int(round_half_up(to_decimal(value) / 100, 0)) * 100


def round_1dp(value: Number) -> Decimal:
    return round_half_up(value, 1)


_DIGITS = "영일이삼사오육칠팔구"
_SMALL_UNITS = ("", "십", "백", "천")
_LARGE_UNITS = ("", "만", "억", "조", "경")


def _four_digits(number: int) -> str:
    words = []
    for position in range(3, -1, -1):
        digit = (number // 10**position) % 10
        if digit:
            words.append(_DIGITS[digit] + _SMALL_UNITS[position])
    return "".join(words)


def korean_number(amount: int) -> str:
    """1,234,500 → "일백이십삼만사천오백" (every digit spelled, as on quotations)."""
    if amount < 0:
        return "마이너스" + korean_number(-amount)
    if amount == 0:
        return "영"
    parts = []
    group = 0
    while amount:
        chunk = amount % 10_000
        if chunk:
            parts.append(_four_digits(chunk) + _LARGE_UNITS[group])
        amount //= 10_000
        group += 1
        if group >= len(_LARGE_UNITS) and amount:
            raise ValueError("amount too large to spell")
    return "".join(reversed(parts))


def korean_amount_in_words(amount: int) -> str:
    """The cover's amount in words: 1,234,500 → "일금 일백이십삼만사천오백원정"."""
    return f"일금 {korean_number(amount)}원정"
