"""The quote list as a work queue: a page of a search in the order of one column, each quote with a
one-line summary of its panels, and every listed quote exported to a workbook.

The summary is derived from what each saved quote already stores (no column of its own, so no
migration): the brand, the first panel's enclosure place and material from the stored request, and
per panel its sets, main breaker and branch breakers from the panels and breakers tables. For example
"LS 옥외 SUS · 메인 4P 200A · 분기 18", or "LS 옥내 철판 · 3면 · 메인 4P 75A 외 · 분기 36" for three sets
whose mains differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, BinaryIO
from zoneinfo import ZoneInfo

from kis_estimator.db.quote_facts import QuoteFacts, quote_facts
from kis_estimator.db.repository import DEFAULT_SORT, SORT_KEYS, ListedQuote, QuoteRepository
from kis_estimator.documents.quote_list import ListedRow, write_quote_list

if TYPE_CHECKING:
    from kis_estimator.bootstrap import Container

__all__ = [
    "SORTS",
    "ListQuery",
    "TooManyToExport",
    "UnknownSort",
    "export_filename",
    "export_quotes",
    "parse_sort",
    "search_page",
    "summary_line",
]

# The `sort` values: a key of SORT_KEYS ascending, or with a leading "-" descending.
SORTS = tuple(f"{sign}{key}" for key in SORT_KEYS for sign in ("", "-"))
STATUS_WORDS = {
    "draft": "작성",
    "sent": "발송",
    "ordered": "수주",
    "shipped": "출하",
    "paid": "입금",
    "closed": "종료",
}
BRAND_WORDS = {"LS": "LS", "SANGDO": "상도", "MIXED": "혼용"}
LOCATION_WORDS = {"INDOOR": "옥내", "OUTDOOR": "옥외"}
MATERIAL_WORDS = {"STEEL": "철판", "SUS201": "SUS", "SUS304": "SUS304"}  # as estimators write them
SORT_WORDS = {
    "number": "견적번호",
    "date": "작성일",
    "customer": "고객",
    "total": "합계",
    "status": "상태",
    "revision": "개정",
}


class UnknownSort(ValueError):
    def __init__(self, given: str) -> None:
        self.given = given
        super().__init__(f"unknown sort {given!r}: one of {', '.join(SORTS)}")


class TooManyToExport(Exception):
    """More quotes match than one export may hold (EXPORT_MAX_ROWS)."""

    def __init__(self, total: int, limit: int) -> None:
        self.total, self.limit = total, limit
        super().__init__(f"{total} quotes match, an export holds at most {limit}")


def parse_sort(text: str | None) -> tuple[str, bool]:
    """(key, descending) of a `sort` value such as "total" or "-total"; None or "" is newest first."""
    if not text:
        return DEFAULT_SORT
    if text not in SORTS:
        raise UnknownSort(text)
    return (text[1:], True) if text.startswith("-") else (text, False)


@dataclass(frozen=True)
class ListQuery:
    """The filters and order of a quote list, as GET /v1/estimate and its export take them."""

    q: str | None = None
    customer: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    author: str | None = None
    sort: tuple[str, bool] = DEFAULT_SORT

    def filters(self) -> dict[str, Any]:
        return {
            "q": self.q,
            "customer": self.customer,
            "status": self.status,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "author": self.author,
        }

    def described(self) -> list[tuple[str, str]]:
        """The search in words, for the export's 조건 sheet."""
        key, descending = self.sort
        given = [
            ("검색어", self.q),
            ("고객", self.customer),
            ("상태", STATUS_WORDS.get(self.status or "", self.status)),
            ("작성일 부터", self.date_from and self.date_from.isoformat()),
            ("작성일 까지", self.date_to and self.date_to.isoformat()),
            ("작성자", self.author),
        ]
        order = f"{SORT_WORDS[key]} {'내림차순' if descending else '오름차순'}"
        return [(name, value) for name, value in given if value] + [("정렬", order)]


def summary_line(facts: QuoteFacts) -> str:
    """One line of the quote's panels: brand, place and material · sets · main · branch breakers."""
    head = " ".join(
        word
        for word in (
            BRAND_WORDS.get(facts.brand, facts.brand),
            LOCATION_WORDS.get(facts.location or "", facts.location),
            MATERIAL_WORDS.get(facts.material or "", facts.material),
        )
        if word
    )
    parts = [head]
    sets = sum(panel.quantity for panel in facts.panels)
    if sets > 1:
        parts.append(f"{sets}면")
    if facts.panels:
        first = facts.panels[0]
        mains = {(panel.main_poles, panel.main_trip_at) for panel in facts.panels}
        if first.main_poles is not None:
            parts.append(
                f"메인 {first.main_poles}P {first.main_trip_at}A" + (" 외" if len(mains) > 1 else "")
            )
        branches = sum(panel.branches * panel.quantity for panel in facts.panels)
        parts.append(f"분기 {branches}" if branches else "분기 없음")
    return " · ".join(parts)


def search_page(container: Container, query: ListQuery, page: int, size: int) -> dict[str, Any]:
    """One page of the list: {items, total, page, size}, each item the search row and its `summary`."""
    with container.reads() as session:
        found = QuoteRepository(session).search(**query.filters(), sort=query.sort, page=page, size=size)
        facts = quote_facts(session, [item.id for item in found.items])
    answer = found.as_page()
    for item in answer["items"]:
        known = facts.get(item["id"])
        item["summary"] = summary_line(known) if known is not None else ""
    return answer


def _row(quote: ListedQuote, facts: QuoteFacts | None) -> ListedRow:
    return ListedRow(
        number=quote.number,
        date=quote.quote_date,
        customer=quote.customer_name,
        project=quote.project or "",
        summary=summary_line(facts) if facts is not None else "",
        subtotal=quote.subtotal,
        vat=quote.vat,
        total=quote.total,
        revision=quote.revision,
        status=STATUS_WORDS.get(quote.status, quote.status),
    )


def export_quotes(container: Container, query: ListQuery, target: BinaryIO) -> int:
    """Write every quote the list finds, in its order, as a workbook to `target`; returns how many.
    Raises TooManyToExport (nothing written) when more than EXPORT_MAX_ROWS match."""
    limit = container.settings.export_max_rows
    with container.reads() as session:
        total, quotes = QuoteRepository(session).listed(**query.filters(), sort=query.sort, limit=limit)
        if total > limit:
            raise TooManyToExport(total, limit)
        facts = quote_facts(session, [quote.id for quote in quotes])

    def rows() -> Iterator[ListedRow]:
        for quote in quotes:
            yield _row(quote, facts.get(quote.id))

    return write_quote_list(target, rows(), query.described())


def export_filename(timezone: str, now: datetime | None = None) -> str:
    """견적목록_YYYYMMDD.xlsx, today in the shop's time zone."""
    moment = now or datetime.now(ZoneInfo(timezone))
    return f"견적목록_{moment:%Y%m%d}.xlsx"
