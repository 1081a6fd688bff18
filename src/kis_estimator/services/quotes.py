"""Reading and changing saved quotes: get one, search, change its status, the base of a revision.

Each use case opens its own session (a read, or one write transaction) and raises `Refused` for what
the caller must fix: 404 QUOTE_NOT_FOUND, 409 ILLEGAL_STATUS_CHANGE, 409 QUOTE_READ_ONLY.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kis_estimator.bootstrap import Container
from kis_estimator.db.errors import IllegalTransition, QuoteReadOnly
from kis_estimator.db.models import QuoteRow
from kis_estimator.db.repository import MAX_PAGE_SIZE, QuoteRepository
from kis_estimator.services import audit
from kis_estimator.services.creating import read_only_error
from kis_estimator.services.failures import Refused


def not_found(reference: str, *, path: str = "id", search: str = "GET /v1/estimate") -> Refused:
    """404 QUOTE_NOT_FOUND; `path` names the argument that held `reference`, `search` how to look one up."""
    return Refused(
        404,
        "QUOTE_NOT_FOUND",
        f"견적이 없습니다 / No quote {reference[:64]}",
        hint=f"견적 ID를 확인해 주세요 ({search} 로 검색) / Check the quote id (search with {search}).",
        path=path,
    )


def get_quote(container: Container, quote_id: str) -> dict[str, Any]:
    """The saved quote's JSON, by id."""
    with container.reads() as session:
        row = QuoteRepository(session).get(quote_id)
        if row is None:
            raise not_found(quote_id)
        document: dict[str, Any] = row.document
        return document


def search_quotes(
    container: Container,
    *,
    q: str | None = None,
    customer: str | None = None,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    size: int = 20,
) -> dict[str, Any]:
    """Saved quotes matching every filter, newest first: one page of summaries."""
    if size > MAX_PAGE_SIZE:
        raise Refused(
            422,
            "REQ_INVALID",
            f"한 페이지는 최대 {MAX_PAGE_SIZE}건입니다 / At most {MAX_PAGE_SIZE} quotes per page",
            hint=f"size를 {MAX_PAGE_SIZE} 이하로, 나머지는 page=2, 3, …로 / "
            f"Send size <= {MAX_PAGE_SIZE} and page through the rest.",
            path="query.size",
            extra={"maxSize": MAX_PAGE_SIZE},
        )
    with container.reads() as session:
        found = QuoteRepository(session).search(
            q=q, customer=customer, status=status, date_from=date_from, date_to=date_to, page=page, size=size
        )
        return found.as_page()


def change_status(
    container: Container, quote_id: str, status: str, *, who: str | None = None, trace_id: str | None = None
) -> dict[str, Any]:
    """Move the quote to `status` (draft → sent → ordered → shipped → paid, or closed); its new JSON.
    The audit trail records it as `who` (None: `kis`)."""
    try:
        with container.sessions.begin() as session:
            row = QuoteRepository(session).set_status(quote_id, status)
            if row is None:
                raise not_found(quote_id)
            detail = {"number": row.number, "status": row.status}
            audit.record(session, who, "quote.status", row.id, detail, trace_id)
            document: dict[str, Any] = row.document
            return document
    except QuoteReadOnly as exc:
        raise read_only_error(container, exc) from None
    except IllegalTransition as exc:
        raise Refused(
            409,
            "ILLEGAL_STATUS_CHANGE",
            f"상태를 {exc.current}에서 {exc.wanted}(으)로 바꿀 수 없습니다 / "
            f"Cannot move from {exc.current} to {exc.wanted}",
            hint="견적 → 발송 → 수주 → 출하 → 입금, 또는 종료 / draft → sent → ordered → shipped → paid, or closed",
            path="status",
        ) from None


def revision_base(container: Container, quote_id: str) -> tuple[tuple[str, int], dict[str, Any]]:
    """What a revision of `quote_id` starts from: (its id and revision, the `changes.previous` block)."""
    with container.reads() as session:
        row = QuoteRepository(session).get(quote_id)
        if row is None:
            raise not_found(quote_id)
        return (row.id, row.revision), {"id": row.id, "number": row.number, "totals": row.document["totals"]}


def with_changes(before: dict[str, Any], quote: dict[str, Any]) -> dict[str, Any]:
    """The revision's answer: the quote and how its totals moved from the previous revision's."""
    after = quote["totals"]
    changes = {
        "previous": before,
        "totals_delta": {k: after[k] - before["totals"][k] for k in ("subtotal", "vat", "total")},
    }
    return {**quote, "changes": changes}


def find(repository: QuoteRepository, reference: str) -> QuoteRow | None:
    """The quote a person names: by id, else by number (EST-YYYYMMDD-NNNN)."""
    return repository.get(reference) or repository.by_number(reference)


def find_quote(container: Container, reference: str, *, path: str, search: str) -> dict[str, Any]:
    """The saved quote's JSON, by id or number."""
    with container.reads() as session:
        row = find(QuoteRepository(session), reference)
        if row is None:
            raise not_found(reference, path=path, search=search)
        document: dict[str, Any] = row.document
        return document
