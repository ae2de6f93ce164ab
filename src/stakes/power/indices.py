"""Shapley–Shubik and Penrose–Banzhaf indices, exact, by generating functions over (members, weight).

Every rule here is a *size-threshold game*: a coalition S of k = |S| members with total weight W(S) wins
iff W(S) ≥ t_k, where the threshold t_k depends on the coalition's size only. That covers

- weighted voting games (t_k = q for every k),
- weighted games with a minimum number of members (Nice: t_k = q if k ≥ m, else never),
- double majorities of states and population with a blocking-minority rule (Lisbon, TFEU art. 238(3)(a)
  and TEU art. 16(4): at least 55 % of the members representing at least 65 % of the population, and a
  coalition opposed by fewer than 4 members wins whatever the population: t_k = 0 if n − k < 4),
- unanimity (t_k = never for k < n, t_n = 0).

Counting (Bilbao, Fernández, Jiménez & López 2002, EJOR 136: "Voting power in the European Union
enlargement"): C[k, w] = number of coalitions of k members and weight w, built one player at a time
(C ← C + x·y^{w_j}·C). The coalitions *without* player i follow by exact integer deconvolution,
D[k] = C[k] − shift(D[k−1], w_i). Player i swings coalition S (|S| = k, W(S) = w) when S loses and S ∪ {i}
wins: w < t_k and w + w_i ≥ t_{k+1}, a window of weights summed from prefix sums. Then

    Shapley–Shubik   φ_i = Σ_k swings_i(k) · k!(n−k−1)!/n! = Σ_k swings_i(k) / (n · C(n−1, k))
    Penrose–Banzhaf  β'_i = Σ_k swings_i(k) / 2^(n−1)      (absolute; normalized: β_i = β'_i / Σ_j β'_j)

Counts are int32 up to 30 players (2^30 coalitions), int64 beyond, so the swing counts are exact; the cost
is O(n² · Σw).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import ceil, comb

import numpy as np

from ..errors import OptionError
from .exceptions import exception_corrections, mask_of

MAX_PLAYERS = 40
MAX_TOTAL_WEIGHT = 5_000_000  # table cells per coalition size; beyond this pick a coarser unit


@dataclass(frozen=True)
class SizeThresholdGame:
    """A simple game: a coalition of k members with weight W wins iff W ≥ thresholds[k].

    ``weights`` are non-negative integers; ``thresholds`` has n + 1 entries (coalition sizes 0…n), where a
    threshold above the total weight means "never wins at this size" and 0 means "always wins".
    """

    weights: tuple[int, ...]
    thresholds: tuple[int, ...]
    # Coalitions (sets of player indices) that pass the thresholds but lose all the same, e.g. under Nice's
    # 62 % population check; kept small, they are corrected for one by one (see exceptions.py).
    exceptions: frozenset[frozenset[int]] = frozenset()

    @property
    def n(self) -> int:
        return len(self.weights)

    def passes_thresholds(self, members: Iterable[int]) -> bool:
        members = list(members)
        return sum(self.weights[i] for i in members) >= self.thresholds[len(members)]

    def wins(self, members: Iterable[int]) -> bool:
        """Whether the coalition of these player indices wins."""
        members = frozenset(members)
        return self.passes_thresholds(members) and members not in self.exceptions


def _check_weights(weights: Sequence[float], what: str) -> np.ndarray:
    arr = np.asarray(weights, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise OptionError(f"{what}: expected a non-empty list of numbers, got {list(weights)!r}")
    if arr.size > MAX_PLAYERS:
        raise OptionError(f"{what}: {arr.size} players; exact indices are computed for at most {MAX_PLAYERS}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise OptionError(f"{what}: every weight must be a finite number ≥ 0, got {list(weights)!r}")
    return arr


def _integer_weights(weights: Sequence[float], what: str) -> np.ndarray:
    arr = _check_weights(weights, what)
    if np.any(arr != np.round(arr)):
        raise OptionError(f"{what}: weights must be whole numbers (scale them, e.g. votes or population "
                          f"in a chosen unit), got {list(weights)!r}")
    return arr.astype(np.int64)


def weighted_game(weights: Sequence[float], quota: float, min_members: int = 0) -> SizeThresholdGame:
    """A weighted voting game: weight ≥ quota (and, if given, at least ``min_members`` members) wins."""
    w = _integer_weights(weights, "weights")
    total = int(w.sum())
    if total > MAX_TOTAL_WEIGHT:
        raise OptionError(f"weights: total {total} is too large for exact counting (limit {MAX_TOTAL_WEIGHT}); "
                          f"divide the weights and quota by a common unit")
    if not np.isfinite(quota) or quota <= 0 or quota > total:
        raise OptionError(f"quota: expected a number in (0, {total}] (the total weight), got {quota!r}")
    if not 0 <= min_members <= w.size:
        raise OptionError(f"min_members: expected 0…{w.size}, got {min_members!r}")
    q = ceil(quota)
    never = total + 1
    thresholds = tuple(q if k >= min_members else never for k in range(w.size + 1))
    return SizeThresholdGame(tuple(int(x) for x in w), thresholds)


def double_majority_game(population: Sequence[float], member_share: float = 0.55,
                         population_share: float = 0.65, min_blocking: int = 0,
                         unit: float = 1.0) -> SizeThresholdGame:
    """States-and-population majority: ≥ member_share of the members holding ≥ population_share of the people.

    ``min_blocking`` (Lisbon: 4) makes a coalition win whenever fewer than that many members oppose it.
    Populations are rounded to whole multiples of ``unit`` (same unit as ``population``) before counting;
    the population threshold is ⌈population_share · total⌉ in those units. Shares are inclusive ("at least").
    """
    raw = _check_weights(population, "population")
    if unit <= 0 or not np.isfinite(unit):
        raise OptionError(f"unit: expected a positive number, got {unit!r}")
    for name, share in (("member_share", member_share), ("population_share", population_share)):
        if not 0 < share <= 1:
            raise OptionError(f"{name}: expected a share in (0, 1], got {share!r}")
    n = raw.size
    if not 0 <= min_blocking <= n:
        raise OptionError(f"min_blocking: expected 0…{n}, got {min_blocking!r}")
    w = np.round(raw / unit).astype(np.int64)
    total = int(w.sum())
    if total == 0:
        raise OptionError(f"population: every figure rounds to 0 in units of {unit}; choose a smaller unit")
    if total > MAX_TOTAL_WEIGHT:
        raise OptionError(f"population: total {total} units of {unit} is too fine for exact counting "
                          f"(limit {MAX_TOTAL_WEIGHT}); choose a larger unit")
    min_members = ceil(member_share * n - 1e-9)
    q = ceil(population_share * total - 1e-9)
    never = total + 1
    thresholds = []
    for k in range(n + 1):
        if min_blocking and n - k < min_blocking:
            thresholds.append(0)
        elif k >= min_members:
            thresholds.append(q)
        else:
            thresholds.append(never)
    return SizeThresholdGame(tuple(int(x) for x in w), tuple(thresholds))


def unanimity_game(n: int) -> SizeThresholdGame:
    """Every member must agree: each is a veto player."""
    if n < 1:
        raise OptionError(f"unanimity: expected at least one member, got {n}")
    return SizeThresholdGame((1,) * n, tuple([n + 1] * n + [0]))


def _count_dtype(n: int) -> type:
    """int32 holds every count while 2^n < 2^31 (half the memory traffic); int64 beyond."""
    return np.int32 if n <= 30 else np.int64


def _coalition_counts(weights: np.ndarray, total: int) -> np.ndarray:
    """C[k, w]: number of coalitions of k players with total weight w (all players)."""
    n = weights.size
    table = np.zeros((n + 1, total + 1), dtype=_count_dtype(n))
    table[0, 0] = 1
    for j, wj in enumerate(weights):
        # Adding player j: C[k, w] += C[k-1, w-wj]; go from large k down so each row is used once.
        for k in range(j + 1, 0, -1):
            if wj == 0:
                table[k] += table[k - 1]
            else:
                table[k, wj:] += table[k - 1, :-wj]
    return table


@lru_cache(maxsize=8)
def prefix_table(weights: tuple[int, ...]) -> np.ndarray:
    """prefix[k, x]: coalitions of k players (of all n) with weight < x, x = 0 … total + 1 (read-only, cached)."""
    w = np.asarray(weights, dtype=np.int64)
    total = int(w.sum())
    prefix = np.zeros((w.size + 1, total + 2), dtype=_count_dtype(w.size))
    np.cumsum(_coalition_counts(w, total), axis=1, out=prefix[:, 1:])
    prefix.flags.writeable = False
    return prefix


def swing_counts(game: SizeThresholdGame) -> np.ndarray:
    """swings[i, k]: coalitions S of k other players that lose while S ∪ {i} wins (exact integers)."""
    w = np.asarray(game.weights, dtype=np.int64)
    n = w.size
    total = int(w.sum())
    t = np.asarray(game.thresholds, dtype=np.int64)
    prefix = prefix_table(game.weights)
    swings = np.zeros((n, n), dtype=np.int64)
    cache: dict[int, np.ndarray] = {}
    for i, wi in enumerate(w):
        wi = int(wi)
        if wi not in cache:  # players of equal weight have equal swing counts
            cache[wi] = _player_swings(prefix, wi, t, n, total)
        swings[i] = cache[wi]
    if game.exceptions:
        excluded = np.array(sorted(mask_of(c) for c in game.exceptions), dtype=np.int64)

        def judge(masks: np.ndarray, bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            before = bits @ w >= t[bits.sum(axis=1)]
            return before, before & ~np.isin(masks, excluded)

        for player, size, delta in exception_corrections(excluded.tolist(), n, judge):
            swings[player, size] += delta
    return swings


def _player_swings(prefix: np.ndarray, wi: int, t: np.ndarray, n: int, total: int) -> np.ndarray:
    """Swings of a player of weight wi, by size of the coalition it joins.

    The others' counts D satisfy D[k] = C[k] − shift_wi(D[k−1]), so their prefix sums are
    PD[k](x) = Σ_j (−1)^j · PC[k−j](x − j·wi): a few look-ups in the prefix table, no new table.
    """
    ks = np.arange(n)
    lo = np.maximum(t[1:] - wi, 0)           # S ∪ {i} wins: W(S) + wi ≥ t[k+1]
    hi = np.minimum(t[:-1], total + 1)       # S loses: W(S) < t[k]
    hi = np.maximum(hi, lo)
    j = np.arange(n)
    rows = ks[:, None] - j[None, :]          # k − j
    valid = rows >= 0
    sign = np.where(j % 2 == 0, 1, -1)[None, :]

    def prefix_without(x: np.ndarray) -> np.ndarray:
        pos = x[:, None] - j[None, :] * wi
        ok = valid & (pos > 0)
        vals = prefix[np.where(ok, rows, 0), np.clip(pos, 0, total + 1)].astype(np.int64)
        return np.where(ok, sign * vals, 0).sum(axis=1)

    return prefix_without(hi) - prefix_without(lo)


def shapley_shubik_game(game: SizeThresholdGame) -> np.ndarray:
    """Shapley–Shubik index of every player (sums to 1 unless no coalition wins)."""
    swings = swing_counts(game)
    n = game.n
    per_size = np.array([1.0 / (n * comb(n - 1, k)) for k in range(n)])
    return swings @ per_size


def banzhaf_game(game: SizeThresholdGame, normalized: bool = True) -> np.ndarray:
    """Penrose–Banzhaf index: absolute (swings / 2^(n-1)) or normalized to sum to 1."""
    swings = swing_counts(game).sum(axis=1).astype(float)
    if normalized:
        total = swings.sum()
        return swings / total if total else swings
    return swings / 2.0 ** (game.n - 1)


def shapley_shubik(weights: Sequence[float], quota: float, min_members: int = 0) -> np.ndarray:
    """Shapley–Shubik index of a weighted voting game (integer weights, win iff weight ≥ quota)."""
    return shapley_shubik_game(weighted_game(weights, quota, min_members))


def banzhaf(weights: Sequence[float], quota: float, normalized: bool = True, min_members: int = 0) -> np.ndarray:
    """Penrose–Banzhaf index of a weighted voting game (normalized by default)."""
    return banzhaf_game(weighted_game(weights, quota, min_members), normalized)


def shapley_shubik_double_majority(population: Sequence[float], member_share: float = 0.55,
                                   population_share: float = 0.65, min_blocking: int = 0,
                                   unit: float = 1.0) -> np.ndarray:
    """Shapley–Shubik index of a states-and-population double majority (see :func:`double_majority_game`)."""
    return shapley_shubik_game(double_majority_game(population, member_share, population_share, min_blocking,
                                                    unit))


def banzhaf_double_majority(population: Sequence[float], member_share: float = 0.55,
                            population_share: float = 0.65, min_blocking: int = 0, unit: float = 1.0,
                            normalized: bool = True) -> np.ndarray:
    """Penrose–Banzhaf index of a states-and-population double majority."""
    return banzhaf_game(double_majority_game(population, member_share, population_share, min_blocking, unit),
                        normalized)
