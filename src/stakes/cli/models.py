"""``stakes models``: list the registered models with their parameters and citations."""

from __future__ import annotations

from rich.table import Table

from ..models import list_models
from .app import app, console


@app.command("models")
def models_command() -> None:
    """List the available models."""
    table = Table(show_lines=True)
    for col in ("id", "name", "parameters", "citation"):
        table.add_column(col)
    for spec in list_models():
        params = "\n".join(f"{p.name}={p.default!r}{_bounds(p)}: {p.description}" for p in spec.parameters) or "—"
        table.add_row(spec.id, f"{spec.name}\n[dim]{spec.description}[/]", params, spec.citation)
    console.print(table)


def _bounds(p: object) -> str:
    low, high = getattr(p, "low", None), getattr(p, "high", None)
    return "" if low is None or high is None else f" [{low:g}..{high:g}]"
