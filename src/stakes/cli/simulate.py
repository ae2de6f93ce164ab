"""``stakes simulate``: Monte Carlo over perturbed copies of a scenario; sweeps stream chunks to ``--out``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .. import strict_json
from ..errors import OptionError
from ..simulate import SimulationInterrupted, SimulationResult, execute, make_plan
from ..sweep import open_executor
from ..uncertainty import SpreadOverride, resolve_spreads
from .app import DB_HELP, SCENARIO_HELP, app, console, err_console, load, max_input_option, warn
from .params import note_unused, param_option, parse_params


class SimFormat(StrEnum):
    table = "table"
    json = "json"


class DistributionName(StrEnum):
    normal = "normal"
    uniform = "uniform"


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr (off when stderr is not a terminal); yields ``update(done, total)``."""
    if not err_console.is_terminal:
        yield lambda done, total: None
        return
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@app.command("simulate")
def simulate_command(
    scenario: Annotated[str | None, typer.Argument(help=SCENARIO_HELP)] = None,
    runs: Annotated[int, typer.Option("--runs", "-n", help="Perturbed copies to run.")] = 1000,
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model id (repeatable); "
                                                    "default: the scenario's models.")] = None,
    variant: Annotated[list[str] | None, typer.Option("--variant", "-v", help="Variant id (repeatable; "
                                                      "'baseline' for the baseline); default: all.")] = None,
    output: Annotated[SimFormat, typer.Option("--format", "-f", help="Output format.")] = SimFormat.table,
    out: Annotated[str | None, typer.Option("--out", "-o", help="Folder to stream finished chunks to "
                                            "(Parquet + manifest); rerun the same command to resume.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Run chunks on N local processes.")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Run chunks on a Dask cluster, "
                                                  "e.g. tcp://host:8786 (needs stakes[dask]).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: the scenario's).")] = None,
    chunk_size: Annotated[int | None, typer.Option("--chunk-size", help="Runs per chunk.")] = None,
    position_sd: Annotated[float | None, typer.Option("--position-sd", help="Default position spread, "
                                                      "% of each issue's span.")] = None,
    salience_sd: Annotated[float | None, typer.Option("--salience-sd", help="Default salience spread "
                                                      "on 0–100.")] = None,
    capability_sd: Annotated[float | None, typer.Option("--capability-sd", help="Default relative "
                                                        "capability spread (0.2 = ±20 %).")] = None,
    distribution: Annotated[DistributionName | None, typer.Option("--distribution", help="Shape of the "
                                                                  "perturbations.")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the Dask scheduler.")] = 5.0,
    param: Annotated[list[str] | None, param_option()] = None,
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    max_input_mb: Annotated[float | None, max_input_option()] = None,
) -> None:
    """Run many perturbed copies: forecast distributions and the probability of each thesis."""
    sc = load(scenario, max_input_mb)
    override = SpreadOverride(position_sd, salience_sd, capability_sd,
                              None if distribution is None else distribution.value)  # type: ignore[arg-type]
    params = parse_params(param)
    # only the models asked for: landscape theory (side theses) runs only when no --model is given
    plan = make_plan(sc, runs, model or None, variant or None, seed, override, params, chunk_size, sides=not model)
    note_unused(params, plan.models)
    if not resolve_spreads(sc, override).any:
        err_console.print("note: the scenario declares no uncertainty, so every run is the same (declare "
                          "uncertainty.default in the scenario or pass --position-sd/--salience-sd/"
                          "--capability-sd)", style="yellow", highlight=False)
    if timeout <= 0:
        raise OptionError(f"--timeout must be positive, got {timeout}")
    try:
        with open_executor(workers, scheduler, timeout) as executor, progress_bar("simulating") as update:
            result = execute(plan, executor=executor, out=out, progress=update,
                             notify=warn)
    except SimulationInterrupted as stop:
        kept = f"; the finished chunks are in {out} (rerun the same command to resume)" if out else ""
        err_console.print(f"interrupted after {stop.result.n_runs} of {plan.runs} runs{kept}",
                          style="yellow", highlight=False, soft_wrap=True)
        raise SystemExit(130) from None
    if output is SimFormat.json:
        typer.echo(strict_json.dumps(result.payload(), indent=2))
    else:
        print_simulation(result)
    sys.stdout.flush()  # the answer first, then the record (every draw up to 200k rows: seconds)
    from ..store import record_simulation

    record_simulation(result, sc, db)


def print_simulation(result: SimulationResult) -> None:
    sc = result.plan.scenario
    console.print(f"[bold]{sc.title}[/]  {result.n_runs:,} runs, seed {result.plan.seed}", highlight=False)
    summary = result.summary()
    for issue in sc.issues:
        table = Table(title=f"{issue.name}  [{issue.scale_min:g}–{issue.scale_max:g}]  mean (5 %–95 %)",
                      title_justify="left")
        table.add_column("variant")
        for m in result.plan.models:
            table.add_column(m, justify="right")
        sub = summary[summary.issue == issue.id]
        for v in result.plan.variants:
            cells = []
            for m in result.plan.models:
                hit = sub[(sub.variant == v) & (sub.model == m)]
                cells.append("—" if hit.empty else
                             f"{hit['mean'].iloc[0]:.1f} ({hit.q05.iloc[0]:.1f}–{hit.q95.iloc[0]:.1f})")
            table.add_row(v, *cells)
        console.print(table)
    theses = result.thesis_table()
    if not theses.empty:
        claims = {t.id: t.claim for t in sc.theses}
        table = Table(title="Theses: probability they hold", title_justify="left")
        table.add_column("thesis", overflow="fold")
        table.add_column("variant", overflow="fold")
        table.add_column("model", no_wrap=True, min_width=9)
        table.add_column("P(holds)", justify="right", no_wrap=True, min_width=8)
        table.add_column("claim", overflow="ellipsis", no_wrap=True, max_width=60)
        for row in theses.itertuples():
            p = "n/a" if row.probability != row.probability else f"{row.probability:.0%}"
            if row.model not in result.plan.models and row.model != "landscape":
                p = "not run"
            table.add_row(str(row.thesis), str(row.variant), str(row.model), p, claims.get(row.thesis, ""))
        console.print(table)
    if not result.complete:
        err_console.print("(interrupted: partial results)", style="yellow")
    if not result.plan.sides and any(getattr(t, "kind", "") == "side" for t in sc.theses):
        console.print("side theses: not run (landscape theory runs when no --model is given; or stakes align)",
                      style="dim")
    elif sys.stdout.isatty() and any(getattr(t, "kind", "") == "side" for t in sc.theses):
        console.print("side theses are judged by `stakes align`", style="dim")
