"""Price adjustments (DOMAIN §14): the estimator's unit price on a line and the quote's discount.

A line's unit price may be chosen inside a catalog price range (`low`, `high` or a value between) or
overridden with a reason; the list price stays beside it. A discount (할인/NEGO) comes after the
subtotal and before VAT: discount = round_half_up(subtotal × percent / 100), or the amount;
supply = subtotal − discount; it must leave a supply of at least 1 KRW.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kis_estimator.engine.catalog import Range
from kis_estimator.engine.errors import RequestProblem
from kis_estimator.engine.money import round_won, to_decimal
from kis_estimator.engine.request import Discount, UnitPrice

PERCENT_PLACES = 2


@dataclass(frozen=True)
class LinePrice:
    """How a line's unit price differs from what the rulebook would quote (its list price)."""

    list_price: int  # the catalog price, or a range's higher end (the rulebook's default)
    range: tuple[int, int] | None  # the catalog range, when the price is one
    choice: str  # "low" | "high" | "value" (inside the range) | "override"
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "list_price": self.list_price,
            "range": list(self.range) if self.range else None,
            "choice": self.choice,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ChosenPrice:
    unit_price: int
    adjustment: LinePrice | None  # None: the rulebook's own price, nothing adjusted


def _won(value: float) -> str:
    return f"{value:,.0f}"


def _percent(percent: Decimal) -> str:
    """5, 2.5, 100: a percentage as typed (the request's 100 arrives as the float 100.0)."""
    return f"{percent.normalize():f}"


def _range_text(price: Range) -> str:
    return f"{_won(price.low)}~{_won(price.high)}원"


def choose_unit_price(
    choice: UnitPrice | None, price: Range | int | None, model: str, path: str
) -> ChosenPrice | RequestProblem:
    """The quoted unit price of a catalog item given the estimator's choice (None: the rulebook's).

    `price` is the catalog's price: a Range for breakers, a whole number or None (no catalog price)
    for accessories. A range's default is its higher end.
    """
    listed = price if isinstance(price, Range) else None
    list_price = round(price.high) if isinstance(price, Range) else price
    if choice is None:
        assert list_price is not None
        return ChosenPrice(list_price, None)
    value_path = f"{path}.unit_price.value"
    if listed is not None and listed.is_range:
        bounds = (round(listed.low), round(listed.high))
        if choice.value == "low" or choice.value == "high":
            quoted, kind = (bounds[0], "low") if choice.value == "low" else (bounds[1], "high")
        elif bounds[0] <= choice.value <= bounds[1]:
            quoted, kind = choice.value, "value"
        else:
            return RequestProblem(
                "PRICE_OUT_OF_RANGE",
                f"{model}의 단가 {choice.value:,}원이 카탈로그 범위 {_range_text(listed)}을 벗어났습니다",
                f"The unit price {choice.value:,} KRW of {model} is outside its catalog range "
                f"{_won(listed.low)}..{_won(listed.high)} KRW",
                value_path,
                f'범위 {_range_text(listed)} 안의 값이나 "low", "high"를 보내 주세요 / '
                f'Send a value from {_won(listed.low)} to {_won(listed.high)}, or "low" or "high".',
            )
        assert list_price is not None
        return ChosenPrice(quoted, LinePrice(list_price, bounds, kind, choice.reason))
    if not isinstance(choice.value, int):
        shown = f"{list_price:,}원" if list_price is not None else "없음"
        return RequestProblem(
            "REQ_INVALID",
            f"{model}의 카탈로그 단가는 범위가 아닙니다({shown}): low/high를 고를 수 없습니다",
            f"The catalog price of {model} is not a range: there is no low or high to choose",
            value_path,
            "단가를 숫자로 보내고 reason에 사유를 적어 주세요 / Send the unit price as a number with a reason.",
        )
    if list_price is None:  # no catalog price: the value fills the gap, nothing is overridden
        return ChosenPrice(choice.value, None)
    if not choice.reason:
        return RequestProblem(
            "REQ_MORE_INFO",
            f"{model}의 단가를 {list_price:,}원에서 {choice.value:,}원으로 바꾸려면 사유가 필요합니다",
            f"Changing the unit price of {model} from {list_price:,} to {choice.value:,} KRW needs a reason",
            f"{path}.unit_price.reason",
            '사유를 reason에 적어 주세요. 예: "협상가" / Say why in reason, e.g. "negotiated price".',
        )
    return ChosenPrice(choice.value, LinePrice(list_price, None, "override", choice.reason))


