"""Alignment under uncertainty: perturbed sizes and propensities, the probability of each side and thesis.

Draws (same conventions as :mod:`stakes.uncertainty`): each actor's size gets one multiplicative factor
``exp(σz − σ²/2)``, ``σ² = ln(1 + r²)`` (mean 1, relative sd ``r`` = the actor's ``capability_sd`` or
``uncertainty.default.capability``); each pair's propensity gets ``+ a·z`` with ``a`` =
``uncertainty.default.affinity``, the same draw for (i, j) and (j, i). ``distribution: uniform`` uses
``u ~ U(−1, 1)`` instead of z and the factor ``(1 + r)^u``.

Reproducibility: run ``r`` draws from block ``r // BLOCK`` whose generator is seeded by
``SeedSequence(seed, spawn_key=(STREAM, block))``; draws are made on the baseline's actors and shared by every
variant (common random numbers), so a variant's effect is not blurred by fresh noise.

Each run's prediction is the global minimum (vectorised over runs by one matrix product for
n ≤ :data:`BATCH_MAX_N`, by a blocked enumeration per run up to :data:`PER_RUN_EXACT_MAX_N`) or, for
``predict="basin"``, ``engine="heuristic"`` or larger n, one engine call per run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..blas import on_one_blas_thread
from ..errors import OptionError
from ..scenario import Scenario
from ..scopes import cache_scope
from ..variants import BASELINE, apply_variant
from .api import side_theses, solve
from .energy import index_to_sides, weight_matrix
from .exact import global_minimum
from .propensity import Landscape, Pairs, check_landscape, landscape_from_scenario

BLOCK = 256
STREAM = 0xA11
BATCH_MAX_N = 16
PER_RUN_EXACT_MAX_N = 24
MAX_RUNS = 1_000_000


@dataclass(frozen=True)
class SideProbabilities:
    variant: str
    runs: int
    reference: str
    actor_ids: tuple[str, ...]
    same_side: dict[str, float]
    """Probability that each actor ends on the reference actor's side (side 0)."""
    theses: dict[str, float | None]
    """Probability that each side thesis of this variant holds (None: an actor it names is absent)."""
    sides: np.ndarray
    """Predicted canonical sides per run, ``(runs, n)`` int8."""

    def as_dict(self) -> dict[str, Any]:
        return {"variant": self.variant, "runs": self.runs, "reference": self.reference,
                "same_side": self.same_side, "theses": self.theses}


