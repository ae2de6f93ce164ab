"""Results of every kind as tidy DataFrames: what the run store records and what the report draws.

A stored run and a live result go through the same tables, so ``stakes report RUN-ID`` draws a stored run
exactly as ``stakes report SCENARIO`` draws a fresh one. This module imports neither plotting nor database
code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

VERDICT_COLUMNS = ["thesis", "variant", "model", "holds", "probability", "detail"]
QUANTILE_COLUMNS = ["variant", "model", "issue", "q05", "q25", "q50", "q75", "q95"]
DIAGNOSTIC_COLUMNS = ["variant", "issue", "model", "kind", "message"]


def verdicts_frame(verdicts: Any) -> pd.DataFrame:
    """``thesis, variant, model, holds, probability, detail`` from a list of :class:`stakes.theses.Verdict`."""
    rows = [{c: getattr(v, c, None) for c in VERDICT_COLUMNS} for v in verdicts or []]
    frame = pd.DataFrame(rows, columns=VERDICT_COLUMNS)
    frame["holds"] = frame["holds"].astype(object)
    return frame


def forecast_tables(result: Any, trajectories: bool = True) -> dict[str, pd.DataFrame]:
    """``forecast``, ``trajectories`` (unless told not to: the longest to build), ``verdicts``, ``quantiles``
    (models with a predictive distribution) and ``diagnostics`` of a :class:`stakes.forecast.Forecast`."""
    return {"forecast": result.frame(), "trajectories": result.trajectories() if trajectories else pd.DataFrame(),
            "verdicts": verdicts_frame(result.verdicts()), "quantiles": quantiles_frame(result),
            "quantile_grid": quantile_grid_frame(result),
            "diagnostics": pd.DataFrame([d.to_dict() for d in result.diagnostics()], columns=DIAGNOSTIC_COLUMNS)}


def quantiles_frame(result: Any) -> pd.DataFrame:
    """``variant, model, issue, q05, q25, q50, q75, q95`` for every model that carries quantiles."""
    from ..scoring import named_quantiles

    rows = []
    for variant, model in result.results:
        q = result.quantiles(variant, model)
        if q is None:
            continue
        named = named_quantiles(q)
        for d, issue in enumerate(result.arrays[variant].issue_ids):
            rows.append({"variant": variant, "model": model, "issue": issue,
                         **{k: float(v[d]) for k, v in named.items()}})
    return pd.DataFrame(rows, columns=QUANTILE_COLUMNS)


def quantile_grid_frame(result: Any) -> pd.DataFrame:
    """``variant, model, issue, level, value``: the whole predictive grid (``stakes.scoring.QUANTILE_LEVELS``)
    of every model that carries one, so that a stored run can enter the ledger with its distribution."""
    from ..scoring import QUANTILE_LEVELS

    rows = []
    for variant, model in result.results:
        q = result.quantiles(variant, model)
        if q is None:
            continue
        for d, issue in enumerate(result.arrays[variant].issue_ids):
            rows.extend({"variant": variant, "model": model, "issue": issue, "level": float(level),
                         "value": float(v)} for level, v in zip(QUANTILE_LEVELS, q[d], strict=True))
    return pd.DataFrame(rows, columns=["variant", "model", "issue", "level", "value"])


MAX_STORED_DRAWS = 200_000


def simulation_tables(result: Any, keep_runs: bool | None = None) -> dict[str, pd.DataFrame]:
    """``summary``, ``histograms``, ``theses`` (probabilities), ``simulation_info`` and — when not too many
    (``MAX_STORED_DRAWS`` rows, or ``keep_runs``) — every draw as ``runs``, of a
    :class:`stakes.simulate.SimulationResult`."""
    plan = result.plan
    info = pd.DataFrame([{"runs": int(result.n_runs), "seed": int(plan.seed), "complete": bool(result.complete),
                          "models": ",".join(plan.models), "variants": ",".join(plan.variants)}])
    out = {"summary": result.summary(), "histograms": result.histograms(), "theses": result.thesis_table(),
           "simulation_info": info}
    runs = result.runs
    if keep_runs or (keep_runs is None and len(runs) <= MAX_STORED_DRAWS):
        out["runs"] = runs
    return {k: _plain(v) for k, v in out.items()}


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as plain values (so a stored table reads back like a fresh one)."""
    cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.astype({c: object for c in cats}) if cats else frame


