"""``stakes report [SCENARIO|RUN-ID] -o report.html``: one self-contained HTML report."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import OptionError
from ..scenario import Scenario
from ..uncertainty import SpreadOverride
from .app import SCENARIO_HELP, app, console, err_console, load, max_input_option
from .params import note_unused, param_option, parse_params

SOURCE_HELP = SCENARIO_HELP + " A number is the id of a stored run (see `stakes runs list`)."
LANDSCAPE = "landscape"


# options of the commands behind the report, as this command names them
_REPORT_OPTIONS = {"--samples": "--sobol", "--runs": "--align-runs"}


def _as_report_options(exc: Exception) -> str:
    """The message of an error from sensitivity/alignment with their option names turned into the report's."""
    text = str(exc)
    for theirs, ours in _REPORT_OPTIONS.items():
        text = text.replace(theirs, ours)
    return text


def _note(message: str) -> None:
    err_console.print(f"note: {message}", style="yellow", highlight=False, markup=False)


@app.command("report")
def report_command(
    source: Annotated[str | None, typer.Argument(metavar="[SCENARIO|RUN-ID]", help=SOURCE_HELP)] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path("report.html"),
    runs: Annotated[int, typer.Option("--runs", "-n", help="Monte Carlo runs (0 = no simulation); a share of "
                                      "N runs has a standard error of at most 50/√N points (3.5 at 200).")] = 200,
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model id (repeatable); default: "
                                                    "the scenario's models.")] = None,
    variant: Annotated[list[str] | None, typer.Option("--variant", "-v", help="Variant id (repeatable); "
                                                      "default: the baseline and every variant.")] = None,
    sobol: Annotated[int, typer.Option("--sobol", help="Sobol base samples for the sensitivity drivers "
                                       "(0 = skip).")] = 64,
    align_runs: Annotated[int, typer.Option("--align-runs", help="Monte Carlo runs for the probability of "
                                            "the side theses (0 = skip); standard error at most 50/√N "
                                            "points (5 at 100).")] = 100,
    alignment: Annotated[bool, typer.Option("--alignment/--no-alignment", help="Compute the alignment "
                                            "map (landscape theory).")] = True,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: the scenario's).")] = None,
    db: Annotated[str | None, typer.Option("--db", help="Run store URL for RUN-ID and --record; default: "
                                           "$STAKES_DB, else the per-user file.")] = None,
    record: Annotated[bool, typer.Option("--record", help="Also store the runs computed for the report.")]
    = False,
    position_sd: Annotated[float | None, typer.Option("--position-sd", help="Default position spread, "
                                                      "% of each issue's span (simulation, sensitivity).")] = None,
    salience_sd: Annotated[float | None, typer.Option("--salience-sd", help="Default salience spread "
                                                      "on 0–100.")] = None,
    capability_sd: Annotated[float | None, typer.Option("--capability-sd", help="Default relative "
                                                        "capability spread (0.2 = ±20 %).")] = None,
    param: Annotated[list[str] | None, param_option()] = None,
    max_input_mb: Annotated[float | None, max_input_option()] = None,
    parallel: Annotated[bool, typer.Option("--parallel/--no-parallel", help="Draw the charts in a "
                                           "second process while this one computes (used only with two "
                                           "cores or more).")] = True,
) -> None:
    """Write one self-contained HTML report (plots inline; no network needed to view it)."""
    from ..alignment.uncertainty import share_side_runs
    from ..report import write_report

    if runs < 0 or sobol < 0 or align_runs < 0:
        raise OptionError("--runs, --sobol and --align-runs must be 0 or more")
    params = parse_params(param)
    override = SpreadOverride(position_sd, salience_sd, capability_sd)
    # share_side_runs: the forecast's side-thesis Monte Carlo takes its runs from the alignment section's
    with steps() as step, share_side_runs():
        if source is not None and source.isdigit() and not Path(source).exists():
            if params or override != SpreadOverride():
                raise OptionError("--param and --*-sd apply to a scenario, not to a stored run (its settings are "
                                  "kept)")
            step("reading the stored run")
            sc, inputs, info = _stored(int(source), db)
        else:
            sc = load(source, max_input_mb)
            note_unused(params, model or sc.default_models)
            inputs, info = _compute(sc, runs, model or None, variant or None, sobol, step, parallel,
                                    alignment_runs=align_runs if alignment else None, seed=seed, db=db,
                                    record=record, params=params, override=override)
        step("drawing the figures and writing the report")
        out = write_report(sc, output, run_info=info, **inputs)
    console.print(f"report written to {out}")


