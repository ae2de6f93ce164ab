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
from typing import TYPE_CHECKING, Any

import numpy as np

from .arrays import ScenarioArrays, check_weights, compile_scenario
from .models import ModelResult, get_model
from .models.base import reuse_results
from .scenario import Scenario, SideThesis
from .scoring import QUANTILE_LEVELS
from .theses import (
    Verdict,
    describe_forecast,
    judge_forecast,
    samples_from_quantiles,
    thesis_model,
    verdict_from_probability,
)
from .variants import BASELINE, apply_variant

if TYPE_CHECKING:
    import pandas as pd

PROBABILITY_RUNS = 200
"""Monte Carlo runs behind a thesis probability under a model without its own predictive distribution."""
SIDE_PROBABILITY_RUNS = 48
"""Runs of the side theses' landscape Monte Carlo in a forecast (each an exact 2^(n−1) enumeration: ~5 ms at
n = 20); ``stakes align --runs`` and the report take more."""


@dataclass
class Forecast:
    scenario: Scenario
    variants: list[str]
    models: list[str]
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Parameters passed to :func:`forecast` (over the scenario's own ``parameters``)."""
    arrays: dict[str, ScenarioArrays] = field(default_factory=dict)
    results: dict[tuple[str, str], ModelResult] = field(default_factory=dict)
    _samples: dict[tuple[str, str], tuple[np.ndarray | None, str]] = field(default_factory=dict, repr=False)
    _diagnostics: list[Any] | None = field(default=None, repr=False)

    def diagnostics(self) -> list[Any]:
        """Where the forecast should not be read as one clean number (:mod:`stakes.diagnostics`)."""
        if self._diagnostics is None:
            from .diagnostics import diagnose

            self._diagnostics = diagnose(self)
        return self._diagnostics
    landscape: bool = True
    """Judge side theses by landscape theory; :func:`forecast` turns it off when models are named explicitly."""
    _side_verdicts: list[Verdict] | None = field(default=None, init=False, repr=False, compare=False)

    def frame(self) -> pd.DataFrame:
        """``variant, model, issue, value, n_rounds`` — one row per variant × model × issue."""
        import pandas as pd

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
        """``variant, model, round, actor, issue, position`` plus the round's ``forecast`` (NaN past the rounds
        a model reports one for; no column when no model does): one row per round × actor × issue with a
        stance, in that order. Built from the arrays directly (pandas' reshaping took 0.4 s for the built-in
        scenario's 15,000 rows)."""
        import pandas as pd

        columns: dict[str, list[np.ndarray]] = {k: [] for k in ("variant", "model", "round", "actor", "issue",
                                                               "position", "forecast")}
        for (variant, model), res in self.results.items():
            if res.positions is None:
                continue
            arr = self.arrays[variant]
            pos = res.positions[0]  # (T, n, d)
            t, n, d = pos.shape
            keep = np.tile(arr.mask.reshape(-1), t)
            rounds = np.repeat(np.arange(t), n * d)[keep]
            issue = np.tile(np.arange(d), t * n)[keep]
            forecast = np.full(rounds.size, np.nan)
            if res.forecasts is not None:
                known = np.asarray(res.forecasts[0], dtype=float)  # (T', d)
                has = rounds < known.shape[0]
                forecast[has] = known[rounds[has], issue[has]]
            columns["variant"].append(np.full(rounds.size, variant, dtype=object))
            columns["model"].append(np.full(rounds.size, model, dtype=object))
            columns["round"].append(rounds)
            actor = np.tile(np.repeat(np.arange(n), d), t)[keep]
            columns["actor"].append(np.asarray(arr.actor_ids, dtype=object)[actor])
            columns["issue"].append(np.asarray(arr.issue_ids, dtype=object)[issue])
            columns["position"].append(pos.reshape(-1)[keep])
            columns["forecast"].append(forecast)
        if not columns["round"]:
            return pd.DataFrame(columns=list(columns))
        if all(res.forecasts is None for res in self.results.values() if res.positions is not None):
            del columns["forecast"]
        return pd.DataFrame({k: np.concatenate(v) for k, v in columns.items()})

    def final_positions(self) -> pd.DataFrame:
        """``variant, model, actor, issue, position`` — each actor's last position, for models that move actors
        (actors without a stance on an issue are left out)."""
        import pandas as pd

        rows: list[dict[str, Any]] = []
        for (variant, model), res in self.results.items():
            if res.positions is None:
                continue
            arr = self.arrays[variant]
            last = res.positions[0, -1]  # (n, d)
            for k, actor in enumerate(arr.actor_ids):
                for d, issue in enumerate(arr.issue_ids):
                    if arr.mask[k, d]:
                        rows.append({"variant": variant, "model": model, "actor": actor, "issue": issue,
                                     "position": float(last[k, d])})
        return pd.DataFrame(rows, columns=["variant", "model", "actor", "issue", "position"])

    def quantiles(self, variant: str, model: str) -> np.ndarray | None:
        """Predictive quantiles ``(d, 19)`` of a model that carries them (the ensemble), else None."""
        res = self.results.get((variant, model))
        q = None if res is None else res.extra.get("quantiles")
        return None if q is None else np.asarray(q)[0]

    def predictive_samples(self, variant: str, model: str) -> tuple[np.ndarray | None, str]:
        """Draws ``(R, d)`` of a model's forecast and how they were made: from its predictive quantiles, or a
        Monte Carlo of :data:`PROBABILITY_RUNS` runs over the declared uncertainty; None when the scenario
        declares none (the probability is then the point verdict, 0 or 1)."""
        key = (variant, model)
        if key not in self._samples:
            q = self.quantiles(variant, model)
            if q is not None:
                self._samples[key] = (samples_from_quantiles(q, QUANTILE_LEVELS), "predictive distribution")
            else:
                self._samples[key] = self._monte_carlo(variant, model)
        return self._samples[key]

    def _monte_carlo(self, variant: str, model: str) -> tuple[np.ndarray | None, str]:
        from .uncertainty import perturb, resolve_spreads

        scenario = apply_variant(self.scenario, variant)
        if not resolve_spreads(scenario).any:
            return None, "no declared uncertainty: the point forecast"
        spec = get_model(model)
        params = spec.resolve({**self.scenario.model_params(model), **self.params.get(model, {})})
        arrays = perturb(scenario, self.arrays[variant], PROBABILITY_RUNS, base=self.scenario)
        return np.asarray(spec.run(arrays, **params).forecast), f"Monte Carlo, {PROBABILITY_RUNS} runs"

    def verdicts(self, sides: bool = True) -> list[Verdict]:
        """Every thesis judged: bargaining theses on the forecasts, side theses (``sides=True``) on the
        landscape-theory alignment of their variant (:func:`stakes.alignment.judge_side_theses`)."""
        out = []
        for thesis in self.scenario.theses:
            if isinstance(thesis, SideThesis):
                continue
            variant = thesis.variant or BASELINE
            model = thesis_model(thesis, self.scenario)
            note = ""
            if (thesis.model is None and (variant, model) not in self.results and variant in self.variants
                    and self.models):  # a thesis that names no model is judged by the user's pick
                note = f"judged by {self.models[0]} ('{model}' was not run); "
                model = self.models[0]
            res = self.results.get((variant, model))
            if res is None:
                out.append(Verdict(thesis.id, variant, model, None,
                                   f"not run: model '{model}' on variant '{variant}'"))
                continue
            arr = self.arrays[variant]
            point = judge_forecast(thesis, arr, res.forecast)
            if point is None:
                out.append(Verdict(thesis.id, variant, model, None, describe_forecast(thesis, arr, res.forecast)))
                continue
            samples, how = self.predictive_samples(variant, model)
            p = float(np.mean(judge_forecast(thesis, arr, samples))) if samples is not None else float(point[0])
            detail = f"{note}{describe_forecast(thesis, arr, res.forecast)} P = {p:.2f} ({how})"
            out.append(Verdict(thesis.id, variant, model, verdict_from_probability(p), detail, round(p, 4)))
        if sides and any(isinstance(t, SideThesis) for t in self.scenario.theses):
            from .alignment import judge_side_theses

            if not self.landscape:
                self._side_verdicts = [Verdict(t.id, t.variant or BASELINE, "landscape", None,
                                               "not run: landscape theory (run without --model, or stakes align)")
                                       for t in self.scenario.theses if isinstance(t, SideThesis)]
            elif self._side_verdicts is None:  # the alignment is exhaustive (2^n): judge once per forecast
                self._side_verdicts = with_side_probabilities(self.scenario, judge_side_theses(self.scenario))
            side_verdicts = {v.thesis: v for v in self._side_verdicts}
            order = {t.id: k for k, t in enumerate(self.scenario.theses)}
            out = sorted([*out, *side_verdicts.values()], key=lambda v: order[v.thesis])
        return out


def with_side_probabilities(scenario: Scenario, verdicts: list[Verdict]) -> list[Verdict]:
    """Side-thesis verdicts with ``probability``: the share of :data:`SIDE_PROBABILITY_RUNS` Monte Carlo runs
    over actors' sizes and propensities in which the thesis holds (:func:`stakes.alignment.side_probabilities`;
    standard error at most 0.5/√runs ≈ 0.07). ``holds`` stays landscape theory's own prediction, the global
    minimum of the unperturbed landscape."""
    from dataclasses import replace

    from .alignment import side_probabilities
    from .errors import StakesError

    probs: dict[str, float | None] = {}
    for vid in dict.fromkeys(v.variant for v in verdicts if v.holds is not None):
        try:
            probs.update(side_probabilities(scenario, vid, runs=SIDE_PROBABILITY_RUNS).theses)
        except StakesError:  # e.g. too many actors for a Monte Carlo here: the verdict keeps no probability
            continue
    out = []
    for v in verdicts:
        p = probs.get(v.thesis)
        out.append(v if p is None else replace(
            v, probability=round(p, 4),
            detail=f"{v.detail}; P = {p:.2f} (Monte Carlo, {SIDE_PROBABILITY_RUNS} runs)"))
    return out


def forecast(
    scenario: Scenario,
    models: Sequence[str] | None = None,
    variants: Sequence[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
) -> Forecast:
    """Run ``models`` on the baseline and ``variants``.

    Default models: the scenario's declared ``models``, else :data:`stakes.scenario.DEFAULT_MODELS`. Side
    theses are judged by landscape theory only when ``models`` is not given (otherwise they say "not run").

    ``variants=None`` runs the baseline and every variant; pass ``["baseline"]`` for the baseline only.
    Parameters come from the scenario's ``parameters`` overlaid with ``params``.
    """
    from .checks import check_models

    check_models(scenario, list(models) if models else None)
    model_ids = list(models) if models else scenario.default_models
    specs = [get_model(m) for m in model_ids]
    variant_ids = list(variants) if variants is not None else [BASELINE, *(v.id for v in scenario.variants)]
    result = Forecast(scenario=scenario, variants=variant_ids, models=model_ids, params=dict(params or {}),
                      landscape=not models)  # only the models asked for: no landscape unless none were named
    with reuse_results():  # the ensemble's components are the models run beside it: each runs once
        for variant in variant_ids:
            arrays = compile_scenario(apply_variant(scenario, variant))
            check_weights(arrays, variant)
            result.arrays[variant] = arrays
            for spec in specs:
                merged = {**scenario.model_params(spec.id), **(params or {}).get(spec.id, {})}
                result.results[(variant, spec.id)] = spec.run_checked(arrays, merged, variant)
    return result
