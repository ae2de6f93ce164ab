"""The work jobs do, run in a child process (see :mod:`.jobs`): top-level functions, so they pickle.

Each returns the run's tidy tables (:func:`stakes.report.tidy.result_tables`), computed in the child under
the job's time and memory limits; the server only files them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..forecast import Forecast, forecast
from ..report.tidy import result_tables
from ..scenario import Scenario


def forecast_task(payload: dict[str, Any], progress: Callable[[float, str], None]) -> dict[str, Any]:
    """Forecast ``payload['scenario']`` with ``models`` on each of ``variants``, reporting per variant."""
    scenario: Scenario = payload["scenario"]
    models: list[str] = payload["models"]
    variants: list[str] = payload["variants"]
    params: dict[str, dict[str, Any]] = payload.get("params") or {}
    out = Forecast(scenario=scenario, variants=list(variants), models=list(models))
    for k, variant in enumerate(variants):
        progress(k / len(variants), f"variant {variant} ({k + 1} of {len(variants)})")
        part = forecast(scenario, models=models, variants=[variant], params=params)
        out.arrays.update(part.arrays)
        out.results.update(part.results)
    progress(1.0, "tables")
    return result_tables("forecast", out)


def simulation_task(payload: dict[str, Any], progress: Callable[[float, str], None]) -> Any:
    """Monte Carlo over the scenario's uncertainty (:func:`stakes.simulate.simulate`)."""
    try:
        from ..simulate import simulate
    except ImportError:
        from ..errors import StakesError

        raise StakesError("simulation is not available in this installation (stakes.simulate is missing)") from None
    kwargs: dict[str, Any] = {}
    accepted = inspect.signature(simulate).parameters
    for key in ("models", "variants", "seed", "params"):
        if key in accepted and payload.get(key) is not None:
            kwargs[key] = payload[key]
    runs = int(payload["runs"])
    if "progress" in accepted:
        kwargs["progress"] = lambda done, total: progress(done / max(total, 1), f"{done} of {total} runs")
    if "chunk_size" in accepted:
        kwargs["chunk_size"] = max(64, -(-runs // 20))  # about 20 progress steps; results do not depend on it
    progress(0.0, f"{runs} runs")
    result = simulate(payload["scenario"], runs, **kwargs)
    progress(1.0, "tables")
    return result_tables("simulation", result)


def alignment_task(payload: dict[str, Any], progress: Callable[[float, str], None]) -> dict[str, Any]:
    """Landscape theory on each variant (:func:`stakes.alignment.align`), with ``runs`` Monte Carlo runs of
    side probabilities when asked (:func:`stakes.alignment.side_probabilities`), as ``stakes align`` does."""
    from ..alignment import align, side_probabilities

    scenario: Scenario = payload["scenario"]
    variants: list[str] = payload["variants"]
    runs, seed = int(payload.get("runs") or 0), payload.get("seed")
    results: list[Any] = []
    for k, variant in enumerate(variants):
        progress(k / len(variants), f"variant {variant} ({k + 1} of {len(variants)})")
        results.append(align(scenario, variant, seed=seed))
        if runs:
            results.append(side_probabilities(scenario, variant, runs, seed=seed))
    progress(1.0, "tables")
    return result_tables("alignment", results, scenario)


def sensitivity_task(payload: dict[str, Any], progress: Callable[[float, str], None]) -> dict[str, Any]:
    """Sobol indices of each issue's forecast by ``models[0]`` on each variant (:func:`stakes.sensitivity`)."""
    from ..sensitivity import sensitivity
    from ..uncertainty import SpreadOverride

    scenario: Scenario = payload["scenario"]
    variants: list[str] = payload["variants"]
    model: str = payload["models"][0]
    override = SpreadOverride(*payload.get("spreads", (None, None, None)))
    params = (payload.get("params") or {}).get(model)
    results = []
    for k, variant in enumerate(variants):
        progress(k / len(variants), f"variant {variant} ({k + 1} of {len(variants)})")
        results.append(sensitivity(scenario, model=model, variant=variant, samples=payload.get("samples"),
                                   seed=payload.get("seed"), override=override, params=params))
    progress(1.0, "tables")
    return result_tables("sensitivity", results)
