"""Invariance figures for docs/decisions/hardening.md: SMP vs the units of capability, exchange vs row order.

    PYTHONPATH=src python benchmarks/invariance.py

400 random scenarios (8 actors × 2 issues for SMP; 8 × 3 with positions, capabilities and saliences on
grids, so that ties occur, for the exchange model). Prints, per setting, how many forecasts move by more
than 1e-6 and the largest move in points on 0–100 scales.
"""

from __future__ import annotations

import numpy as np

from stakes.arrays import ScenarioArrays
from stakes.models import get_model

RUNS = 400


def random_batch(rng: np.random.Generator, n: int, d: int, grid: bool) -> ScenarioArrays:
    pos = rng.choice([0.0, 25.0, 50.0, 75.0, 100.0], (RUNS, n, d)) if grid else rng.uniform(0, 100, (RUNS, n, d))
    cap = rng.choice([10.0, 20.0, 40.0], (RUNS, n, 1)) if grid else rng.uniform(1, 100, (RUNS, n, 1))
    sal = rng.choice([0.25, 0.5, 1.0], (RUNS, n, d)) if grid else rng.uniform(0.1, 1.0, (RUNS, n, d))
    cap = np.repeat(cap, d, axis=2)
    return ScenarioArrays(
        actor_ids=tuple(f"a{k:02d}" for k in range(n)), issue_ids=tuple(f"i{k}" for k in range(d)),
        capability=cap, position=pos, salience=sal,
        mask=np.ones((n, d), bool), scale_min=np.zeros(d), scale_max=np.full(d, 100.0),
        status_quo=np.full(d, np.nan))


def moved(a: np.ndarray, b: np.ndarray) -> str:
    diff = np.abs(a - b).max(axis=1)
    return f"{int((diff > 1e-6).sum())} of {len(diff)} scenarios move, by up to {diff.max():.2f} points"


def smp_units() -> None:
    arrays = random_batch(np.random.default_rng(1), 8, 2, grid=False)
    spec = get_model("smp")
    for scale in ("as-given", "max-100"):
        base = spec.run(arrays, **spec.resolve({"capability_scale": scale})).forecast
        for factor, label in ((0.001, "× 0.001"), (0.01, "× 0.01 (percentages → shares)")):
            other = ScenarioArrays(**{**arrays.__dict__, "capability": arrays.capability * factor})
            res = spec.run(other, **spec.resolve({"capability_scale": scale})).forecast
            print(f"smp capability_scale={scale:9s} capability {label}: {moved(base, res)}")


def exchange_order() -> None:
    rng = np.random.default_rng(2)
    arrays = random_batch(rng, 8, 3, grid=True)
    spec = get_model("exchange")
    base = spec.run(arrays, **spec.defaults()).forecast
    perm = rng.permutation(8)
    shuffled = ScenarioArrays(**{**arrays.__dict__, "actor_ids": tuple(arrays.actor_ids[i] for i in perm),
                                 "capability": arrays.capability[:, perm], "position": arrays.position[:, perm],
                                 "salience": arrays.salience[:, perm], "mask": arrays.mask[perm]})
    # file order (the old rule): ids that sort in the shuffled order, so the canonical order is the file's
    relabelled = ScenarioArrays(**{**shuffled.__dict__, "actor_ids": tuple(f"a{k:02d}" for k in range(8))})
    old = spec.run(relabelled, **spec.defaults()).forecast
    new = spec.run(shuffled, **spec.defaults()).forecast
    print(f"exchange tie_break=first, rows re-sorted, file order (old rule): {moved(base, old)}")
    print(f"exchange tie_break=first, rows re-sorted, ids sorted (new rule): {moved(base, new)}")


if __name__ == "__main__":
    smp_units()
    exchange_order()
