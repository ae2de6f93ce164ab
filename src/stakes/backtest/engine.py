"""Run a model on every case at once: one batch per model, not a Python loop over cases.

* Models whose issues are independent (the baselines, BDM, Nash per issue) run once on the stacked arrays
  ``(R, n, D)``: one call covers every case and every Monte Carlo run.
* Models that couple the issues of a scenario (:data:`JOINT_MODELS`: KTAB's SMP, the exchange model) would let
  unrelated cases interact, so each case runs alone — batched with every other case of the same actor count
  and scale along the batch axis.

``tests/test_backtest.py`` checks both paths against a plain per-case loop.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..arrays import ScenarioArrays
from ..models import get_model
from ..uncertainty import SpreadOverride, perturb
from .cases import Cases

JOINT_MODELS = frozenset({"smp", "exchange"})
"""Models whose forecast on one issue depends on the other issues of the scenario."""

MC_RUNS_CAP = {"smp": 50}
"""Monte Carlo runs per case at most, by model (0 = the point forecast only); the first ones of the shared draws.
KTAB's SMP costs O(n³) per turn and ~18 turns per perturbed DEU run: its compiled engine takes ~0.33 s of CPU
per run of all 184 cases, so 200 runs would take ~70 s of CPU — more than the whole command's budget of
2 minutes on 2 shared cores. 50 runs (~17 s of CPU) give its predictive quantiles, CRPS and coverage within
that budget (benchmarks/README.md; docs/decisions/backtest.md)."""

DEFAULT_SPREADS = SpreadOverride(position=5.0, salience=10.0, capability=0.2)
"""Input uncertainty of a backtest's Monte Carlo when the data declare none: position sd 5 % of the scale,
salience sd 10 points, capability relative sd 0.2 (docs/decisions/backtest.md)."""


@dataclass(frozen=True)
class ModelRuns:
    """Forecasts of one model on every case: ``point`` ``(D,)`` from the unperturbed inputs and, with Monte
    Carlo, ``samples`` ``(R, D)``."""

    model: str
    point: np.ndarray
    samples: np.ndarray | None


def case_inputs(cases: Cases, runs: int, seed: int, spreads: SpreadOverride | None) -> ScenarioArrays:
    """The stacked arrays, and ``runs`` perturbed copies of them when ``runs > 1``."""
    if runs <= 1:
        return cases.arrays
    return perturb(cases.scenario, cases.arrays, runs, seed=seed, override=spreads or DEFAULT_SPREADS)


def run_stacked(model_id: str, arrays: ScenarioArrays, params: dict[str, Any] | None = None) -> np.ndarray:
    """Forecasts ``(B, D)`` of a model on stacked cases, whatever the model's coupling of issues."""
    spec = get_model(model_id)
    resolved = spec.resolve(params)
    if model_id not in JOINT_MODELS:
        return np.asarray(spec.run(arrays, **resolved).forecast, dtype=float)
    out = np.full((arrays.n_batch, arrays.n_issues), np.nan)
    groups = _groups(arrays)
    # largest groups first (work ~ cases × n³): a compiled engine that pays off there is then loaded, and the
    # models' engine "auto" uses it for the small groups too
    for (n, lo, hi), columns in sorted(groups.items(), key=lambda g: -len(g[1]) * g[0][0] ** 3):
        batch = _per_case_batch(arrays, columns, n, lo, hi)
        res = np.asarray(spec.run(batch, **resolved).forecast, dtype=float)  # (G·B, 1)
        out[:, columns] = res[:, 0].reshape(len(columns), arrays.n_batch).T
    return out


def run_model_on_cases(cases: Cases, model_id: str, params: dict[str, Any] | None = None, runs: int = 1,
                       seed: int = 0, spreads: SpreadOverride | None = None,
                       inputs: ScenarioArrays | None = None) -> ModelRuns:
    point = run_stacked(model_id, cases.arrays, params)[0]
    if runs <= 1:
        return ModelRuns(model_id, point, None)
    perturbed = inputs if inputs is not None else case_inputs(cases, runs, seed, spreads)
    cap = MC_RUNS_CAP.get(model_id)
    if cap == 0:
        return ModelRuns(model_id, point, None)
    if cap is not None and perturbed.n_batch > cap:
        perturbed = perturbed.take(slice(0, cap))
    return ModelRuns(model_id, point, run_stacked(model_id, perturbed, params))


def _groups(arrays: ScenarioArrays) -> dict[tuple[int, float, float], list[int]]:
    groups: dict[tuple[int, float, float], list[int]] = defaultdict(list)
    counts = arrays.mask.sum(axis=0)
    for k in range(arrays.n_issues):
        groups[(int(counts[k]), float(arrays.scale_min[k]), float(arrays.scale_max[k]))].append(k)
    return groups


def _per_case_batch(arrays: ScenarioArrays, columns: list[int], n: int, lo: float, hi: float) -> ScenarioArrays:
    """Cases ``columns`` (each with ``n`` actors) as one-issue scenarios along the batch axis, case-major:
    row ``g·B + b`` is case ``columns[g]``, run ``b``."""
    b = arrays.n_batch

    def gather(values: np.ndarray) -> np.ndarray:
        parts = []
        for k in columns:
            rows = np.flatnonzero(arrays.mask[:, k])
            parts.append(values[:, rows, k])  # (B, n)
        return np.concatenate(parts, axis=0)[:, :, None]  # (G·B, n, 1)

    return ScenarioArrays(
        actor_ids=tuple(f"a{i}" for i in range(n)), issue_ids=("case",),
        capability=gather(arrays.capability), position=gather(arrays.position), salience=gather(arrays.salience),
        mask=np.ones((n, 1), dtype=bool), scale_min=np.array([lo]), scale_max=np.array([hi]),
        # the joint models do not read the status quo; NaN makes sure nothing silently uses a wrong one
        status_quo=np.array([np.nan]),
    ) if b * len(columns) > 0 else arrays


__all__ = ["DEFAULT_SPREADS", "JOINT_MODELS", "MC_RUNS_CAP", "ModelRuns", "case_inputs", "run_model_on_cases",
           "run_stacked"]
