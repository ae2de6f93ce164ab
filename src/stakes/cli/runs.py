"""``stakes runs list | show ID | diff ID ID | export ID``: the stored runs (:mod:`stakes.store`)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from .. import strict_json
from ..errors import OptionError
from .app import app, console

runs_app = typer.Typer(help="List, show, compare and export stored runs.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")

DB_HELP = "Store URL (any SQLAlchemy URL, or a path to a SQLite file); default: $STAKES_DB, else the per-user file."
DbOption = Annotated[str | None, typer.Option("--db", help=DB_HELP)]


class ListFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    parquet = "parquet"


def _store(db: str | None) -> Any:
    try:
        from ..store import RunStore
    except ImportError as exc:  # pragma: no cover - only without the extra
        raise OptionError(f"the run store needs its extra: pip install 'stakes[store]' ({exc})") from None
    return RunStore(db)


def _print_frame(frame: pd.DataFrame, title: str | None = None) -> None:
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        wrap = str(col) in ("title", "value", "key", "label", "error", "detail")
        table.add_column(str(col), overflow="fold", no_wrap=not wrap)
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    console.print(table)


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return "—"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _emit(frame: pd.DataFrame, fmt: ListFormat, title: str | None = None) -> None:
    if fmt is ListFormat.csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    elif fmt is ListFormat.json:
        typer.echo(frame.to_json(orient="records", date_format="iso", indent=2))
    else:
        _print_frame(frame, title)


@runs_app.command("list")
def list_command(
    db: DbOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show the newest N runs (0 = all).")] = 50,
    kind: Annotated[str | None, typer.Option("--kind", help="Only runs of this kind.")] = None,
    output: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.table,
) -> None:
    """The stored runs, newest first: id, kind, scenario, seed, version, status, times."""
    with _store(db) as store:
        frame = store.list(limit=limit or None, kind=kind)
    if output is ListFormat.table:
        frame = frame[["id", "kind", "scenario", "title", "seed", "version", "status", "started", "finished",
                       "label"]]
        if frame.empty:
            console.print(f"no stored runs in {store.shown_url}")
            return
    _emit(frame, output, f"runs in {store.shown_url}")


@runs_app.command("show")
def show_command(
    run_id: Annotated[int, typer.Argument(help="Run id (see `stakes runs list`).")],
    db: DbOption = None,
    table: Annotated[str | None, typer.Option("--table", "-t", help="Print this result table.")] = None,
    scenario: Annotated[bool, typer.Option("--scenario", help="Print the scenario as run (YAML).")] = False,
    output: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.table,
) -> None:
    """A run's metadata and the list of its result tables (or one table, or its scenario)."""
    with _store(db) as store:
        if scenario:
            typer.echo(store.get(run_id).scenario_yaml, nl=False)
            return
        frame = store.table(run_id, table) if table else store.show(run_id)
    if not table and output is not ListFormat.table:
        frame = frame.assign(value=frame["value"].map(_jsonish))
    _emit(frame, output, f"run {run_id}" + (f" · {table}" if table else ""))


def _jsonish(v: Any) -> Any:
    if isinstance(v, pd.Timestamp | dict | list) or hasattr(v, "isoformat"):
        return v.isoformat() if hasattr(v, "isoformat") else json.dumps(v)
    return v


@runs_app.command("diff")
def diff_command(
    a: Annotated[int, typer.Argument(help="First run id.")],
    b: Annotated[int, typer.Argument(help="Second run id.")],
    db: DbOption = None,
    output: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.table,
) -> None:
    """What differs between two runs: inputs (scenario hash, models, seed, ...) and results (b − a)."""
    with _store(db) as store:
        frame = store.diff(a, b)
    if frame.empty and output is ListFormat.table:
        console.print(f"runs {a} and {b} do not differ")
        return
    _emit(frame, output, f"run {a} → run {b}")


@runs_app.command("export")
def export_command(
    run_id: Annotated[int, typer.Argument(help="Run id.")],
    db: DbOption = None,
    output: Annotated[ExportFormat, typer.Option("--format", "-f", help="File format.")] = ExportFormat.csv,
    table: Annotated[str | None, typer.Option("--table", "-t", help="Only this result table.")] = None,
    out: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: standard "
                                             "output; required for parquet).")] = None,
) -> None:
    """A run's results: csv/parquet = all tables stacked (columns run_id, table, ...); json = metadata + tables."""
    with _store(db) as store:
        if output is ExportFormat.json:
            run = store.get(run_id)
            names = [table] if table else list(run.table_names)
            meta = {k: _jsonish(v) if not isinstance(v, dict) else v
                    for k, v in store.show(run_id).set_index("field")["value"].items()
                    if not str(k).startswith("table:")}
            payload = {"run": meta, "tables": {
                n: json.loads(store.table(run_id, n).to_json(orient="records", date_format="iso")) for n in names}}
            _write_text(strict_json.dumps(payload, indent=2, default=str) + "\n", out)
            return
        frame = store.export(run_id, table=table)
    if output is ExportFormat.csv:
        _write_text(frame.to_csv(index=False), out)
        return
    if out is None:
        raise OptionError("--format parquet needs --output FILE (Parquet is binary)")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise OptionError("Parquet needs its extra: pip install 'stakes[parquet]'") from None
    for col in frame.columns:  # stacked tables can mix types in one column: Parquet wants one type
        if frame[col].dtype == object and frame[col].map(type).nunique() > 1:
            frame[col] = frame[col].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v))
                                        else str(v))
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        frame.to_parquet(tmp, index=False)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OptionError(f"cannot write {out}: {exc.strerror or exc}") from None
    console.print(f"run {run_id} written to {out}")


def _write_text(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    from ..io import atomic_write_text

    atomic_write_text(out, text)
    console.print(f"written to {out}")
