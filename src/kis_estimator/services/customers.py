"""Customers (거래처): records with their default terms, searched while typing, each with its quotes
(issue 17); a list of them is imported by services/customer_import.py.

A customer's quotes are the quotes whose customer name equals the customer's 상호 (docs/decisions.md):
the request keeps no customer id, so a quote typed by hand for the same name is found too.

Services never commit: each function works in the session it is given, committed once by its caller.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from kis_estimator.db.customers import CustomerRepository
from kis_estimator.db.models import CustomerRow, QuoteRow

MAX_QUOTES = 200  # a customer's page lists at most this many of its quotes
_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"[0-9+()\- ]{0,40}")

# field → (max length, Korean label); the text fields of a customer record
TEXT_FIELDS: dict[str, tuple[int, str]] = {
    "name": (200, "상호"),
    "representative": (100, "대표"),
    "contact": (100, "담당자"),
    "phone": (40, "전화"),
    "email": (200, "이메일"),
    "address": (300, "주소"),
    "payment_terms": (200, "결제조건"),
}


class CustomerError(Exception):
    """A refusal of a customer use case; the edge renders it with its status."""


class Invalid(CustomerError):
    def __init__(self, path: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.path, self.message, self.hint = path, message, hint


class CustomerNotFound(CustomerError):
    def __init__(self, customer_id: str) -> None:
        super().__init__(customer_id)
        self.customer_id = customer_id


class Taken(CustomerError):
    """Another customer already has this name or business number."""

    def __init__(self, path: str, value: str, other_id: str) -> None:
        super().__init__(value)
        self.path, self.value, self.other_id = path, value, other_id


# ------------------------------------------------------------------------------------------- checks


def business_number_ok(digits: str) -> bool:
    """The Korean business registration number's check digit (국세청 검증식) over 10 digits."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    d = [int(c) for c in digits]
    total = sum(x * w for x, w in zip(d, _WEIGHTS, strict=False)) + d[8] * 5 // 10
    return (10 - total % 10) % 10 == d[9]


def business_number(value: Any, path: str) -> str:
    """10 digits of a checked business number ("123-45-67890" or "1234567890")."""
    text = str(value).strip().replace("-", "").replace(" ", "") if isinstance(value, str | int) else ""
    if len(text) != 10 or not text.isascii() or not text.isdigit():
        raise Invalid(
            path,
            "사업자등록번호는 숫자 10자리여야 합니다 / A business registration number is 10 digits",
            "예: 123-45-67891 (하이픈은 있어도 없어도 됩니다) / For example 123-45-67891, hyphens optional.",
        )
    if not business_number_ok(text):
        raise Invalid(
            path,
            f"사업자등록번호가 올바르지 않습니다 (검증 숫자 불일치): {formatted(text)} / "
            "The business registration number fails its check digit",
            "사업자등록증의 번호를 다시 확인해 주세요 / Check the number on the registration certificate.",
        )
    return text


def formatted(digits: str | None) -> str | None:
    """123-45-67890 of ten digits."""
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if digits else None


def text_value(value: Any, path: str, limit: int, label: str, *, required: bool = False) -> str:
    """A trimmed one-line text of at most `limit` characters, without control or bidi characters."""
    trimmed = ("" if value is None else value if isinstance(value, str) else str(value)).strip()
    if required and not trimmed:
        raise Invalid(path, f"{label}을(를) 입력해 주세요 / {path} is required", f"{label}은(는) 필수입니다.")
    if len(trimmed) > limit:
        raise Invalid(
            path,
            f"{label}은(는) {limit}자까지입니다 / {path} is at most {limit} characters",
            "줄여서 다시 보내 주세요 / Shorten it and send again.",
        )
    if any(ord(c) < 32 or 127 <= ord(c) <= 159 or c in _BIDI or 0xD800 <= ord(c) <= 0xDFFF for c in trimmed):
        raise Invalid(
            path,
            f"{label}에 제어 문자를 쓸 수 없습니다 / {path} cannot hold control characters",
            "보이는 글자만 써 주세요 / Use visible characters only.",
        )
    return trimmed


