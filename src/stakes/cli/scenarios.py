"""``stakes scenarios`` and ``stakes scenario check|convert``: list, validate and convert scenario files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..io import save_scenario
from ..scenarios import builtin_names, builtin_scenario
from .app import app, console, load, located, max_input_option

scenario_app = typer.Typer(help="Check and convert scenario files.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")


@app.command("scenarios")
def scenarios_command() -> None:
    """List the built-in scenarios."""
    table = Table()
    for col in ("id", "title", "as of", "actors", "issues", "variants", "theses"):
        table.add_column(col)
    for name in builtin_names():
        sc = builtin_scenario(name)
        table.add_row(name, sc.title, str(sc.as_of or ""), str(len(sc.actors)), str(len(sc.issues)),
                      str(len(sc.variants)), str(len(sc.theses)))
    console.print(table)


@scenario_app.command("check")
def check_command(
    file: Annotated[str, typer.Argument(help="Scenario file or built-in name.")],
    max_input_mb: Annotated[float | None, max_input_option()] = None,
) -> None:
    """Validate a scenario file as ``forecast`` would (models, parameters, variants, the models' results);
    exit status 2 with the first problem found."""
    from ..checks import check_models, check_variants
    from ..forecast import forecast

    sc = load(file, max_input_mb)
    with located(file):
        check_models(sc)
        check_variants(sc)
        result = forecast(sc)  # every check forecast runs, the models' results included
        result.frame()
        result.verdicts()
    console.print(f"ok: {sc.title} — {len(sc.actors)} actors, {len(sc.issues)} issues, "
                  f"{len(sc.stances)} stances, {len(sc.variants)} variants, {len(sc.theses)} theses")


@scenario_app.command("convert")
def convert_command(
    source: Annotated[str, typer.Argument(help="Input scenario file (any supported format) or built-in name.")],
    target: Annotated[Path, typer.Argument(help="Output file: .yaml, .csv (tidy) or .xlsx.")],
    max_input_mb: Annotated[float | None, max_input_option()] = None,
) -> None:
    """Convert a scenario between formats (CSV/XLSX keep only the actor × issue table)."""
    sc = load(source, max_input_mb)
    save_scenario(sc, target)
    console.print(f"wrote {target}")
