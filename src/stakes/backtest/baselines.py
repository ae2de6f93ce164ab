"""Naive forecasts every backtest reports beside the models: a model that cannot beat them says nothing.

* ``midpoint`` — the middle of the scale;
* ``reference-point`` — the status quo (DEU's ``rp``), where the case has one;
* ``commission`` — the position of the actor ``com`` (the European Commission in DEU), where it has one;
* ``median-actor`` — the median of the positions of the actors with a stance, unweighted.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..arrays import ScenarioArrays


def _midpoint(a: ScenarioArrays) -> np.ndarray:
    return (a.scale_min + a.scale_max) / 2


def _reference_point(a: ScenarioArrays) -> np.ndarray:
    return a.status_quo.astype(float).copy()


def _commission(a: ScenarioArrays) -> np.ndarray:
    if "com" not in a.actor_ids:
        return np.full(a.n_issues, np.nan)
    k = a.actor_ids.index("com")
    return np.where(a.mask[k], a.position[0, k], np.nan)


def _median_actor(a: ScenarioArrays) -> np.ndarray:
    pos = np.where(a.mask, a.position[0], np.nan)
    return np.nanmedian(pos, axis=0)


BASELINES: dict[str, Callable[[ScenarioArrays], np.ndarray]] = {
    "midpoint": _midpoint,
    "reference-point": _reference_point,
    "commission": _commission,
    "median-actor": _median_actor,
}
"""Baseline id → forecast ``(D,)`` (NaN where it does not apply)."""

__all__ = ["BASELINES"]
