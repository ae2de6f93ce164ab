"""Backtest: every model on cases with known outcomes, scored with point and distribution scores.

>>> from stakes.backtest import backtest
>>> result = backtest("deu3-dev.tsv", runs=200)
>>> result.summary()          # one row per model: MAE, RMSE, CRPS, coverage, paired bootstrap vs weighted mean
>>> result.rows()             # one row per case × model

Scores are those of :mod:`stakes.scoring` (errors in points of a 0–100 scale). The bootstrap resamples
proposals (DEU) or issues (other scenarios). Data set: DEU III (Arregui & Perarnaud 2021; Thomson et al.
2006, 2012) — cite it with any figure computed on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import OptionError
from ..models import list_models
from ..scenario import Scenario
from ..scoring import (
    covered,
    crps,
    grouped_bootstrap_mean,
    named_quantiles,
    point_scores,
    quantiles_from_samples,
    to_percent_of_scale,
)
from ..uncertainty import SpreadOverride
from .baselines import BASELINES
from .cases import CAPABILITY_RULES, Cases, load_cases, register_capability_rule, with_capability
from .engine import DEFAULT_SPREADS, JOINT_MODELS, MC_RUNS_CAP, case_inputs, run_model_on_cases

REFERENCE_MODEL = "weighted-mean"
SUMMARY_COLUMNS = ("model", "n", "mae", "rmse", "medae", "hit5", "hit10", "hit20", "crps", "cover50", "cover90",
                   "mae_diff_vs_weighted_mean", "ci_low", "ci_high")
ROW_COLUMNS = ("case", "issue", "model", "forecast", "outcome", "error", "q05", "q25", "q50", "q75", "q95")


def default_models() -> list[str]:
    """Every registered model except the ensemble (which is fitted on backtests), then the baselines."""
    return [s.id for s in list_models() if s.id != "ensemble"] + list(BASELINES)


@dataclass
class BacktestResult:
    cases: Cases
    models: list[str]
    point: dict[str, np.ndarray]
    """Model → forecast ``(D,)`` on each case's own scale (NaN where the model does not apply)."""
    grid: dict[str, np.ndarray | None]
    """Model → predictive quantiles ``(D, 19)`` (:data:`stakes.scoring.QUANTILE_LEVELS`), None without."""
    runs: int = 1
    seed: int = 0
    settings: dict[str, Any] = field(default_factory=dict)

    # -- per-case errors -------------------------------------------------------------------------------
    def abs_error(self, model: str) -> np.ndarray:
        a = self.cases.arrays
        return np.abs(to_percent_of_scale(self.point[model] - self.cases.outcome, a.scale_min, a.scale_max))

    def crps_values(self, model: str) -> np.ndarray | None:
        g = self.grid.get(model)
        if g is None:
            return None
        a = self.cases.arrays
        return to_percent_of_scale(crps(g, self.cases.outcome), a.scale_min, a.scale_max)

    # -- tables -------------------------------------------------------------------------------------------
    def summary(self, where: np.ndarray | None = None, n_boot: int = 2000) -> pd.DataFrame:
        """One row per model (:data:`SUMMARY_COLUMNS`); ``where`` restricts to a subset of cases."""
        keep = np.ones(self.cases.n_cases, dtype=bool) if where is None else where
        groups = np.asarray(self.cases.groups)
        ref = self.abs_error(REFERENCE_MODEL) if REFERENCE_MODEL in self.point else None
        rows = []
        for model in self.models:
            err = self.abs_error(model)
            ok = keep & np.isfinite(err)
            s = point_scores(err[ok])
            row: dict[str, Any] = {"model": model, "n": s.n, "mae": s.mae, "rmse": s.rmse, "medae": s.medae,
                                   "hit5": s.hit5, "hit10": s.hit10, "hit20": s.hit20,
                                   "crps": None, "cover50": None, "cover90": None,
                                   "mae_diff_vs_weighted_mean": None, "ci_low": None, "ci_high": None}
            cr = self.crps_values(model)
            if cr is not None and ok.any():
                g = self.grid[model]
                row["crps"] = float(cr[ok].mean())
                row["cover50"] = float(covered(g, self.cases.outcome, 0.5)[ok].mean())
                row["cover90"] = float(covered(g, self.cases.outcome, 0.9)[ok].mean())
            if ref is not None and model != REFERENCE_MODEL:
                both = ok & np.isfinite(ref)
                if both.any():
                    ci = grouped_bootstrap_mean(err[both] - ref[both], groups[both], n_boot=n_boot, seed=self.seed)
                    row.update(mae_diff_vs_weighted_mean=ci.estimate, ci_low=ci.low, ci_high=ci.high)
            rows.append(row)
        return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))

    def breakdown(self, by: str) -> pd.DataFrame:
        """The summary for each value of a case field (``proc``, ``counvte``, ``era``, …)."""
        values = np.asarray(self.cases.field(by))
        frames = []
        for value in sorted(set(values.tolist())):
            f = self.summary(where=values == value, n_boot=500)
            f.insert(0, "value", value)
            f.insert(0, "by", by)
            frames.append(f)
        return pd.concat(frames, ignore_index=True)

    def rows(self) -> pd.DataFrame:
        """One row per case × model (:data:`ROW_COLUMNS`); errors in points of a 0–100 scale."""
        cases = self.cases
        frames = []
        for model in self.models:
            f = pd.DataFrame({
                "case": list(cases.groups), "issue": list(cases.case_ids), "model": model,
                "forecast": self.point[model], "outcome": cases.outcome,
                "error": to_percent_of_scale(self.point[model] - cases.outcome, cases.arrays.scale_min,
                                             cases.arrays.scale_max),
            })
            g = self.grid.get(model)
            for name, values in (named_quantiles(g).items() if g is not None else ()):
                f[name] = values
            for name in ("q05", "q25", "q50", "q75", "q95"):
                if name not in f:
                    f[name] = np.nan
            frames.append(f[np.isfinite(f["forecast"])])
        return pd.concat(frames, ignore_index=True)[list(ROW_COLUMNS)]

    def to_dict(self, by: Sequence[str] = ()) -> dict[str, Any]:
        """The JSON contract (README): cases, skipped, summary, rows (and breakdowns with ``by``)."""
        out: dict[str, Any] = {
            "cases": self.cases.n_cases,
            "skipped": [{"case": c, "reason": r} for c, r in self.cases.skipped],
            "settings": self.settings,
            "summary": _records(self.summary()),
            "rows": _records(self.rows()),
        }
        if by:
            out["breakdown"] = [r for b in by for r in _records(self.breakdown(b))]
        return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with ``None`` for NaN (strict JSON)."""
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and not np.isfinite(v) else
                        (v.item() if isinstance(v, np.generic) else v)) for k, v in rec.items()})
    return out


def backtest(source: str | Path | Scenario | Cases, models: Sequence[str] | None = None, *,
             capability: str | None = None, runs: int = 1, seed: int = 0,
             spreads: SpreadOverride | None = None, params: dict[str, dict[str, Any]] | None = None,
             ) -> BacktestResult:
    """Run ``models`` (default: every registered model and the baselines) on every case and keep the
    forecasts; scores come from the result's methods."""
    cases = source if isinstance(source, Cases) else load_cases(source)
    rule = capability or ("equal" if cases.meta else "scenario")
    cases = with_capability(cases, rule)
    chosen = list(models) if models else default_models()
    for m in chosen:
        if m not in BASELINES:
            from ..models import get_model

            get_model(m)  # unknown ids fail before any work
    if runs < 1:
        raise OptionError(f"--runs must be at least 1, got {runs}")
    perturbed = case_inputs(cases, runs, seed, spreads) if runs > 1 else None
    point: dict[str, np.ndarray] = {}
    grid: dict[str, np.ndarray | None] = {}
    for m in chosen:
        if m in BASELINES:
            point[m], grid[m] = BASELINES[m](cases.arrays), None
            continue
        res = run_model_on_cases(cases, m, (params or {}).get(m), runs=runs, seed=seed, inputs=perturbed)
        point[m] = res.point
        grid[m] = None if res.samples is None else quantiles_from_samples(res.samples, axis=0)
    settings = {"capability": rule, "runs": runs, "seed": seed,
                "runs_per_model": {m: min(runs, MC_RUNS_CAP.get(m, runs)) for m in chosen if m not in BASELINES},
                "spreads": None if runs <= 1 else vars(spreads or DEFAULT_SPREADS)}
    return BacktestResult(cases=cases, models=chosen, point=point, grid=grid, runs=runs, seed=seed,
                          settings=settings)


__all__ = ["BASELINES", "CAPABILITY_RULES", "JOINT_MODELS", "ROW_COLUMNS", "SUMMARY_COLUMNS", "BacktestResult",
           "Cases", "backtest", "default_models", "load_cases", "register_capability_rule"]
