"""Swing-count corrections for a few coalitions that pass a game's thresholds but lose all the same.

When the true winning set W' differs from the threshold game's W on a small set X of coalitions, a swing
(player p, coalition S ∌ p) can change only if S ∈ X or S ∪ {p} ∈ X. Each such pair is re-judged with both
rules and the difference added at |S|. Exact, and cheap while X is small (Nice's population check leaves
17–57 coalitions for EU-25/27/28). Coalitions are bit masks over the players (bit j = player j).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

Judge = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def mask_of(players: Iterable[int]) -> int:
    return sum(1 << p for p in players)


def member_bits(masks: np.ndarray, n_players: int) -> np.ndarray:
    """(len(masks), n_players) 0/1 matrix of the coalitions' members."""
    return ((masks[:, None] >> np.arange(n_players, dtype=np.int64)[None, :]) & 1).astype(np.int64)


def exception_corrections(exceptional: Iterable[int], n_players: int, judge: Judge) -> list[tuple[int, int, int]]:
    """(player, |S|, change in its swing count) for every swing the exceptional coalitions can affect.

    ``judge(masks, bits)`` returns (wins under the thresholds alone, wins under the true rule) per coalition.
    """
    pairs = {(p, x & ~(1 << p)) for x in exceptional for p in range(n_players)}
    if not pairs:
        return []
    players = np.array([p for p, _ in pairs], dtype=np.int64)
    rest = np.array([r for _, r in pairs], dtype=np.int64)
    joined = rest | (np.int64(1) << players)
    rest_bits, joined_bits = member_bits(rest, n_players), member_bits(joined, n_players)
    rest_before, rest_after = judge(rest, rest_bits)
    joined_before, joined_after = judge(joined, joined_bits)
    delta = (joined_after & ~rest_after).astype(int) - (joined_before & ~rest_before).astype(int)
    sizes = rest_bits.sum(axis=1)
    return [(int(p), int(k), int(d)) for p, k, d in zip(players, sizes, delta, strict=True) if d]
