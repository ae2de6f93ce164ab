"""``stakes sweep``: Monte Carlo over several scenarios, each streamed to its own folder under ``--out``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .. import strict_json
from ..errors import OptionError
from ..scenario import slugify
from ..simulate import SimulationInterrupted, SimulationResult, execute, make_plan
from ..sweep import open_executor
from ..uncertainty import SpreadOverride
from .app import SCENARIO_HELP, app, console, err_console, load, max_input_option, warn
from .params import note_unused, param_option, parse_params
from .simulate import SimFormat, progress_bar


@app.command("sweep")
def sweep_command(
    scenarios: Annotated[list[str], typer.Argument(help=SCENARIO_HELP + " Several may be given.")],
    out: Annotated[str, typer.Option("--out", "-o", help="Folder; each scenario's chunks go to a sub-folder "
                                     "named after its file. Rerun the same command to resume.")],
    runs: Annotated[int, typer.Option("--runs", "-n", help="Perturbed copies per scenario.")] = 1000,
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model id (repeatable).")] = None,
    output: Annotated[SimFormat, typer.Option("--format", "-f", help="Output format.")] = SimFormat.table,
    workers: Annotated[int | None, typer.Option("--workers", help="Run chunks on N local processes.")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler, e.g. "
                                                  "tcp://host:8786.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: each scenario's).")] = None,
    chunk_size: Annotated[int | None, typer.Option("--chunk-size", help="Runs per chunk.")] = None,
    position_sd: Annotated[float | None, typer.Option("--position-sd", help="Default position spread, "
                                                      "% of span.")] = None,
    salience_sd: Annotated[float | None, typer.Option("--salience-sd", help="Default salience spread.")] = None,
    capability_sd: Annotated[float | None, typer.Option("--capability-sd", help="Default relative "
                                                        "capability spread.")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the Dask scheduler.")] = 5.0,
    param: Annotated[list[str] | None, param_option()] = None,
    max_input_mb: Annotated[float | None, max_input_option()] = None,
) -> None:
    """Simulate every variant of several scenarios; finished chunks are kept on disk and skipped on rerun."""
    override = SpreadOverride(position_sd, salience_sd, capability_sd)
    params = parse_params(param)
    loaded = [(arg, load(arg, max_input_mb)) for arg in scenarios]
    folders: dict[str, str] = {}
    for arg, _ in loaded:
        name = slugify(Path(arg).stem)
        if name in folders.values():
            raise OptionError(f"two scenarios would share the folder '{name}' under {out}: rename one file")
        folders[arg] = name
    plans = [(arg, make_plan(sc, runs, model or None, None, seed, override, params, chunk_size))
             for arg, sc in loaded]
    note_unused(params, {m for _, plan in plans for m in plan.models})
    if timeout <= 0:
        raise OptionError(f"--timeout must be positive, got {timeout}")
    results: list[tuple[str, SimulationResult]] = []
    with open_executor(workers, scheduler, timeout) as executor:
        for arg, plan in plans:
            target = str(Path(out) / folders[arg])
            try:
                with progress_bar(folders[arg]) as update:
                    results.append((arg, execute(plan, executor=executor, out=target, progress=update,
                                                 notify=warn)))
            except SimulationInterrupted as stop:
                err_console.print(f"interrupted in {arg} after {stop.result.n_runs} of {plan.runs} runs; "
                                  f"finished chunks are kept under {out} (rerun the same command to resume)",
                                  style="yellow", highlight=False, soft_wrap=True)
                raise SystemExit(130) from None
    if output is SimFormat.json:
        typer.echo(strict_json.dumps([{"scenario": arg, "folder": folders[arg], **res.payload()}
                               for arg, res in results], indent=2))
        return
    table = Table(title=f"Sweep: {runs:,} runs per scenario, chunks under {out}", title_justify="left")
    for col in ("scenario", "thesis", "variant", "model", "probability"):
        table.add_column(col, justify="right" if col == "probability" else "left")
    for arg, res in results:
        theses = res.thesis_table()
        if theses.empty:
            table.add_row(arg, "(no theses)", "", "", "")
        for row in theses.itertuples():
            p = "n/a" if row.probability != row.probability else f"{row.probability:.0%}"
            table.add_row(arg, str(row.thesis), str(row.variant), str(row.model), p)
    console.print(table)
