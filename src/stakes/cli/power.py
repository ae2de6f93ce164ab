"""``stakes power``: Shapley–Shubik and Penrose–Banzhaf indices of a weighted, double-majority or EU rule."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from ..errors import OptionError
from .app import app, console
from .forecast import OutputFormat


def _parse_pairs(text: str, what: str) -> dict[str, float]:
    pairs: dict[str, float] = {}
    for item in text.split(","):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise OptionError(f"{what}: expected 'name=number,…', got item {item!r}")
        try:
            pairs[name.strip()] = float(value)
        except ValueError:
            raise OptionError(f"{what}: '{name.strip()}' has {value!r}, expected a number") from None
    if len(pairs) != len(text.split(",")):
        raise OptionError(f"{what}: a name appears twice in {text!r}")
    return pairs


@app.command("power")
def power_command(
    rule: Annotated[str | None, typer.Option("--rule", help="'eu': the EU Council rule in force on --date.")] = None,
    on: Annotated[str | None, typer.Option("--date", help="Date YYYY-MM-DD (with --rule eu).")] = None,
    voting: Annotated[str, typer.Option("--voting", help="QMV or Unan (with --rule eu).")] = "QMV",
    nice_until_2017: Annotated[bool, typer.Option("--nice-until-2017", help="Nice weights on request "
                                                  "(1 Nov 2014 – 31 Mar 2017).")] = False,
    nice_population_check: Annotated[bool, typer.Option("--nice-population-check/--no-nice-population-check",
                                                        help="Nice's 62 % population check.")] = True,
    weights: Annotated[str | None, typer.Option("--weights", help="Weighted game: 'a=3,b=2,c=1'.")] = None,
    quota: Annotated[float | None, typer.Option("--quota", help="Weight needed to win (with --weights).")] = None,
    population: Annotated[str | None, typer.Option("--population", help="Double majority: 'a=80.5,b=66,…'.")]
    = None,
    states_threshold: Annotated[float, typer.Option("--states-threshold", help="Share of members.")] = 0.55,
    population_threshold: Annotated[float, typer.Option("--population-threshold", help="Share of population.")]
    = 0.65,
    min_blocking: Annotated[int, typer.Option("--min-blocking", help="A blocking minority needs this many "
                                              "members (Lisbon: 4; 0 = no such rule).")] = 0,
    unit: Annotated[float, typer.Option("--unit", help="Population rounding unit (same unit as --population).")]
    = 1.0,
    index: Annotated[str, typer.Option("--index", help="ssi, banzhaf or both.")] = "both",
    scheme: Annotated[str | None, typer.Option("--scheme", help="With --rule eu: capabilities of the DEU actors "
                                               "(com, ep, members) under this scheme: equal, votes, ssi, banzhaf, "
                                               "procedure-ssi, procedure-banzhaf, colegislator-ssi.")] = None,
    procedure: Annotated[str, typer.Option("--procedure", help="With --scheme: COD (co-decision) or CNS "
                                           "(consultation).")] = "COD",
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
) -> None:
    """Voting power of each member: Shapley–Shubik (ssi) and normalized Penrose–Banzhaf (banzhaf) indices."""
    from .. import power

    if index not in ("ssi", "banzhaf", "both"):
        raise OptionError(f"--index: expected ssi, banzhaf or both, got {index!r}")
    chosen = [name for name, given in (("--rule", rule), ("--weights", weights), ("--population", population))
              if given is not None]
    if len(chosen) != 1:
        raise OptionError("give exactly one of --rule eu, --weights (with --quota) or --population")
    title: str
    notes: tuple[str, ...] = ()
    if rule is not None:
        if rule != "eu":
            raise OptionError(f"--rule: expected 'eu', got {rule!r}")
        if on is None:
            raise OptionError("--rule eu needs --date YYYY-MM-DD")
        council = power.council_rule(on, voting, nice_until_2017=nice_until_2017,
                                     nice_population_check=nice_population_check)
        if scheme is not None:
            _print_capabilities(council, on, voting, procedure, scheme, nice_until_2017, output)
            return
        names, game, title, notes = list(council.members), council.compiled_game, council.name, council.notes
    elif scheme is not None:
        raise OptionError("--scheme needs --rule eu and --date")
    elif weights is not None:
        if quota is None:
            raise OptionError("--weights needs --quota")
        pairs = _parse_pairs(weights, "--weights")
        names, game = list(pairs), power.weighted_game(list(pairs.values()), quota)
        title = f"weighted game, quota {quota:g}"
    else:
        pairs = _parse_pairs(population or "", "--population")
        names = list(pairs)
        game = power.double_majority_game(list(pairs.values()), states_threshold, population_threshold,
                                          min_blocking, unit)
        title = f"double majority: {states_threshold:g} of members, {population_threshold:g} of population"
    columns: dict[str, list[float]] = {}
    if index in ("ssi", "both"):
        columns["ssi"] = power.shapley_shubik_game(game).tolist()
    if index in ("banzhaf", "both"):
        columns["banzhaf"] = power.banzhaf_game(game).tolist()
    rows = [{"member": name, **{k: v[i] for k, v in columns.items()}} for i, name in enumerate(names)]
    if output is OutputFormat.json:
        typer.echo(json.dumps({"rule": title, "notes": list(notes), "rows": rows}, indent=2))
        return
    if output is OutputFormat.csv:
        typer.echo(",".join(["member", *columns]))
        for row in rows:
            typer.echo(",".join([row["member"], *(f"{row[k]:.6f}" for k in columns)]))
        return
    table = Table(title=title, title_justify="left", caption="\n".join(notes) or None, caption_justify="left")
    table.add_column("member")
    for col in columns:
        table.add_column(col, justify="right")
    for row in rows:
        table.add_row(row["member"], *(f"{row[k]:.4f}" for k in columns))
    console.print(table)


def _print_capabilities(council, on: str, voting: str, procedure: str, scheme: str, nice_until_2017: bool,
                        output: OutputFormat) -> None:
    from ..power import actor_capabilities

    actors = ["com", "ep", *council.members]
    caps = actor_capabilities(actors, on, voting, procedure, scheme, nice_until_2017=nice_until_2017)
    if output is OutputFormat.json:
        typer.echo(json.dumps({"rule": council.name, "procedure": procedure, "scheme": scheme,
                               "capabilities": caps}, indent=2))
        return
    if output is OutputFormat.csv:
        typer.echo("actor,capability")
        for actor, value in caps.items():
            typer.echo(f"{actor},{value:.6f}")
        return
    table = Table(title=f"{council.name}, {procedure}, scheme {scheme}", title_justify="left")
    table.add_column("actor")
    table.add_column("capability", justify="right")
    for actor, value in caps.items():
        table.add_row(actor, f"{value:.4f}")
    console.print(table)
