"""Energy and frustration of two-coalition configurations (Axelrod & Bennett 1993, BJPolS 23:211–233, §2).

A configuration X puts every actor on side 0 or 1; ``d_ij(X) = 1`` when i and j are on different sides.
With sizes ``s_i > 0`` and symmetric propensities ``p_ij`` (positive: want to be together):

    frustration  F_i(X) = Σ_j s_j p_ij d_ij(X)
    energy       E(X)   = Σ_i s_i F_i(X) = Σ_{i≠j} s_i s_j p_ij d_ij(X)      (ordered pairs)

Lower energy is better. In spins ``σ_i = 1 − 2·side_i`` and ``W_ij = s_i s_j p_ij`` (zero diagonal),
``d_ij = (1 − σ_i σ_j)/2`` so ``E = (ΣW − σᵀWσ)/2``. Switching actor k changes its own frustration by
``ΔF_k = σ_k Σ_j s_j p_kj σ_j`` and the energy by ``ΔE_k = 2 s_k ΔF_k = 2 σ_k (Wσ)_k``: because ``s_k > 0``,
"no actor can lower its frustration by switching" is the same as "no single switch lowers E", which is
this package's definition of a local minimum (ties allowed: a switch that leaves E unchanged does not
leave the minimum; see :func:`tolerance`).

A configuration and its mirror image (every side swapped) are the same alignment; the canonical form puts
the *reference actor* (index 0, the scenario's first actor) on side 0.
"""

from __future__ import annotations

import numpy as np

REL_TOL = 1e-9
"""Energies closer than ``REL_TOL · Σ|W|`` count as equal (floating-point noise of the enumeration)."""


def weight_matrix(sizes: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """``W_ij = s_i s_j p_ij`` with a zero diagonal, shape ``(n, n)``."""
    s = np.asarray(sizes, dtype=float)
    w = s[:, None] * s[None, :] * np.asarray(propensity, dtype=float)
    np.fill_diagonal(w, 0.0)
    return w


def tolerance(w: np.ndarray) -> float:
    """Absolute energy tolerance for comparisons (relative to the total weight)."""
    return REL_TOL * max(float(np.abs(w).sum()), 1e-300)


def spins(sides: np.ndarray) -> np.ndarray:
    """Sides 0/1 to spins +1/−1 (float)."""
    return 1.0 - 2.0 * np.asarray(sides, dtype=float)


def energy(sides: np.ndarray, w: np.ndarray) -> np.ndarray:
    """E of configurations ``sides`` (``(..., n)`` of 0/1) for weights ``w``; shape ``(...)``."""
    sg = spins(sides)
    return 0.5 * (w.sum() - np.einsum("...i,ij,...j->...", sg, w, sg))


def frustration(sides: np.ndarray, sizes: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """``F_i = Σ_j s_j p_ij d_ij`` for each actor, shape ``(..., n)``."""
    sd = np.asarray(sides)
    d = (sd[..., :, None] != sd[..., None, :]).astype(float)
    p = np.array(propensity, dtype=float)
    np.fill_diagonal(p, 0.0)
    return np.einsum("j,ij,...ij->...i", np.asarray(sizes, dtype=float), p, d)


def flip_gains(sides: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``ΔE_k`` = E(k switched) − E for every actor k, shape ``(..., n)``."""
    sg = spins(sides)
    return 2.0 * sg * (sg @ w)


def is_local_minimum(sides: np.ndarray, w: np.ndarray, tol: float | None = None) -> np.ndarray:
    """True where no single actor's switch lowers E by more than ``tol``."""
    t = tolerance(w) if tol is None else tol
    return (flip_gains(sides, w) >= -t).all(axis=-1)


def canonical(sides: np.ndarray) -> np.ndarray:
    """The mirror image with actor 0 on side 0 (int8)."""
    sd = np.asarray(sides).astype(np.int8)
    return np.where(sd[..., :1] == 1, 1 - sd, sd).astype(np.int8)


def index_to_sides(index: np.ndarray | int, n: int) -> np.ndarray:
    """Configuration index → canonical sides: bit ``k−1`` of the index is the side of actor k; actor 0 is
    on side 0."""
    idx = np.asarray(index, dtype=np.int64)
    bits = (idx[..., None] >> np.arange(n - 1, dtype=np.int64)) & 1
    zero = np.zeros((*idx.shape, 1), dtype=np.int8)
    return np.concatenate([zero, bits.astype(np.int8)], axis=-1)


def sides_to_index(sides: np.ndarray) -> np.ndarray:
    """Canonical sides → configuration index (inverse of :func:`index_to_sides`; n ≤ 63)."""
    sd = canonical(sides).astype(np.int64)
    return (sd[..., 1:] << np.arange(sd.shape[-1] - 1, dtype=np.int64)).sum(axis=-1)
