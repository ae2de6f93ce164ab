"""The calibrated ensemble: one forecast with a predictive distribution, from every model and the positions.

The fitted parameters ship as ``weights.json`` beside this file with their provenance (training data hash,
cross-validated scores with bootstrap intervals, date, version); ``scripts/fit_ensemble.py`` refits them on
the DEU III development half (:mod:`.refit`). :mod:`.fit` states the method, :mod:`.components` the inputs.

Domain: the ensemble was fitted on EU legislative decisions (one issue, 2–30 actors, positions on 0–100).
Elsewhere its weights are a reasoned default, not a calibration; :data:`DOMAIN` says so in every output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np

from ..arrays import ScenarioArrays
from ..errors import OptionError
from ..scoring import QUANTILE_LEVELS
from .components import COMPONENTS, combine, component_quantiles, models_needed

PARAMS_FILE = "weights.json"
DOMAIN = ("calibrated on EU legislative decisions (DEU III development half, 184 issues); outside that domain "
          "its interval is a reasoned default, not a calibrated one")


@dataclass(frozen=True)
class EnsembleParams:
    components: tuple[str, ...]
    weights: np.ndarray
    """``(L, K)`` per quantile level."""
    scales: np.ndarray
    """``(L,)`` calibration factors."""
    provenance: dict[str, Any]

    def used(self) -> tuple[str, ...]:
        """Components with a non-zero weight at some level."""
        keep = self.weights.max(axis=0) > 1e-9
        return tuple(c for c, k in zip(self.components, keep, strict=True) if k)

    def models(self) -> list[str]:
        return models_needed(self.used())

    def to_dict(self) -> dict[str, Any]:
        return {"components": list(self.components), "levels": [float(x) for x in QUANTILE_LEVELS],
                "weights": np.round(self.weights, 6).tolist(), "scales": np.round(self.scales, 6).tolist(),
                "provenance": self.provenance}


def params_from_dict(data: dict[str, Any]) -> EnsembleParams:
    comps = tuple(data["components"])
    unknown = [c for c in comps if c not in COMPONENTS]
    weights = np.asarray(data["weights"], dtype=float)
    scales = np.asarray(data["scales"], dtype=float)
    if unknown or weights.shape != (len(QUANTILE_LEVELS), len(comps)) or scales.shape != (len(QUANTILE_LEVELS),):
        raise OptionError(f"ensemble parameters do not fit this version of stakes (components {unknown or 'ok'}, "
                          f"weights {weights.shape}, scales {scales.shape})")
    return EnsembleParams(comps, weights, scales, dict(data.get("provenance", {})))


@cache
def shipped_text() -> str:
    """The shipped ``weights.json``, as text (the ledger records its SHA-256 with every ensemble forecast)."""
    return files(__name__).joinpath(PARAMS_FILE).read_text(encoding="utf-8")


def shipped_params() -> EnsembleParams:
    """The parameters that ship with the package."""
    return params_from_dict(json.loads(shipped_text()))


def predict(arrays: ScenarioArrays, forecasts: dict[str, np.ndarray], params: EnsembleParams | None = None
            ) -> np.ndarray:
    """Predictive quantiles ``(B, d, L)`` on each issue's own scale, from the component models' forecasts."""
    p = params or shipped_params()
    idx = [p.components.index(c) for c in p.used()]
    comp = component_quantiles(arrays, forecasts, [p.components[i] for i in idx])
    share = combine(comp, p.weights[:, idx] / p.weights[:, idx].sum(axis=1, keepdims=True), p.scales)
    return arrays.scale_min[None, :, None] + share * arrays.span[None, :, None]


__all__ = ["DOMAIN", "EnsembleParams", "params_from_dict", "predict", "shipped_params"]