def _percent(value: Any, path: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip().removesuffix("%"))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or not Decimal(0) <= number < Decimal(100) or number != round(number, 2):
        raise Invalid(
            path,
            "기본 할인율은 0 이상 100 미만, 소수 둘째 자리까지입니다 / "
            "The default discount is a percentage from 0 to below 100 with at most 2 decimals",
            "예: 5 또는 2.5 / For example 5 or 2.5.",
        )
    return number


def _days(value: Any, path: str) -> int | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 365:
        raise Invalid(
            path,
            "견적 유효기간은 1–365일입니다 / The validity is 1 to 365 days",
            "예: 30 / For example 30.",
        )
    return int(text)


def checked_fields(raw: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A customer's columns from `raw` (API body or import row), each checked; raises Invalid."""
    fields: dict[str, Any] = {}
    for name, (limit, label) in TEXT_FIELDS.items():
        fields[name] = text_value(raw.get(name), prefix + name, limit, label, required=name == "name")
    number = raw.get("business_number")
    blank = number is None or (isinstance(number, str) and not number.strip())
    fields["business_number"] = None if blank else business_number(number, prefix + "business_number")
    if fields["email"] and not _EMAIL.fullmatch(fields["email"]):
        raise Invalid(
            prefix + "email", "이메일 주소가 올바르지 않습니다 / Not an email address", "예: a@b.kr"
        )
    if not _PHONE.fullmatch(fields["phone"]):
        raise Invalid(
            prefix + "phone",
            "전화번호에는 숫자, +, -, 괄호만 씁니다 / A phone number holds digits, +, - and brackets",
            "예: 031-123-4567",
        )
    fields["discount_percent"] = _percent(raw.get("discount_percent"), prefix + "discount_percent")
    fields["validity_days"] = _days(raw.get("validity_days"), prefix + "validity_days")
    return fields


def check_unique(repo: CustomerRepository, fields: dict[str, Any], own_id: str | None) -> None:
    """Taken when another customer than `own_id` has this name or business number."""
    other = repo.by_name(fields["name"])
    if other is not None and other.id != own_id:
        raise Taken("name", fields["name"], other.id)
    if fields["business_number"] is not None:
        other = repo.by_business_number(fields["business_number"])
        if other is not None and other.id != own_id:
            raise Taken("business_number", formatted(fields["business_number"]) or "", other.id)


# --------------------------------------------------------------------------------------- use cases


def create_customer(session: Session, raw: dict[str, Any]) -> CustomerRow:
    repo = CustomerRepository(session)
    fields = checked_fields(raw)
    check_unique(repo, fields, None)
    return repo.add(fields)


def get_customer(session: Session, customer_id: str) -> CustomerRow:
    row = CustomerRepository(session).get(customer_id)
    if row is None:
        raise CustomerNotFound(customer_id)
    return row


def update_customer(session: Session, customer_id: str, raw: dict[str, Any]) -> CustomerRow:
    repo = CustomerRepository(session)
    row = get_customer(session, customer_id)
    fields = checked_fields(raw)
    check_unique(repo, fields, row.id)
    return repo.update(row, fields)


def delete_customer(session: Session, customer_id: str) -> None:
    """The record goes; its quotes stay (they carry the customer's name themselves)."""
    CustomerRepository(session).remove(get_customer(session, customer_id))


def search_customers(session: Session, q: str, page: int, size: int) -> tuple[list[CustomerRow], int]:
    return CustomerRepository(session).search(q.strip()[:200], page, size)


def customer_quotes(session: Session, row: CustomerRow) -> list[QuoteRow]:
    return CustomerRepository(session).quotes(row.name, MAX_QUOTES)
