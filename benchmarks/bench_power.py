"""Voting-power indices: stakes' exact generating-function code against `powerindex` and brute force.

Prints times side by side in one run (CPU time; the machine is shared). Run from the repository root:
``python benchmarks/bench_power.py``.
"""

from __future__ import annotations

import itertools
import time

import numpy as np

from stakes.power import banzhaf, council_rule, shapley_shubik
from stakes.power.indices import prefix_table


def cpu(fn, repeat: int = 3) -> float:
    """Best CPU time of ``repeat`` cold runs (stakes' table cache emptied before each)."""
    best = float("inf")
    for _ in range(repeat):
        prefix_table.cache_clear()
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def brute_banzhaf(weights: list[int], quota: int) -> list[float]:
    n = len(weights)
    swings = [0] * n
    for mask in itertools.product((0, 1), repeat=n):
        total = sum(w for w, m in zip(weights, mask, strict=True) if m)
        for i in range(n):
            if not mask[i] and total < quota <= total + weights[i]:
                swings[i] += 1
    return [s / sum(swings) for s in swings]


def main() -> None:
    nice = council_rule("2008-05-01", nice_population_check=False)
    weights = [nice.votes[m] for m in nice.members]
    quota = int(nice.quota)
    rows = [("Nice EU-27 weights, SSI + Banzhaf (stakes)", cpu(lambda: (shapley_shubik(weights, quota),
                                                                         banzhaf(weights, quota))))]
    try:
        import powerindex as px

        def run_px() -> None:
            game = px.Game(quota, weights)
            game.calc()

        rows.append(("Nice EU-27 weights, SSI + Banzhaf (powerindex 0.3.5)", cpu(run_px, 1)))
    except ImportError:
        rows.append(("powerindex not installed", float("nan")))
    rows.append(("Nice EU-27 with the 62 % check (stakes)", cpu(lambda: council_rule("2008-05-01").shapley_shubik())))
    rows.append(("Lisbon EU-28 SSI, 2,000-person unit (stakes)",
                 cpu(lambda: council_rule("2015-06-01").shapley_shubik())))
    rows.append(("Lisbon EU-28 SSI, 500-person unit (stakes)",
                 cpu(lambda: council_rule("2015-06-01", population_unit=500).shapley_shubik(), 1)))
    rng = np.random.default_rng(0)
    small = [int(x) for x in rng.integers(1, 30, 18)]
    rows.append(("random 18 players, Banzhaf (stakes)", cpu(lambda: banzhaf(small, sum(small) * 2 // 3))))
    rows.append(("random 18 players, Banzhaf (pure-Python brute force)",
                 cpu(lambda: brute_banzhaf(small, sum(small) * 2 // 3), 1)))
    assert np.allclose(brute_banzhaf(small, sum(small) * 2 // 3), banzhaf(small, sum(small) * 2 // 3))
    for name, seconds in rows:
        print(f"{name:58s} {seconds * 1000:10.1f} ms CPU")
    print(f"ratio powerindex / stakes (Nice weights): {rows[1][1] / rows[0][1]:.0f}x")
    print(f"ratio brute force / stakes (18 players): {rows[-1][1] / rows[-2][1]:.0f}x")


if __name__ == "__main__":
    main()
