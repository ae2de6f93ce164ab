"""The parts of ``stakes report`` that need only the forecast, run in a second process while the first simulates.

With ``--parallel`` (two cores or more), :func:`second_process` starts one spawned worker at once (its imports
overlap the first process's reading and forecasting); the report then sends it the Sobol sensitivity (and
its charts), the alignment (landscapes and the side-thesis Monte Carlo) and the round-by-round charts, while
the first process runs the simulation, the diagnostics and the remaining charts. Each job returns plain
results and notes (a skipped part says why); nothing is printed in the worker. By default (and on one core)
the same jobs run in this process, one after the other (:class:`InProcess`).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextvars
import os
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


class Beside(cf.ThreadPoolExecutor):
    """One thread of this process, each job run in a copy of the submitter's context (so a
    :func:`stakes.alignment.uncertainty.share_side_runs` block reaches it)."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="stakes-report")

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def beside(pool: Any) -> Any:
    """Where the alignment job runs: the second process when there is one, else a thread of this process
    (:class:`Beside`). Its exact landscapes are numpy matrix products and array passes, which release the
    GIL, so they overlap this thread's Python-bound work (imports, SALib, the charts); its results do not
    depend on where it runs."""
    return pool if not isinstance(pool, InProcess) else Beside()


def second_process(parallel: bool = False) -> Any:
    """A one-worker spawn pool, already importing what the jobs need; :class:`InProcess` unless asked for
    (``parallel``) on two cores or more. Off by default: on the shared 2-core machine the second process made
    the report slower (27.3 s against 24.5 s wall at load 2.5, 57 s against 49 s at load 5): with no idle
    core it only adds its ~2.5 s of imports."""
    if not parallel or (os.cpu_count() or 1) < 2:
        return InProcess()
    import multiprocessing

    pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    pool.submit(warm_up)
    return pool


def warm_up() -> None:
    """Import the libraries of the jobs (matplotlib, SALib, the landscape engines) before the jobs arrive."""
    from . import plots, rounds  # noqa: F401  (matplotlib)

    try:
        from SALib.sample import sobol  # noqa: F401

        from .. import alignment, sensitivity  # noqa: F401
    except ImportError:  # a job says what is missing
        pass


def sensitivity_job(sc: Scenario, models: list[str], samples: int, seed: int | None,
                    params: dict[str, dict[str, Any]], override: SpreadOverride | None
                    ) -> tuple[Any, dict[str, Any] | None, str | None]:
    """Sobol indices of the first model (a list of one result), their report section (charts drawn), a note."""
    try:
        from ..sensitivity import sensitivity
    except ImportError as exc:
        return None, None, f"sensitivity skipped: {exc}"
    try:
        result = [sensitivity(sc, model=models[0], samples=samples, seed=seed, override=override,
                              params=params.get(models[0]))]
    except StakesError as exc:
        return None, None, f"sensitivity skipped: {exc}"
    from .sections import sensitivity_section
    from .tidy import result_tables

    return result, sensitivity_section(sc, result_tables("sensitivity", result)), None


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
