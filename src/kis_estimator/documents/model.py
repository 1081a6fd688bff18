"""The document model: everything a quotation document shows, built from the quote JSON alone.

Renderers (xlsx, pdf, svg, dxf) take this model and return bytes; none of them computes a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kis_estimator.engine.model import Enclosure, Quote, QuotePanel


@dataclass(frozen=True)
class Company:
    """The shop's block on the cover: from settings, or the supplier's profile (공급자) when an admin
    set one; the fields after `email` and the seal are shown only when filled in."""

    name: str = "KIS 분전반"
    representative: str = ""
    business_number: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    business_kind: str = ""  # 업태/종목, "제조업 / 배전반"
    fax: str = ""
    contact: str = ""  # 담당자
    seal: bytes = field(default=b"", repr=False)  # 직인 (PNG or JPEG), drawn on the cover


@dataclass(frozen=True)
class Terms:
    payment: str = "결제조건: 계약 시 협의"
    validity_days: int = 30
    delivery: str = "납기: 발주 후 협의"


@dataclass(frozen=True)
class DocumentLine:
    no: int
    name: str
    spec: str
    unit: str
    qty: float | int
    unit_price: int
    amount: int
    note: str
    price_note: str = ""  # an adjusted unit price: the list price, the range, the reason

    @property
    def remarks(self) -> str:
        """The 비고 text: the line's note, then what its unit price was adjusted from."""
        return " · ".join(text for text in (self.note, self.price_note) if text)


@dataclass(frozen=True)
class DocumentPanel:
    index: int
    name: str
    size_text: str  # "W×H×D"
    enclosure_text: str
    quantity: int
    lines: tuple[DocumentLine, ...]
    subtotal: int
    amount: int  # subtotal × quantity


@dataclass(frozen=True)
class QuoteDocument:
    number: str
    date_iso: str
    date_text: str  # "YYYY년 MM월 DD일"
    customer: str
    contact: str
    project: str
    company: Company
    panels: tuple[DocumentPanel, ...]
    subtotal: int
    vat: int
    total: int
    vat_rate: float
    amount_in_words: str
    notes: tuple[str, ...]
    evidence_hash: str = ""
    gates: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)  # (id, status, message)
    discount: Discount | None = None


@dataclass(frozen=True)
class Discount:
    """The quote's discount: its amount, the supply it leaves, and the percentage when it was one."""

    amount: int
    supply: int
    percent: float | None


def korean_date(date_iso: str) -> str:
    """ "2026-11-22" → "2026년 11월 22일"."""
    year, month, day = date_iso[:10].split("-")
    return f"{year}년 {month}월 {day}일"


def _size_text(size: list[int]) -> str:
    return "×".join(str(v) for v in size)


def _enclosure_text(enclosure: Enclosure) -> str:
    kind = "기성함" if enclosure["stock"] else "주문제작"
    return f"{kind} {enclosure['model']} {enclosure['material']} {enclosure['thickness_mm']:.1f}T"


def _price_note(adjustment: dict[str, Any] | None) -> str:
    """ "정가 87,300 (범위 54,300~87,300), 협상가" for a line whose unit price the estimator set."""
    if adjustment is None:
        return ""
    text = f"정가 {adjustment['list_price']:,}"
    if adjustment["range"]:
        low, high = adjustment["range"]
        text += f" (범위 {low:,}~{high:,})"
    return text + (f", {adjustment['reason']}" if adjustment["reason"] else "")


def _panel(index: int, panel: QuotePanel) -> DocumentPanel:
    lines = tuple(
        DocumentLine(
            ln["no"],
            ln["name"],
            ln["spec"],
            ln["unit"],
            ln["qty"],
            ln["unit_price"],
            ln["amount"],
            ln["note"],
            _price_note(ln.get("adjustment")),
        )
        for ln in panel["lines"]
    )
    return DocumentPanel(
        index=index,
        name=panel["name"],
        size_text=_size_text(panel["enclosure"]["size_mm"]),
        enclosure_text=_enclosure_text(panel["enclosure"]),
        quantity=panel["quantity"],
        lines=lines,
        subtotal=panel["subtotal"],
        amount=panel["amount"],
    )


def _notes(quote: Quote, terms: Terms) -> tuple[str, ...]:
    brands = sorted({b["brand"] for p in quote["panels"] for b in p["breakers"]})
    brand_names = {"LS": "LS일렉트릭", "SANGDO": "상도전기"}
    enclosures = sorted({_enclosure_text(p["enclosure"]) for p in quote["panels"]})
    return (
        f"차단기: {', '.join(brand_names.get(b, b) for b in brands)}",
        f"외함: {', '.join(enclosures)}",
        terms.payment,
        f"견적 유효기간: 견적일로부터 {terms.validity_days}일",
        terms.delivery,
        "부가세 별도 금액과 부가세 포함 금액을 함께 표기합니다.",
    )


def build_document(quote: Quote, company: Company, terms: Terms, evidence_hash: str = "") -> QuoteDocument:
    """The document model of a quote; pure, so the same quote gives the same documents."""
    customer = quote["customer"]
    totals = quote["totals"]
    return QuoteDocument(
        number=quote["number"],
        date_iso=quote["date"],
        date_text=korean_date(quote["date"]),
        customer=customer["name"],
        contact=customer.get("contact") or "",
        project=quote.get("project") or "",
        company=company,
        panels=tuple(_panel(i, p) for i, p in enumerate(quote["panels"])),
        subtotal=totals["subtotal"],
        vat=totals["vat"],
        total=totals["total"],
        vat_rate=totals["vat_rate"],
        amount_in_words=totals["amount_in_words"],
        notes=_notes(quote, terms),
        evidence_hash=evidence_hash,
        gates=tuple((g["id"], g["status"], g["message"]) for g in quote["gates"]),
        discount=_discount(quote),
    )


def _discount(quote: Quote) -> Discount | None:
    totals = quote["totals"]
    if "discount" not in totals:
        return None
    return Discount(totals["discount"], totals["supply"], quote["request"]["discount"]["percent"])