def discount_shape_problems(discount: Discount | None) -> list[RequestProblem]:
    """A discount names exactly one of percent or amount; a percentage is above 0 and below 100, with at
    most two decimals; an amount is at least 1 KRW. (Whether it leaves a supply is checked on the total.)"""
    if discount is None:
        return []
    given = [name for name in ("percent", "amount") if getattr(discount, name) is not None]
    if len(given) != 1:
        return [
            RequestProblem(
                "REQ_INVALID",
                "할인은 percent와 amount 중 하나만 보내야 합니다",
                "A discount has exactly one of percent or amount",
                "discount",
                '{"percent": 5} 또는 {"amount": 50000} 중 하나를 보내 주세요 / '
                'Send either {"percent": 5} or {"amount": 50000}.',
            )
        ]
    if discount.percent is not None:
        percent = to_decimal(discount.percent)
        if percent >= 100:
            return [_no_supply_left("discount.percent", f"{_percent(percent)}%")]
        exponent = percent.as_tuple().exponent
        if percent <= 0 or (isinstance(exponent, int) and exponent < -PERCENT_PLACES):
            return [
                RequestProblem(
                    "REQ_INVALID",
                    f"할인율 {_percent(percent)}%는 0보다 크고 100보다 작은 소수점 둘째 자리까지의 수여야 합니다",
                    f"The discount rate {_percent(percent)}% must be above 0 and below 100, with at most two decimals",
                    "discount.percent",
                    "예: 5, 2.5, 7.25 / For example 5, 2.5 or 7.25.",
                )
            ]
    elif discount.amount is not None and discount.amount < 1:
        return [
            RequestProblem(
                "REQ_INVALID",
                "할인 금액은 1원 이상이어야 합니다",
                "The discount amount must be at least 1 KRW",
                "discount.amount",
                "할인 금액을 원 단위 양수로 보내거나 discount를 빼 주세요 / "
                "Send a positive amount in KRW, or omit discount.",
            )
        ]
    return []


def _no_supply_left(path: str, what: str, subtotal: int | None = None) -> RequestProblem:
    at_most = f" (최대 {subtotal - 1:,}원)" if subtotal is not None and subtotal > 1 else ""
    at_most_en = f" (at most {subtotal - 1:,} KRW)" if subtotal is not None and subtotal > 1 else ""
    return RequestProblem(
        "DISCOUNT_EXCEEDS_SUBTOTAL",
        f"할인 {what}은(는) 공급가액을 남기지 않습니다: 할인은 소계보다 작아야 합니다",
        f"A discount of {what} leaves no supply amount: a discount must be less than the subtotal",
        path,
        f"할인율은 100% 미만, 할인 금액은 소계 미만으로 보내 주세요{at_most} / "
        f"Send a percentage below 100 or an amount below the subtotal{at_most_en}.",
    )


def discount_amount(subtotal: int, discount: Discount | None) -> int:
    """round_half_up(subtotal × percent / 100), or the amount; 0 without a discount."""
    if discount is None:
        return 0
    if discount.percent is not None:
        return round_won(Decimal(subtotal) * to_decimal(discount.percent) / 100)
    assert discount.amount is not None
    return discount.amount


def discount_problem(subtotal: int, discount: Discount | None) -> RequestProblem | None:
    """DISCOUNT_EXCEEDS_SUBTOTAL when the discount would leave a supply below 1 KRW."""
    if discount is None or subtotal - discount_amount(subtotal, discount) >= 1:
        return None
    if discount.percent is not None:
        return _no_supply_left("discount.percent", f"{_percent(to_decimal(discount.percent))}%", subtotal)
    return _no_supply_left("discount.amount", f"{discount_amount(subtotal, discount):,}원", subtotal)