def _close(pool: Any, ok: bool) -> None:
    """Shut the second process down; after an error (or Ctrl-C) without waiting for a job it is running."""
    pool.shutdown(wait=ok, cancel_futures=True)


@contextmanager
def steps() -> Iterator[Callable[..., None]]:
    """Progress on stderr: a spinner (and a bar for the simulation) on a terminal, one line per step else.

    Yields ``step(label, done=None, total=None)``: a new label starts a step; ``done``/``total`` update it.
    Each new step also freezes the heap (:func:`_freeze_heap`).
    """
    if not err_console.is_terminal:
        started = time.perf_counter()
        last: list[str] = []

        def plain(label: str, done: int | None = None, total: int | None = None) -> None:
            if not last or last[-1] != label:
                last.append(label)
                _freeze_heap()
                err_console.print(f"[{time.perf_counter() - started:5.1f} s] {label}", highlight=False,
                                  markup=False, soft_wrap=True)

        yield plain
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task("report", total=None)

        def update(label: str, done: int | None = None, total: int | None = None) -> None:
            if done is None:
                _freeze_heap()
            bar.update(task, description=label, completed=done or 0, total=total)

        yield update


def _freeze_heap() -> None:
    """Put every object alive now out of the cyclic collector's reach (:func:`gc.freeze`): the libraries the
    report imports (pandas, matplotlib, scipy, numba: several hundred thousand objects) and the results
    kept for the page. Each full collection would scan them again, and the figures allocate enough to start
    many: the collector took ~20 % of the figures' CPU time. Garbage made later is still collected."""
    gc.freeze()


def _stored(run_id: int, db: str | None) -> tuple[Scenario, dict[str, Any], str]:
    from ..store import RunStore

    with RunStore(db) as store:
        run = store.get(run_id)
        if run.status != "finished":
            raise OptionError(f"run {run_id} is {run.status}" + (f" ({run.error})" if run.error else "")
                              + "; only a finished run has results to report")
        tables = store.tables(run_id)
    sc = run.scenario()
    key = {"forecast": "forecast_result", "simulation": "simulation", "sensitivity": "sensitivity",
           "alignment": "alignment"}[run.kind]
    inputs: dict[str, Any] = {key: tables}
    if run.kind != "forecast":  # the deterministic forecast is cheap: show it beside the stored results
        from ..forecast import forecast

        models = [m for m in run.models if m != LANDSCAPE] or None
        inputs["forecast_result"] = forecast(sc, models=models, variants=run.variants or None)
    info = f"stored run {run.id} ({run.kind}, seed {run.seed}, stakes {run.stakes_version}, " \
           f"{run.started_at:%Y-%m-%d %H:%M} UTC)"
    return sc, inputs, info


def _compute(sc: Scenario, runs: int, models: list[str] | None, variants: list[str] | None, sobol: int,
             step: Callable[..., None], parallel: bool, *, alignment_runs: int | None, seed: int | None,
             db: str | None, record: bool, params: dict[str, dict[str, Any]] | None = None,
             override: SpreadOverride | None = None) -> tuple[dict[str, Any], None]:
    """The forecast here; then the rest (:mod:`stakes.report.jobs`): the charts in the second process if
    ``parallel`` (else here), the alignment, sensitivity, simulation and diagnostics here."""
    from ..forecast import forecast
    from ..report.jobs import second_process

    pool = second_process(parallel)  # starts now: it imports the chart modules while this process forecasts
    ok = False
    try:
        step("forecasting")
        fc = forecast(sc, models=models, variants=variants, params=params)
        _freeze_heap()
        inputs, shown = _run_jobs(sc, fc, runs, models, variants, sobol, step, pool, alignment_runs, seed, params,
                           override)
        ok = True
    finally:
        _close(pool, ok)
    if record:
        _record(sc, inputs, db)
    # the page is assembled from the tidy tables already made for the charts (not made a second time)
    return {**inputs, **shown}, None


