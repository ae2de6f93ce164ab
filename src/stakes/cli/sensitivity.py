"""``stakes sensitivity``: which actors' capabilities, positions and saliences drive each issue's forecast."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from .. import strict_json
from ..models import is_registered
from ..sensitivity import sensitivity
from ..uncertainty import SpreadOverride
from ..variants import BASELINE
from .app import DB_HELP, SCENARIO_HELP, app, console, load, max_input_option
from .params import note_unused, param_option, parse_params


class SensFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("sensitivity")
def sensitivity_command(
    scenario: Annotated[str | None, typer.Argument(help=SCENARIO_HELP)] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model id; default: the scenario's "
                                              "first model.")] = None,
    variant: Annotated[str, typer.Option("--variant", "-v", help="Variant id.")] = BASELINE,
    samples: Annotated[int | None, typer.Option("--samples", "-n", help="SALib base sample N (power of two); "
                                                "the model runs N·(factors + 2) times. Default: adapted (256, "
                                                "512, … until the indices are reliable).")] = None,
    output: Annotated[SensFormat, typer.Option("--format", "-f", help="Output format.")] = SensFormat.table,
    top: Annotated[int, typer.Option("--top", help="Drivers shown per issue.")] = 5,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: the scenario's).")] = None,
    position_sd: Annotated[float | None, typer.Option("--position-sd", help="Default position spread, "
                                                      "% of each issue's span.")] = None,
    salience_sd: Annotated[float | None, typer.Option("--salience-sd", help="Default salience spread "
                                                      "on 0–100.")] = None,
    capability_sd: Annotated[float | None, typer.Option("--capability-sd", help="Default relative "
                                                        "capability spread.")] = None,
    param: Annotated[list[str] | None, param_option()] = None,
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    max_input_mb: Annotated[float | None, max_input_option()] = None,
) -> None:
    """Sobol indices: the share of each issue's forecast variance due to each actor's inputs."""
    sc = load(scenario, max_input_mb)
    override = SpreadOverride(position_sd, salience_sd, capability_sd)
    params = parse_params(param)
    model_id = model or next((m for m in sc.simulation_models if is_registered(m)), "weighted-mean")
    note_unused(params, [model_id])
    res = sensitivity(sc, model=model_id, variant=variant, samples=samples, seed=seed, override=override,
                      params=params.get(model_id))
    from ..store import record_sensitivity

    record_sensitivity(res, sc, db)
    k = max(1, top)
    if output is SensFormat.json:
        typer.echo(strict_json.dumps(res.payload(k), indent=2))
        return
    console.print(f"[bold]{sc.title}[/]  variant {res.variant}, model {res.model}: Sobol indices from "
                  f"{res.evaluations:,} runs (N = {res.samples}"
                  + (f"; tried {', '.join(map(str, res.adapted))}" if len(res.adapted) > 1 else "") + ")",
                  highlight=False)
    for prob in res.problems():
        console.print(f"warning: {prob['issue']}: not reliable at N = {res.samples}: {prob['message']}",
                      style="yellow", highlight=False, markup=False)
    names = {i.id: i.name for i in sc.issues}
    for issue, sub in res.top(k).groupby("issue", sort=False):
        table = Table(title=f"{names.get(str(issue), issue)}: top drivers (forecast sd {sub.sd.iloc[0]:.2f})",
                      title_justify="left")
        for col in ("actor", "input", "total ST", "first-order S1"):
            table.add_column(col, justify="left" if col in ("actor", "input") else "right")
        for row in sub.itertuples():
            table.add_row(str(row.actor), str(row.factor), f"{row.ST:.2f} ± {row.ST_conf:.2f}",
                          f"{row.S1:.2f} ± {row.S1_conf:.2f}")
        console.print(table)
