"""``stakes validate``: every model on every published case, one table of errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .. import strict_json
from ..validation import validate_cases
from .app import app, console
from .forecast import OutputFormat


@app.command("validate")
def validate_command(
    directory: Annotated[Path | None, typer.Argument(help="Folder of validation cases; default: the "
                                                     "project's copy of the published cases.")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
) -> None:
    """Run every model on every validation case and show how close each comes."""
    frame = validate_cases(directory)
    if output is OutputFormat.json:
        rows = json.loads(frame.to_json(orient="records"))
        typer.echo(strict_json.dumps({"rows": rows}, indent=2))
        return
    if output is OutputFormat.csv:
        typer.echo(frame.to_csv(index=False), nl=False)
        return
    table = Table(title="Validation against published cases", title_justify="left")
    for col in ("case", "issue", "actor", "model", "value", "reference", "error", "kind"):
        table.add_column(col, justify="right" if col in ("value", "reference", "error") else "left")
    for r in frame.itertuples(index=False):
        actor = r.actor if isinstance(r.actor, str) else ""
        table.add_row(r.case, r.issue, actor, r.model, f"{r.value:.3f}", f"{r.reference:.3f}", f"{r.error:+.3f}",
                      r.kind)
    console.print(table)