def _run_jobs(sc: Scenario, fc: Any, runs: int, models: list[str] | None, variants: list[str] | None,
              sobol: int, step: Callable[..., None], pool: Any, alignment_runs: int | None,
              seed: int | None, params: dict[str, dict[str, Any]] | None, override: SpreadOverride | None
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each chart job goes to ``pool`` as soon as its inputs exist; the rest runs here. Returns the report's
    inputs (live results, for recording) and the tidy tables made for the charts (for the page)."""
    from ..report import jobs as job
    from ..report.tidy import forecast_tables, result_tables

    inputs: dict[str, Any] = {"forecast_result": fc}
    shown: dict[str, Any] = {}  # tidy tables made here for the chart jobs, by report input
    drawn = {"rounds": pool.submit(job.rounds_job, sc, fc)}
    # In this order the worker, which draws from the start, is never idle for long: the simulation's charts
    # right after the round-by-round ones, then the forecast's; it waits least for it at the end.
    summary, n_runs = None, None
    if runs:
        from ..report.html import simulation_meta
        from ..simulate import simulate

        label = f"simulating {runs:,} runs"
        step(label, 0, runs)
        # side theses: their probabilities come from the alignment section's own Monte Carlo (--align-runs)
        inputs["simulation"] = simulate(sc, runs=runs, models=models, variants=variants, seed=seed, sides=False,
                                        override=override, params=params,
                                        progress=lambda done, total: step(label, done, total))
        tables = result_tables("simulation", inputs["simulation"])
        meta = simulation_meta(inputs["simulation"], tables)
        summary, n_runs = tables.get("summary"), meta.get("runs")
        drawn["simulation"] = pool.submit(job.simulation_job, sc, tables, meta)
        shown["simulation"] = tables
    if alignment_runs is not None:  # before the verdicts: they take its side-thesis runs (share_side_runs)
        step("alignment")
        inputs["alignment"], note = job.alignment_job(sc, fc.variants, alignment_runs, seed)
        _note_if(note)
    step("diagnostics")
    fc.diagnostics()
    shown["forecast_result"] = forecast_tables(fc, trajectories=False)  # the rounds section has trajectories
    drawn["forecast"] = pool.submit(job.forecast_job, sc, shown["forecast_result"], summary, n_runs)
    if sobol:  # the ensemble carries its own distribution: Sobol indices are of the models it combines
        step("sensitivity")
        inputs["sensitivity"], note = job.sensitivity_job(sc, [m for m in fc.models if m != "ensemble"]
                                                          or sc.simulation_models, sobol, seed, params or {},
                                                          override)
        _freeze_heap()  # SALib and scipy.stats were imported
        _note_if(note)
        if inputs["sensitivity"] is not None:
            drawn["sensitivity"] = pool.submit(job.drivers_job, sc, inputs["sensitivity"])
    if not all(d.done() for d in drawn.values()):
        step("waiting for the second process (charts)")
    inputs["built"] = {key: d.result() for key, d in drawn.items()}
    return inputs, shown


def _note_if(note: str | None) -> None:
    if note:
        _note(_as_report_options(note))


def _record(sc: Scenario, inputs: dict[str, Any], db: str | None) -> None:
    from ..store import record_forecast, record_result

    ids = [record_forecast(inputs["forecast_result"], db, params=inputs["forecast_result"].params or None)]
    for kind, key in (("simulation", "simulation"), ("sensitivity", "sensitivity"), ("alignment", "alignment")):
        if inputs.get(key) is not None:
            ids.append(record_result(kind, sc, inputs[key], db))
    stored = [str(i) for i in ids if i is not None]
    if stored:
        console.print(f"stored as run{'s' if len(stored) > 1 else ''} {', '.join(stored)}")
