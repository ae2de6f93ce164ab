"""Fitting the ensemble: quantile stacking by linear programming, conformal recalibration, grouped CV.

Method
------
For every level τ of the grid, the ensemble's τ-quantile is a convex combination of the components'
τ-quantiles (quantile averaging, "Vincentization"; Ratcliff 1979, Genest 1992):

    q_τ(x) = Σ_k w_τk Q_k,τ(x),   w_τk ≥ 0,  Σ_k w_τk = 1,

with the weights minimising the pinball loss of level τ over the training cases — a linear program
(Koenker & Bassett 1978). Summed over the grid this is the quantile approximation of the CRPS, so the fit
minimises CRPS directly. Crossing quantiles are sorted (Chernozhukov, Fernández-Val & Galichon 2010).

Each level is then recalibrated on out-of-fold predictions, in the spirit of split-conformal calibration
(Romano, Patterson & Candès 2019): its distance from the median is multiplied by the factor whose
out-of-fold calibration is best (:func:`calibration_scales`, which says why a factor and not a shift).
Outcomes with atoms (DEU: 37 % exactly on a pole) make closed intervals of a *calibrated* distribution cover
more than their nominal level: level τ is calibrated when ``P(y < q_τ) ≤ τ ≤ P(y ≤ q_τ)``
(:func:`calibration_gap`), not when ``P(y ≤ q_τ) = τ``.

Everything is chosen with folds grouped by proposal (the issues of one proposal share negotiators and a
text). :func:`cross_validate` nests the calibration inside each outer training set, so its figures are
honest out-of-sample estimates on the development half.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from ..scoring import QUANTILE_LEVELS
from .components import MEDIAN, combine


def grouped_folds(groups: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """``k`` test-index arrays; every group falls in exactly one fold (groups shuffled with ``seed``)."""
    labels = np.unique(groups)
    order = np.random.default_rng(seed).permutation(len(labels))
    fold_of = {labels[j]: i % k for i, j in enumerate(order)}
    assign = np.array([fold_of[g] for g in groups])
    return [np.flatnonzero(assign == f) for f in range(k)]


def fit_level(q: np.ndarray, y: np.ndarray, tau: float) -> np.ndarray:
    """Convex weights ``(K,)`` minimising the τ pinball loss of ``q @ w`` against ``y`` (``q`` is ``(N, K)``)."""
    n, k = q.shape
    # variables: w (k), u⁺ (n), u⁻ (n);  q w + u⁺ − u⁻ = y  ⇔  y − q w = u⁺ − u⁻
    cost = np.concatenate([np.zeros(k), np.full(n, tau), np.full(n, 1 - tau)])
    a_eq = np.zeros((n + 1, k + 2 * n))
    a_eq[:n, :k] = q
    a_eq[:n, k:k + n] = np.eye(n)
    a_eq[:n, k + n:] = -np.eye(n)
    a_eq[n, :k] = 1.0
    b_eq = np.concatenate([y, [1.0]])
    res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if not res.success:  # pragma: no cover - the LP is always feasible (any convex w) and bounded (cost ≥ 0)
        raise RuntimeError(f"ensemble weight fit failed at level {tau}: {res.message}")
    w = np.clip(res.x[:k], 0, None)
    return w / w.sum()


def fit_weights(comp: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights ``(L, K)`` per level; ``comp`` is ``(N, K, L)`` (component quantiles), ``y`` ``(N,)`` — both as
    shares of the scale."""
    return np.stack([fit_level(comp[:, :, lv], y, float(t)) for lv, t in enumerate(QUANTILE_LEVELS)])


SCALE_GRID = np.round(np.arange(0.0, 1.501, 0.01), 2)


def calibration_gap(y: np.ndarray, q: np.ndarray, tau: float) -> np.ndarray:
    """How far level τ is from being calibrated, over the last axis: 0 when ``P(y < q) ≤ τ ≤ P(y ≤ q)`` (the
    definition that holds for distributions with atoms), else the distance to that interval."""
    below = (y < q - 1e-12).mean(axis=-1)
    at_or_below = (y <= q + 1e-12).mean(axis=-1)
    return np.maximum(0.0, np.maximum(below - tau, tau - at_or_below))


def calibration_scales(pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-level factors ``(L,)`` from out-of-fold predictions ``(N, L)``: level τ's distance from the median
    is scaled by the factor λ_τ ∈ [0, 1.5] that brings τ closest to ``[P(y < q), P(y ≤ q)]`` out of fold
    (ties go to the factor nearest 1: no change unless the out-of-fold cases ask for one).

    A shift (conformalized quantile regression) does not fit DEU: 37 % of outcomes sit *on* a pole of the
    scale, and a quantile at the pole covers them whatever it is shifted by."""
    med = pred[:, MEDIAN]
    scales = np.ones(len(QUANTILE_LEVELS))
    for lv, tau in enumerate(QUANTILE_LEVELS):
        if lv == MEDIAN:
            continue
        q = np.clip(med[None] + SCALE_GRID[:, None] * (pred[:, lv] - med)[None], 0, 1)  # (G, N)
        gap = calibration_gap(y[None], q, float(tau))
        best = np.flatnonzero(gap <= gap.min() + 1e-12)
        scales[lv] = SCALE_GRID[best[np.argmin(np.abs(SCALE_GRID[best] - 1.0))]]
    return scales


@dataclass(frozen=True)
class Fitted:
    weights: np.ndarray
    """``(L, K)`` convex weights per level."""
    scales: np.ndarray
    """``(L,)`` calibration factors of each level's distance from the median."""


def fit(comp: np.ndarray, y: np.ndarray, groups: np.ndarray, *, inner_folds: int = 5, seed: int = 0) -> Fitted:
    """Weights on all cases; calibration factors from grouped out-of-fold predictions on the same cases."""
    weights = fit_weights(comp, y)
    oof = np.empty((len(y), len(QUANTILE_LEVELS)))
    for test in grouped_folds(groups, inner_folds, seed):
        train = np.setdiff1d(np.arange(len(y)), test)
        oof[test] = combine(comp[test], fit_weights(comp[train], y[train]))
    return Fitted(weights, calibration_scales(oof, y))


def cross_validate(comp: np.ndarray, y: np.ndarray, groups: np.ndarray, *, folds: int = 10, repeats: int = 3,
                   seed: int = 0) -> np.ndarray:
    """Out-of-sample ensemble quantiles ``(repeats, N, L)``: for each repeat, grouped outer folds; each outer
    training set fits weights *and* calibrates its factors (inner grouped folds) without seeing the test fold."""
    out = np.empty((repeats, len(y), len(QUANTILE_LEVELS)))
    for r in range(repeats):
        for test in grouped_folds(groups, folds, seed + 1000 * r):
            train = np.setdiff1d(np.arange(len(y)), test)
            model = fit(comp[train], y[train], groups[train], seed=seed + r)
            out[r, test] = combine(comp[test], model.weights, model.scales)
    return out


__all__ = [
    "Fitted",
    "calibration_gap",
    "calibration_scales",
    "combine",
    "cross_validate",
    "fit",
    "fit_level",
    "fit_weights",
    "grouped_folds",
]
