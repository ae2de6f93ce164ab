"""``stakes forecast``: run models on a scenario and its variants."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .. import strict_json
from ..forecast import Forecast, forecast
from ..scoring import named_quantiles
from .app import DB_HELP, SCENARIO_HELP, app, console, load, located, max_input_option
from .params import note_unused, param_option, parse_params

ROUND_DIGITS = 4
"""Decimals of ``--show-rounds`` (KTAB's log prints one; ``--format json`` gives full precision)."""


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
            row = {"variant": variant, "issue": issue, "model": model, "value": float(res.forecast[0, d]),
                   "rounds": per_round}
            q = result.quantiles(variant, model)
            if q is not None:
                row.update({name: float(v[d]) for name, v in named_quantiles(q).items()})
            forecasts.append(row)
    theses = [{"id": v.thesis, "variant": v.variant, "model": v.model, "holds": v.holds,
               "probability": v.probability, "claim": claims[v.thesis], "detail": v.detail}
              for v in result.verdicts()]
    positions = result.final_positions().to_dict(orient="records")
    return {
        "scenario": {"id": sc.id, "title": sc.title, "as_of": None if sc.as_of is None else sc.as_of.isoformat()},
        "forecasts": forecasts,
        "positions": positions,
        "theses": theses,
        "diagnostics": [d.to_dict() for d in result.diagnostics()],
    }


def forecast_csv(result: Forecast) -> str:
    """``variant,model,issue,value,n_rounds,actor``: a row per issue forecast (actor empty), then a row per
    actor's final position (value = the position) for models that move actors."""
    import pandas as pd

    frame = result.frame()
    frame["actor"] = ""
    pos = result.final_positions().rename(columns={"position": "value"})
    if not pos.empty:
        rounds = frame.set_index(["variant", "model", "issue"])["n_rounds"]
        pos["n_rounds"] = [rounds.get((v, m, i)) for v, m, i in zip(pos.variant, pos.model, pos.issue, strict=True)]
        frame = pd.concat([frame, pos[list(frame.columns)]], ignore_index=True)
    frame["n_rounds"] = frame["n_rounds"].astype("Int64")
    frame["value"] = [float(v) for v in frame["value"]]  # Python floats: written in full (shortest exact) form
    frame["value"] = frame["value"].astype(object)
    return frame.to_csv(index=False)


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
    param: Annotated[list[str] | None, param_option()] = None,
    report: Annotated[Path | None, typer.Option("--report", "-o", help="Also write an HTML report here.")] = None,
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    max_input_mb: Annotated[float | None, max_input_option()] = None,
) -> None:
    """Forecast the outcome of every issue under the baseline and each variant."""
    from ..store.record import record_forecast, recorder
    from ..workers import SecondProcess

    # a second process imports the store's modules while this one forecasts, then records while it prints
    with recorder(db) as where:
        sc = load(scenario, max_input_mb)
        params = parse_params(param)
        chosen = model or sc.default_models
        note_unused(params, chosen)
        if rounds is not None:
            from ..models import get_model

            for m in chosen:
                if any(p.name == "rounds" for p in get_model(m).parameters):
                    params.setdefault(m, {})["rounds"] = rounds
        with located(scenario):
            result = forecast(sc, models=model or None, variants=variant or None, params=params or None)
        recording = None
        if isinstance(where, SecondProcess):  # recorded there while the answer is printed here
            result.verdicts()  # (the side theses' Monte Carlo and the diagnostics: computed once, sent with it)
            result.diagnostics()
            recording = where.submit(record_forecast, result, db, params=params or None)
        if output is OutputFormat.json:
            typer.echo(strict_json.dumps(forecast_payload(result), indent=2, default=float))
        elif output is OutputFormat.csv:
            typer.echo(forecast_csv(result), nl=False)
        else:
            print_forecast(result)
            if show_rounds:
                print_rounds(result)
        sys.stdout.flush()  # the answer first, then the record
        if recording is None and where is not None:
            recording = where.submit(record_forecast, result, db, params=params or None)
        if recording is not None:
            recording.result()
    if report is not None:
        from ..report import write_report

        write_report(sc, report, forecast_result=result)
        console.print(f"report written to {report}")


def print_forecast(result: Forecast) -> None:
    sc = result.scenario
    console.print(f"[bold]{sc.title}[/]" + (f"  (as of {sc.as_of})" if sc.as_of else ""))
    diagnostics = result.diagnostics()
    for issue in sc.issues:
        table = Table(title=f"{issue.name}  [{issue.scale_min:g}–{issue.scale_max:g}]", title_justify="left")
        table.add_column("variant")
        for m in result.models:
            table.add_column(f"{m} [90 %]" if _has_quantiles(result, m) else m, justify="right")
        notes = [d for d in diagnostics if d.issue == issue.id and d.kind != "domain"]
        for v in result.variants:
            cells = []
            ids = list(result.arrays[v].issue_ids)
            d = ids.index(issue.id) if issue.id in ids else None
            for m in result.models:
                res = result.results.get((v, m))
                if res is None or d is None:
                    cells.append("—")
                    continue
                cell = f"{float(res.forecast[0, d]):.1f}"
                q = result.quantiles(v, m)
                if q is not None:
                    named = named_quantiles(q)
                    cell += f" [{named['q05'][d]:.0f}–{named['q95'][d]:.0f}]"
                marks = [str(k + 1) for k, n in enumerate(notes) if n.variant == v and n.model in (m, "*")]
                cells.append(cell + (f" ({','.join(marks)})" if marks else ""))
            table.add_row(v, *cells)
        console.print(table)
        if issue.anchors:
            console.print("   " + "; ".join(f"{a.value:g} = {a.label}" for a in issue.anchors), style="dim")
        for k, n in enumerate(notes):
            console.print(f"   ({k + 1}) {n.variant} · {n.model}: {n.kind}: {n.message}", style="yellow",
                          highlight=False, markup=False)
    for n in {d.message: d for d in diagnostics if d.kind == "domain"}.values():
        console.print(f"note: {n.model} {n.message.removeprefix('the ensemble ')}", style="dim", highlight=False,
                      markup=False)
    verdicts = result.verdicts()
    if verdicts:
        table = Table(title="Theses", title_justify="left")
        for col in ("thesis", "variant", "model", "holds", "P", "detail"):
            table.add_column(col)
        for v in verdicts:
            mark = "n/a" if v.holds is None else ("yes" if v.holds else "no")
            prob = "" if v.probability is None else f"{v.probability:.2f}"
            table.add_row(v.thesis, v.variant, v.model or "", mark, prob, v.detail)
        console.print(table)


def _has_quantiles(result: Forecast, model: str) -> bool:
    return any(result.quantiles(v, model) is not None for v in result.variants)


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
            table.add_row(str(rnd), *(f"{x:.{ROUND_DIGITS}f}" for x in row), f"{fc.loc[rnd]:.{ROUND_DIGITS}f}")
        console.print(table)
