"""The BOM difference between two revisions of one quote: per panel, the lines added, removed and
changed (quantity, unit price, amount before and after), and the totals before, after and their
difference. Both quotes must belong to the same revision chain (422 REVISION_CHAIN_MISMATCH)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kis_estimator.bootstrap import Container
from kis_estimator.db.models import QuoteRow
from kis_estimator.db.repository import QuoteRepository
from kis_estimator.services.failures import Refused
from kis_estimator.services.quotes import not_found

TOTALS = ("subtotal", "discount", "supply", "vat", "total")
# What makes two lines of one panel the same line; a repeated key is paired by its occurrence.
LINE_KEY = ("section", "name", "spec", "unit")


def revision_diff(container: Container, quote_id: str, against: str) -> dict[str, Any]:
    """How `quote_id` differs from `against` (the "before"), both revisions of one chain."""
    with container.reads() as session:
        repository = QuoteRepository(session)
        after = repository.get(quote_id)
        if after is None:
            raise not_found(quote_id)
        before = repository.get(against)
        if before is None:
            raise not_found(against, path="query.against")
        after_root, before_root = repository.root_of(after.id), repository.root_of(before.id)
        if after_root is None or before_root is None or after_root.id != before_root.id:
            raise Refused(
                422,
                "REVISION_CHAIN_MISMATCH",
                "두 견적은 같은 견적의 개정이 아닙니다 / The two quotes are not revisions of one quote",
                hint=f"{after.number}의 다른 개정을 against로 보내세요 / "
                f"Send another revision of {after.number} as `against`.",
                path="query.against",
            )
        return diff_documents(before, after)


def revision_chain(container: Container, quote_id: str) -> dict[str, Any]:
    """Every revision of the chain `quote_id` belongs to (the root first) and the latest of them."""
    with container.reads() as session:
        chain = QuoteRepository(session).chain_of(quote_id)
        if not chain:
            raise not_found(quote_id)
        items = [{**_identity(row), "status": row.status, "total": row.total} for row in chain]
        return {"items": items, "latest": items[-1]}


def _identity(row: QuoteRow) -> dict[str, Any]:
    return {"id": row.id, "number": row.number, "revision": row.revision}


def diff_documents(before: QuoteRow, after: QuoteRow) -> dict[str, Any]:
    old_totals, new_totals = _totals(before.document["totals"]), _totals(after.document["totals"])
    return {
        "from": _identity(before),
        "to": _identity(after),
        "panels": _panels(before.document["panels"], after.document["panels"]),
        "totals": {
            "before": old_totals,
            "after": new_totals,
            "difference": {k: new_totals[k] - old_totals[k] for k in TOTALS},
        },
    }


def _totals(totals: Mapping[str, Any]) -> dict[str, int]:
    discount = int(totals.get("discount", 0))
    supply = int(totals.get("supply", totals["subtotal"] - discount))
    return {
        "subtotal": int(totals["subtotal"]),
        "discount": discount,
        "supply": supply,
        "vat": int(totals["vat"]),
        "total": int(totals["total"]),
    }


def _keyed(items: Iterable[Mapping[str, Any]], key: Any) -> dict[tuple[Any, ...], Mapping[str, Any]]:
    """Items by (key, occurrence): a repeated key is paired with its n-th namesake."""
    seen: dict[Any, int] = {}
    keyed = {}
    for item in items:
        k = key(item)
        seen[k] = seen.get(k, 0) + 1
        keyed[(k, seen[k])] = item
    return keyed


def _line(line: Mapping[str, Any]) -> dict[str, Any]:
    return {k: line[k] for k in ("name", "spec", "unit", "qty", "unit_price", "amount")}


def _panels(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    old, new = _keyed(before, lambda p: p["name"]), _keyed(after, lambda p: p["name"])
    order = [*new, *(k for k in old if k not in new)]  # the new revision's panels, then the removed
    return [_panel(old.get(k), new.get(k)) for k in order]


def _panel(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    old_lines = _keyed(before["lines"] if before else [], lambda ln: tuple(ln[k] for k in LINE_KEY))
    new_lines = _keyed(after["lines"] if after else [], lambda ln: tuple(ln[k] for k in LINE_KEY))
    changed = []
    for k in (k for k in new_lines if k in old_lines):  # in the new revision's order
        was, now = old_lines[k], new_lines[k]
        if (was["qty"], was["unit_price"], was["amount"]) != (now["qty"], now["unit_price"], now["amount"]):
            changed.append(
                {
                    **{f: now[f] for f in ("name", "spec", "unit")},
                    "qty": {"before": was["qty"], "after": now["qty"]},
                    "unit_price": {"before": was["unit_price"], "after": now["unit_price"]},
                    "amount": {
                        "before": was["amount"],
                        "after": now["amount"],
                        "difference": now["amount"] - was["amount"],
                    },
                }
            )
    old_amount = int(before["amount"]) if before else 0
    new_amount = int(after["amount"]) if after else 0
    named = after or before
    assert named is not None
    return {
        "name": named["name"],
        "status": "added" if before is None else "removed" if after is None else "kept",
        "quantity": {
            "before": before["quantity"] if before else None,
            "after": after["quantity"] if after else None,
        },
        "amount": {"before": old_amount, "after": new_amount, "difference": new_amount - old_amount},
        "added": [_line(new_lines[k]) for k in new_lines if k not in old_lines],
        "removed": [_line(old_lines[k]) for k in old_lines if k not in new_lines],
        "changed": changed,
    }