def _block_draws(scenario: Scenario, block: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit draws of one block of runs: ``(BLOCK, n)`` for sizes, ``(BLOCK, n, n)`` symmetric for propensities."""
    n = len(scenario.actors)
    uniform = scenario.uncertainty.distribution == "uniform"
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STREAM, block)))
    zs = rng.uniform(-1, 1, (BLOCK, n)) if uniform else rng.standard_normal((BLOCK, n))
    tri = rng.uniform(-1, 1, (BLOCK, n, n)) if uniform else rng.standard_normal((BLOCK, n, n))
    tri = np.triu(tri, 1)
    return zs, tri + tri.transpose(0, 2, 1)


def _draws(scenario: Scenario, runs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit draws of runs 0..runs−1 (baseline actor ids)."""
    blocks = [_block_draws(scenario, b, seed) for b in range((runs + BLOCK - 1) // BLOCK)]
    return np.concatenate([z for z, _ in blocks])[:runs], np.concatenate([z for _, z in blocks])[:runs]


def perturb(land: Landscape, scenario: Scenario, zs: np.ndarray, zp: np.ndarray,
            base_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Perturbed sizes ``(B, n)`` and propensities ``(B, n, n)`` of a (variant's) landscape."""
    pick = np.array([base_ids.index(a) for a in land.actor_ids])
    default = scenario.uncertainty.default
    r = np.array([scenario.actor(a).capability_sd if scenario.actor(a).capability_sd is not None
                  else default.capability for a in land.actor_ids])
    z = zs[:, pick]
    if scenario.uncertainty.distribution == "uniform":
        factor = (1.0 + r) ** z
    else:
        sig = np.sqrt(np.log1p(r**2))
        factor = np.exp(sig * z - sig**2 / 2)
    p = land.propensity[None] + default.affinity * zp[:, pick][:, :, pick]
    for i in range(p.shape[1]):
        p[:, i, i] = 0.0
    return land.sizes[None] * factor, p


def _batched_global(sizes: np.ndarray, p: np.ndarray, chunk: int = 64) -> np.ndarray:
    """Global-minimum canonical sides of many small landscapes at once, ``(B, n)``."""
    n = sizes.shape[1]
    if n == 1:
        return np.zeros((sizes.shape[0], 1), dtype=np.int8)
    iu, ju = np.triu_indices(n, 1)
    sg = 1.0 - 2.0 * index_to_sides(np.arange(1 << (n - 1)), n)
    pp = sg[:, iu] * sg[:, ju]  # (N, pairs): σ_i σ_j
    out = np.empty(sizes.shape, dtype=np.int8)
    for b0 in range(0, sizes.shape[0], chunk):
        s, q = sizes[b0:b0 + chunk], p[b0:b0 + chunk]
        wpair = s[:, iu] * s[:, ju] * q[:, iu, ju]  # (b, pairs)
        best = np.argmax(pp @ wpair.T, axis=0)  # max σᵀWσ = min E
        out[b0:b0 + chunk] = index_to_sides(best, n)
    return out


@on_one_blas_thread
def _solve_runs(land: Landscape, sizes: np.ndarray, p: np.ndarray, engine: str, predict: str, restarts: int,
                seed: int, first: int) -> np.ndarray:
    """Predicted canonical sides of each perturbed landscape, ``(B, n)``."""
    n = land.n
    exact_ok = predict == "global" and engine != "heuristic"
    if exact_ok and n <= BATCH_MAX_N:
        return _batched_global(sizes, p)
    out = np.empty(sizes.shape, dtype=np.int8)
    for r in range(sizes.shape[0]):
        check_landscape(land.actor_ids, sizes[r], p[r])
        if exact_ok and n <= PER_RUN_EXACT_MAX_N:
            out[r] = index_to_sides(global_minimum(weight_matrix(sizes[r], p[r]))[0], n)
            continue
        run_seed = np.random.SeedSequence(seed, spawn_key=(STREAM, 1 << 20, first + r))
        _, minima, _, _ = solve(Landscape(land.actor_ids, sizes[r], p[r]), engine, predict=predict,
                                restarts=restarts, seed=run_seed)
        pick = 0 if predict == "global" else int(np.argmax([m.share or 0.0 for m in minima]))
        out[r] = minima[pick].sides
    return out


_SHARED: ContextVar[dict[tuple[Any, ...], tuple[Scenario, np.ndarray]] | None] = ContextVar(
    "stakes_shared_side_runs", default=None)


@contextmanager
def share_side_runs() -> Iterator[None]:
    """Inside this block, :func:`side_probabilities` keeps each Monte Carlo's per-run sides, and a later call
    on the same scenario object, variant, seed and settings with no more runs takes its first runs from them
    instead of solving them again (e.g. a report's alignment section, 100 runs, then the forecast's side
    thesis probabilities, 48). The runs are the same: run r's draws depend only on (seed, r), and the per-run
    engines solve each run alone. The batched path (n ≤ :data:`BATCH_MAX_N`, cheap) is never shared: its
    matrix products span several runs, so a run's last bits might depend on its neighbours."""
    with cache_scope(_SHARED):
        yield


def side_probabilities(scenario: Scenario, variant: str | None = None, runs: int = 200, *,
                       engine: str = "auto", predict: str = "global", propensity: str | None = None,
                       matrix: Pairs | None = None, seed: int | None = None, restarts: int = 8
                       ) -> SideProbabilities:
    """Monte Carlo over sizes and propensities for one variant: P(same side as the reference actor), P(thesis)."""
    if not 1 <= runs <= MAX_RUNS:
        raise OptionError(f"--runs must be between 1 and {MAX_RUNS}, got {runs}")
    vid = variant or BASELINE
    sd = scenario.seed if seed is None else seed
    sc = apply_variant(scenario, vid)
    land = landscape_from_scenario(sc, baseline=scenario, mode=propensity, extra=matrix)
    shared = _SHARED.get()
    batched = predict == "global" and engine != "heuristic" and land.n <= BATCH_MAX_N
    key = (id(scenario), vid, sd, engine, predict, propensity, restarts)
    if shared is not None and matrix is None and not batched and key in shared \
            and len(shared[key][1]) >= runs:
        sides = shared[key][1][:runs].copy()
    else:
        sides = _monte_carlo(scenario, land, runs, sd, engine, predict, restarts)
        if shared is not None and matrix is None and not batched:
            shared[key] = (scenario, sides)  # the scenario held: its id() cannot be reused in the block
    ids = land.actor_ids
    same = {a: float(np.mean(sides[:, i] == 0)) for i, a in enumerate(ids)}
    theses: dict[str, float | None] = {}
    pos = {a: i for i, a in enumerate(ids)}
    for t in side_theses(scenario):
        if (t.variant or BASELINE) != vid:
            continue
        if t.with_actor not in pos or any(a not in pos for a in t.actors):
            theses[t.id] = None
            continue
        ref = sides[:, pos[t.with_actor]]
        holds = np.all((sides[:, [pos[a] for a in t.actors]] == ref[:, None]) == t.same, axis=1)
        theses[t.id] = float(holds.mean())
    return SideProbabilities(vid, runs, ids[0], ids, same, theses, sides)


def _monte_carlo(scenario: Scenario, land: Landscape, runs: int, seed: int, engine: str, predict: str,
                 restarts: int) -> np.ndarray:
    """Predicted canonical sides of runs 0..runs−1, ``(runs, n)`` int8."""
    sides = np.empty((runs, land.n), dtype=np.int8)
    for b0 in range(0, runs, BLOCK):  # one block of draws at a time: memory O(BLOCK·n²)
        zs, zp = _block_draws(scenario, b0 // BLOCK, seed)
        b1 = min(b0 + BLOCK, runs)
        sizes, p = perturb(land, scenario, zs[:b1 - b0], zp[:b1 - b0], scenario.actor_ids)
        sides[b0:b1] = _solve_runs(land, sizes, p, engine, predict, restarts, seed, b0)
    return sides
