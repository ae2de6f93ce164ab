"""Scores of forecasts against realised outcomes: one implementation for the backtest, the ensemble's
calibration and the forecast ledger.

Conventions
-----------
* Errors are reported on a **0–100 scale**: an error on an issue with scale ``lo..hi`` is multiplied by
  ``100 / (hi - lo)``, so cases on different scales can be pooled (DEU III is already on 0–100).
* A **predictive distribution** is carried as its quantiles on the grid :data:`QUANTILE_LEVELS`
  (0.05, 0.10, …, 0.95). Monte Carlo samples are reduced to that grid; a point forecast is the degenerate
  distribution (every quantile equal to the point).
* **CRPS** is the quantile approximation of Berrisch & Ziel (2023), ``2/|Q| Σ_q PB_q`` — the mean pinball
  loss over the grid (``scoringrules.crps_quantile``). For a point forecast it equals the absolute error
  exactly (the grid is symmetric), so point models and distributional models are scored on one scale.
* **Coverage**: the central 50 % interval is ``[q25, q75]``, the central 90 % interval ``[q05, q95]``
  (closed).
* **Paired bootstrap** of a difference in mean absolute error resamples *groups* (DEU III: proposals),
  because issues of one proposal are not independent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

QUANTILE_LEVELS: np.ndarray = np.round(np.arange(1, 20) / 20, 2)
"""The quantile grid every predictive distribution is stored on (19 levels, 0.05–0.95)."""

NAMED_QUANTILES: dict[str, float] = {"q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95}
"""The quantiles shown in outputs (a subset of the grid)."""

_INDEX = {name: int(np.flatnonzero(np.isclose(QUANTILE_LEVELS, level))[0]) for name, level in NAMED_QUANTILES.items()}


def quantiles_from_samples(samples: np.ndarray, axis: int = -1) -> np.ndarray:
    """Samples along ``axis`` → their quantiles on :data:`QUANTILE_LEVELS` (last axis)."""
    q = np.quantile(np.asarray(samples, dtype=float), QUANTILE_LEVELS, axis=axis)
    return np.moveaxis(q, 0, -1)


def point_quantiles(values: np.ndarray) -> np.ndarray:
    """A point forecast as a degenerate distribution on the grid."""
    v = np.asarray(values, dtype=float)
    return np.repeat(v[..., None], len(QUANTILE_LEVELS), axis=-1)


def named_quantiles(grid: np.ndarray) -> dict[str, np.ndarray]:
    """``{"q05": …, "q25": …, "q50": …, "q75": …, "q95": …}`` picked from a grid (last axis)."""
    g = np.asarray(grid, dtype=float)
    return {name: g[..., i] for name, i in _INDEX.items()}


def crps(grid: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """CRPS of quantile-grid forecasts ``(..., 19)`` against outcomes ``(...)``, in the outcome's units.

    ``scoringrules.crps_quantile``'s numpy backend, written out (the same operations, so the same floats;
    tests/test_scoring.py compares): importing scoringrules builds its numba ufuncs, ~8 s per process."""
    g = np.sort(np.asarray(grid, dtype=float), axis=-1)
    y = np.asarray(outcome, dtype=float)[..., None]
    below = (g <= y) * QUANTILE_LEVELS * (y - g)
    above = (g > y) * (1 - QUANTILE_LEVELS) * (g - y)
    return 2 * np.mean(below + above, axis=-1)


def covered(grid: np.ndarray, outcome: np.ndarray, level: float) -> np.ndarray:
    """Whether the outcome lies in the central ``level`` interval (0.5 or 0.9) of each forecast."""
    q = named_quantiles(grid)
    lo, hi = {0.5: (q["q25"], q["q75"]), 0.9: (q["q05"], q["q95"])}[level]
    y = np.asarray(outcome, dtype=float)
    return (lo <= y + 1e-9) & (y <= hi + 1e-9)


def to_percent_of_scale(value: np.ndarray, scale_min: np.ndarray | float, scale_max: np.ndarray | float
                        ) -> np.ndarray:
    """A difference on an issue's scale → points of a 0–100 scale."""
    return np.asarray(value, dtype=float) * 100.0 / (np.asarray(scale_max, float) - np.asarray(scale_min, float))


@dataclass(frozen=True)
class PointScores:
    n: int
    mae: float
    rmse: float
    medae: float
    hit5: float
    hit10: float
    hit20: float


def point_scores(abs_errors: Sequence[float] | np.ndarray) -> PointScores:
    """MAE, RMSE, median absolute error and the shares within 5 / 10 / 20 points of absolute errors."""
    e = np.abs(np.asarray(abs_errors, dtype=float))
    if e.size == 0:
        nan = float("nan")
        return PointScores(0, nan, nan, nan, nan, nan, nan)
    return PointScores(
        n=int(e.size), mae=float(e.mean()), rmse=float(np.sqrt((e**2).mean())), medae=float(np.median(e)),
        hit5=float((e <= 5).mean()), hit10=float((e <= 10).mean()), hit20=float((e <= 20).mean()),
    )


@dataclass(frozen=True)
class BootstrapInterval:
    estimate: float
    low: float
    high: float


def grouped_bootstrap_mean(values: np.ndarray, groups: Sequence[str] | np.ndarray, *, n_boot: int = 2000,
                           level: float = 0.95, seed: int = 0) -> BootstrapInterval:
    """Mean of ``values`` with a percentile bootstrap interval that resamples whole groups.

    Pass the per-case difference of two models' absolute errors to get a *paired* interval of their MAE
    difference. Each replicate draws as many groups as there are, with replacement, and takes the mean over
    all cases of the drawn groups (so large groups weigh as in the data).
    """
    v = np.asarray(values, dtype=float)
    g = np.asarray(groups)
    if v.size == 0:
        nan = float("nan")
        return BootstrapInterval(nan, nan, nan)
    labels, inverse = np.unique(g, return_inverse=True)
    sums = np.bincount(inverse, weights=v, minlength=len(labels))
    counts = np.bincount(inverse, minlength=len(labels)).astype(float)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(labels), size=(n_boot, len(labels)))
    reps = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    alpha = (1 - level) / 2
    low, high = np.quantile(reps, [alpha, 1 - alpha])
    return BootstrapInterval(float(v.mean()), float(low), float(high))


__all__ = [
    "NAMED_QUANTILES",
    "QUANTILE_LEVELS",
    "BootstrapInterval",
    "PointScores",
    "covered",
    "crps",
    "grouped_bootstrap_mean",
    "named_quantiles",
    "point_quantiles",
    "point_scores",
    "quantiles_from_samples",
    "to_percent_of_scale",
]
