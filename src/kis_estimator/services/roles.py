"""The roles of the API keys, in order: a viewer reads, an estimator also creates and changes quotes, an
admin also manages the catalog and the keys. Every edge that checks a caller asks here."""

from __future__ import annotations

from kis_estimator.db.models import ROLES

RANK = {"viewer": 0, "estimator": 1, "admin": 2}
assert set(RANK) == set(ROLES)


def allows(role: str, needed: str) -> bool:
    """Whether a caller with `role` may do what `needed` may."""
    return RANK[role] >= RANK[needed]


def granted(role: str) -> list[str]:
    """`role` and every role below it (what a key of that role may act as)."""
    return [other for other, rank in RANK.items() if rank <= RANK[role]]
