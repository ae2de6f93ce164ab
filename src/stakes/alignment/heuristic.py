"""Heuristic landscape for many actors: multi-start simulated annealing and steepest descent.

Same model as :mod:`.exact` (Axelrod & Bennett 1993): minimise ``E = (ΣW − σᵀWσ)/2`` over spins σ = ±1.
Every restart runs on its own row of an ``(R, n)`` spin matrix, all restarts at once (numpy), keeping the
local fields ``h = σW`` up to date after each switch (``h ← h − 2σ_k W_k``), so a switch costs O(R·n).

* ``anneal`` restarts: Metropolis single-actor switches in a random actor order per sweep, geometric
  cooling from ``T0`` (the median |ΔE| of a switch from random configurations) to ``T0·10⁻⁴``, then steepest
  descent to a local minimum;
* ``descent`` restarts: steepest descent (largest energy drop, ties to the lowest actor index, the rule of
  the exact engine) from configurations drawn uniformly; the share of these restarts that end in a minimum
  is an unbiased estimate of its basin share.

Every configuration returned is checked to be a local minimum (no switch lowers E by more than the
tolerance). Nothing guarantees the global minimum: the benchmark measures how often it is found.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import OptionError
from .energy import canonical, flip_gains, sides_to_index, tolerance
from .exact import Minimum

DEFAULT_RESTARTS = 32
COOLING = 1e-4


@dataclass(frozen=True)
class HeuristicResult:
    n: int
    minima: tuple[Minimum, ...]
    """Distinct local minima found, lowest energy first; ``share`` from the descent restarts."""
    restarts: int
    sweeps: int


def _descend(sg: np.ndarray, h: np.ndarray, w: np.ndarray, tol: float) -> None:
    """Steepest descent of every row in place until no switch lowers E by more than ``tol``."""
    rows = np.arange(sg.shape[0])
    while True:
        g = 2.0 * sg * h
        k = g.argmin(axis=1)
        act = g[rows, k] < -tol
        if not act.any():
            return
        r, kk = rows[act], k[act]
        old = sg[r, kk].copy()
        sg[r, kk] = -old
        h[r] -= 2.0 * old[:, None] * w[kk]


def _anneal(sg: np.ndarray, w: np.ndarray, sweeps: int, rng: np.random.Generator) -> np.ndarray:
    n = sg.shape[1]
    h = sg @ w
    g0 = np.abs(2.0 * sg * h)
    t0 = float(np.median(g0[g0 > 0])) if np.any(g0 > 0) else 1.0
    temps = t0 * COOLING ** (np.arange(sweeps) / max(sweeps - 1, 1))
    for t in temps:
        u = rng.random((n, sg.shape[0]))
        for k in rng.permutation(n):
            g = 2.0 * sg[:, k] * h[:, k]
            acc = np.flatnonzero((g <= 0) | (u[k] < np.exp(-np.maximum(g, 0) / t)))
            if acc.size:
                old = sg[acc, k].copy()
                sg[acc, k] = -old
                h[acc] -= 2.0 * old[:, None] * w[k]
    return h


def heuristic_landscape(w: np.ndarray, *, restarts: int = DEFAULT_RESTARTS, seed: int | np.random.SeedSequence = 0,
                        sweeps: int | None = None, descents: int | None = None,
                        tol: float | None = None) -> HeuristicResult:
    """Local minima found by ``restarts`` annealing runs plus ``descents`` random-start descents
    (default: as many as ``restarts``). ``sweeps`` per annealing run default to ``max(30, 2·√n·10)``."""
    w = np.asarray(w, dtype=float)
    n = w.shape[0]
    nd = restarts if descents is None else descents
    if restarts < 0 or nd < 0 or restarts + nd == 0:
        raise OptionError(f"the heuristic needs at least one restart, got restarts={restarts}, "
                          f"descents={descents}")
    nsweeps = sweeps if sweeps is not None else int(max(30, 20 * np.sqrt(n)))
    if nsweeps < 1:
        raise OptionError(f"sweeps must be ≥ 1, got {nsweeps}")
    t = tolerance(w) if tol is None else tol
    rng = np.random.default_rng(seed)
    blocks = []
    if restarts:
        sg = rng.choice([-1.0, 1.0], size=(restarts, n))
        _anneal(sg, w, nsweeps, rng)
        blocks.append((sg, False))
    if nd:
        blocks.append((rng.choice([-1.0, 1.0], size=(nd, n)), True))
    found: dict[bytes, list] = {}
    for sg, counts in blocks:
        h = sg @ w
        _descend(sg, h, w, t)
        h = sg @ w  # fresh fields, then make sure no drift left a downhill switch
        _descend(sg, h, w, t)
        sides = canonical((sg < 0).astype(np.int8))
        en = 0.5 * (w.sum() - np.einsum("ri,ri->r", sg, h))
        if not (flip_gains(sides, w) >= -t).all():  # cannot happen after a full descent; guard drift
            raise RuntimeError("the heuristic ended off a local minimum")
        for r in range(sides.shape[0]):
            key = sides[r].tobytes()
            entry = found.setdefault(key, [sides[r], float(en[r]), 0])
            entry[2] += int(counts)
    minima = []
    for sides_r, en_r, hits in found.values():
        idx = int(sides_to_index(sides_r)) if n <= 62 else -1
        minima.append(Minimum(idx, sides_r, en_r, None, hits / nd if nd else None))
    minima.sort(key=lambda m: (m.energy, m.sides.tobytes()))
    return HeuristicResult(n, tuple(minima), restarts + nd, nsweeps)
