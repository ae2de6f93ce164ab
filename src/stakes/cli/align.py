"""``stakes align``: who sides with whom (Axelrod–Bennett landscape theory) under each variant."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from .. import strict_json
from ..alignment import (
    Alignment,
    align,
    alignments_frame,
    judge_side_theses,
    read_propensity_matrix,
    side_probabilities,
)
from ..alignment.heuristic import DEFAULT_RESTARTS
from ..errors import OptionError
from ..variants import BASELINE
from .app import DB_HELP, SCENARIO_HELP, app, console, err_console, load, max_input_option
from .forecast import OutputFormat


class Engine(StrEnum):
    auto = "auto"
    exact = "exact"
    heuristic = "heuristic"


class Predict(StrEnum):
    global_ = "global"
    basin = "basin"


class Mode(StrEnum):
    explicit = "explicit"
    derived = "derived"
    both = "explicit+derived"


def _runner_up_text(a: Alignment) -> list[str]:
    out = []
    for k, c in enumerate(a.runner_up, 1):
        moved = [x for x in a.sides if c.sides[x] != a.sides[x]]
        share = "" if c.share is None else f", basin {100 * c.share:.1f} %"
        out.append(f"runner-up {k}: E = {c.energy:.6g}{share}; switches: {', '.join(moved)}")
    return out


def _print_table(alignments: list[Alignment], probs: dict[str, Any], verdicts: list, thesis_p: dict) -> None:
    for a in alignments:
        pred = next((c for c in a.minima if c.sides == a.sides), None)
        share = "" if pred is None or pred.share is None else f", basin {100 * pred.share:.1f} %"
        title = (f"{a.variant}: E = {a.energy:.6g}{share} ({a.engine}, {len(a.minima)} local minima; "
                 f"side 0 = side of {a.reference})")
        console.print(f"[bold]{title}[/]", highlight=False)
        table = Table()
        table.add_column("actor")
        table.add_column("side", justify="right")
        table.add_column("frustration", justify="right")
        p = probs.get(a.variant)
        if p is not None:
            table.add_column(f"P(with {a.reference})", justify="right")
        for actor, side in a.sides.items():
            row = [actor, str(side), f"{a.frustration[actor]:.4g}"]
            if p is not None:
                row.append(f"{p.same_side[actor]:.2f}")
            table.add_row(*row)
        console.print(table)
        for line in _runner_up_text(a) or [("no other local minimum" if a.engine == "exact" else
                                             "no other local minimum found") + ": no runner-up"]:
            console.print("  " + line, highlight=False)
    if verdicts:
        table = Table(title="Side theses", title_justify="left")
        for col in ("thesis", "variant", "holds", "detail"):
            table.add_column(col)
        if thesis_p:
            table.add_column("P(holds)", justify="right")
        for v in verdicts:
            row = [v.thesis, v.variant, "—" if v.holds is None else ("yes" if v.holds else "no"), v.detail]
            if thesis_p:
                pr = thesis_p.get((v.thesis, v.variant))
                row.append("—" if pr is None else f"{pr:.2f}")
            table.add_row(*row)
        console.print(table)


@app.command("align")
def align_command(
    scenario: Annotated[str | None, typer.Argument(help=SCENARIO_HELP)] = None,
    variant: Annotated[list[str] | None, typer.Option("--variant", "-v", help="Variant id (repeatable; "
                                                      "'baseline' for the baseline); default: all.")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    runs: Annotated[int, typer.Option("--runs", "-n", help="Monte Carlo runs over perturbed sizes and "
                                      "propensities (0 = none).")] = 0,
    engine: Annotated[Engine, typer.Option("--engine", help="exact enumeration, heuristic, or auto "
                                           "(exact up to 20 actors).")] = Engine.auto,
    predict: Annotated[Predict, typer.Option("--predict", help="Prediction: the global minimum or the "
                                             "local minimum with the largest basin.")] = Predict.global_,
    propensity: Annotated[Mode | None, typer.Option("--propensity", help="Where propensities come from; "
                                                    "default: the scenario's alignment settings.")] = None,
    matrix: Annotated[Path | None, typer.Option("--propensities", help="CSV matrix of propensities "
                                                "(header row and first column: actor ids) that overrides "
                                                "the scenario's pairs.")] = None,
    restarts: Annotated[int, typer.Option("--restarts", help="Heuristic restarts.")] = DEFAULT_RESTARTS,
    top: Annotated[int, typer.Option("--top", help="Runner-up configurations to show.")] = 3,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed; default: the scenario's.")] = None,
    db: Annotated[str | None, typer.Option("--db", help=DB_HELP)] = None,
    max_input_mb: Annotated[float | None, max_input_option()] = None,
) -> None:
    """Predict the two coalitions (landscape theory) under the baseline and each variant."""
    if runs < 0:
        raise OptionError(f"--runs must be ≥ 0, got {runs}")
    if restarts < 1:
        raise OptionError(f"--restarts must be ≥ 1, got {restarts}")
    if top < 0:
        raise OptionError(f"--top must be ≥ 0, got {top}")
    sc = load(scenario, max_input_mb)
    pairs = read_propensity_matrix(matrix, sc.actor_ids) if matrix is not None else None
    variants = list(variant) if variant else [BASELINE, *(v.id for v in sc.variants)]
    opts: dict[str, Any] = {"engine": engine.value, "predict": predict.value, "matrix": pairs,
                            "propensity": None if propensity is None else propensity.value, "seed": seed}
    alignments = [align(sc, v, restarts=restarts, top=top, **opts) for v in variants]
    for a in alignments:
        for note in a.notes:
            err_console.print(f"note ({a.variant}): {note}", highlight=False)
    probs = {v: side_probabilities(sc, v, runs, **opts) for v in variants} if runs else {}
    from ..store import record_alignment

    record_alignment([*alignments, *probs.values()], sc, db)
    verdicts = [v for v in judge_side_theses(sc, alignments) if v.variant in variants]
    thesis_p = {(t, p.variant): pr for p in probs.values() for t, pr in p.theses.items()}
    if output is OutputFormat.json:
        payload = {
            "scenario": sc.id,
            "alignments": [{**a.as_dict(), **({"probabilities": probs[a.variant].as_dict()} if runs else {})}
                           for a in alignments],
            "theses": [{"id": v.thesis, "variant": v.variant, "holds": v.holds, "detail": v.detail,
                        **({"probability": thesis_p.get((v.thesis, v.variant))} if runs else {})}
                       for v in verdicts],
        }
        typer.echo(strict_json.dumps(payload, indent=2, default=float))
    elif output is OutputFormat.csv:
        same = {v: p.same_side for v, p in probs.items()} if runs else None
        typer.echo(alignments_frame(alignments, same).to_csv(index=False), nl=False)
    else:
        _print_table(alignments, probs, verdicts, thesis_p)
