"""``stakes backtest``: every model on cases with known outcomes, scored."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from .app import app, console, err_console
from .forecast import OutputFormat

_PCT = ("hit5", "hit10", "hit20", "cover50", "cover90")


def _cell(name: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if name in _PCT:
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:+.1f}" if name in ("mae_diff_vs_weighted_mean",) else f"{value:.1f}"
    return str(value)


def _print_summary(records: list[dict[str, Any]], title: str) -> None:
    table = Table(title=title, title_justify="left")
    cols = ("model", "n", "mae", "rmse", "medae", "hit5", "hit10", "hit20", "crps", "cover50", "cover90")
    for c in (*cols, "Δmae vs wmean [95% CI]"):
        table.add_column(c, justify="left" if c == "model" else "right")
    for r in records:
        diff = r["mae_diff_vs_weighted_mean"]
        ci = "" if diff is None else f"{diff:+.1f} [{r['ci_low']:+.1f}, {r['ci_high']:+.1f}]"
        table.add_row(*[_cell(c, r[c]) for c in cols], ci)
    console.print(table)


@app.command("backtest")
def backtest_command(
    data: Annotated[Path, typer.Argument(help="A DEU data set file (tab-separated, one case per row) or a "
                                         "scenario with 'outcomes:'.")],
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model or baseline id (repeatable); "
                                                    "default: every model and baseline.")] = None,
    capability: Annotated[str | None, typer.Option("--capability", help="Capability rule (see --list-rules); "
                                                   "default: 'equal' for DEU files, else the scenario's.")] = None,
    by: Annotated[list[str] | None, typer.Option("--by", help="Break the scores down by a case field: proc, "
                                                 "counvte, era, council, type (repeatable).")] = None,
    runs: Annotated[int, typer.Option("--runs", min=1, max=100_000, help="Monte Carlo runs per case (>1 gives "
                                      "predictive distributions: CRPS and interval coverage).")] = 1,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the Monte Carlo draws and the bootstrap.")
                    ] = 0,
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List the capability rules and exit.")] = False,
) -> None:
    """Score every model against realised outcomes (MAE, RMSE, hits, CRPS, coverage, bootstrap vs the
    weighted mean)."""
    from ..backtest import CAPABILITY_RULES, backtest

    if list_rules:
        for name, (_rule, text) in CAPABILITY_RULES.items():
            console.print(f"[bold]{name}[/]: {text}", highlight=False)
        return
    if output is OutputFormat.table:
        err_console.print(f"backtesting {data} …", style="dim", highlight=False, markup=False)
    result = backtest(data, models=model or None, capability=capability, runs=runs, seed=seed)
    if output is OutputFormat.json:
        typer.echo(json.dumps(result.to_dict(by=by or ()), indent=1, allow_nan=False))
        return
    if output is OutputFormat.csv:
        typer.echo(result.rows().to_csv(index=False), nl=False)
        return
    cases = result.cases
    note = (f"{cases.n_cases} cases, capability '{result.settings['capability']}', runs {runs}; errors in points "
            f"of a 0–100 scale; Δ = MAE minus the weighted mean's, paired bootstrap over "
            f"{len(set(cases.groups))} {'proposals' if cases.meta else 'cases'}")
    _print_summary(result.to_dict()["summary"], "Backtest: " + note)
    for field in by or ():
        frame = result.breakdown(field)
        for value, part in frame.groupby("value", sort=True):
            recs = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                    for r in part.to_dict(orient="records")]
            _print_summary(recs, f"{field} = {value}")
    if cases.skipped:
        skipped = ", ".join(f"{c} ({r})" for c, r in cases.skipped)
        console.print(f"skipped {len(cases.skipped)}: {skipped}", highlight=False, markup=False)
    if cases.meta:
        from ..io.deu import CITATION

        console.print(f"Data: {CITATION}", style="dim", highlight=False, markup=False)
