"""Baseline models: the plain mean, the compromise model and the weighted median.

* Mean: x* = Σ_i x_i / n over the actors with a stance.
* Compromise model (weighted mean; Achen 2006, "Evaluating political decision-making models", in Thomson
  et al., *The European Union Decides*, ch. 4; called "MDS" in Decide): x* = Σ c_i s_i x_i / Σ c_i s_i.
* Weighted median ("median voter"; Black 1948): the smallest position x with
  Σ_{i: x_i ≤ x} c_i s_i ≥ ½ Σ_i c_i s_i.

Each issue is a separate dimension; all three are one-shot (no rounds).
"""

from __future__ import annotations

import numpy as np

from ..arrays import ScenarioArrays
from .base import ModelResult, ModelSpec, register


def _safe_divide(num: np.ndarray, den: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return np.where(den > 0, out, fallback)


def _midpoint(arrays: ScenarioArrays) -> np.ndarray:
    return np.broadcast_to((arrays.scale_min + arrays.scale_max) / 2, (arrays.n_batch, arrays.n_issues))


def mean(arrays: ScenarioArrays) -> ModelResult:
    m = arrays.participation().astype(float)
    forecast = _safe_divide((arrays.position * m).sum(1), m.sum(1), _midpoint(arrays))
    return ModelResult(model="mean", forecast=forecast)


def weighted_mean(arrays: ScenarioArrays) -> ModelResult:
    w = arrays.weights()
    forecast = _safe_divide((w * arrays.position).sum(1), w.sum(1), _midpoint(arrays))
    return ModelResult(model="weighted-mean", forecast=forecast)


def weighted_median_of(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted median along axis -2 of ``(..., n, d)`` arrays: the smallest x with half the weight at or below."""
    order = np.argsort(position, axis=-2, kind="stable")
    xs = np.take_along_axis(position, order, axis=-2)
    ws = np.take_along_axis(weight, order, axis=-2)
    cum = np.cumsum(ws, axis=-2)
    total = cum[..., -1:, :]
    # tolerate rounding: "at least half" with a relative epsilon
    reached = cum >= 0.5 * total * (1 - 1e-12)
    first = np.argmax(reached, axis=-2)[..., None, :]
    return np.take_along_axis(xs, first, axis=-2)[..., 0, :]


def weighted_median(arrays: ScenarioArrays) -> ModelResult:
    w = arrays.weights()
    med = weighted_median_of(arrays.position, w)
    forecast = np.where(w.sum(1) > 0, med, _midpoint(arrays))
    return ModelResult(model="weighted-median", forecast=forecast)


register(ModelSpec(
    id="mean",
    name="Mean",
    description="Unweighted mean of the positions of the actors with a stance.",
    citation="Baseline.",
    run=mean,
))
register(ModelSpec(
    id="weighted-mean",
    name="Compromise model (capability × salience weighted mean)",
    description="x* = Σ c·s·x / Σ c·s per issue; a hard baseline in published EU backtests.",
    citation="Achen, C. H. (2006). Evaluating political decision-making models. In Thomson et al. (eds.), "
    "The European Union Decides, ch. 4. Cambridge University Press.",
    run=weighted_mean,
))
register(ModelSpec(
    id="weighted-median",
    name="Weighted median (median voter)",
    description="The position where the cumulative capability × salience weight reaches one half.",
    citation="Black, D. (1948). On the rationale of group decision-making. J. Political Economy 56(1):23–34.",
    run=weighted_median,
))
