"""The heuristic: greedy, largest load first, then exchanges of one or two loads between phases."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from kis_estimator.engine.phases.groups import (
    PHASE_COUNT,
    Groups,
    PhaseKey,
    Split,
    key_of,
    load_count_of,
    phase_counts,
    phase_sums,
    split_key,
)

# A safety net only: every accepted local-search step strictly improves a bounded integer key.
_MAX_LOCAL_STEPS = 10_000


def heuristic_split(groups: Groups, *, target: PhaseKey) -> Split:
    """A good split found without search, deterministic; stops early once it reaches `target`."""
    balanced = _greedy_split(groups, balance_counts=True)
    improve(groups, balanced, target=target, keep_counts=True)
    if split_key(groups, balanced) == target:
        return balanced
    # Count-preserving exchanges were not enough: let the counts change too, from two starts.
    relaxed = [row[:] for row in balanced]
    improve(groups, relaxed, target=target, keep_counts=False)
    unconstrained = _greedy_split(groups, balance_counts=False)
    improve(groups, unconstrained, target=target, keep_counts=False)
    candidates = [balanced, relaxed, unconstrained]
    return min(candidates, key=lambda split: split_key(groups, split))  # min keeps the first of equals


def _greedy_split(groups: Groups, *, balance_counts: bool) -> Split:
    """Largest load first onto the lightest phase (fewest loads, then R before S before T on ties).

    With `balance_counts`, a phase takes a load only while the counts can still end within one.
    """
    base_count, phases_with_extra = divmod(load_count_of(groups), PHASE_COUNT)
    split = [[0] * PHASE_COUNT for _ in groups.values]
    sums = [0] * PHASE_COUNT
    counts = [0] * PHASE_COUNT
    for group, (value, multiplicity) in enumerate(zip(groups.values, groups.multiplicities, strict=True)):
        for _ in range(multiplicity):
            phases_at_extra = sum(1 for count in counts if count > base_count)
            open_phases = [
                p
                for p in range(PHASE_COUNT)
                if not balance_counts
                or counts[p] < base_count
                or (counts[p] == base_count and phases_at_extra < phases_with_extra)
            ]
            phase = min(open_phases, key=lambda p: (sums[p], counts[p], p))
            split[group][phase] += 1
            sums[phase] += value
            counts[phase] += 1
    return split


@dataclass(frozen=True)
class _Exchange:
    """Loads `out` (group indices) leave `phase_a` for `phase_b`, and loads `back` go the other way."""

    phase_a: int
    out: tuple[int, ...]
    phase_b: int
    back: tuple[int, ...]


@dataclass(frozen=True)
class _Packet:
    """A few loads of one phase that may leave it together."""

    total: int
    loads: tuple[int, ...]  # group indices


def improve(groups: Groups, split: Split, *, target: PhaseKey, keep_counts: bool) -> None:
    """Apply the best improving exchange until none improves the key; edits `split` in place.

    Exchanges of single loads come first; pairs of loads are tried only when singles are stuck, since
    they cost quadratically more and are needed only for the last few units of spread.
    """
    largest_packet = 1
    for _ in range(_MAX_LOCAL_STEPS):
        if split_key(groups, split) == target:
            return
        exchange = _best_exchange(groups, split, largest_packet=largest_packet, keep_counts=keep_counts)
        if exchange is not None:
            _apply(split, exchange)
            largest_packet = 1
        elif largest_packet == 1:
            largest_packet = 2
        else:
            return


def _best_exchange(
    groups: Groups, split: Split, *, largest_packet: int, keep_counts: bool
) -> _Exchange | None:
    """The exchange between two phases, of up to `largest_packet` loads each way, that lowers the key most.

    For a fixed outgoing packet the new spread is convex in the amount transferred and least where the
    pair is levelled, so per size only the two returning packets bracketing that target can be best.
    """
    sums = phase_sums(groups, split)
    counts = phase_counts(split)
    best_key = key_of(sums, counts)
    best: _Exchange | None = None
    packets = [_packets(groups, split, phase, largest_packet) for phase in range(PHASE_COUNT)]
    for phase_a, phase_b in ((0, 1), (0, 2), (1, 2)):
        half_gap = (sums[phase_a] - sums[phase_b]) / 2
        for out_size, outgoing in enumerate(packets[phase_a]):
            for back_size, returning in enumerate(packets[phase_b]):
                if keep_counts and back_size != out_size:
                    continue
                totals = [packet.total for packet in returning]
                for out in outgoing:
                    position = bisect_left(totals, out.total - half_gap)
                    for back in returning[max(position - 1, 0) : position + 1]:
                        exchange = _Exchange(phase_a, out.loads, phase_b, back.loads)
                        key = _key_after(groups, sums, counts, exchange)
                        if key < best_key:
                            best_key, best = key, exchange
    return best


def _packets(groups: Groups, split: Split, phase: int, largest_packet: int) -> list[list[_Packet]]:
    """The phase's packets by size (0 … `largest_packet`), each size sorted by total."""
    present = [group for group in range(len(groups.values)) if split[group][phase] > 0]
    by_size = [[_Packet(0, ())], [_Packet(groups.values[group], (group,)) for group in present]]
    if largest_packet >= 2:
        by_size.append(
            [
                _Packet(groups.values[first] + groups.values[second], (first, second))
                for index, first in enumerate(present)
                for second in present[index:]
                if second != first or split[first][phase] >= 2
            ]
        )
    return [sorted(packets, key=lambda packet: (packet.total, packet.loads)) for packets in by_size]


def _key_after(groups: Groups, sums: Sequence[int], counts: Sequence[int], exchange: _Exchange) -> PhaseKey:
    moved = sum(groups.values[group] for group in exchange.out) - sum(
        groups.values[group] for group in exchange.back
    )
    moved_count = len(exchange.out) - len(exchange.back)
    new_sums = list(sums)
    new_counts = list(counts)
    new_sums[exchange.phase_a] -= moved
    new_sums[exchange.phase_b] += moved
    new_counts[exchange.phase_a] -= moved_count
    new_counts[exchange.phase_b] += moved_count
    return key_of(new_sums, new_counts)


def _apply(split: Split, exchange: _Exchange) -> None:
    for group in exchange.out:
        split[group][exchange.phase_a] -= 1
        split[group][exchange.phase_b] += 1
    for group in exchange.back:
        split[group][exchange.phase_b] -= 1
        split[group][exchange.phase_a] += 1
