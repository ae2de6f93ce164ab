"""Diagnostics: where a forecast should not be read as one clean number.

Computed with every forecast (:func:`diagnose`), one record per variant × issue × model × kind:

* ``oscillation`` — a round-based model that does not settle: between which values its median cycles;
* ``stampede`` — it ends at a pole of the scale while the weighted mean sits in the middle;
* ``outside-band`` — the point forecast lies outside its own Monte Carlo 90 % band (a quick simulation of
  :data:`QUICK_RUNS` runs over the scenario's declared uncertainty, on the first variant run — the baseline —
  only: BDM's stable forecast runs 64 rounds, and 48 × 64 rounds per variant would double a forecast's time);
* ``disagreement`` — the registered models' forecasts spread over more than :data:`DISAGREEMENT` of the scale;
* ``nash-status-quo`` — the Nash solution is the status quo because no point improves on it for every actor;
* ``nothing-to-trade`` — the exchange model on a one-issue scenario: no trade is possible, it returns the
  weighted mean;
* ``pivotal`` — removing one actor moves the forecast by more than :data:`PIVOTAL` of the scale;
* ``domain`` — the ensemble is used outside the domain it was calibrated on.

Thresholds (docs/decisions/diagnostics.md), from the DEU III development half where they can be: BDM settles
on only 21 % of its issues; where it stampedes to a pole (22 % of issues) its error is 38.0 points against
28.3 elsewhere. A spread across models above 70 % of the scale flags 34 % of issues, with an ensemble error of
25.8 against 23.1; lower cut-offs flag most issues and separate less.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .arrays import ScenarioArrays
from .models import get_model
from .models.jit import no_compiling

Forecast = Any  # a stakes.forecast.Forecast (not imported: forecast.py calls this module)

DISAGREEMENT = 0.70
POLE = 0.01
MIDDLE = 0.20
PIVOTAL = 0.15
QUICK_RUNS = 48
QUICK_MODELS = ("bdm",)
"""Models whose point forecast is checked against a quick Monte Carlo band (cheap, and the ones that jump)."""


@dataclass(frozen=True)
class Diagnostic:
    variant: str
    issue: str
    model: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def diagnose(result: Forecast, quick_mc: bool = True) -> list[Diagnostic]:
    with no_compiling():  # side computations: a kernel only if it is compiled already
        return _diagnose(result, quick_mc)


def _diagnose(result: Forecast, quick_mc: bool) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for variant in result.variants:
        arrays = result.arrays[variant]
        runs = {m: result.results[(variant, m)] for m in result.models if (variant, m) in result.results}
        for model, res in runs.items():
            out += _rounds(variant, model, arrays, res, runs)
            if model == "nash":
                out += _nash(variant, arrays, res)
            if model == "exchange" and arrays.n_issues == 1:
                out.append(Diagnostic(variant, arrays.issue_ids[0], model, "nothing-to-trade",
                                      "one issue: the exchange model has nothing to trade and returns the "
                                      "capability × salience weighted mean"))
            if model == "ensemble" and not result.scenario.id.startswith("deu-"):
                domain = str(res.extra.get("domain", ""))
                out += [Diagnostic(variant, issue, model, "domain", f"the ensemble is {domain}")
                        for issue in arrays.issue_ids[:1]]
            if quick_mc and model in QUICK_MODELS and variant == result.variants[0]:  # one variant: ~2 s
                out += _outside_band(result, variant, model, arrays, res)
        out += _disagreement(variant, arrays, runs)
    out += _pivotal(result)
    return out


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def _rounds(variant: str, model: str, a: ScenarioArrays, res: Any, runs: dict[str, Any]) -> list[Diagnostic]:
    settled = res.extra.get("settled")
    if settled is None:
        return []
    out = []
    low, high = res.extra.get("cycle_low"), res.extra.get("cycle_high")
    wmean = runs["weighted-mean"].forecast[0] if "weighted-mean" in runs else _weighted_mean(a)
    for d, issue in enumerate(a.issue_ids):
        value = float(res.forecast[0, d])
        cycling = low is not None and float(high[0, d]) - float(low[0, d]) > 1e-9 * float(a.span[d])
        if not bool(np.asarray(settled)[0, d]) and cycling:
            span = (_fmt(low[0, d]), _fmt(high[0, d]))
            out.append(Diagnostic(variant, issue, model, "oscillation",
                                  f"does not settle: the median cycles between {span[0]} and {span[1]}; "
                                  f"the forecast {_fmt(value)} is the cycle's central value"))
        lo, width = float(a.scale_min[d]), float(a.span[d])
        at_pole = min(value - lo, lo + width - value) <= POLE * width
        w = float(wmean[d])
        middle = min(w - lo, lo + width - w) >= MIDDLE * width
        if at_pole and middle:
            out.append(Diagnostic(variant, issue, model, "stampede",
                                  f"ends at a pole ({_fmt(value)}) while the weighted mean sits at {_fmt(w)}"))
    return out


def _weighted_mean(a: ScenarioArrays) -> np.ndarray:
    w = a.weights()[0]
    total = w.sum(axis=0)
    return np.where(total > 0, (w * a.position[0]).sum(axis=0) / np.where(total > 0, total, 1),
                    (a.scale_min + a.scale_max) / 2)


def _nash(variant: str, a: ScenarioArrays, res: Any) -> list[Diagnostic]:
    out = []
    for d, issue in enumerate(a.issue_ids):
        sq = float(a.status_quo[d])
        if np.isnan(sq) or abs(float(res.forecast[0, d]) - sq) > 1e-6 * float(a.span[d]):
            continue
        pos = a.position[0, a.mask[:, d], d]
        if pos.size and pos.min() <= sq <= pos.max():
            why = "actors stand on both sides of it, so any move hurts someone: the status quo is Pareto-optimal"
        else:
            why = "no agreement improves on it for every actor"
        out.append(Diagnostic(variant, issue, "nash", "nash-status-quo",
                              f"returns the status quo {_fmt(sq)}: {why}"))
    return out


def _disagreement(variant: str, a: ScenarioArrays, runs: dict[str, Any]) -> list[Diagnostic]:
    names = [m for m in runs if m != "ensemble"]
    if len(names) < 2:
        return []
    values = np.stack([runs[m].forecast[0] for m in names])  # (M, d)
    out = []
    for d, issue in enumerate(a.issue_ids):
        spread = float(values[:, d].max() - values[:, d].min())
        if spread > DISAGREEMENT * float(a.span[d]):
            lo, hi = names[int(values[:, d].argmin())], names[int(values[:, d].argmax())]
            out.append(Diagnostic(variant, issue, "*", "disagreement",
                                  f"the models disagree: from {_fmt(values[:, d].min())} ({lo}) to "
                                  f"{_fmt(values[:, d].max())} ({hi})"))
    return out


def _outside_band(result: Forecast, variant: str, model: str, a: ScenarioArrays, res: Any) -> list[Diagnostic]:
    from .uncertainty import perturb, resolve_spreads
    from .variants import apply_variant

    scenario = apply_variant(result.scenario, variant)
    if not resolve_spreads(scenario).any:
        return []
    spec = get_model(model)
    params = spec.resolve({**result.scenario.model_params(model), **result.params.get(model, {})})
    sims = spec.run(perturb(scenario, a, QUICK_RUNS, base=result.scenario), **params).forecast  # (R, d)
    lo, hi = np.quantile(sims, [0.05, 0.95], axis=0)
    out = []
    for d, issue in enumerate(a.issue_ids):
        value = float(res.forecast[0, d])
        if value < lo[d] - 1e-9 or value > hi[d] + 1e-9:
            out.append(Diagnostic(variant, issue, model, "outside-band",
                                  f"the forecast {_fmt(value)} lies outside its own Monte Carlo 90 % band "
                                  f"{_fmt(lo[d])}–{_fmt(hi[d])} ({QUICK_RUNS} runs)"))
    return out


def _pivotal(result: Forecast) -> list[Diagnostic]:
    """Removing each actor in turn (masked out, as a variant's ``remove_actor`` would), on the baseline, for
    the model that judges theses: the ``n`` scenarios without one actor run as one batch, a mask per row."""
    from .variants import BASELINE

    model = result.scenario.default_model if result.scenario.default_model in result.models else result.models[0]
    if (BASELINE, model) not in result.results or model == "exchange":
        return []
    a = result.arrays[BASELINE]
    n = a.n_actors
    if n < 3:
        return []
    spec = get_model(model)
    params = spec.resolve({**result.scenario.model_params(model), **result.params.get(model, {})})
    base = result.results[(BASELINE, model)].forecast[0]
    moved = spec.run(a.without_each_actor(), **params).forecast - base  # (n, d)
    out = []
    for d, issue in enumerate(a.issue_ids):
        k = int(np.abs(moved[:, d]).argmax())
        shift = float(moved[k, d])
        if abs(shift) > PIVOTAL * float(a.span[d]) and a.mask[k, d]:
            out.append(Diagnostic(BASELINE, issue, model, "pivotal",
                                  f"pivotal actor '{a.actor_ids[k]}': without it the forecast moves by "
                                  f"{shift:+.1f}"))
    return out


__all__ = ["DISAGREEMENT", "PIVOTAL", "Diagnostic", "diagnose"]
