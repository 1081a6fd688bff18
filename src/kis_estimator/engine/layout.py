"""Branch rows of the face-to-face layout (DOMAIN §4) and the placement of each breaker.

Branch breakers lie sideways in facing pairs left and right of the vertical branch busbar. They are
grouped by (poles, frame), groups ordered poles desc, frame desc, and within a group AT desc; a group
of n breakers takes ceil(n / 2) rows whose pitch is the breaker's catalog width (40 mm for the 30AF
small family).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from kis_estimator.engine.resolve import ResolvedBreaker
from kis_estimator.engine.rulebook import Rulebook


@dataclass(frozen=True)
class PlacedBreaker:
    """One physical branch breaker at its row and side; `index` is its rank in placement order."""

    index: int
    source: ResolvedBreaker
    row: int
    side: str  # "L" | "R"


@dataclass(frozen=True)
class BranchRow:
    index: int
    poles: int
    frame_af: int
    pitch_mm: int
    height_mm: int  # the tallest breaker lying in this row, across the panel


@dataclass(frozen=True)
class BranchLayout:
    rows: tuple[BranchRow, ...]
    placed: tuple[PlacedBreaker, ...]

    @property
    def stack_mm(self) -> int:
        return sum(row.pitch_mm for row in self.rows)


def _order_key(branch: ResolvedBreaker) -> tuple[int, int, int, str]:
    b = branch.breaker
    return (-b.poles, -b.frame_af, -branch.trip_at, b.model)


def lay_out_branches(branches: list[ResolvedBreaker], rules: Rulebook) -> BranchLayout:
    """Rows top to bottom and each breaker's row and side, alternating left and right within a group."""
    ordered = sorted(branches, key=_order_key)
    rows: list[BranchRow] = []
    placed: list[PlacedBreaker] = []
    for (neg_poles, neg_frame), group_iter in groupby(
        ordered, key=lambda b: (-b.breaker.poles, -b.breaker.frame_af)
    ):
        group = list(group_iter)
        units = [branch for branch in group for _ in range(branch.qty)]
        small = -neg_frame == rules.breakers.small_family_frame_af
        pitch = rules.breakers.small_family_row_pitch_mm if small else max(b.width_mm for b in group)
        height = max(b.height_mm for b in group)
        first_row = len(rows)
        for r in range((len(units) + 1) // 2):
            rows.append(BranchRow(first_row + r, -neg_poles, -neg_frame, pitch, height))
        for i, unit in enumerate(units):
            placed.append(PlacedBreaker(len(placed), unit, first_row + i // 2, "L" if i % 2 == 0 else "R"))
    return BranchLayout(rows=tuple(rows), placed=tuple(placed))
