"""``stakes ledger add | verify | export | grade | list | show``: the forecast ledger (:mod:`stakes.ledger`)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from ..errors import OptionError
from .app import SCENARIO_HELP, app, console, err_console, load
from .runs import DbOption, ListFormat, _emit

ledger_app = typer.Typer(help="Record dated forecasts, grade them against outcomes, and check nobody edited them.",
                         no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")


class GradeFormat(StrEnum):
    table = "table"
    json = "json"


def _ledger(db: str | None) -> Any:
    try:
        from ..store import RunStore, recording_disabled
        from ..store.ledger import LedgerStore
    except ImportError as exc:  # pragma: no cover - only without the extra
        raise OptionError(f"the ledger needs the run store's extra: pip install 'stakes[store]' ({exc})") from None
    if recording_disabled(db):
        raise OptionError("the ledger needs a store, but the store is turned off (STAKES_DB=off); "
                          "pass --db URL or set STAKES_DB")
    return LedgerStore(RunStore(db))


@ledger_app.command("add")
def add_command(
    scenario: Annotated[str | None, typer.Argument(help=SCENARIO_HELP)] = None,
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model id (repeatable); default: "
                                                    "the scenario's models.")] = None,
    variant: Annotated[list[str] | None, typer.Option("--variant", "-v", help="Variant id (repeatable; "
                                                      "'baseline' for the baseline); default: all.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note kept with every entry.")] = None,
    db: DbOption = None,
) -> None:
    """Record the forecast of every variant × issue × model, dated and hash-chained."""
    from ..forecast import forecast
    from ..ledger import forecast_entries

    sc = load(scenario)
    ledger = _ledger(db)
    new = forecast_entries(forecast(sc, models=model or None, variants=variant or None), note=note)
    ids = ledger.append(new)
    console.print(f"recorded {len(ids)} entries ({ids[0]}–{ids[-1]}) of scenario '{sc.id}' "
                  f"(sha256 {new.scenario_sha256[:12]}…, as of {sc.as_of or 'undated'}) in {ledger.store.shown_url}")


@ledger_app.command("verify")
def verify_command(db: DbOption = None) -> None:
    """Re-hash the chain: exit 0 when intact, else exit 1 naming the first entry that no longer matches."""
    check = _ledger(db).verify()
    if not check.ok:
        err_console.print(f"ledger broken at entry {check.bad_id}: {check.reason}", highlight=False, markup=False,
                          soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"chain intact: {check.n_entries} entries, head {check.head}")


@ledger_app.command("export")
def export_command(
    file: Annotated[Path, typer.Argument(help="JSON Lines file to write (one entry per line, in chain order).")],
    db: DbOption = None,
) -> None:
    """Write the chain as JSON Lines that anyone can re-hash (see the README's "Forecast ledger")."""
    from ..io import atomic_write_text

    ledger = _ledger(db)
    lines = list(ledger.export_lines())
    try:
        atomic_write_text(file, "".join(line + "\n" for line in lines))
    except OSError as exc:
        raise OptionError(f"cannot write {file}: {exc.strerror or exc}") from None
    head = json.loads(lines[-1])["hash"] if lines else "(empty)"
    console.print(f"{len(lines)} entries written to {file}; head {head}")


@ledger_app.command("grade")
def grade_command(
    outcomes: Annotated[str, typer.Argument(help="Outcomes CSV (scenario,variant,issue,value,date,source) or a "
                                            "scenario with 'outcomes:'.")],
    db: DbOption = None,
    output: Annotated[GradeFormat, typer.Option("--format", "-f", help="Output format.")] = GradeFormat.table,
) -> None:
    """Score every recorded forecast the outcomes match: error, CRPS, 50 %/90 % coverage, per entry and model."""
    from ..ledger import read_outcomes_csv, scenario_outcomes
    from ..ledger.outcomes import looks_like_outcomes_csv
    from ..store.ledger import grade_ledger

    path = Path(outcomes)
    is_csv = looks_like_outcomes_csv(path)
    found = read_outcomes_csv(path) if is_csv else scenario_outcomes(load(outcomes), outcomes)
    report = grade_ledger(_ledger(db), found)
    if output is GradeFormat.json:
        typer.echo(json.dumps(report.payload(), indent=2))
        return
    _print_grades(report)


def _print_grades(report: Any) -> None:
    if report.grades:
        frame = pd.DataFrame(report.grades)[["entry", "model", "scenario", "variant", "issue", "forecast", "outcome",
                                             "error", "crps", "cover50", "cover90", "retrospective"]]
        _emit(frame, ListFormat.table, "grades (error and CRPS in points of a 0–100 scale)")
    else:
        console.print("no recorded entry matches these outcomes")
    for r in report.refused:
        console.print(f"entry {r.entry_id} ({r.model}, {r.variant}, {r.issue}) not graded: {r.reason}",
                      highlight=False, markup=False)
    if report.summary:
        _emit(pd.DataFrame(report.summary), ListFormat.table,
              "per model, every stored grade (retrospective entries apart from the sealed record)")
    if report.ranking:
        _emit(pd.DataFrame(report.ranking), ListFormat.table, "ranking")
    console.print(report.ranking_note, highlight=False, markup=False)


def _entry_row(e: Any) -> dict[str, Any]:
    c, g = e.content, e.grade or {}
    q = c.get("quantiles")
    return {"id": e.id, "recorded": c.get("recorded_at"), "scenario": c.get("scenario"), "variant": c.get("variant"),
            "issue": c.get("issue"), "model": c.get("model"), "value": c.get("value"),
            "q05": q[0] if q else None, "q95": q[-1] if q else None, "outcome": g.get("outcome"),
            "error": g.get("error"), "crps": g.get("crps"), "retrospective": g.get("retrospective"),
            "note": c.get("note")}


@ledger_app.command("list")
def list_command(
    db: DbOption = None,
    scenario: Annotated[str | None, typer.Option("--scenario", "-s", help="Only entries of this scenario id.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="The newest N entries (0 = all).")] = 100,
    output: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.table,
) -> None:
    """The recorded entries, newest first, with their grades once graded."""
    ledger = _ledger(db)
    entries = ledger.entries(scenario=scenario, limit=limit or None, newest_first=True)
    if not entries and output is ListFormat.table:
        console.print(f"the ledger in {ledger.store.shown_url} is empty")
        return
    frame = pd.DataFrame([_entry_row(e) for e in entries])
    if output is ListFormat.table:  # narrow enough for a terminal
        frame = frame.assign(recorded=frame["recorded"].str[:16].str.replace("T", " ")).rename(
            columns={"retrospective": "retro"})
        if frame["scenario"].nunique() == 1:
            frame = frame.drop(columns="scenario")
    _emit(frame, output, f"ledger in {ledger.store.shown_url}")


@ledger_app.command("show")
def show_command(
    entry_id: Annotated[int, typer.Argument(help="Entry id (see `stakes ledger list`).")],
    db: DbOption = None,
    output: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.table,
) -> None:
    """One entry: its content as recorded, its hashes and its grade."""
    e = _ledger(db).get(entry_id)
    if output is ListFormat.json:
        typer.echo(json.dumps({"id": e.id, "prev": e.prev_hash, "hash": e.hash, "batch": e.batch,
                               "content": e.content, "grade": e.grade}, indent=2, ensure_ascii=False))
        return
    fields = [("id", e.id), ("hash", e.hash), ("prev", e.prev_hash), ("batch", e.batch)]
    fields += [(k, json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
               for k, v in e.content.items()]
    fields += [(f"grade.{k}", v) for k, v in (e.grade or {}).items()]
    _emit(pd.DataFrame(fields, columns=["field", "value"]).astype({"value": object}), output, f"ledger entry {e.id}")
