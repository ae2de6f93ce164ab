"""Power indices of a game with a few special players (Commission, Parliament) beside the Council's members.

For each set E of special players present, the member states' coalition T wins iff W(T) ≥ t^E_{|T|}
(a size-threshold rule per E). With N players in all, a coalition of size s is joined with Shapley–Shubik
weight s!(N−1−s)!/N!, so

    member i:  φ_i = Σ_E Σ_k swings_i^E(k) · w(|E| + k)       (swings in the rule t^E, as in indices.py)
    special e: φ_e = Σ_{E ∌ e} Σ_k #{T : |T| = k, t^{E∪e}_k ≤ W(T) < t^E_k} · w(|E| + k)

and the Penrose–Banzhaf measure counts the same swings without weights (÷ 2^(N−1)).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations
from math import comb

import numpy as np

from .exceptions import exception_corrections, mask_of
from .indices import _player_swings, prefix_table


def composite_indices(weights: Sequence[int], specials: Sequence[str],
                      thresholds: Callable[[frozenset[str]], Sequence[int]],
                      exceptions: Callable[[frozenset[str]], frozenset[frozenset[int]]] = lambda e: frozenset(),
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(Shapley–Shubik, raw swing counts) for ``specials`` followed by the weighted members, in that order.

    ``thresholds(E)`` gives the members' thresholds t^E_0 … t^E_n when the special players E are in;
    ``exceptions(E)`` the members' coalitions that pass those thresholds but lose (see exceptions.py).
    """
    w = np.asarray(weights, dtype=np.int64)
    n, m = w.size, len(specials)
    big_n = n + m
    total = int(w.sum())
    prefix = prefix_table(tuple(int(x) for x in w))
    size_weight = np.array([1.0 / (big_n * comb(big_n - 1, s)) for s in range(big_n)])
    ssi = np.zeros(big_n)
    swings = np.zeros(big_n)
    subsets = [frozenset(c) for r in range(m + 1) for c in combinations(specials, r)]
    t_of = {e: np.clip(np.asarray(thresholds(e), dtype=np.int64), 0, total + 1) for e in subsets}
    for present in subsets:
        t = t_of[present]
        offset = len(present)
        cache: dict[int, np.ndarray] = {}
        for i, wi in enumerate(w):
            wi = int(wi)
            if wi not in cache:
                cache[wi] = _player_swings(prefix, wi, t, n, total)
            counts = cache[wi]
            ssi[m + i] += counts @ size_weight[offset:offset + n]
            swings[m + i] += counts.sum()
        for j, special in enumerate(specials):
            if special in present:
                continue
            t_with = t_of[present | {special}]
            ks = np.arange(n + 1)
            lo, hi = t_with, np.maximum(t, t_with)
            counts = prefix[ks, hi] - prefix[ks, lo]
            ssi[j] += counts @ size_weight[offset:offset + n + 1]
            swings[j] += counts.sum()
    _correct(w, specials, t_of, exceptions, subsets, size_weight, ssi, swings)
    return ssi, swings


def _correct(w: np.ndarray, specials: Sequence[str], t_of: dict, exceptions: Callable, subsets: list,
             size_weight: np.ndarray, ssi: np.ndarray, swings: np.ndarray) -> None:
    """Apply the exceptional coalitions of every E to the composite game (bits: specials, then members)."""
    m, n = len(specials), w.size
    code = {present: mask_of(specials.index(e) for e in present) for present in subsets}
    table = np.zeros((1 << m, n + 1), dtype=np.int64)  # thresholds by the specials' bit code
    for present, t in t_of.items():
        table[code[present]] = t
    excluded = np.array(sorted((mask_of(members) << m) | code[present]
                               for present in subsets for members in exceptions(present)), dtype=np.int64)
    if not excluded.size:
        return

    def judge(masks: np.ndarray, bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        members = bits[:, m:]
        before = members @ w >= table[masks & ((1 << m) - 1), members.sum(axis=1)]
        return before, before & ~np.isin(masks, excluded)

    for player, size, delta in exception_corrections(excluded.tolist(), m + n, judge):
        ssi[player] += delta * size_weight[size]
        swings[player] += delta
