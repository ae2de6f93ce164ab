"""``stakes forecast``: run models on a scenario and its variants."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .. import strict_json
from ..forecast import Forecast, forecast
from .app import DB_HELP, SCENARIO_HELP, app, console, load, located


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def forecast_payload(result: Forecast) -> dict:
    """The stable JSON contract of ``stakes forecast --format json`` (documented in the README)."""
    sc = result.scenario
    claims = {t.id: t.claim for t in sc.theses}
    forecasts = []
    for (variant, model), res in result.results.items():
        arr = result.arrays[variant]
        for d, issue in enumerate(arr.issue_ids):
            per_round = None if res.forecasts is None else [float(v) for v in res.forecasts[0, :, d]]
            forecasts.append({"variant": variant, "issue": issue, "model": model,
                              "value": float(res.forecast[0, d]), "rounds": per_round})
    theses = [{"id": v.thesis, "variant": v.variant, "model": v.model, "holds": v.holds,
               "claim": claims[v.thesis], "detail": v.detail} for v in result.verdicts()]
    return {
        "scenario": {"id": sc.id, "title": sc.title, "as_of": None if sc.as_of is None else sc.as_of.isoformat()},
        "forecasts": forecasts,
        "theses": theses,
    }


@app.command("forecast")
def forecast_command(
    scenario: Annotated[str | None, typer.Argument(help=SCENARIO_HELP)] = None,
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model id (repeatable); "
                                                    "default: the scenario's default model.")] = None,
    variant: Annotated[list[str] | None, typer.Option("--variant", "-v", help="Variant id (repeatable; "
                                                      "'baseline' for the baseline); default: all.")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    rounds: Annotated[int | None, typer.Option("--rounds", min=1, help="Rounds for models that run in "
                                               "rounds (overrides the scenario's parameters).")] = None,
    show_rounds: Annotated[bool, typer.Option("--show-rounds", help="Print positions round by round.")] = False,
    report: Annotated[Path | None, typer.Option("--report", "-o", help="Also write an HTML report here.")] = None,
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
) -> None:
    """Forecast the outcome of every issue under the baseline and each variant."""
    sc = load(scenario)
    params = None
    if rounds is not None:
        from ..models import get_model

        chosen = model or sc.default_models
        params = {m: {"rounds": rounds} for m in chosen
                  if any(p.name == "rounds" for p in get_model(m).parameters)}
    with located(scenario):
        result = forecast(sc, models=model or None, variants=variant or None, params=params)
    from ..store import record_forecast

    record_forecast(result, db, params=params)
    if output is OutputFormat.json:
        typer.echo(strict_json.dumps(forecast_payload(result), indent=2, default=float))
    elif output is OutputFormat.csv:
        typer.echo(result.frame().to_csv(index=False), nl=False)
    else:
        print_forecast(result)
        if show_rounds:
            print_rounds(result)
    if report is not None:
        from ..report import write_report

        write_report(sc, report, forecast_result=result)
        console.print(f"report written to {report}")


def print_forecast(result: Forecast) -> None:
    sc = result.scenario
    console.print(f"[bold]{sc.title}[/]" + (f"  (as of {sc.as_of})" if sc.as_of else ""))
    frame = result.frame()
    for issue in sc.issues:
        table = Table(title=f"{issue.name}  [{issue.scale_min:g}–{issue.scale_max:g}]", title_justify="left")
        table.add_column("variant")
        for m in result.models:
            table.add_column(m, justify="right")
        sub = frame[frame.issue == issue.id]
        for v in result.variants:
            cells = []
            for m in result.models:
                hit = sub[(sub.variant == v) & (sub.model == m)]
                cells.append("—" if hit.empty else f"{hit.value.iloc[0]:.1f}")
            table.add_row(v, *cells)
        console.print(table)
        if issue.anchors:
            console.print("   " + "; ".join(f"{a.value:g} = {a.label}" for a in issue.anchors), style="dim")
    verdicts = result.verdicts()
    if verdicts:
        table = Table(title="Theses", title_justify="left")
        for col in ("thesis", "variant", "model", "holds", "detail"):
            table.add_column(col)
        for v in verdicts:
            mark = "n/a" if v.holds is None else ("yes" if v.holds else "no")
            table.add_row(v.thesis, v.variant, v.model or "", mark, v.detail)
        console.print(table)


def print_rounds(result: Forecast) -> None:
    traj = result.trajectories()
    if traj.empty:
        console.print("(no model with rounds was run)")
        return
    for (variant, model, issue), sub in traj.groupby(["variant", "model", "issue"], sort=False):
        wide = sub.pivot_table(index="round", columns="actor", values="position")
        table = Table(title=f"{variant} · {model} · {issue}: positions by round", title_justify="left")
        table.add_column("round", justify="right")
        for actor in wide.columns:
            table.add_column(str(actor), justify="right")
        table.add_column("forecast", justify="right")
        fc = sub.groupby("round")["forecast"].first()
        for rnd, row in wide.iterrows():
            table.add_row(str(rnd), *(f"{x:.1f}" for x in row), f"{fc.loc[rnd]:.2f}")
        console.print(table)
