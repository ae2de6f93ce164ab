"""The ensemble's inputs on any scenario: each component gives a quantile function on the grid
:data:`stakes.scoring.QUANTILE_LEVELS`, expressed as a share of the issue's scale (0 = ``scale_min``,
1 = ``scale_max``).

* **position distributions** — the actors' positions read as a distribution of where the outcome falls:
  weighted by capability × salience (``positions-cs``; its median is the weighted median, its mean the
  compromise model) and unweighted (``positions-equal``). In DEU III outcomes often land *on* an actor's
  position, which a point forecast cannot express and these can.
* **point models** — a registered model's forecast as a degenerate distribution (every quantile equal).
* **status quo** — the reference point where the issue has one, otherwise the weighted mean (so the component
  is defined everywhere; ``has_status_quo`` says which).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..arrays import ScenarioArrays
from ..scoring import QUANTILE_LEVELS

POINT_MODELS = ("mean", "weighted-mean", "weighted-median", "bdm", "smp", "nash")
COMPONENTS = ("positions-cs", "positions-equal", *POINT_MODELS, "status-quo", "midpoint")


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, levels: np.ndarray = QUANTILE_LEVELS
                       ) -> np.ndarray:
    """Quantiles of the discrete distributions ``values`` ``(B, n, d)`` with ``weights`` ``(B, n, d)`` along
    actors: the smallest value whose cumulative weight reaches each level (the lower quantile, as the weighted
    median of :mod:`stakes.models.baseline`). Returns ``(B, d, L)``; NaN where all weights are 0."""
    order = np.argsort(values, axis=1, kind="stable")
    v = np.take_along_axis(values, order, axis=1)
    w = np.take_along_axis(weights, order, axis=1)
    total = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        cum = np.cumsum(w, axis=1) / total  # (B, n, d)
    # index of the first actor whose cumulative share reaches the level (small tolerance for float sums)
    reach = cum[..., None] >= levels[None, None, None, :] - 1e-12  # (B, n, d, L)
    idx = np.argmax(reach, axis=1)  # (B, d, L)
    out = np.take_along_axis(v[..., None].repeat(len(levels), axis=-1), idx[:, None], axis=1)[:, 0]
    return np.where(total[:, 0, :, None] > 0, out, np.nan)


def models_needed(components: Sequence[str]) -> list[str]:
    """The registered models whose forecasts :func:`component_quantiles` needs for ``components``."""
    need = [c for c in components if c in POINT_MODELS]
    if "status-quo" in components and "weighted-mean" not in need:
        need.append("weighted-mean")
    return need


def component_quantiles(arrays: ScenarioArrays, forecasts: dict[str, np.ndarray],
                        components: Sequence[str] = COMPONENTS) -> np.ndarray:
    """Quantile functions ``(B, d, K, L)`` of the components, as shares of each issue's scale.

    ``forecasts`` holds the forecasts ``(B, d)`` (on the issues' own scales) of :func:`models_needed`.
    """
    lo, span = arrays.scale_min, arrays.span
    b, d, n_levels = arrays.n_batch, arrays.n_issues, len(QUANTILE_LEVELS)
    share = (arrays.position - lo) / span
    mask = np.broadcast_to(arrays.mask, arrays.position.shape)
    out = np.empty((b, d, len(components), n_levels))

    def point(model: str) -> np.ndarray:
        return (np.asarray(forecasts[model], dtype=float) - lo) / span

    for k, name in enumerate(components):
        if name == "positions-cs":
            q = weighted_quantiles(share, arrays.weights())
            fallback = weighted_quantiles(share, mask.astype(float))
            out[:, :, k] = np.where(np.isnan(q), fallback, q)
        elif name == "positions-equal":
            out[:, :, k] = weighted_quantiles(share, mask.astype(float))
        elif name == "status-quo":
            sq = (arrays.status_quo - lo) / span
            wm = point("weighted-mean")
            out[:, :, k] = np.where(np.isnan(sq)[None], wm, sq[None])[..., None]
        elif name == "midpoint":
            out[:, :, k] = 0.5
        else:
            out[:, :, k] = point(name)[..., None]
    return np.clip(np.nan_to_num(out, nan=0.5), 0.0, 1.0)




MEDIAN = int(np.flatnonzero(np.isclose(QUANTILE_LEVELS, 0.5))[0])


def combine(comp: np.ndarray, weights: np.ndarray, scales: np.ndarray | None = None) -> np.ndarray:
    """Ensemble quantiles ``(..., L)`` from component quantiles ``(..., K, L)``: weighted and sorted, then each
    level's distance from the median multiplied by its calibration factor, clipped to the scale."""
    q = np.sort(np.einsum("...kl,lk->...l", comp, weights), axis=-1)
    if scales is not None:
        med = q[..., MEDIAN:MEDIAN + 1]
        q = np.sort(med + scales * (q - med), axis=-1)
    return np.clip(q, 0.0, 1.0)


__all__ = ["COMPONENTS", "MEDIAN", "POINT_MODELS", "combine", "component_quantiles", "models_needed",
           "weighted_quantiles"]
