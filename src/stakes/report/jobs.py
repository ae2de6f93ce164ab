"""The charts of ``stakes report`` as jobs, and where they run.

Each section's charts are a job sent as soon as its inputs exist: the round-by-round charts after the
forecast, then the simulation histograms, the forecast charts and the sensitivity drivers. With two cores or
more (and unless ``--no-parallel``) they go to one worker process started before anything is computed
(:func:`second_process`): it imports matplotlib and the chart modules (~2.5 s) while this process forecasts,
then draws while this one computes the simulation, the alignment, the diagnostics and the sensitivity.
The worker is spawned, not forked: a fork after the forecast would copy numba's OpenMP threads, which are not
fork-safe, and a fork before it would share nothing worth having. Otherwise the jobs run in this process,
one after the other (:class:`InProcess`). Where a job runs changes nothing in the report (tested). Each job
returns plain results and notes (a skipped part says why); nothing is printed in the worker.
"""

from __future__ import annotations

from typing import Any

from ..errors import StakesError
from ..scenario import Scenario
from ..uncertainty import SpreadOverride
from ..workers import InProcess, SecondProcess, start_worker


def second_process(parallel: bool = True) -> InProcess | SecondProcess:
    """A one-worker pool, already starting and importing the chart modules (call it before the forecast), or
    :class:`InProcess` unless ``parallel`` and this process may use two cores or more."""
    return start_worker(_import_chart_modules, parallel)


def _import_chart_modules() -> None:
    from .. import forecast  # noqa: F401  (the forecast arrives pickled)
    from . import plots, rounds, sections  # noqa: F401  (matplotlib and pandas, before the first job arrives)


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
