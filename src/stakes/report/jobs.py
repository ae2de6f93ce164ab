"""The charts of ``stakes report`` as jobs, and where they run.

Each section's charts are a job sent as soon as its inputs exist: the round-by-round charts after the
forecast, then the sensitivity drivers, the simulation histograms and the forecast charts. With
``--parallel`` on Linux with two cores or more they go to one worker forked once the forecast is made and
the chart modules are imported (:func:`second_process`), so it starts with everything loaded (a spawned
worker re-imports everything, ~2.5 s), while this process computes the alignment, the sensitivity, the
simulation and the diagnostics. The worker runs no model: numba's OpenMP threads, started here by the
forecast, are not fork-safe. Otherwise the jobs run in this process, one after the other
(:class:`InProcess`). Where a job runs changes nothing in the report (tested). Each job returns plain
results and notes (a skipped part says why); nothing is printed in the worker.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import sys
from typing import Any

from ..errors import StakesError
from ..scenario import Scenario
from ..uncertainty import SpreadOverride


class InProcess:
    """An executor that runs each job at once, here (the interface of ``concurrent.futures``)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to whoever asks for the result, as a pool would
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        return None


def second_process(parallel: bool = False) -> Any:
    """A one-worker pool forked from this process (call it once the forecast is made), or :class:`InProcess`
    unless asked for (``parallel``) on Linux with two cores or more. The chart modules (matplotlib) are
    imported first, so the worker has them. Fork, not spawn: a spawned worker re-imports everything (~2.5 s,
    which is why the spawned worker of before did not pay)."""
    if not parallel or (os.cpu_count() or 1) < 2 or not sys.platform.startswith("linux"):
        return InProcess()
    import multiprocessing

    from . import plots, rounds, sections  # noqa: F401  (matplotlib, in the worker too)

    return cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))


def sensitivity_job(sc: Scenario, models: list[str], samples: int, seed: int | None,
                    params: dict[str, dict[str, Any]], override: SpreadOverride | None
                    ) -> tuple[Any, str | None]:
    """Sobol indices of the first model (a list of one result) and a note."""
    try:
        from ..sensitivity import sensitivity
    except ImportError as exc:
        return None, f"sensitivity skipped: {exc}"
    try:
        return [sensitivity(sc, model=models[0], samples=samples, seed=seed, override=override,
                            params=params.get(models[0]))], None
    except StakesError as exc:
        return None, f"sensitivity skipped: {exc}"


def drivers_job(sc: Scenario, result: Any) -> dict[str, Any] | None:
    """The sensitivity section (its charts drawn) of :func:`sensitivity_job`'s result."""
    from .sections import sensitivity_section
    from .tidy import result_tables

    return sensitivity_section(sc, result_tables("sensitivity", result))


def alignment_job(sc: Scenario, variants: list[str], runs: int, seed: int | None) -> tuple[Any, str | None]:
    """Alignments of every variant, plus Monte Carlo side probabilities where a side thesis is judged."""
    try:
        from ..alignment import align_variants, side_probabilities
    except ImportError as exc:
        return None, f"alignment skipped: {exc}"
    try:
        out: list[Any] = align_variants(sc, variants)
        judged = {t.variant or "baseline" for t in sc.theses if t.kind == "side"}
        if runs:
            out += [side_probabilities(sc, v, runs=runs, seed=seed) for v in variants if v in judged]
        return out, None
    except StakesError as exc:
        return None, f"alignment skipped: {exc}"


def rounds_job(sc: Scenario, result: Any) -> dict[str, Any] | None:
    """The round-by-round section (its charts drawn) of a :class:`stakes.forecast.Forecast`."""
    from .sections import rounds_section

    return rounds_section(sc, {"trajectories": result.trajectories()})


def simulation_job(sc: Scenario, tables: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any] | None:
    """The simulation section (its charts drawn) from the simulation's tables and meta (runs, seed)."""
    from .sections import simulation_section

    return simulation_section(sc, tables, meta)


def forecast_job(sc: Scenario, tables: dict[str, Any], summary: Any, runs: int | None) -> dict[str, Any] | None:
    """The forecast section (its charts drawn) from the forecast's tables and the simulation's summary."""
    from .sections import forecast_section

    return forecast_section(sc, tables, summary, runs)
