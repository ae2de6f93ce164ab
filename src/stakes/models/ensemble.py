"""The calibrated ensemble (model id ``ensemble``): a forecast with a predictive distribution.

For each quantile level τ (0.05, 0.10, …, 0.95) the forecast's τ-quantile is a convex combination of the
τ-quantiles of its components — the actors' positions read as a distribution (weighted by capability ×
salience, and unweighted), and the point forecasts of the registered models — with weights fitted by
minimising the pinball loss of level τ on the DEU III development half (quantile stacking; Koenker & Bassett
1978; the CRPS approximation of Berrisch & Ziel 2023), then recalibrated out of fold (:mod:`stakes.ensemble.fit`).

* ``forecast`` — the predictive median (q50);
* ``extra["quantiles"]`` — ``(B, d, 19)`` predictive quantiles on :data:`stakes.scoring.QUANTILE_LEVELS`;
* ``extra["components"]`` — the component models' forecasts ``(B, d)`` it used;
* ``extra["domain"]`` — where it was calibrated (:data:`stakes.ensemble.DOMAIN`).

The component models always run with their default parameters (as fitted).
"""

from __future__ import annotations

import numpy as np

from ..arrays import ScenarioArrays
from ..ensemble import DOMAIN, predict, shipped_params
from ..scoring import QUANTILE_LEVELS
from . import baseline, bdm, nash, smp  # noqa: F401  (registers the component models)
from .base import _REGISTRY, ModelResult, ModelSpec, register

MEDIAN = int(np.flatnonzero(np.isclose(QUANTILE_LEVELS, 0.5))[0])


def component_forecasts(arrays: ScenarioArrays) -> dict[str, np.ndarray]:
    """Forecasts ``(B, d)`` of the models the shipped ensemble gives weight to."""
    out = {}
    for model in shipped_params().models():
        spec = _REGISTRY[model]
        out[model] = np.asarray(spec.call(arrays, **spec.defaults()).forecast, dtype=float)
    return out


def ensemble(arrays: ScenarioArrays) -> ModelResult:
    forecasts = component_forecasts(arrays)
    quantiles = predict(arrays, forecasts)
    return ModelResult(model="ensemble", forecast=quantiles[..., MEDIAN].copy(),
                       extra={"quantiles": quantiles, "components": forecasts, "domain": DOMAIN})


register(ModelSpec(
    id="ensemble",
    name="Calibrated ensemble (quantile stacking)",
    description="Per quantile level, a convex combination of the position distributions and the models' "
                "forecasts fitted on DEU III (dev half); forecast = predictive median, with q05–q95.",
    citation="Koenker & Bassett (1978) Econometrica 46:33–50; Berrisch & Ziel (2023) J. Econometrics 237; "
             "data: Arregui & Perarnaud (2021) DEU III; Thomson et al. (2006) The European Union Decides.",
    run=ensemble,
))
