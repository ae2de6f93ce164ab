"""``stakes report [SCENARIO|RUN-ID] -o report.html``: one self-contained HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import OptionError, StakesError
from ..forecast import forecast
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
    runs: Annotated[int, typer.Option("--runs", "-n", help="Monte Carlo runs (0 = no simulation).")] = 1000,
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model id (repeatable); default: "
                                                    "the scenario's models.")] = None,
    variant: Annotated[list[str] | None, typer.Option("--variant", "-v", help="Variant id (repeatable); "
                                                      "default: the baseline and every variant.")] = None,
    sobol: Annotated[int, typer.Option("--sobol", help="Sobol base samples for the sensitivity drivers "
                                       "(0 = skip).")] = 64,
    align_runs: Annotated[int, typer.Option("--align-runs", help="Monte Carlo runs for the probability of "
                                            "the side theses (0 = skip).")] = 100,
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
) -> None:
    """Write one self-contained HTML report (plots inline; no network needed to view it)."""
    from ..report import write_report

    if runs < 0 or sobol < 0 or align_runs < 0:
        raise OptionError("--runs, --sobol and --align-runs must be 0 or more")
    params = parse_params(param)
    override = SpreadOverride(position_sd, salience_sd, capability_sd)
    if source is not None and source.isdigit() and not Path(source).exists():
        if params or override != SpreadOverride():
            raise OptionError("--param and --*-sd apply to a scenario, not to a stored run (its settings are kept)")
        sc, inputs, info = _stored(int(source), db)
    else:
        sc = load(source, max_input_mb)
        note_unused(params, model or sc.default_models)
        inputs, info = _compute(sc, runs, model or None, variant or None, sobol,
                                alignment_runs=align_runs if alignment else None, seed=seed, db=db, record=record,
                                params=params, override=override)
    out = write_report(sc, output, run_info=info, **inputs)
    console.print(f"report written to {out}")


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
        models = [m for m in run.models if m != LANDSCAPE] or None
        inputs["forecast_result"] = forecast(sc, models=models, variants=run.variants or None)
    info = f"stored run {run.id} ({run.kind}, seed {run.seed}, stakes {run.stakes_version}, " \
           f"{run.started_at:%Y-%m-%d %H:%M} UTC)"
    return sc, inputs, info


def _compute(sc: Scenario, runs: int, models: list[str] | None, variants: list[str] | None, sobol: int, *,
             alignment_runs: int | None, seed: int | None, db: str | None, record: bool,
             params: dict[str, dict[str, Any]] | None = None, override: SpreadOverride | None = None
             ) -> tuple[dict[str, Any], None]:
    inputs: dict[str, Any] = {"forecast_result": forecast(sc, models=models, variants=variants, params=params)}
    fc = inputs["forecast_result"]
    if runs:
        from ..simulate import simulate

        inputs["simulation"] = simulate(sc, runs=runs, models=models, variants=variants, seed=seed,
                                        override=override, params=params)
    if sobol:
        inputs["sensitivity"] = _sensitivity(sc, fc.models, sobol, seed, params or {}, override)
    if alignment_runs is not None:
        inputs["alignment"] = _alignment(sc, fc.variants, alignment_runs, seed)
    if record:
        _record(sc, inputs, db)
    return inputs, None


def _sensitivity(sc: Scenario, models: list[str], samples: int, seed: int | None,
                 params: dict[str, dict[str, Any]], override: SpreadOverride | None) -> Any:
    try:
        from ..sensitivity import sensitivity
    except ImportError as exc:
        _note(f"sensitivity skipped: {exc}")
        return None
    try:
        return [sensitivity(sc, model=models[0], samples=samples, seed=seed, override=override,
                            params=params.get(models[0]))]
    except StakesError as exc:
        _note(f"sensitivity skipped: {_as_report_options(exc)}")
        return None


def _alignment(sc: Scenario, variants: list[str], runs: int, seed: int | None) -> Any:
    """Alignments of every variant, plus Monte Carlo side probabilities where a side thesis is judged."""
    try:
        from ..alignment import align_variants, side_probabilities
    except ImportError as exc:
        _note(f"alignment skipped: {exc}")
        return None
    try:
        out: list[Any] = align_variants(sc, variants)
        judged = {t.variant or "baseline" for t in sc.theses if t.kind == "side"}
        if runs:
            out += [side_probabilities(sc, v, runs=runs, seed=seed) for v in variants if v in judged]
        return out
    except StakesError as exc:
        _note(f"alignment skipped: {_as_report_options(exc)}")
        return None


def _record(sc: Scenario, inputs: dict[str, Any], db: str | None) -> None:
    from ..store import record_forecast, record_result

    ids = [record_forecast(inputs["forecast_result"], db, params=inputs["forecast_result"].params or None)]
    for kind, key in (("simulation", "simulation"), ("sensitivity", "sensitivity"), ("alignment", "alignment")):
        if inputs.get(key) is not None:
            ids.append(record_result(kind, sc, inputs[key], db))
    stored = [str(i) for i in ids if i is not None]
    if stored:
        console.print(f"stored as run{'s' if len(stored) > 1 else ''} {', '.join(stored)}")
