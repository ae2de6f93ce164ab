"""Results of every kind as tidy DataFrames: what the run store records and what the report draws.

A stored run and a live result go through the same tables, so ``stakes report RUN-ID`` draws a stored run
exactly as ``stakes report SCENARIO`` draws a fresh one. This module imports neither plotting nor database
code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

VERDICT_COLUMNS = ["thesis", "variant", "model", "holds", "detail"]


def verdicts_frame(verdicts: Any) -> pd.DataFrame:
    """``thesis, variant, model, holds, detail`` from a list of :class:`stakes.theses.Verdict`."""
    rows = [{c: getattr(v, c, None) for c in VERDICT_COLUMNS} for v in verdicts or []]
    frame = pd.DataFrame(rows, columns=VERDICT_COLUMNS)
    frame["holds"] = frame["holds"].astype(object)
    return frame


def forecast_tables(result: Any) -> dict[str, pd.DataFrame]:
    """``forecast``, ``trajectories`` and ``verdicts`` of a :class:`stakes.forecast.Forecast`."""
    return {"forecast": result.frame(), "trajectories": result.trajectories(),
            "verdicts": verdicts_frame(result.verdicts())}


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


def result_tables(kind: str, result: Any) -> dict[str, pd.DataFrame]:
    """The tidy tables of a result of ``kind`` (forecast, simulation, sensitivity, alignment)."""
    if kind == "forecast" and hasattr(result, "trajectories"):
        return forecast_tables(result)
    if kind == "simulation" and hasattr(result, "thesis_table") and hasattr(result, "plan"):
        return simulation_tables(result)
    return generic_tables(kind, result)
