"""Alignments of a scenario and its variants, and the verdicts of its side theses.

The prediction is the global minimum of the energy (``predict="global"``, default) or the local minimum
with the largest basin of attraction (``predict="basin"``), as Axelrod & Bennett (1993) offer both. Sides
are canonical: side 0 is the side of the reference actor, the first actor of the (variant's) scenario.
Runner-ups are the other local minima, lowest energy first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import OptionError
from ..scenario import Scenario, SideThesis
from ..theses import Verdict, judge_sides
from ..variants import BASELINE, apply_variant
from .energy import frustration
from .exact import BASIN_MAX_N, EXACT_MAX_N, Minimum, exact_landscape
from .heuristic import DEFAULT_RESTARTS, heuristic_landscape
from .propensity import Landscape, Pairs, landscape_from_scenario

if TYPE_CHECKING:
    import pandas as pd

ENGINES = ("auto", "exact", "heuristic")
PREDICTIONS = ("global", "basin")
AUTO_EXACT_MAX_N = 20
"""``engine="auto"`` enumerates exactly up to this many actors (about 0.1 s), else runs the heuristic."""
MODEL = "landscape"


@dataclass(frozen=True)
class Configuration:
    sides: dict[str, int]
    energy: float
    basin: int | None = None
    """Configurations whose steepest descent ends here (exact engine)."""
    share: float | None = None
    """Basin share: exact, or estimated from random-start descents (heuristic)."""

    def as_dict(self) -> dict[str, Any]:
        return {"sides": self.sides, "energy": self.energy, "basin": self.basin, "share": self.share}


@dataclass(frozen=True)
class Alignment:
    scenario: str
    variant: str
    engine: str
    predict: str
    reference: str
    """Actor whose side is side 0."""
    sides: dict[str, int]
    energy: float
    frustration: dict[str, float]
    """F_i = Σ_j s_j p_ij d_ij in the predicted configuration."""
    minima: tuple[Configuration, ...]
    """Every local minimum found (all of them for the exact engine), lowest energy first."""
    runner_up: tuple[Configuration, ...]
    n_configurations: int | None
    """2^(n−1) for the exact engine; None for the heuristic."""
    notes: tuple[str, ...] = field(default=())

    def coalition(self, side: int) -> list[str]:
        return [a for a, s in self.sides.items() if s == side]

    def as_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant, "sides": self.sides, "energy": self.energy,
            "runner_up": [c.as_dict() for c in self.runner_up], "engine": self.engine, "predict": self.predict,
            "reference": self.reference, "frustration": self.frustration, "local_minima": len(self.minima),
            "n_configurations": self.n_configurations, "notes": list(self.notes),
        }


def _config(ids: tuple[str, ...], m: Minimum) -> Configuration:
    return Configuration({a: int(s) for a, s in zip(ids, m.sides, strict=True)}, m.energy, m.basin, m.share)


def solve(land: Landscape, engine: str = "auto", *, predict: str = "global", restarts: int = DEFAULT_RESTARTS,
          seed: int | np.random.SeedSequence = 0, basins: bool | None = None
          ) -> tuple[str, tuple[Minimum, ...], int | None, list[str]]:
    """Run an engine on a landscape: (engine used, minima, configurations enumerated, notes)."""
    if engine not in ENGINES:
        raise OptionError(f"unknown engine '{engine}' (expected one of {', '.join(ENGINES)})")
    if predict not in PREDICTIONS:
        raise OptionError(f"unknown prediction '{predict}' (expected one of {', '.join(PREDICTIONS)})")
    n, notes = land.n, []
    use = engine if engine != "auto" else ("exact" if n <= AUTO_EXACT_MAX_N else "heuristic")
    if use == "exact" and n > EXACT_MAX_N:
        notes.append(f"n = {n} actors is too large for the exact engine (at most {EXACT_MAX_N}: 2^(n−1) "
                     f"configurations); used the heuristic")
        use = "heuristic"
    if use == "exact" and predict == "basin" and n > BASIN_MAX_N:
        notes.append(f"basins of attraction need n ≤ {BASIN_MAX_N} for the exact engine (n = {n}); used "
                     f"the heuristic's estimate")
        use = "heuristic"
    if use == "exact":
        want = basins if basins is not None else (predict == "basin" or n <= AUTO_EXACT_MAX_N)
        res = exact_landscape(land.weights, basins=want)
        return "exact", res.minima, res.n_configurations, notes
    hres = heuristic_landscape(land.weights, restarts=restarts, seed=seed)
    return "heuristic", hres.minima, None, notes


def _pick(minima: tuple[Minimum, ...], predict: str) -> int:
    if predict == "global":
        return 0
    shares = [m.share if m.share is not None else -1.0 for m in minima]
    return int(np.argmax(shares))  # first = lowest energy among equal shares


def align(scenario: Scenario, variant: str | None = None, engine: str = "auto", *, predict: str = "global",
          propensity: str | None = None, matrix: Pairs | None = None, restarts: int = DEFAULT_RESTARTS,
          seed: int | None = None, basins: bool | None = None, top: int = 3) -> Alignment:
    """The predicted alignment of ``scenario`` under ``variant`` (None = baseline).

    ``propensity`` overrides ``scenario.alignment.propensity``; ``matrix`` adds explicit pairs (e.g. from
    :func:`.propensity.read_propensity_matrix`); ``seed`` (default ``scenario.seed``) drives the heuristic.
    """
    vid = variant or BASELINE
    sc = apply_variant(scenario, vid)
    land = landscape_from_scenario(sc, baseline=scenario, mode=propensity, extra=matrix)
    used, minima, nconf, notes = solve(land, engine, predict=predict, restarts=restarts,
                                       seed=scenario.seed if seed is None else seed, basins=basins)
    k = _pick(minima, predict)
    best = minima[k]
    ids = land.actor_ids
    fr = frustration(best.sides, land.sizes, land.propensity)
    others = [m for i, m in enumerate(minima) if i != k]
    return Alignment(
        scenario=scenario.id, variant=vid, engine=used, predict=predict, reference=ids[0],
        sides={a: int(s) for a, s in zip(ids, best.sides, strict=True)}, energy=best.energy,
        frustration={a: float(f) for a, f in zip(ids, fr, strict=True)},
        minima=tuple(_config(ids, m) for m in minima), runner_up=tuple(_config(ids, m) for m in others[:top]),
        n_configurations=nconf, notes=tuple(notes),
    )


def align_variants(scenario: Scenario, variants: Sequence[str] | None = None, **kwargs: Any) -> list[Alignment]:
    """Alignments of the baseline and every variant (or of ``variants``; "baseline" names the baseline)."""
    ids = list(variants) if variants else [BASELINE, *(v.id for v in scenario.variants)]
    return [align(scenario, v, **kwargs) for v in ids]


def side_theses(scenario: Scenario) -> list[SideThesis]:
    return [t for t in scenario.theses if isinstance(t, SideThesis)]


def describe_side(thesis: SideThesis, sides: dict[str, int]) -> str:
    missing = [a for a in (*thesis.actors, thesis.with_actor) if a not in sides]
    if missing:
        return f"not in this variant: {', '.join(missing)}"
    ref = sides[thesis.with_actor]
    same = [a for a in thesis.actors if sides[a] == ref]
    other = [a for a in thesis.actors if sides[a] != ref]
    parts = []
    if same:
        parts.append(f"with {thesis.with_actor}: {', '.join(same)}")
    if other:
        parts.append(f"against {thesis.with_actor}: {', '.join(other)}")
    return "; ".join(parts)


def judge_side_theses(scenario: Scenario, alignments: Sequence[Alignment] | None = None,
                      **kwargs: Any) -> list[Verdict]:
    """Verdicts of the scenario's side theses, each under its own variant (None = baseline).

    ``alignments`` already computed are reused; missing variants are aligned with ``kwargs``.
    """
    by_variant = {a.variant: a for a in alignments or ()}
    out = []
    for thesis in side_theses(scenario):
        vid = thesis.variant or BASELINE
        if vid not in by_variant:
            by_variant[vid] = align(scenario, vid, **kwargs)
        sides = by_variant[vid].sides
        holds = judge_sides(thesis, sides)
        out.append(Verdict(thesis.id, vid, MODEL, holds, describe_side(thesis, sides)))
    return out


def alignments_frame(alignments: Sequence[Alignment], same_side: dict[str, dict[str, float]] | None = None
                     ) -> pd.DataFrame:
    """One row per variant × actor: variant, actor, side, frustration, energy, engine (+ p_same_side: the
    Monte Carlo probability of being on the reference actor's side, by variant, when given)."""
    import pandas as pd

    rows = []
    for a in alignments:
        for actor, side in a.sides.items():
            row = {"variant": a.variant, "actor": actor, "side": side, "frustration": a.frustration[actor],
                   "energy": a.energy, "engine": a.engine}
            if same_side is not None:
                row["p_same_side"] = same_side.get(a.variant, {}).get(actor)
            rows.append(row)
    cols = ["variant", "actor", "side", "frustration", "energy", "engine"]
    return pd.DataFrame(rows, columns=cols + (["p_same_side"] if same_side is not None else []))


def verdicts_frame(verdicts: Sequence[Verdict]) -> pd.DataFrame:
    """Side-thesis verdicts as a table: thesis, variant, model, holds, detail."""
    import pandas as pd

    return pd.DataFrame([v.__dict__ for v in verdicts], columns=["thesis", "variant", "model", "holds", "detail"])
