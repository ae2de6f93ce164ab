"""Refit the ensemble on the DEU III development half and write ``weights.json`` with its provenance.

    python scripts/fit_ensemble.py [DEU_FILE] [--out PATH]

Cross-validation: 10 outer folds grouped by proposal, repeated 3 times with different fold assignments; each
outer training set fits the weights and calibrates the factors on its own inner grouped folds. Scores are
pooled over the repeats; their 95 % intervals come from a bootstrap over proposals (each case's score is
first averaged over the repeats). The held-out test half is never read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from ..backtest import load_cases
from ..backtest.cases import with_capability
from ..backtest.engine import run_stacked
from ..scoring import covered, crps, grouped_bootstrap_mean, point_quantiles
from . import EnsembleParams
from .components import COMPONENTS, component_quantiles, models_needed
from .fit import MEDIAN, calibration_gap, cross_validate, fit

FOLDS, REPEATS, SEED = 10, 3, 20240711


def _ci(values: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    ci = grouped_bootstrap_mean(values, groups, n_boot=2000, seed=SEED)
    return {"estimate": round(ci.estimate, 3), "ci_low": round(ci.low, 3), "ci_high": round(ci.high, 3)}


def refit(path: str | Path) -> EnsembleParams:
    """Fit on every case of ``path`` (a DEU file) with equal capabilities; cross-validate; return the params."""
    path = Path(path)
    cases = with_capability(load_cases(path), "equal")
    forecasts = {m: run_stacked(m, cases.arrays) for m in models_needed(COMPONENTS)}
    comp = component_quantiles(cases.arrays, forecasts)[0]  # (N, K, L) shares of 0–100
    y = cases.outcome / 100.0
    groups = np.asarray(cases.groups)
    oof = cross_validate(comp, y, groups, folds=FOLDS, repeats=REPEATS, seed=SEED)  # (R, N, L)

    pts = 100.0 * oof
    y100 = 100.0 * y
    per_case = {
        "mae": np.abs(pts[:, :, MEDIAN] - y100).mean(axis=0),
        "crps": np.mean([crps(p, y100) for p in pts], axis=0),
        "cover50": np.mean([covered(p, y100, 0.5) for p in pts], axis=0),
        "cover90": np.mean([covered(p, y100, 0.9) for p in pts], axis=0),
    }
    wmean = np.abs(forecasts["weighted-mean"][0] - cases.outcome)
    scores: dict[str, Any] = {k: _ci(v, groups) for k, v in per_case.items()}
    scores["mae_diff_vs_weighted_mean"] = _ci(per_case["mae"] - wmean, groups)
    scores["calibration"] = {
        f"q{round(100 * t):02d}": {
            "below": round(float((y[None] < oof[:, :, lv] - 1e-12).mean()), 3),
            "at_or_below": round(float((y[None] <= oof[:, :, lv] + 1e-12).mean()), 3),
            "gap": round(float(calibration_gap(np.tile(y, REPEATS), oof[:, :, lv].reshape(-1), t)), 3),
        } for lv, t in ((0, 0.05), (4, 0.25), (MEDIAN, 0.5), (14, 0.75), (18, 0.95))
    }
    # every single model's score on the same cases, for comparison (point forecasts: CRPS = absolute error)
    compare = {m: {"mae": round(float(np.abs(f[0] - cases.outcome).mean()), 3),
                   "crps": round(float(crps(point_quantiles(f[0]), cases.outcome).mean()), 3)}
               for m, f in forecasts.items()}
    for k, name in enumerate(COMPONENTS[:2]):
        compare[name] = {"mae": round(float(np.abs(100 * comp[:, k, MEDIAN] - y100).mean()), 3),
                         "crps": round(float(crps(100 * comp[:, k], y100).mean()), 3)}
    final = fit(comp, y, groups, seed=SEED)
    from .. import __version__ as version

    provenance = {
        "training_data": path.name,
        "training_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "cases": int(cases.n_cases), "proposals": len(set(cases.groups)),
        "capability_rule": "equal",
        "fitted_on": dt.date.today().isoformat(),
        "stakes_version": version,
        "cross_validation": {"folds": FOLDS, "repeats": REPEATS, "grouped_by": "proposal", "seed": SEED,
                             "nested_calibration": True},
        "cv_scores": scores,
        "single_models_in_sample": compare,
        "method": "quantile stacking by LP per level + out-of-fold calibration factors (stakes.ensemble.fit)",
        "data_citation": "Arregui & Perarnaud (2021), DEU III, doi:10.34810/data53; Thomson et al. (2006, 2012)",
    }
    return EnsembleParams(tuple(COMPONENTS), final.weights, final.scales, provenance)


__all__ = ["refit"]
