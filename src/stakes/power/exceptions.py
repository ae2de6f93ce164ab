"""Swing-count corrections for a few coalitions that pass a game's thresholds but lose (or the reverse).

When the true winning set W' differs from the threshold game's W on a small set X of coalitions, a swing
(player p, coalition S ∌ p) can change only if S ∈ X or S ∪ {p} ∈ X. Each such pair is re-judged with both
rules and the difference added at |S|. Exact, and cheap while X is small (Nice's population check leaves
17–57 coalitions for EU-25/27/28).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def exception_corrections(exceptional: Iterable[frozenset[int]], n_players: int,
                          wins_before: Callable[[frozenset[int]], bool],
                          wins_after: Callable[[frozenset[int]], bool]) -> list[tuple[int, int, int]]:
    """(player, |S|, change in its swing count) for every swing the exceptional coalitions can affect."""
    pairs: set[tuple[int, frozenset[int]]] = set()
    for coalition in exceptional:
        for player in range(n_players):
            pairs.add((player, coalition - {player}))
    out = []
    for player, rest in pairs:
        joined = rest | {player}
        before = wins_before(joined) and not wins_before(rest)
        after = wins_after(joined) and not wins_after(rest)
        if before != after:
            out.append((player, len(rest), int(after) - int(before)))
    return out
