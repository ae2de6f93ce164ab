"""The forecast API: run models on a scenario and its variants, get tidy DataFrames and thesis verdicts.

>>> from stakes import builtin_scenario, forecast
>>> result = forecast(builtin_scenario(), models=["weighted-mean", "bdm"])
>>> result.frame()            # one row per variant × model × issue
>>> result.trajectories()     # one row per variant × model × issue × round × actor
>>> result.verdicts()         # the scenario's theses, judged
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .arrays import ScenarioArrays, check_weights, compile_scenario
from .models import ModelResult, get_model
from .scenario import Scenario, SideThesis
from .theses import Verdict, describe_forecast, judge_forecast, thesis_model
from .variants import BASELINE, apply_variant


@dataclass
class Forecast:
    scenario: Scenario
    variants: list[str]
    models: list[str]
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Parameters passed to :func:`forecast` (over the scenario's own ``parameters``)."""
    arrays: dict[str, ScenarioArrays] = field(default_factory=dict)
    results: dict[tuple[str, str], ModelResult] = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        """``variant, model, issue, value, n_rounds`` — one row per variant × model × issue."""
        rows: list[dict[str, Any]] = []
        for (variant, model), res in self.results.items():
            arr = self.arrays[variant]
            for d, issue in enumerate(arr.issue_ids):
                rows.append({
                    "variant": variant, "model": model, "issue": issue,
                    "value": float(res.forecast[0, d]),
                    "n_rounds": None if res.rounds is None else int(res.rounds[0, d]),
                })
        return pd.DataFrame(rows, columns=["variant", "model", "issue", "value", "n_rounds"])

    def trajectories(self) -> pd.DataFrame:
        """``variant, model, issue, round, actor, position`` plus the round's ``forecast``."""
        frames = []
        for (variant, model), res in self.results.items():
            if res.positions is None:
                continue
            arr = self.arrays[variant]
            pos = res.positions[0]  # (T, n, d)
            t, _n, _d = pos.shape
            idx = pd.MultiIndex.from_product([range(t), arr.actor_ids, arr.issue_ids],
                                             names=["round", "actor", "issue"])
            f = pd.DataFrame({"position": pos.reshape(-1)}, index=idx).reset_index()
            mask = pd.Series(arr.mask.reshape(-1).tolist() * t)
            f = f[mask.to_numpy()]
            if res.forecasts is not None:
                fc = pd.DataFrame(res.forecasts[0], columns=list(arr.issue_ids))
                fc = fc.reset_index(names="round").melt(id_vars="round", var_name="issue", value_name="forecast")
                f = f.merge(fc, on=["round", "issue"], how="left")
            f.insert(0, "model", model)
            f.insert(0, "variant", variant)
            frames.append(f)
        if not frames:
            return pd.DataFrame(columns=["variant", "model", "round", "actor", "issue", "position", "forecast"])
        return pd.concat(frames, ignore_index=True)

    def verdicts(self, sides: bool = True) -> list[Verdict]:
        """Every thesis judged: bargaining theses on the forecasts, side theses (``sides=True``) on the
        landscape-theory alignment of their variant (:func:`stakes.alignment.judge_side_theses`)."""
        out = []
        for thesis in self.scenario.theses:
            if isinstance(thesis, SideThesis):
                continue
            variant = thesis.variant or BASELINE
            model = thesis_model(thesis, self.scenario)
            res = self.results.get((variant, model))
            if res is None:
                out.append(Verdict(thesis.id, variant, model, None,
                                   f"not run: model '{model}' on variant '{variant}'"))
                continue
            arr = self.arrays[variant]
            holds = judge_forecast(thesis, arr, res.forecast)
            out.append(Verdict(thesis.id, variant, model, None if holds is None else bool(holds[0]),
                               describe_forecast(thesis, arr, res.forecast)))
        if sides and any(isinstance(t, SideThesis) for t in self.scenario.theses):
            from .alignment import judge_side_theses

            side_verdicts = {v.thesis: v for v in judge_side_theses(self.scenario)}
            order = {t.id: k for k, t in enumerate(self.scenario.theses)}
            out = sorted([*out, *side_verdicts.values()], key=lambda v: order[v.thesis])
        return out


def forecast(
    scenario: Scenario,
    models: Sequence[str] | None = None,
    variants: Sequence[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
) -> Forecast:
    """Run ``models`` on the baseline and ``variants``.

    Default models: the scenario's declared ``models``, else bdm and weighted-mean.

    ``variants=None`` runs the baseline and every variant; pass ``["baseline"]`` for the baseline only.
    Parameters come from the scenario's ``parameters`` overlaid with ``params``.
    """
    from .checks import check_models

    check_models(scenario, list(models) if models else None)
    model_ids = list(models) if models else scenario.default_models
    specs = [get_model(m) for m in model_ids]
    variant_ids = list(variants) if variants is not None else [BASELINE, *(v.id for v in scenario.variants)]
    result = Forecast(scenario=scenario, variants=variant_ids, models=model_ids, params=dict(params or {}))
    for variant in variant_ids:
        arrays = compile_scenario(apply_variant(scenario, variant))
        check_weights(arrays, variant)
        result.arrays[variant] = arrays
        for spec in specs:
            merged = {**scenario.model_params(spec.id), **(params or {}).get(spec.id, {})}
            result.results[(variant, spec.id)] = spec.run_checked(arrays, merged, variant)
    return result
