"""Variance-based global sensitivity: which actors' inputs drive each issue's forecast.

Sobol indices (Sobol 2001; Saltelli et al. 2010, "Variance based sensitivity analysis of model output",
Comput. Phys. Commun. 181:259–270) computed with SALib. The factors are groups, three per actor: its
capability (one log-normal factor), its positions on all its issues, its saliences on all its issues — each
drawn from the same distributions as the Monte Carlo of :mod:`stakes.uncertainty`. For each issue's forecast:

* ``S1`` — the share of the forecast's variance the factor explains alone;
* ``ST`` — the share it takes part in, interactions included (``ST ≥ S1``; ``ST ≈ 0`` = does not matter).

The whole Saltelli sample (``N·(G + 2)`` scenarios for ``G`` factors) goes through the model in one batched
call. Factors with no declared spread are left out (they cannot vary).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from .arrays import ScenarioArrays, compile_scenario
from .errors import OptionError, StakesError
from .models import get_model, is_registered
from .scenario import Scenario
from .uncertainty import SpreadOverride, Spreads, capability_factor, resolve_spreads
from .variants import BASELINE, apply_variant

MAX_EVALUATIONS = 2_000_000
KINDS = ("capability", "position", "salience")
_EPS = 1e-9


@dataclass(frozen=True)
class Factors:
    """The SALib problem: one variable per uncertain input, grouped by (kind, actor)."""

    kind: list[str]
    actor: list[int]
    issue: list[int]  # -1 for capability
    groups: list[str]

    def problem(self) -> dict[str, Any]:
        names = [f"{k}:{a}:{i}" for k, a, i in zip(self.kind, self.actor, self.issue, strict=True)]
        return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names),
                "groups": list(self.groups)}


def factors_of(arrays: ScenarioArrays, spreads: Spreads) -> Factors:
    f = Factors([], [], [], [])
    for kind in KINDS:
        for k, actor in enumerate(arrays.actor_ids):
            if kind == "capability":
                cells = [-1] if spreads.capability[k] > 0 and arrays.mask[k].any() else []
            else:
                sd = spreads.position if kind == "position" else spreads.salience
                cells = [j for j in range(arrays.n_issues) if arrays.mask[k, j] and sd[k, j] > 0]
            for j in cells:
                f.kind.append(kind)
                f.actor.append(k)
                f.issue.append(j)
                f.groups.append(f"{kind}:{actor}")
    return f


def sample_arrays(arrays: ScenarioArrays, spreads: Spreads, factors: Factors, x: np.ndarray) -> ScenarioArrays:
    """Scenarios for the rows of a SALib sample ``x`` ``(M, D)`` on [0, 1]: each column drives one input."""
    u = np.clip(x, _EPS, 1 - _EPS)
    z = 2 * u - 1 if spreads.distribution == "uniform" else ndtri(u)
    m = x.shape[0]
    pos = np.repeat(arrays.position[:1], m, axis=0)
    sal = np.repeat(arrays.salience[:1], m, axis=0)
    cap = np.repeat(arrays.capability[:1], m, axis=0)
    for col, (kind, k, j) in enumerate(zip(factors.kind, factors.actor, factors.issue, strict=True)):
        if kind == "position":
            pos[:, k, j] = np.clip(pos[:, k, j] + spreads.position[k, j] * z[:, col],
                                   arrays.scale_min[j], arrays.scale_max[j])
        elif kind == "salience":
            sal[:, k, j] = np.clip(sal[:, k, j] + spreads.salience[k, j] * z[:, col], 0.0, 1.0)
        else:
            cap[:, k, :] *= capability_factor(spreads.capability[k], z[:, col], spreads.distribution)[:, None]
    return ScenarioArrays(arrays.actor_ids, arrays.issue_ids, cap, pos, sal, arrays.mask, arrays.scale_min,
                          arrays.scale_max, arrays.status_quo)


def saltelli_sample(problem: dict[str, Any], n: int, seed: int) -> np.ndarray:
    """SALib's ``sample.sobol.sample(problem, n, calc_second_order=False, seed=seed)``, the same matrix to the
    bit, with its row layout vectorised: SALib fills the ``n·(G + 2) × D`` matrix one cell at a time in Python
    (about 1 s of the report's 64-sample sensitivity, for 1 M cells). SALib still draws the scrambled Sobol'
    base sequence (through scipy's ``qmc.Sobol``, as SALib does), finds the groups and scales the rows, and
    estimates the indices. Per base row i: A, then for each group g the A row with g's columns taken from B,
    then B (A = the first D columns of the base sequence, B the last D). Tested equal to SALib's."""
    from SALib.util import compute_groups_matrix, scale_samples
    from scipy.stats import qmc

    d = problem["num_vars"]
    groups = problem.get("groups")
    if not groups or groups == problem["names"] or len(set(groups)) == 1:  # SALib's "no groups"
        take = np.eye(d, dtype=bool)  # one column per "group"
    else:
        _, names = compute_groups_matrix(groups)
        take = np.asarray(names)[:, None] == np.asarray(groups)[None, :]  # (G, D)
    base = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    a, b = base[:, :d], base[:, d:]
    mixed = np.where(take[None], b[:, None, :], a[:, None, :])  # (n, G, D)
    rows = np.concatenate([a[:, None, :], mixed, b[:, None, :]], axis=1).reshape(-1, d)
    return scale_samples(rows, problem)


AUTO_SAMPLES = (256, 512, 1024)
AUTO_BUDGET = 50_000
"""Model runs that the automatic sample size may spend in all (the sizes tried add up)."""
NEGATIVE_TOL = 0.02
WIDE_CONF = 0.10


@dataclass
class SensitivityResult:
    variant: str
    model: str
    samples: int
    evaluations: int
    seed: int
    indices: pd.DataFrame
    """``issue, factor, actor, S1, S1_conf, ST, ST_conf, sd`` — one row per issue × factor; ``sd`` is the
    forecast's standard deviation over the sample (0: the issue does not move, indices are 0)."""

    adapted: tuple[int, ...] = ()
    """Base sample sizes tried when the size was chosen automatically (``samples=None``)."""

    def problems(self) -> list[dict[str, str]]:
        """Indices that cannot be trusted at this sample size (``issue, kind, message``): a clearly negative
        index, a first-order index above the total one, or a 95 % interval wider than ±:data:`WIDE_CONF`
        on a factor that matters (ST > 0.05). Thresholds: docs/decisions/ensemble.md (diagnostics)."""
        out = []
        for r in self.indices.itertuples():
            if r.sd <= 0:
                continue
            what = f"{r.actor} {r.factor}"
            if min(r.S1 + r.S1_conf, r.ST + r.ST_conf) < -NEGATIVE_TOL:
                out.append({"issue": r.issue, "kind": "negative",
                            "message": f"{what}: S1 {r.S1:.2f} ± {r.S1_conf:.2f}, ST {r.ST:.2f} ± {r.ST_conf:.2f} "
                                       "below zero beyond its interval"})
            elif r.S1 - r.S1_conf > r.ST + r.ST_conf + NEGATIVE_TOL:
                out.append({"issue": r.issue, "kind": "s1-above-st",
                            "message": f"{what}: S1 {r.S1:.2f} above ST {r.ST:.2f} beyond their intervals"})
            elif r.ST > 0.05 and max(r.S1_conf, r.ST_conf) > WIDE_CONF:
                out.append({"issue": r.issue, "kind": "wide",
                            "message": f"{what}: interval ±{max(r.S1_conf, r.ST_conf):.2f} wider than "
                                       f"±{WIDE_CONF:.2f}"})
        return out

    def top(self, k: int = 5) -> pd.DataFrame:
        """The ``k`` factors with the largest total index per issue."""
        ordered = self.indices.sort_values(["issue", "ST"], ascending=[True, False], kind="stable")
        order = {i: n for n, i in enumerate(dict.fromkeys(self.indices["issue"]))}
        top = ordered.groupby("issue", sort=False).head(k)
        return top.sort_values("issue", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)

    def plot_data(self, k: int = 10) -> dict[str, list[dict[str, Any]]]:
        """Per issue, bars ``{label, S1, ST}`` largest first (for a horizontal bar chart)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for row in self.top(k).itertuples():
            out.setdefault(str(row.issue), []).append(
                {"label": f"{row.actor} {row.factor}", "S1": float(row.S1), "ST": float(row.ST)})
        return out

    def payload(self, k: int = 5) -> dict[str, Any]:
        return {"variant": self.variant, "model": self.model, "samples": self.samples,
                "evaluations": self.evaluations, "seed": self.seed, "samples_tried": list(self.adapted),
                "problems": self.problems(),
                "indices": self.indices.to_dict(orient="records"),
                "top": {issue: [{"actor": r["actor"], "factor": r["factor"], "ST": r["ST"], "S1": r["S1"]}
                                for r in sub.to_dict(orient="records")]
                        for issue, sub in self.top(k).groupby("issue", sort=False)}}


def sensitivity(scenario: Scenario, model: str | None = None, variant: str = BASELINE,
                samples: int | None = 256, *, seed: int | None = None, override: SpreadOverride | None = None,
                params: dict[str, Any] | None = None, resamples: int = 100) -> SensitivityResult:
    """Sobol indices of each issue's forecast under ``variant`` to each actor's capability/position/salience.

    ``samples`` is SALib's base sample ``N`` (rounded up to a power of two); the model runs on
    ``N·(G + 2)`` perturbed scenarios in one call. ``samples=None`` adapts it: :data:`AUTO_SAMPLES` in turn
    until :meth:`SensitivityResult.problems` finds nothing or the runs spent would pass :data:`AUTO_BUDGET`;
    the result says which sizes were tried (and the CLI prints what is still unreliable).
    """
    if samples is not None:
        return _sensitivity(scenario, model, variant, samples, seed, override, params, resamples)
    tried: list[int] = []
    result: SensitivityResult | None = None
    spent = 0
    for n in AUTO_SAMPLES:
        if result is not None and spent + n * (result.evaluations // result.samples) > AUTO_BUDGET:
            break
        result = _sensitivity(scenario, model, variant, n, seed, override, params, resamples)
        spent += result.evaluations
        tried.append(n)
        if not result.problems():
            break
    assert result is not None
    result.adapted = tuple(tried)
    return result


def _sensitivity(scenario: Scenario, model: str | None, variant: str, samples: int, seed: int | None,
                 override: SpreadOverride | None, params: dict[str, Any] | None, resamples: int
                 ) -> SensitivityResult:
    try:
        from SALib.analyze import sobol as sobol_analyze
    except ImportError:
        raise StakesError("sensitivity needs SALib: pip install 'stakes[sensitivity]'") from None
    if not isinstance(samples, int | np.integer) or samples < 2:
        raise OptionError(f"--samples must be a whole number of at least 2, got {samples}")
    n_base = 1 << (int(samples) - 1).bit_length()
    model_id = model or next((m for m in scenario.simulation_models if is_registered(m)), "weighted-mean")
    spec = get_model(model_id)
    seed = scenario.seed if seed is None else seed
    if seed < 0:
        raise OptionError(f"--seed must be a non-negative integer, got {seed}")
    vs = apply_variant(scenario, variant)
    arrays = compile_scenario(vs)
    spreads = resolve_spreads(vs, override)
    factors = factors_of(arrays, spreads)
    if not factors.kind:
        raise OptionError("nothing is uncertain, so nothing can drive the forecast: declare uncertainty."
                          "default in the scenario (or per-stance *_sd), or pass --position-sd/--salience-sd/"
                          "--capability-sd")
    problem = factors.problem()
    n_groups = len(dict.fromkeys(factors.groups))
    evaluations = n_base * (n_groups + 2)
    if evaluations > MAX_EVALUATIONS:
        raise OptionError(f"{n_base} samples × {n_groups + 2} = {evaluations:,} model runs is too many "
                          f"(at most {MAX_EVALUATIONS:,}); lower --samples")
    x = saltelli_sample(problem, n_base, seed)
    batch = sample_arrays(arrays, spreads, factors, x)
    merged = {**scenario.model_params(model_id), **(params or {})}
    forecast = spec.run_checked(batch, merged).forecast
    rows = []
    for j, issue in enumerate(arrays.issue_ids):
        y = forecast[:, j]
        sd = float(y.std())
        names = list(dict.fromkeys(factors.groups))
        if sd <= 1e-12 * max(1.0, float(arrays.span[j])):
            s1 = st = s1c = stc = np.zeros(len(names))
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=resamples,
                                           seed=seed)
            s1, st, s1c, stc = (np.asarray(si[key], dtype=float) for key in ("S1", "ST", "S1_conf", "ST_conf"))
        for g, name in enumerate(names):
            kind, actor = name.split(":", 1)
            rows.append({"issue": issue, "factor": kind, "actor": actor, "S1": float(s1[g]),
                         "S1_conf": float(s1c[g]), "ST": float(st[g]), "ST_conf": float(stc[g]), "sd": sd})
    frame = pd.DataFrame(rows, columns=["issue", "factor", "actor", "S1", "S1_conf", "ST", "ST_conf", "sd"])
    return SensitivityResult(variant, model_id, n_base, evaluations, seed, frame)



def sensitivity_table(results: Sequence[SensitivityResult], k: int = 5) -> pd.DataFrame:
    """The top ``k`` drivers of several results (variants or models) in one frame."""
    frames = [r.top(k).assign(variant=r.variant, model=r.model) for r in results]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
