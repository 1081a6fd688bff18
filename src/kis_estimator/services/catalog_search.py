"""Catalog search: the rows of one kind of the catalog in use that hold a term and pass every filter,
one page of them; the same for `GET /v1/catalog/{kind}` and the MCP tool `lookup_catalog`.

The catalog in use is the active price book, or the configured catalog before any book is active
(services/catalog_in_use.py). Its typed rows (the columns of the import files) are filtered in one
place for both sources, so that `total` and paging are exact whatever the size of the book.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from kis_estimator.pricebooks import catalog_rows
from kis_estimator.services.catalog_in_use import catalog_in_use

if TYPE_CHECKING:
    from kis_estimator.bootstrap import Container

__all__ = ["FILTERS", "CatalogFilterUnknown", "CatalogPage", "search_catalog"]

# What `q` is matched against, per kind (besides the model, the names a person would type).
_NAME_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "breakers": ("model", "series"),
    "enclosures": ("model", "series"),
    "accessories": ("model", "line_name", "spec"),
}
# The filters each kind accepts: filter name → the row's column.
FILTERS: Final[dict[str, dict[str, str]]] = {
    "breakers": {
        "brand": "brand",
        "type": "type",
        "series": "series",
        "grade": "grade",
        "poles": "poles",
        "frame_af": "frame_af",
        "trip_at": "trip_ratings_a",
    },
    "enclosures": {"series": "series", "material": "material", "location": "location"},
    "accessories": {"type": "kind"},
}


class CatalogFilterUnknown(ValueError):
    """A filter the kind does not have (CATALOG_FILTER_UNKNOWN); `name` is the filter, `message` and
    `hint` are Korean then English."""

    code = "CATALOG_FILTER_UNKNOWN"

    def __init__(self, kind: str, name: str) -> None:
        self.kind, self.name = kind, name
        self.message = f"{kind}에는 '{name}' 조건이 없습니다 / {kind} cannot be filtered by {name}"
        self.hint = f"쓸 수 있는 조건 / Filters for {kind}: {', '.join(FILTERS[kind])}"
        super().__init__(self.message)


@dataclass(frozen=True)
class CatalogPage:
    """One page of matching rows, how many match in all, and the catalog searched."""

    items: list[dict[str, Any]]
    total: int
    page: int
    size: int
    price_book_id: int | None
    catalog_sha256: str


def search_catalog(
    container: Container, kind: str, q: str | None, filters: Mapping[str, object], page: int, size: int
) -> CatalogPage:
    """Rows of `kind` holding `q` in a name column (case and spaces ignored) and passing every filter
    (a name of FILTERS[kind] → the wanted value); an exact model first, then in the book's order.
    Raises CatalogFilterUnknown for the first filter the kind does not have, DataError when the active
    book fails its hash."""
    columns: dict[str, tuple[str, object]] = {}
    for name, value in filters.items():
        if name not in FILTERS[kind]:
            raise CatalogFilterUnknown(kind, name)
        columns[name] = (FILTERS[kind][name], value)
    in_use = catalog_in_use(container)
    found = _search(catalog_rows(in_use.catalog)[kind], kind, q, columns)
    start = (page - 1) * size
    return CatalogPage(
        found[start : start + size], len(found), page, size, in_use.price_book_id, in_use.sha256
    )


def _squash(value: object) -> str:
    return "".join(str(value).split()).casefold()


def _matches(row: Mapping[str, Any], filters: Mapping[str, tuple[str, object]]) -> bool:
    for column, wanted in filters.values():
        value = row.get(column)
        if column == "trip_ratings_a":
            if wanted not in (value or ()):
                return False
        elif isinstance(wanted, int):
            if value != wanted:
                return False
        elif value is None or _squash(value) != _squash(wanted):
            return False
    return True


def _search(
    rows: Sequence[dict[str, Any]], kind: str, q: str | None, filters: Mapping[str, tuple[str, object]]
) -> list[dict[str, Any]]:
    term = _squash(q or "")
    found = [
        row
        for row in rows
        if _matches(row, filters)
        and (not term or any(term in _squash(row.get(c) or "") for c in _NAME_COLUMNS[kind]))
    ]
    if term:
        found.sort(key=lambda row: _squash(row["model"]) != term)
    return found