def sensitivity_tables(result: Any) -> dict[str, pd.DataFrame]:
    """``sensitivity`` (``variant, model, issue, input, factor, actor, S1, ST, ...``) and
    ``sensitivity_info`` of one :class:`stakes.sensitivity.SensitivityResult` or a list of them."""
    results = list(result) if isinstance(result, (list, tuple)) else [result]
    frames, info = [], []
    for r in results:
        idx = r.indices.copy()
        idx.insert(0, "model", r.model)
        idx.insert(0, "variant", r.variant)
        idx.insert(3, "input", idx["actor"].astype(str) + " " + idx["factor"].astype(str))
        frames.append(idx)
        info.append({"variant": r.variant, "model": r.model, "samples": int(r.samples),
                     "evaluations": int(r.evaluations), "seed": int(r.seed)})
    return {"sensitivity": pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(),
            "sensitivity_info": pd.DataFrame(info)}


def alignment_tables(result: Any, scenario: Any = None) -> dict[str, pd.DataFrame]:
    """Tables of :class:`stakes.alignment.Alignment` and/or ``SideProbabilities`` objects (one or a list):

    ``alignment`` (``variant, actor, side, frustration`` and, from Monte Carlo, ``p_side0`` = share of runs on
    the reference actor's side), ``alignment_summary``, ``side_theses`` (``thesis, variant, model,
    probability, runs``) and, given the scenario, ``side_verdicts``.
    """
    items = list(result) if isinstance(result, (list, tuple)) else [result]
    alignments = [a for a in items if hasattr(a, "frustration")]
    probabilities = [p for p in items if hasattr(p, "same_side")]
    rows, summary = [], []
    for a in alignments:
        for actor, side in a.sides.items():
            rows.append({"variant": a.variant, "actor": actor, "side": int(side),
                         "frustration": float(a.frustration.get(actor, float("nan")))})
        summary.append({"variant": a.variant, "engine": a.engine, "predict": a.predict, "reference": a.reference,
                        "energy": float(a.energy), "local_minima": len(a.minima),
                        "runner_up_energy": float(a.runner_up[0].energy) if a.runner_up else float("nan"),
                        "notes": "; ".join(a.notes)})
    frame = pd.DataFrame(rows, columns=["variant", "actor", "side", "frustration"])
    if probabilities:
        p_rows = [{"variant": p.variant, "actor": actor, "p_side0": float(v)}
                  for p in probabilities for actor, v in p.same_side.items()]
        frame = frame.merge(pd.DataFrame(p_rows), on=["variant", "actor"], how="outer")
    out = {"alignment": frame, "alignment_summary": pd.DataFrame(summary)}
    thesis_rows = [{"thesis": tid, "variant": p.variant, "model": "landscape",
                    "probability": float("nan") if v is None else float(v), "runs": int(p.runs)}
                   for p in probabilities for tid, v in p.theses.items()]
    if thesis_rows:
        out["side_theses"] = pd.DataFrame(thesis_rows)
    if alignments and scenario is not None and any(getattr(t, "kind", None) == "side" for t in scenario.theses):
        from ..alignment import judge_side_theses

        out["side_verdicts"] = verdicts_frame(judge_side_theses(scenario, alignments))
    return out


def generic_tables(kind: str, result: Any) -> dict[str, pd.DataFrame]:
    """Tables of a result we know only by its shape: a DataFrame, a mapping of them, or an object with
    ``tables()``/``frames()``/``frame()``."""
    if result is None:
        return {}
    if isinstance(result, pd.DataFrame):
        return {kind: result}
    if isinstance(result, Mapping):
        return {str(k): v for k, v in result.items() if isinstance(v, pd.DataFrame)}
    for method in ("tables", "frames"):
        fn = getattr(result, method, None)
        if callable(fn):
            out = fn()
            if isinstance(out, Mapping):
                return {str(k): v for k, v in out.items() if isinstance(v, pd.DataFrame)}
    fn = getattr(result, "frame", None)
    if callable(fn):
        return {kind: fn()}
    raise TypeError(f"cannot turn a {type(result).__name__} into tables for a {kind} run")


def result_tables(kind: str, result: Any, scenario: Any = None) -> dict[str, pd.DataFrame]:
    """The tidy tables of a result of ``kind`` (forecast, simulation, sensitivity, alignment); the scenario
    lets alignments judge the side theses."""
    if kind == "forecast" and hasattr(result, "trajectories"):
        return forecast_tables(result)
    if kind == "simulation" and hasattr(result, "thesis_table") and hasattr(result, "plan"):
        return simulation_tables(result)
    first = result[0] if isinstance(result, (list, tuple)) and result else result
    if kind == "sensitivity" and hasattr(first, "indices") and hasattr(first, "samples"):
        return sensitivity_tables(result)
    if kind == "alignment" and (hasattr(first, "frustration") or hasattr(first, "same_side")):
        return alignment_tables(result, scenario)
    return generic_tables(kind, result)
