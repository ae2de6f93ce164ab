"""Exact landscape: every two-coalition configuration, every local minimum and its basin of attraction.

Axelrod & Bennett (1993, §2–3): the system settles into a local minimum of the energy
``E(X) = Σ_{i≠j} s_i s_j p_ij d_ij(X)`` under single-actor switches; the global minimum, or the minimum with
the largest basin of attraction, is the prediction. See :mod:`.energy` for the formulas.

Enumeration. Actor 0 (the reference) is fixed on side 0, so there are ``N = 2^(n−1)`` distinct
configurations; bit ``k−1`` of a configuration's index is the side of actor k. The actors are split into a
low half (0..m, the index's low bits) and a high half; with ``σᵀWσ = Q_L + Q_H + 2 σ_Lᵀ W_LH σ_H`` every
energy comes from one matrix product ``S_H (S_L W_LH)ᵀ`` of shape ``(2^h, 2^m)`` — vectorised, no Python
loop over configurations.

Local minima: configuration x is one when no neighbour (x with one actor switched; switching actor 0 is the
mirror image of switching everybody else, index ``N−1−x``) has an energy lower than ``E(x) − tol``.

Basins (``basins=True``): steepest descent — from x move to the neighbour with the lowest energy if it is
lower than ``E(x) − tol`` (ties between neighbours: lowest actor index), until a local minimum; a minimum's
basin is the number of configurations whose descent ends there. All descents are followed at once by
pointer jumping. Memory is about 21 bytes per configuration, so basins stop at :data:`BASIN_MAX_N`; above
it, minima are found block by block (candidates filtered on the low half's switches, then checked exactly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..blas import on_one_blas_thread
from ..errors import OptionError
from .energy import flip_gains, index_to_sides, tolerance

BASIN_MAX_N = 25
"""Largest n for which basins are computed (2^24 configurations, about 350 MB)."""
EXACT_MAX_N = 32
"""Largest n the exact engine accepts at all (minima only above BASIN_MAX_N; time grows as 2^n)."""
_BLOCK = 1 << 17
"""Configurations per cache block."""
_STREAM_BLOCK = 1 << 21
"""Configurations per block when energies are computed block by block (16 MB of float64)."""
_SEARCH_BLOCK = 1 << 14
"""Configurations per block in :func:`global_minimum` (128 KB of float64: a block's passes stay in the CPU's
cache, and its matrix product is small enough for one BLAS thread, which does not wait for a busy second
core). Measured on the shared 2-core machine (noisy): n = 20 2–3 ms against 4–16 ms per landscape with 16 MB
blocks, n = 22 15 against 47 ms; the same minima and energies (a block is a product of the same rows)."""


@dataclass(frozen=True)
class Minimum:
    """A local minimum: canonical sides (actor 0 on side 0) and energy; ``basin``: configurations whose
    steepest descent ends here (exact engine) and ``share``: that count over all configurations — or, from
    the heuristic engine, the share of random-start descents that ended here (an estimate of it)."""

    index: int
    sides: np.ndarray
    energy: float
    basin: int | None = None
    share: float | None = None


@dataclass(frozen=True)
class ExactResult:
    n: int
    n_configurations: int
    minima: tuple[Minimum, ...]
    """Every local minimum, lowest energy first (ties: lower index first)."""
    basins: bool

    @property
    def best(self) -> Minimum:
        return self.minima[0]


def _spin_table(nbits: int) -> np.ndarray:
    idx = np.arange(1 << nbits, dtype=np.int64)
    return 1.0 - 2.0 * ((idx[:, None] >> np.arange(nbits, dtype=np.int64)) & 1).astype(float)


@dataclass(frozen=True)
class _Split:
    m: int
    h: int
    ql: np.ndarray  # (2^m,)
    qh: np.ndarray  # (2^h,)
    a: np.ndarray  # (2^m, h) = S_L W_LH
    sh: np.ndarray  # (2^h, h)
    total: float

    def rows(self, r0: int, r1: int) -> np.ndarray:
        """Energies of the configurations whose high bits are r0..r1−1, shape (r1−r0, 2^m)."""
        e = self.sh[r0:r1] @ self.a.T
        e *= -1.0
        e -= 0.5 * self.qh[r0:r1, None]
        e -= 0.5 * self.ql[None, :]
        e += 0.5 * self.total
        return e


def _split(w: np.ndarray) -> _Split:
    n = w.shape[0]
    f = n - 1
    m = (f + 1) // 2
    h = f - m
    sl = np.hstack([np.ones((1 << m, 1)), _spin_table(m)])
    sh = _spin_table(h)
    lo, hi = slice(0, m + 1), slice(m + 1, n)
    ql = ((sl @ w[lo, lo]) * sl).sum(axis=1)
    qh = ((sh @ w[hi, hi]) * sh).sum(axis=1)
    return _Split(m, h, ql, qh, sl @ w[lo, hi], sh, float(w.sum()))


def energies_all(w: np.ndarray) -> np.ndarray:
    """Energy of every canonical configuration, indexed as in :func:`.energy.index_to_sides`."""
    sp = _split(w)
    return sp.rows(0, 1 << sp.h).ravel()


@on_one_blas_thread
def global_minimum(w: np.ndarray) -> tuple[int, float]:
    """Index and energy of the lowest configuration (first index among equal energies), block by block."""
    n = w.shape[0]
    if n == 1:
        return 0, 0.0
    if n > EXACT_MAX_N:
        raise OptionError(f"the exact engine stops at n = {EXACT_MAX_N}; this landscape has n = {n}")
    sp = _split(w)
    cols = 1 << sp.m
    rb = max(1, _SEARCH_BLOCK // cols)
    best_i, best_e = 0, np.inf
    for r0 in range(0, 1 << sp.h, rb):
        e = sp.rows(r0, min(r0 + rb, 1 << sp.h)).ravel()
        k = int(np.argmin(e))
        if e[k] < best_e:
            best_i, best_e = r0 * cols + k, float(e[k])
    return best_i, best_e


def _neighbour_best(e2: np.ndarray, m: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Lowest neighbour energy and the actor whose switch reaches it, for every configuration (blocked)."""
    rows, cols = e2.shape
    best = e2[::-1, ::-1].copy()  # switching actor 0 = mirror of switching all others
    who = np.zeros((rows, cols), dtype=np.int8)
    rb = max(1, _BLOCK // cols)
    for r0 in range(0, rows, rb):
        e, b, kk = e2[r0:r0 + rb], best[r0:r0 + rb], who[r0:r0 + rb]
        nr = e.shape[0]
        for k in range(1, m + 1):
            step = 1 << (k - 1)
            ev, bv, kv = (x.reshape(nr, -1, 2, step) for x in (e, b, kk))
            for a, c in ((0, 1), (1, 0)):
                better = ev[:, :, c, :] < bv[:, :, a, :]
                np.copyto(bv[:, :, a, :], ev[:, :, c, :], where=better)
                np.copyto(kv[:, :, a, :], k, where=better)
    cb = max(1, _BLOCK // rows)
    for c0 in range(0, cols, cb):
        e, b, kk = e2[:, c0:c0 + cb], best[:, c0:c0 + cb], who[:, c0:c0 + cb]
        nc = e.shape[1]
        for j in range(h):
            step = 1 << j
            ev, bv, kv = (x.reshape(-1, 2, step, nc) for x in (e, b, kk))
            for a, c in ((0, 1), (1, 0)):
                better = ev[:, c] < bv[:, a]
                np.copyto(bv[:, a], ev[:, c], where=better)
                np.copyto(kv[:, a], m + 1 + j, where=better)
    return best.ravel(), who.ravel()


def _with_basins(w: np.ndarray, tol: float) -> ExactResult:
    n = w.shape[0]
    sp = _split(w)
    e2 = sp.rows(0, 1 << sp.h)
    e = e2.ravel()
    size = e.size
    best, who = _neighbour_best(e2, sp.m, sp.h)
    del e2
    stuck = best >= e - tol
    itype = np.int32 if size < 2**31 else np.int64
    masks = np.concatenate([[size - 1], 1 << np.arange(n - 1)]).astype(itype)
    step = masks[who]
    step[stuck] = 0
    nxt = np.arange(size, dtype=itype)
    nxt ^= step
    del best, who, step
    while True:  # pointer jumping: every configuration ends at the minimum its descent reaches
        nn = nxt[nxt]
        if np.array_equal(nn, nxt):
            break
        nxt = nn
    counts = np.bincount(nxt, minlength=size)
    idx = np.flatnonzero(stuck)
    return _result(n, size, idx, e[idx], counts[idx], basins=True)


def _streamed(w: np.ndarray, tol: float) -> ExactResult:
    n = w.shape[0]
    sp = _split(w)
    cols = 1 << sp.m
    rb = max(1, _STREAM_BLOCK // cols)  # big blocks: many small BLAS calls are slow on a busy machine
    found_idx: list[np.ndarray] = []
    found_e: list[np.ndarray] = []
    for r0 in range(0, 1 << sp.h, rb):
        e = sp.rows(r0, min(r0 + rb, 1 << sp.h))
        nr = e.shape[0]
        cand = np.ones(e.shape, dtype=bool)
        for k in range(1, sp.m + 1):
            step = 1 << (k - 1)
            ev, cv = e.reshape(nr, -1, 2, step), cand.reshape(nr, -1, 2, step)
            for a, c in ((0, 1), (1, 0)):
                cv[:, :, a, :] &= ev[:, :, c, :] >= ev[:, :, a, :] - tol
        local = np.flatnonzero(cand)
        if local.size == 0:
            continue
        idx = local + r0 * cols
        ok = (flip_gains(index_to_sides(idx, n), w) >= -tol).all(axis=1)
        found_idx.append(idx[ok])
        found_e.append(e.ravel()[local[ok]])
    idx = np.concatenate(found_idx) if found_idx else np.zeros(0, dtype=np.int64)
    en = np.concatenate(found_e) if found_e else np.zeros(0)
    return _result(n, 1 << (n - 1), idx, en, None, basins=False)


def _result(n: int, size: int, idx: np.ndarray, en: np.ndarray, basin: np.ndarray | None,
            basins: bool) -> ExactResult:
    order = np.lexsort((idx, en))
    minima = tuple(
        Minimum(int(idx[o]), index_to_sides(int(idx[o]), n), float(en[o]),
                None if basin is None else int(basin[o]), None if basin is None else float(basin[o]) / size)
        for o in order
    )
    return ExactResult(n, size, minima, basins)


@on_one_blas_thread
def exact_landscape(w: np.ndarray, *, basins: bool | None = None, tol: float | None = None) -> ExactResult:
    """Every local minimum of the landscape with weights ``w`` (see :func:`.energy.weight_matrix`).

    ``basins=None`` computes basins when ``n ≤ BASIN_MAX_N``. Raises :class:`OptionError` above
    :data:`EXACT_MAX_N` or when basins are asked for above :data:`BASIN_MAX_N`.
    """
    w = np.asarray(w, dtype=float)
    n = w.shape[0]
    if n > EXACT_MAX_N:
        raise OptionError(f"the exact engine enumerates 2^(n−1) configurations and stops at n = {EXACT_MAX_N}; "
                          f"this landscape has n = {n}: use the heuristic engine")
    want = n <= BASIN_MAX_N if basins is None else basins
    if want and n > BASIN_MAX_N:
        raise OptionError(f"basins of attraction need memory for every configuration and stop at "
                          f"n = {BASIN_MAX_N}; this landscape has n = {n}")
    t = tolerance(w) if tol is None else tol
    if n == 1:
        only = Minimum(0, np.zeros(1, dtype=np.int8), 0.0, 1 if want else None, 1.0 if want else None)
        return ExactResult(1, 1, (only,), want)
    return _with_basins(w, t) if want else _streamed(w, t)
