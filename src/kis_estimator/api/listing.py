"""The query of a quote list (filters and order), one dependency for every route that lists quotes, so
that the list and its export take the same parameters and answer a bad one alike."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from kis_estimator.api.errors import ApiError
from kis_estimator.services.quote_list import SORTS, ListQuery, UnknownSort, parse_sort

SORT_HELP = (
    "정렬: number, date, customer, total, status, revision (앞에 -: 내림차순; 기본 -date, 최근 것 먼저) / "
    "Order by a column, ascending, or descending with a leading '-' (default -date: newest first)"
)


def list_query(
    q: Annotated[str | None, Query(max_length=200)] = None,
    customer: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[
        str | None, Query(pattern="^(draft|sent|ordered|shipped|paid|closed)$", description="상태 / Status")
    ] = None,
    date_from: date | None = None,
    date_to: date | None = None,
    author: Annotated[str | None, Query(max_length=100, description="작성자 (이름의 일부) / Author")] = None,
    sort: Annotated[
        str | None, Query(max_length=20, description=SORT_HELP, json_schema_extra={"enum": list(SORTS)})
    ] = None,
) -> ListQuery:
    """The filters and order of the request; 422 REQ_INVALID at `query.sort` for an unknown order."""
    try:
        order = parse_sort(sort)
    except UnknownSort:
        raise ApiError(
            422,
            "REQ_INVALID",
            "정렬할 수 없는 열입니다 / Unknown sort order",
            hint=f"sort는 {', '.join(SORTS)} 중 하나로 / Send one of {', '.join(SORTS)}.",
            path="query.sort",
            extra={"allowed": list(SORTS)},
        ) from None
    return ListQuery(
        q=q, customer=customer, status=status, date_from=date_from, date_to=date_to, author=author, sort=order
    )


QuoteListQuery = Annotated[ListQuery, Depends(list_query)]
